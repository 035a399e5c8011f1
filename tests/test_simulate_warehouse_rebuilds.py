"""Rebuilds of the simulated warehouse (test_simulate_warehouse.warehouse): fct_task_status
after an incremental build equals a build from scratch, for one new month of submissions and
for a corrected deadline. A file of its own so that ``make test`` runs it beside the other.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

from test_simulate_warehouse import TASK_STATUS_KEY, build, rows, warehouse  # noqa: F401 (fixture)

from dagster_project.warehouse.paths import SEEDS_DIR


def test_incremental_build_equals_a_build_from_scratch(warehouse, tmp_path):  # noqa: F811
    published = tmp_path / "warehouse" / "nq57.duckdb"
    published.parent.mkdir()
    shutil.copyfile(warehouse["store"], published.parent / "submissions.duckdb")
    build(published, tmp_path / "reports")
    query = f"select {TASK_STATUS_KEY} from marts.fct_task_status order by all"
    assert rows(warehouse["published"], query) == rows(published, query)
    grown = rows(warehouse["published"], "select count(*) from marts.fct_task_status")[0][0]
    assert grown > warehouse["full_counts"]["fct_task_status"]


def test_a_corrected_deadline_rebuilds_the_task_status_it_decides(warehouse, tmp_path):  # noqa: F811
    """fct_task_status is incremental, yet a deadline read differently reaches its history rows."""
    plan_id, task_key, due = rows(
        warehouse["published"],
        """
        select plan_id, task_key, due_date from marts.fct_task_status
        where derived_status = 'not_done_within_deadline' order by all limit 1
        """,
    )[0]
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    tasks_csv = seeds / "tasks.csv"
    with tasks_csv.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, tasks = reader.fieldnames, list(reader)
    (task,) = [t for t in tasks if (t["plan_id"], t["task_key"]) == (plan_id, task_key)]
    task["deadline_text"] = "Tháng 01/2025"
    with tasks_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(tasks)

    def build_with(published: Path) -> list[tuple]:
        shutil.copyfile(warehouse["store"], published.parent / "submissions.duckdb")
        build(published, tmp_path / "reports", seeds)
        return rows(published, f"select {TASK_STATUS_KEY}, due_date from marts.fct_task_status")

    incremental = tmp_path / "incremental" / "nq57.duckdb"
    incremental.parent.mkdir()
    shutil.copyfile(warehouse["published"], incremental)
    scratch = tmp_path / "scratch" / "nq57.duckdb"
    scratch.parent.mkdir()
    assert sorted(build_with(incremental)) == sorted(build_with(scratch))
    changed = rows(
        incremental,
        f"""
        select distinct due_date, derived_status from marts.fct_task_status
        where plan_id = '{plan_id}' and task_key = '{task_key}' and reported_status <> 'hoan_thanh'
        """,
    )
    assert due != date(2025, 1, 31)
    assert changed == [(date(2025, 1, 31), "not_done_overdue")]
