"""Only nq57's own objects survive a build; the published file is read-only on disk."""

from __future__ import annotations

import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from dagster_project.warehouse.foreign import drop_foreign_objects
from dagster_project.warehouse.publish import (
    PUBLISHED_MODE,
    PublishError,
    build_and_publish,
    wal_path,
)

OWN = {("raw", "plans"), ("marts", "fct_tasks"), ("staging", "stg_plans")}


def own_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    for schema in ("raw", "marts", "staging"):
        con.execute(f"create schema {schema}")
    con.execute("create table raw.plans as select 1 as plan_id")
    con.execute("create table marts.fct_tasks as select 1 as task_id")
    con.execute("create view staging.stg_plans as select * from raw.plans")
    return con


def relations(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    return set(
        con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    )


def test_foreign_tables_views_macros_sequences_and_schemas_are_dropped(tmp_path: Path):
    con = own_warehouse(tmp_path / "nq57.duckdb")
    con.execute("create table main.bi_scratch as select 42 as x")
    con.execute("create table marts.fct_tasks_patched as select * from marts.fct_tasks")
    con.execute("create view marts.my_view as select * from marts.fct_tasks")
    con.execute("create macro marts.double_it(x) as x * 2")
    con.execute("create sequence main.ids")
    con.execute("create schema bi")
    con.execute("create table bi.dashboard as select 1 as y")

    dropped = drop_foreign_objects(con, OWN)

    assert relations(con) == OWN
    assert con.execute("select plan_id from staging.stg_plans").fetchall() == [(1,)]
    assert "table main.bi_scratch" in dropped
    assert "view marts.my_view" in dropped
    assert "macro marts.double_it" in dropped
    assert "sequence main.ids" in dropped
    assert "schema bi" in dropped
    assert con.execute(
        "select count(*) from duckdb_functions() where function_name = 'double_it'"
    ).fetchone() == (0,)
    con.close()


def test_a_warehouse_of_own_objects_only_is_left_as_it_is(tmp_path: Path):
    con = own_warehouse(tmp_path / "nq57.duckdb")

    assert drop_foreign_objects(con, OWN) == []
    assert relations(con) == OWN
    con.close()


def test_the_published_file_is_read_only_on_disk_and_a_rebuild_replaces_it(tmp_path: Path):
    published = tmp_path / "warehouse" / "nq57.duckdb"

    def build(content: bytes):
        def write(build_file: Path) -> None:
            build_file.write_bytes(content)

        return write

    build_and_publish(published, build(b"v1"))
    assert stat.S_IMODE(published.stat().st_mode) == PUBLISHED_MODE == 0o444
    build_and_publish(published, build(b"v2"))
    assert published.read_bytes() == b"v2"
    assert stat.S_IMODE(published.stat().st_mode) == 0o444


WRITER = textwrap.dedent(
    """
    import sys, time
    import duckdb
    con = duckdb.connect(sys.argv[1])
    con.execute("create table main.bi_scratch as select range as x from range(1000)")
    print("writing", flush=True)
    time.sleep(120)
    """
)


def test_a_writer_holding_the_published_file_is_named_in_the_error(tmp_path: Path):
    published = tmp_path / "warehouse" / "nq57.duckdb"
    published.parent.mkdir()
    duckdb.connect(str(published)).close()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(published)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout.readline().strip() == "writing"
        assert wal_path(published).exists()
        with pytest.raises(PublishError) as refused:
            build_and_publish(published, lambda build_file: build_file.write_bytes(b"v2"))
    finally:
        writer.kill()
        writer.wait(timeout=30)
    message = str(refused.value)
    assert f"pid {writer.pid} (" in message
    assert "read_only=True" in message
