"""What the PostgreSQL tests share (tests/test_postgres_*.py): a server, a database, builds.

Each test module makes its own database on the server named by
``NQ57_TEST_POSTGRES_URL`` (default: postgresql://postgres@127.0.0.1:5432/postgres,
trust auth) and drops it afterwards. Without a reachable server the tests are
skipped with the reason, except under CI=true, where they fail: CI starts a
server (.ci/run).

The modules are split so that ``make test`` (pytest-xdist ``--dist loadfile``)
runs them on different workers: only ``test_postgres_warehouse.py`` makes the
two full builds, once for all its tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fixtures.processes import run_here

REPO = Path(__file__).resolve().parents[1]
NQ57 = str(Path(sys.executable).with_name("nq57"))
SERVER_URL = os.environ.get(
    "NQ57_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def server_or_skip() -> None:
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


def database_url(name: str) -> str:
    return urlsplit(SERVER_URL)._replace(path=f"/{name}").geturl()


def reader_url(url: str) -> str:
    """``url`` with the user ``nq57_reader`` (trust auth: no password)."""
    parts = urlsplit(url)
    return parts._replace(netloc=f"nq57_reader@{parts.hostname}:{parts.port or 5432}").geturl()


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


def new_database():
    """A generator for a module fixture: the URL of a database of its own, dropped after."""
    server_or_skip()
    name = f"nq57_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    yield database_url(name)
    drop_database(name)


def env_for(warehouse_dir: Path, pg_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env.update(
        NQ57_WAREHOUSE=str(warehouse_dir / "nq57.duckdb"),
        NQ57_POSTGRES_URL=pg_url,
        **extra,
    )
    return env


def run(argv, env, cwd=REPO, timeout=1800) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def pg(url: str, **kwargs):
    import psycopg

    return psycopg.connect(url, **kwargs)


def publication(url: str) -> str:
    with pg(url) as conn:
        return conn.execute(
            "select publication_id from nq57_meta.publications where state = 'current'"
        ).fetchone()[0]


def build_both_targets(tmp: Path, pg_url: str) -> dict:
    """The DuckDB and the PostgreSQL warehouse built from the same seeds and submissions.

    Agencies' reports too (three simulated months, through the same validation
    as nq57 ingest), so the submission marts are compared with rows in them.
    The two builds run side by side, the PostgreSQL one as ``nq57 build``
    in a process of its own, the DuckDB one (and the simulation) in this
    process through the same command line: each has its own warehouse folder
    (its own build lock) holding the same bytes of the submissions store.
    """
    duck_env = env_for(tmp / "warehouse", pg_url)
    pg_env = env_for(tmp / "pg-warehouse", pg_url)
    store = Path(duck_env["NQ57_WAREHOUSE"]).with_name("submissions.duckdb")
    simulated = run_here(
        [
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
        {k: v for k, v in duck_env.items() if k != "NQ57_WAREHOUSE"},
    )
    assert simulated.returncode == 0, simulated.stderr[-3000:]
    assert store.exists()
    (tmp / "pg-warehouse").mkdir()
    for path in store.parent.glob("submissions.duckdb*"):
        shutil.copyfile(path, tmp / "pg-warehouse" / path.name)
    reports = str(tmp / "reports")
    # Its output to files: no pipe fills up while this process builds.
    outputs = [tmp / "postgres-build.out", tmp / "postgres-build.err"]
    with (
        outputs[0].open("w", encoding="utf-8") as stdout,
        outputs[1].open("w", encoding="utf-8") as stderr,
    ):
        postgres = subprocess.Popen(
            [NQ57, "build", "--target", "postgres", "--report-dir", reports],
            env=pg_env,
            cwd=REPO,
            stdout=stdout,
            stderr=stderr,
        )
        try:
            # The DuckDB build in this process while the PostgreSQL one runs in its own.
            done = {"duckdb": run_here(["build", "--report-dir", reports], duck_env)}
            postgres.wait(timeout=1800)
        finally:
            if postgres.poll() is None:
                postgres.kill()
                postgres.wait()
    done["postgres"] = subprocess.CompletedProcess(
        postgres.args, postgres.returncode, *(o.read_text(encoding="utf-8") for o in outputs)
    )
    for name, result in done.items():
        assert result.returncode == 0, f"{name}: {result.stderr[-3000:]}"
    return {
        "tmp": tmp,
        "env": duck_env,
        "pg_env": pg_env,
        "duckdb": Path(duck_env["NQ57_WAREHOUSE"]),
        "pg": done["postgres"],
    }


def fake_build_schemas(url: str, remove: dict[str, int | None]) -> None:
    """Build schemas holding a copy of the published ones, less some rows of some marts.

    ``remove`` maps a mart to how many of its rows to leave out (None: all).
    """
    from dagster_project.warehouse import postgres as target

    with pg(url, autocommit=True) as conn:
        for schema in target.PUBLISHED_SCHEMAS:
            build = schema + target.BUILD_SUFFIX
            conn.execute(f'create schema "{build}"')
            for (table,) in conn.execute(
                "select table_name from information_schema.tables "
                "where table_schema = %s and table_type = 'BASE TABLE'",
                [schema],
            ).fetchall():
                conn.execute(f'create table "{build}"."{table}" as table "{schema}"."{table}"')
        for mart, rows in remove.items():
            relation = f'"marts{target.BUILD_SUFFIX}"."{mart}"'
            if rows is None:
                conn.execute(f"delete from {relation}")
            else:
                conn.execute(
                    f"delete from {relation} where ctid in "
                    f"(select ctid from {relation} limit {int(rows)})"
                )


PUBLISH_SCRIPT = """
from dagster_project.warehouse import postgres as pg
target = pg.PostgresTarget.from_url()
with pg.connect(target) as conn:
    conn.autocommit = True
    pg.publish_build(conn, {"fct_tasks": 0}, keep=3)
print("published")
"""
