"""The shared warehouse on PostgreSQL (``nq57 build --target postgres``), against a real server.

One DuckDB build and one PostgreSQL build of the five documents and three
simulated months of submissions are made once for the module, side by side,
from the same inputs (see ``postgres_fixtures``); the tests compare them and
then work on the PostgreSQL one (the publishing tests last). The faults of a
build (a wrong URL, a refused budget, the lock) are in test_postgres_faults.py,
Dagster's own storage on PostgreSQL in test_postgres_dagster.py.
"""

from __future__ import annotations

import math
import sys
import threading
import time
import unicodedata
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest
from fixtures.processes import kill_when, run_here, start_script
from postgres_fixtures import (
    PUBLISH_SCRIPT,
    REPO,
    build_both_targets,
    fake_build_schemas,
    new_database,
    pg,
    publication,
    reader_url,
    run,
)

MF = str(Path(sys.executable).with_name("mf"))

pg_url = pytest.fixture(scope="module")(new_database)


@pytest.fixture(scope="module")
def builds(pg_url, tmp_path_factory):
    return build_both_targets(tmp_path_factory.mktemp("pg-builds"), pg_url)


def _comparable(value):
    """Doubles compared to 12 significant digits (DuckDB and PostgreSQL round differently)."""
    if isinstance(value, float):
        return float(f"{value:.12g}") if math.isfinite(value) else value
    return value


def _sort_key(row):
    return tuple((value is None, repr(value)) for value in row)


def test_the_postgres_build_runs_the_build_job_and_publishes_every_mart(builds):
    out = builds["pg"].stdout
    # The steps of the one build_warehouse job, its publish asset last.
    for step in ("raw__source_documents", "nq57_dbt_models", "published__warehouse"):
        assert f"finished  {step}" in out, out[-3000:]
    assert "published postgres target postgresql://" in out
    assert "marts.fct_tasks" in out and "132 rows" in out
    assert "quality gate:" in out and "0 blocking failure(s)" in out


def test_every_mart_has_the_same_rows_on_both_targets(builds, pg_url):
    with duckdb.connect(str(builds["duckdb"]), read_only=True) as duck, pg(pg_url) as server:
        tables = [
            (schema, table)
            for schema, table in duck.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema in ('marts', 'semantic') order by 1, 2"
            ).fetchall()
        ]
        assert ("marts", "fct_tasks") in tables and len(tables) > 20
        for schema, table in tables:
            duck_result = duck.execute(f'select * from "{schema}"."{table}"')
            duck_columns = [d[0] for d in duck_result.description]
            duck_rows = duck_result.fetchall()
            cursor = server.execute(f'select * from "{schema}"."{table}"')
            pg_columns = [d.name for d in cursor.description]
            pg_rows = cursor.fetchall()
            assert pg_columns == duck_columns, f"{schema}.{table}: columns differ"
            assert len(pg_rows) == len(duck_rows), f"{schema}.{table}: row counts differ"
            left = sorted((tuple(map(_comparable, r)) for r in duck_rows), key=_sort_key)
            right = sorted((tuple(map(_comparable, r)) for r in pg_rows), key=_sort_key)
            for duck_row, pg_row in zip(left, right):
                assert pg_row == duck_row, f"{schema}.{table}: {pg_row} != {duck_row}"
                for value in pg_row:
                    if isinstance(value, str):
                        assert unicodedata.normalize("NFC", value) == value
        # Types survive: amounts are exact numerics, deadlines are dates.
        amount, due = server.execute(
            "select (select amount_million_vnd from marts.fct_budget_lines "
            " where budget_line_id = 'lang-son-234-2025-fy2026-total' and stage = 'estimate'), "
            "(select due_date from marts.fct_tasks where due_date is not null limit 1)"
        ).fetchone()
        assert amount == Decimal("384172.000") and isinstance(amount, Decimal)
        assert type(due).__name__ == "date"


def test_the_reader_reads_the_published_marts_and_cannot_write(builds, pg_url):
    import psycopg

    with psycopg.connect(reader_url(pg_url), autocommit=True) as reader:
        assert reader.execute("select count(*) from marts.fct_tasks").fetchone()[0] == 132
        assert reader.execute("select count(*) from semantic.metricflow_time_spine").fetchone()[0]
        for statement in [
            "insert into marts.fct_tasks (plan_id) values ('x')",
            "delete from marts.fct_budget_lines",
            "update marts.fct_tasks set task_name = 'x'",
            "create table marts.mine (x int)",
            "create table public.mine (x int)",
            "create temporary table mine (x int)",
            "drop table marts.fct_tasks",
            "select count(*) from raw.plans",
            "select count(*) from nq57_meta.publications",
        ]:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                reader.execute(statement)


def _mf(project: Path, env: dict, metrics: str, group_by: str | None = None) -> str:
    argv = [MF, "query", "--metrics", metrics, "--decimals", "3"]
    if group_by:
        argv += ["--group-by", group_by, "--order", group_by]
    result = run(argv, {**env, "DBT_PROFILES_DIR": str(project)}, cwd=project, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    # The table after the spinner line.
    return result.stdout[result.stdout.index("\n", result.stdout.index("Success")) :].strip()


def _project_copy(tmp: Path, name: str) -> Path:
    """The dbt project with its own target/ folder, for a semantic manifest of one target."""
    project = tmp / name
    project.mkdir()
    for entry in (REPO / "dbt").iterdir():
        if entry.name not in ("target", "logs"):
            (project / entry.name).symlink_to(entry)
    return project


def _parse_here(project: Path, env: dict) -> None:
    """``dbt parse`` of ``project`` for ``env``'s target, in this process (no dbt start-up):
    its target/semantic_manifest.json is what ``mf query`` reads."""
    from dagster_project.warehouse.dbt_runner import run_dbt

    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            if key.startswith(("NQ57_", "DBT_")):
                patch.setenv(key, value)
        parsed = run_dbt(
            ["parse", "--project-dir", str(project), "--profiles-dir", str(project), "--quiet"]
        )
    assert parsed.success, parsed.exception
    assert (project / "target" / "semantic_manifest.json").is_file()


def test_mf_query_gives_the_same_answers_on_both_targets(builds, pg_url):
    tmp, env = builds["tmp"], builds["env"]
    answers = {}
    for target in ("dev", "postgres"):
        project = _project_copy(tmp, f"mf-{target}")
        target_env = {
            **env,
            "NQ57_DBT_TARGET": target,
            "NQ57_PG_DBNAME": urlsplit(pg_url).path.lstrip("/"),
        }
        _parse_here(project, target_env)
        answers[target] = [
            _mf(project, target_env, "tasks_total,reports_expected,rows_quarantined,tasks_overdue"),
            _mf(
                project,
                target_env,
                "tasks_total,budget_estimate_million_vnd,budget_allocated_million_vnd,"
                "budget_disbursed_million_vnd",
                "plan__province_name",
            ),
        ]
    lines = answers["dev"][0].splitlines()
    assert dict(zip(lines[0].split(), lines[-1].split()))["tasks_total"] == "132"
    assert answers["postgres"] == answers["dev"]
    assert "384172.000" in answers["postgres"][1]


def test_the_report_reads_the_same_figures_from_postgres(builds, pg_url, tmp_path):
    outputs = {}
    for target, env in (("duckdb", builds["env"]), ("postgres", builds["pg_env"])):
        result = run_here(
            [
                "report",
                "--target",
                target,
                "--province",
                "lang-son",
                "--period",
                "2026-Q1",
                "--format",
                "html",
                "--out",
                str(tmp_path / target),
            ],
            env,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        outputs[target] = result.stdout.splitlines()[0]
    assert outputs["postgres"] == outputs["duckdb"]
    assert " figures traced" in outputs["postgres"]
    html = (tmp_path / "postgres" / "bao-cao_lang-son_2026-Q1.html").read_text(encoding="utf-8")
    # The report names what it read: the database and the publication.
    assert f"{urlsplit(pg_url).path.lstrip('/')}-{publication(pg_url)}.duckdb" in html


def test_kill_9_during_the_publish_leaves_the_published_marts_intact(builds, pg_url):
    before = publication(pg_url)
    fake_build_schemas(pg_url, {"fct_tasks": None})
    env = {**builds["pg_env"], "NQ57_TEST_PAUSE_AT": "postgres_publish_renamed"}
    process = start_script(PUBLISH_SCRIPT, env=env)
    try:
        kill_when(process, "paused at postgres_publish_renamed")
    finally:
        if process.poll() is None:
            process.kill()
    # The server rolls the transaction back when its client dies.
    deadline = time.monotonic() + 30
    while True:
        with pg(pg_url) as conn:
            busy = conn.execute(
                "select count(*) from pg_stat_activity where application_name = 'nq57' "
                "and datname = current_database()"
            ).fetchone()[0]
        if not busy or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert publication(pg_url) == before
    with pg(pg_url) as conn:
        assert conn.execute("select count(*) from marts.fct_tasks").fetchone()[0] == 132


def test_a_publish_then_rollback_restores_the_previous_marts(builds, pg_url):
    from dagster_project.warehouse import postgres as target

    before = publication(pg_url)
    with pg(pg_url, autocommit=True) as conn:
        # What the killed publish left is dropped by the next build; do the same here.
        target.drop_build_schemas(conn)
    fake_build_schemas(pg_url, {"fct_tasks": None})
    published = run([sys.executable, "-c", PUBLISH_SCRIPT], builds["pg_env"], timeout=120)
    assert published.returncode == 0, published.stderr
    with pg(pg_url) as conn:
        assert conn.execute("select count(*) from marts.fct_tasks").fetchone()[0] == 0
    listed = run_here(["rollback", "--target", "postgres", "--list"], builds["pg_env"])
    assert before in listed.stdout
    rolled = run_here(["rollback", "--target", "postgres"], builds["pg_env"])
    assert rolled.returncode == 0, rolled.stderr
    assert f"restored publication {before}" in rolled.stdout
    assert publication(pg_url) == before
    with pg(pg_url) as conn:
        assert conn.execute("select count(*) from marts.fct_tasks").fetchone()[0] == 132


READER_QUERY = (
    "select (select count(*) from marts.fct_tasks), (select count(*) from marts.fct_budget_lines)"
)


def test_a_reader_during_publishes_sees_no_error_and_always_a_whole_publication(builds, pg_url):
    """``nq57_reader`` queries two marts in a loop while five publications replace each other.

    Each publication has fewer rows in both marts than the one before, so a
    query that saw one mart before a swap and the other after it would return
    a pair of counts no publication ever had.
    """
    import psycopg

    from dagster_project.warehouse import postgres as target

    with pg(pg_url) as conn:
        published = [conn.execute(READER_QUERY).fetchone()]
    seen: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        with psycopg.connect(reader_url(pg_url), autocommit=True) as reader:
            while not stop.is_set():
                try:
                    seen.append(reader.execute(READER_QUERY).fetchone())
                except psycopg.Error as error:
                    errors.append(error)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(5):
            fake_build_schemas(pg_url, {"fct_tasks": 5, "fct_budget_lines": 5})
            with pg(pg_url, autocommit=True) as conn:
                conn.execute("select pg_sleep(0.2)")
                rows = target.mart_row_counts(conn, "marts" + target.BUILD_SUFFIX)
                target.publish_build(conn, rows, keep=3)
                published.append(conn.execute(READER_QUERY).fetchone())
        time.sleep(0.2)
    finally:
        stop.set()
        reader.join(timeout=60)
    assert errors == []
    assert len(set(published)) == 6, published
    assert published[0] in seen and published[-1] in seen
    assert set(seen) <= set(published), sorted(set(seen) - set(published))
