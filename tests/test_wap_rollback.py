"""``nq57 rollback``: restore a history entry atomically, under the build lock.

The warehouses here are small DuckDB files with a ``marts`` schema, published
through the real ``build_and_publish``; the full-size rollback after real
builds is in test_wap_kill.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import pytest
from test_pipeline_build import file_digest

from dagster_project.commands import rollback as rollback_command
from dagster_project.warehouse import rollback
from dagster_project.warehouse.publish import WarehouseLayout, build_and_publish, build_lock


def write_warehouse(tasks: int):
    """A build step writing ``marts.fct_tasks`` with ``tasks`` rows and a fixed ``dim_plans``."""

    def build(build_file: Path) -> None:
        build_file.unlink(missing_ok=True)
        with duckdb.connect(str(build_file)) as con:
            con.execute("create schema marts")
            con.execute(
                "create table marts.fct_tasks as select range as task_id from range(?)", [tasks]
            )
            con.execute("create table marts.dim_plans as select 'p' as plan_id")

    return build


@pytest.fixture
def published(tmp_path: Path) -> Path:
    """Published four times (1, 2, 3, then 4 tasks); history keeps the three before."""
    path = tmp_path / "warehouse" / "nq57.duckdb"
    for tasks in (1, 2, 3, 4):
        build_and_publish(path, write_warehouse(tasks), keep=3)
    return path


def tasks_in(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select count(*) from marts.fct_tasks").fetchone()[0]


def run(published: Path, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    rollback_command.add_arguments(parser)
    return rollback_command.main(parser.parse_args(["--warehouse", str(published), *argv]))


def stamps(published: Path) -> list[str]:
    return [entry.stamp for entry in rollback.history_entries(WarehouseLayout(published))]


def test_list_shows_history_newest_first_with_row_counts(published: Path, capsys):
    assert run(published, "--list") == 0

    out = capsys.readouterr().out
    assert f"published {published}" in out
    assert "5 rows in 2 marts" in out
    newest, middle, oldest = stamps(published)
    assert out.index(newest) < out.index(middle) < out.index(oldest)
    # What each entry would change: its task count against the published 4.
    assert "marts.fct_tasks: 3 rows here, 4 rows in the published file" in out
    assert "marts.fct_tasks: 1 row here, 4 rows in the published file" in out


def test_rollback_restores_the_newest_entry_and_keeps_the_replaced_file(published: Path, capsys):
    layout = WarehouseLayout(published)
    newest = rollback.history_entries(layout)[0]
    restored_digest = file_digest(newest.path)
    replaced_digest = file_digest(published)

    assert run(published) == 0

    assert file_digest(published) == restored_digest
    assert tasks_in(published) == 3
    # --list shows when a file was built; restoring it does not make it new.
    assert published.stat().st_mtime_ns == newest.path.stat().st_mtime_ns
    entries = rollback.history_entries(layout)
    # Nothing was deleted: the restored entry stays, the replaced file is added.
    assert len(entries) == 4
    assert newest.stamp in [e.stamp for e in entries]
    assert file_digest(entries[0].path) == replaced_digest
    assert list(layout.build_root.iterdir()) == []
    out = capsys.readouterr().out
    assert f"restored {newest.path} onto {published}" in out
    assert f"kept as {entries[0].path}" in out


def test_rollback_to_a_stamp_restores_that_entry(published: Path):
    oldest = stamps(published)[-1]

    assert run(published, "--to", oldest) == 0

    assert tasks_in(published) == 1


def test_a_rollback_can_be_undone_by_another(published: Path):
    assert run(published) == 0
    assert run(published) == 0

    assert tasks_in(published) == 4


def test_an_unknown_stamp_is_refused_and_the_kept_ones_are_listed(published: Path, capsys):
    before = file_digest(published)

    assert run(published, "--to", "20000101T000000000000Z") == 1

    err = capsys.readouterr().err
    assert "no history entry '20000101T000000000000Z'" in err
    assert stamps(published)[0] in err
    assert file_digest(published) == before


def test_rollback_is_refused_while_a_build_holds_the_lock(published: Path, capsys):
    before = file_digest(published)

    with build_lock(WarehouseLayout(published)):
        assert run(published) == 1

    assert "another nq57 build (pid" in capsys.readouterr().err
    assert file_digest(published) == before


def test_a_history_entry_duckdb_cannot_open_is_not_published(published: Path, capsys):
    layout = WarehouseLayout(published)
    newest = rollback.history_entries(layout)[0]
    newest.path.unlink()
    newest.path.write_bytes(b"not a database")
    before = file_digest(published)

    assert run(published) == 1

    assert "nq57 rollback:" in capsys.readouterr().err
    assert file_digest(published) == before
    assert list(layout.build_root.iterdir()) == []


def test_with_no_history_there_is_nothing_to_roll_back_to(tmp_path: Path, capsys):
    published = tmp_path / "warehouse" / "nq57.duckdb"
    build_and_publish(published, write_warehouse(1))

    assert run(published) == 1

    assert "no earlier warehouse is kept" in capsys.readouterr().err
