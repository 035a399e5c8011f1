"""The shared warehouse on PostgreSQL (``nq57 build --target postgres``), against a real server.

Each run makes its own database on the server named by ``NQ57_TEST_POSTGRES_URL``
(default: postgresql://postgres@127.0.0.1:5432/postgres, trust auth) and drops
it afterwards. Without a reachable server the tests are skipped with the
reason, except under CI=true, where they fail: CI starts a server (.ci/run).

One DuckDB build and one PostgreSQL build of the five documents are made per
module, from the same seeds; the tests compare them and then work on the
PostgreSQL one (the fault tests last, as they publish).
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
import unicodedata
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
NQ57 = str(Path(sys.executable).with_name("nq57"))
MF = str(Path(sys.executable).with_name("mf"))
DBT = str(Path(sys.executable).with_name("dbt"))
SERVER_URL = os.environ.get(
    "NQ57_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _server_or_skip() -> None:
    import psycopg

    try:
        psycopg.connect(SERVER_URL, connect_timeout=3).close()
    except psycopg.Error as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        message = (
            f"no PostgreSQL server reachable at {SERVER_URL} ({reason}); "
            "start one (.ci/run does) or set NQ57_TEST_POSTGRES_URL"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def _database_url(name: str) -> str:
    parts = urlsplit(SERVER_URL)
    return parts._replace(path=f"/{name}").geturl()


@pytest.fixture(scope="module")
def pg_url():
    import psycopg

    _server_or_skip()
    name = f"nq57_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    yield _database_url(name)
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


def _env(tmp: Path, pg_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env.update(
        NQ57_WAREHOUSE=str(tmp / "warehouse" / "nq57.duckdb"),
        NQ57_POSTGRES_URL=pg_url,
        **extra,
    )
    return env


def _run(argv, env, cwd=REPO, timeout=1800) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def builds(pg_url, tmp_path_factory):
    """Both targets built from the repository's seeds with the CLI, one after the other."""
    tmp = tmp_path_factory.mktemp("pg-builds")
    env = _env(tmp, pg_url)
    reports = str(tmp / "reports")
    # Agencies' reports too (simulated, through the same validation as nq57 ingest),
    # so the submission marts are compared with rows in them.
    store = Path(env["NQ57_WAREHOUSE"]).with_name("submissions.duckdb")
    simulated = _run(
        [
            NQ57,
            "simulate",
            "--out",
            str(tmp / "landing"),
            "--start",
            "2026-01",
            "--end",
            "2026-03",
            "--ingest-into",
            str(store),
        ],
        # Run as for the demo warehouse: the store beside NQ57_WAREHOUSE is the real one.
        {k: v for k, v in env.items() if k != "NQ57_WAREHOUSE"},
    )
    assert simulated.returncode == 0, simulated.stderr[-3000:]
    assert store.exists()
    duck = _run([NQ57, "build", "--report-dir", reports], env)
    assert duck.returncode == 0, duck.stderr[-3000:]
    pg = _run([NQ57, "build", "--target", "postgres", "--report-dir", reports], env)
    assert pg.returncode == 0, pg.stderr[-3000:]
    return {"tmp": tmp, "env": env, "duckdb": Path(env["NQ57_WAREHOUSE"]), "pg": pg}


def _pg(pg_url: str, **kwargs):
    import psycopg

    return psycopg.connect(pg_url, **kwargs)


def _comparable(value):
    """Doubles compared to 12 significant digits (DuckDB and PostgreSQL round differently)."""
    if isinstance(value, float):
        return float(f"{value:.12g}") if math.isfinite(value) else value
    return value


def _sort_key(row):
    return tuple((value is None, repr(value)) for value in row)


def test_the_postgres_build_publishes_every_mart(builds):
    out = builds["pg"].stdout
    assert "published postgres target postgresql://" in out
    assert "marts.fct_tasks" in out and "132 rows" in out


def test_every_mart_has_the_same_rows_on_both_targets(builds, pg_url):
    with duckdb.connect(str(builds["duckdb"]), read_only=True) as duck, _pg(pg_url) as pg:
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
            cursor = pg.execute(f'select * from "{schema}"."{table}"')
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
        amount, due = pg.execute(
            "select (select amount_million_vnd from marts.fct_budget_lines "
            " where budget_line_id = 'lang-son-234-2025-fy2026-total' and stage = 'estimate'), "
            "(select due_date from marts.fct_tasks where due_date is not null limit 1)"
        ).fetchone()
        assert amount == Decimal("384172.000") and isinstance(amount, Decimal)
        assert type(due).__name__ == "date"


def test_the_reader_reads_the_published_marts_and_cannot_write(builds, pg_url):
    import psycopg

    reader_url = (
        urlsplit(pg_url)
        ._replace(netloc=f"nq57_reader@{urlsplit(pg_url).hostname}:{urlsplit(pg_url).port or 5432}")
        .geturl()
    )
    with psycopg.connect(reader_url, autocommit=True) as reader:
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
    result = _run(argv, {**env, "DBT_PROFILES_DIR": str(project)}, cwd=project, timeout=600)
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
        parsed = _run(
            [DBT, "parse", "--profiles-dir", str(project)], target_env, cwd=project, timeout=600
        )
        assert parsed.returncode == 0, parsed.stdout[-2000:]
        answers[target] = [
            _mf(project, target_env, "tasks_total"),
            _mf(
                project,
                target_env,
                "tasks_total,budget_estimate_million_vnd,budget_allocated_million_vnd,"
                "budget_disbursed_million_vnd",
                "plan__province_name",
            ),
            _mf(project, target_env, "reports_expected,rows_quarantined,tasks_overdue"),
        ]
    assert answers["dev"][0].split()[-1] == "132"
    assert answers["postgres"] == answers["dev"]
    assert "384172.000" in answers["postgres"][1]


def test_a_wrong_url_or_a_server_down_gives_one_line_naming_the_target(tmp_path):
    for url, words in [
        ("postgresql://postgres@127.0.0.1:1/nq57", "127.0.0.1:1"),
        ("mysql://127.0.0.1/nq57", "not a postgresql:// URL"),
    ]:
        result = _run([NQ57, "build", "--target", "postgres"], _env(tmp_path, url), timeout=120)
        assert result.returncode == 1
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, result.stderr
        assert words in lines[0] and "Traceback" not in result.stderr


def _publication(pg_url: str) -> str:
    with _pg(pg_url) as conn:
        return conn.execute(
            "select publication_id from nq57_meta.publications where state = 'current'"
        ).fetchone()[0]


def _budget(pg_url: str) -> list[tuple]:
    with _pg(pg_url) as conn:
        return conn.execute(
            "select budget_line_id, stage, amount_million_vnd from marts.fct_budget_lines "
            "order by 1, 2"
        ).fetchall()


def test_a_broken_budget_is_refused_and_the_published_marts_stay(builds, pg_url, tmp_path):
    from test_wap_dagster import negative_amount_seeds

    before = (_publication(pg_url), _budget(pg_url))
    seeds = negative_amount_seeds(tmp_path / "seeds")
    result = _run(
        [
            NQ57,
            "build",
            "--target",
            "postgres",
            "--seeds",
            str(seeds),
            "--report-dir",
            str(tmp_path / "reports"),
        ],
        builds["env"],
    )
    assert result.returncode == 1, result.stdout[-2000:]
    assert "left unchanged" in result.stderr
    assert "amount" in result.stderr
    assert (_publication(pg_url), _budget(pg_url)) == before
    with _pg(pg_url) as conn:
        leftovers = conn.execute(
            "select nspname from pg_namespace where nspname like '%\\_\\_nq57\\_build'"
        ).fetchall()
    assert leftovers == []


def _fake_build_schemas(pg_url: str) -> None:
    """Build schemas holding a copy of the published ones with fct_tasks emptied."""
    from dagster_project.warehouse import postgres as pg

    with _pg(pg_url, autocommit=True) as conn:
        for schema in pg.PUBLISHED_SCHEMAS:
            build = schema + pg.BUILD_SUFFIX
            conn.execute(f'create schema "{build}"')
            for (table,) in conn.execute(
                "select table_name from information_schema.tables "
                "where table_schema = %s and table_type = 'BASE TABLE'",
                [schema],
            ).fetchall():
                conn.execute(f'create table "{build}"."{table}" as table "{schema}"."{table}"')
        conn.execute(f'delete from "marts{pg.BUILD_SUFFIX}".fct_tasks')


PUBLISH_SCRIPT = """
import os
from dagster_project.warehouse import postgres as pg
target = pg.PostgresTarget.from_url()
with pg.connect(target) as conn:
    conn.autocommit = True
    pg.publish_build(conn, {"fct_tasks": 0}, keep=3)
print("published")
"""


def test_kill_9_during_the_publish_leaves_the_published_marts_intact(builds, pg_url):
    before = _publication(pg_url)
    _fake_build_schemas(pg_url)
    env = {**builds["env"], "NQ57_TEST_PAUSE_AT": "postgres_publish_renamed"}
    process = subprocess.Popen(
        [sys.executable, "-c", PUBLISH_SCRIPT],
        env=env,
        cwd=REPO,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        seen = []
        for line in process.stderr:
            seen.append(line)
            if "paused at postgres_publish_renamed" in line:
                break
        assert "paused at postgres_publish_renamed" in "".join(seen), "".join(seen)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    # The server rolls the transaction back when its client dies.
    deadline = time.monotonic() + 30
    while True:
        with _pg(pg_url) as conn:
            busy = conn.execute(
                "select count(*) from pg_stat_activity where application_name = 'nq57' "
                "and datname = current_database()"
            ).fetchone()[0]
        if not busy or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert _publication(pg_url) == before
    with _pg(pg_url) as conn:
        assert conn.execute("select count(*) from marts.fct_tasks").fetchone()[0] == 132


def test_a_publish_then_rollback_restores_the_previous_marts(builds, pg_url):
    from dagster_project.warehouse import postgres as pg

    before = _publication(pg_url)
    with _pg(pg_url, autocommit=True) as conn:
        # What the killed publish left is dropped by the next build; do the same here.
        pg.drop_build_schemas(conn)
    _fake_build_schemas(pg_url)
    published = _run([sys.executable, "-c", PUBLISH_SCRIPT], builds["env"], timeout=120)
    assert published.returncode == 0, published.stderr
    with _pg(pg_url) as conn:
        assert conn.execute("select count(*) from marts.fct_tasks").fetchone()[0] == 0
    listed = _run([NQ57, "rollback", "--target", "postgres", "--list"], builds["env"])
    assert before in listed.stdout
    rolled = _run([NQ57, "rollback", "--target", "postgres"], builds["env"])
    assert rolled.returncode == 0, rolled.stderr
    assert f"restored publication {before}" in rolled.stdout
    assert _publication(pg_url) == before
    with _pg(pg_url) as conn:
        assert conn.execute("select count(*) from marts.fct_tasks").fetchone()[0] == 132


def test_dagster_keeps_its_runs_in_postgres_when_the_url_is_set(monkeypatch, tmp_path):
    import psycopg
    from dagster import DagsterInstance, job, op

    _server_or_skip()
    name = f"nq57_dagster_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    try:
        # SQLAlchemy 2.1 takes psycopg 3 for postgresql://, whose server-side
        # parameters dagster-postgres' NOTIFY does not support: name psycopg2.
        url = _database_url(name).replace("postgresql://", "postgresql+psycopg2://", 1)
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
        with psycopg.connect(_database_url(name)) as conn:
            assert conn.execute("select count(*) from runs").fetchone()[0] == 1
    finally:
        with psycopg.connect(SERVER_URL, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')
