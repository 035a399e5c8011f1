"""Dagster's own storage on PostgreSQL (deploy/dagster_postgres/dagster.yaml)."""

from __future__ import annotations

import os
import uuid

from postgres_fixtures import REPO, SERVER_URL, database_url, drop_database, server_or_skip


def test_dagster_keeps_its_runs_in_postgres_when_the_url_is_set(monkeypatch, tmp_path):
    import psycopg
    from dagster import DagsterInstance, job, op

    server_or_skip()
    name = f"nq57_dagster_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    try:
        # SQLAlchemy 2.1 takes psycopg 3 for postgresql://, whose server-side
        # parameters dagster-postgres' NOTIFY does not support: name psycopg2.
        url = database_url(name).replace("postgresql://", "postgresql+psycopg2://", 1)
        monkeypatch.setenv("NQ57_DAGSTER_POSTGRES_URL", url)
        monkeypatch.chdir(tmp_path)  # the artifact folders are relative to the working folder

        @op
        def hello():
            return 1

        @job
        def probe():
            hello()

        with DagsterInstance.from_config(str(REPO / "deploy" / "dagster_postgres")) as instance:
            assert type(instance.run_storage).__name__ == "PostgresRunStorage"
            assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
            assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
            result = probe.execute_in_process(instance=instance)
            assert result.success
        with psycopg.connect(database_url(name)) as conn:
            assert conn.execute("select count(*) from runs").fetchone()[0] == 1
    finally:
        drop_database(name)
