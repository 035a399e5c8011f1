"""Faults of ``nq57 build --target postgres``: a wrong URL or a server that is down, a
refused budget, and the one build lock shared with the DuckDB target.

The database starts with a small publication made by the real publish
transaction (``publish_build``), which the refused builds must leave as it is.
"""

from __future__ import annotations

import pytest
from fixtures.processes import run_here
from postgres_fixtures import NQ57, env_for, new_database, pg, publication, run

pg_url = pytest.fixture(scope="module")(new_database)


@pytest.fixture(scope="module")
def published(pg_url):
    """A publication of one mart, ``marts.fct_budget_lines``, published by ``publish_build``."""
    from dagster_project.warehouse import postgres as target

    target.ensure_database(target.PostgresTarget.from_url(pg_url))
    with pg(pg_url, autocommit=True) as conn:
        for schema in target.PUBLISHED_SCHEMAS:
            conn.execute(f'create schema "{schema}{target.BUILD_SUFFIX}"')
        conn.execute(
            f'create table "marts{target.BUILD_SUFFIX}".fct_budget_lines as '
            "select 'lang-son-234-2025-fy2026-total' as budget_line_id, 'estimate' as stage, "
            "384172.000::numeric(18, 3) as amount_million_vnd"
        )
        target.publish_build(conn, {"fct_budget_lines": 1}, keep=3)
    return publication(pg_url)


def test_a_wrong_url_or_a_server_down_gives_one_line_naming_the_target(tmp_path):
    for url, words in [
        ("postgresql://postgres@127.0.0.1:1/nq57", "127.0.0.1:1"),
        ("mysql://127.0.0.1/nq57", "not a postgresql:// URL"),
    ]:
        result = run([NQ57, "build", "--target", "postgres"], env_for(tmp_path, url), timeout=600)
        assert result.returncode == 1
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, result.stderr
        assert words in lines[0] and "Traceback" not in result.stderr


def _budget(pg_url: str) -> list[tuple]:
    with pg(pg_url) as conn:
        return conn.execute(
            "select budget_line_id, stage, amount_million_vnd from marts.fct_budget_lines "
            "order by 1, 2"
        ).fetchall()


def test_a_broken_budget_is_refused_and_the_published_marts_stay(published, pg_url, tmp_path):
    from test_wap_dagster import negative_amount_seeds

    before = (publication(pg_url), _budget(pg_url))
    seeds = negative_amount_seeds(tmp_path / "seeds")
    # In this process: a full build's imports cost seconds; the refusal is the same.
    result = run_here(
        [
            "build",
            "--target",
            "postgres",
            "--seeds",
            str(seeds),
            "--report-dir",
            str(tmp_path / "reports"),
        ],
        env_for(tmp_path / "warehouse", pg_url),
    )
    assert result.returncode == 1, result.stdout[-2000:]
    assert "left unchanged" in result.stderr
    assert "amount" in result.stderr
    assert (publication(pg_url), _budget(pg_url)) == before
    with pg(pg_url) as conn:
        leftovers = conn.execute(
            "select nspname from pg_namespace where nspname like '%\\_\\_nq57\\_build'"
        ).fetchall()
    assert leftovers == []


@pytest.mark.parametrize("refused", ["before the imports", "when its run starts"])
def test_a_postgres_build_is_refused_while_a_duckdb_build_holds_the_lock(
    published, pg_url, tmp_path, monkeypatch, refused
):
    from dagster_project.commands import postgres as postgres_command
    from dagster_project.warehouse.publish import WarehouseLayout, build_lock

    env = env_for(tmp_path / "warehouse", pg_url)
    before = (publication(pg_url), _budget(pg_url))
    # The lock a DuckDB build of this warehouse holds while it runs.
    with build_lock(WarehouseLayout(tmp_path / "warehouse" / "nq57.duckdb")):
        if refused == "before the imports":
            result = run([NQ57, "build", "--target", "postgres"], env, timeout=600)
        else:
            # The DuckDB build took the lock after this one's early check: the run's lock refuses.
            monkeypatch.setattr(postgres_command, "refuse_if_building", lambda layout: None)
            result = run_here(["build", "--target", "postgres"], env)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "another nq57 build" in result.stderr, result.stderr[-2000:]
    assert (publication(pg_url), _budget(pg_url)) == before
