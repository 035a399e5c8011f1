"""Incremental builds: only what changed is rebuilt, and the marts equal a full refresh's.

Starts from the session's full build (test_pipeline_build.built), changes one
task's deadline in a copy of the seeds, then builds the copy of that warehouse
incrementally and compares it with a new one built with ``--full-refresh`` from
the same inputs (``fixtures.incremental``: made once per run, also read by
test_dbt_manifest_reuse.py).
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import duckdb
import pytest
from fixtures.incremental import changed_seeds_full_build  # noqa: F401 (fixture)
from test_pipeline_build import built, file_digest  # noqa: F401 (fixture)

from dagster_project.commands.build import run_build
from dagster_project.warehouse import inputs
from dagster_project.warehouse.row_counts import mart_tables


@pytest.fixture(autouse=True)
def no_dagster_home(monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)


def mart_hashes(path: Path) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent hash of the rows of every mart."""
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            mart: con.execute(
                f"select count(*), coalesce(md5(string_agg(h, '' order by h)), '') from "
                f"(select md5(cast(t as varchar)) as h from marts.{mart} as t)"
            ).fetchone()
            for mart in mart_tables(con)
        }


def change_one_deadline(seeds: Path) -> None:
    tasks_csv = seeds / "tasks.csv"
    with tasks_csv.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, tasks = reader.fieldnames, list(reader)
    tasks[0]["deadline_text"] = "Tháng 01/2025"
    with tasks_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(tasks)


def test_incremental_build_equals_a_full_refresh_and_then_has_nothing_to_do(
    built,  # noqa: F811
    changed_seeds_full_build,  # noqa: F811
    tmp_path,
):
    session_published, _, _ = built
    # The seeds with one deadline changed (change_one_deadline), and their full refresh.
    seeds = changed_seeds_full_build.seeds
    incremental = tmp_path / "incremental" / "nq57.duckdb"
    incremental.parent.mkdir()
    shutil.copyfile(session_published, incremental)
    assert inputs.recorded(incremental) is not None

    out = io.StringIO()
    report = run_build(
        published=incremental, seeds_dir=seeds, report_dir=tmp_path / "reports", out=out
    )

    assert report.plan is not None and not report.plan.full
    assert report.plan.changed == ("seed:tasks",)
    progress = out.getvalue()
    assert "incremental build" in progress
    # Only what reads the tasks ran: the budget lines were carried over.
    assert "started   raw__tasks" in progress
    assert "started   raw__budget_lines" not in progress
    assert "marts/fct_budget_lines" not in progress
    # The gate validated the rebuilt tables again and took the budget lines' results over.
    assert "carried over from gate run" in report.gate_summary
    with duckdb.connect(str(incremental), read_only=True) as con:
        validated_by = dict(
            con.execute("select table_name, validated_by from raw.quality_gate_results").fetchall()
        )
    assert validated_by["marts.fct_budget_lines"] != validated_by["marts.fct_tasks"]

    full = changed_seeds_full_build.published
    assert "carried over" not in changed_seeds_full_build.report.gate_summary
    assert mart_hashes(incremental) == mart_hashes(full)
    assert mart_hashes(incremental) != mart_hashes(session_published)
    assert inputs.recorded(incremental) == inputs.recorded(full)

    before = file_digest(incremental)
    again = run_build(
        published=incremental, seeds_dir=seeds, report_dir=tmp_path / "reports", out=io.StringIO()
    )
    assert again.up_to_date
    assert file_digest(incremental) == before
