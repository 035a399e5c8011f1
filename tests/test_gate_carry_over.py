"""The gate carries over the recorded results of unchanged tables, and says so.

A published warehouse records what its gate found (``raw.quality_gate_results``);
the next gate on a copy of it validates only the tables whose rows, columns or
suites changed, takes the recorded results for the others, and names the gate
run they come from in its verdict and its report.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from test_quality_runner import BUDGET, unbalanced
from test_quality_warehouse_fixture import good_frames, write_warehouse

from dagster_project.quality import carry, run_quality_gate
from expectations import row_counts

CHECKED = tuple(name for name in good_frames() if name.startswith("marts.") and name != BUDGET)


def record(warehouse: Path, result) -> None:
    with duckdb.connect(str(warehouse)) as con:
        carry.record_gate(con, result)


def statuses(result, table: str) -> list[tuple[str, str]]:
    return sorted((r.check, r.status) for r in result.results if r.table == table)


def test_an_unchanged_warehouse_takes_every_table_result_from_the_recorded_run(tmp_path):
    warehouse = write_warehouse(tmp_path / "nq57.duckdb", good_frames())
    reports = tmp_path / "reports"
    first = run_quality_gate(warehouse, reports)
    assert first.carried_over == {}
    record(warehouse, first)

    second = run_quality_gate(warehouse, reports)

    source = first.validated_by
    assert source.startswith(first.report.folder.name)
    assert set(second.carried_over) == set(first.table_fingerprints)
    assert set(second.carried_over.values()) == {source}
    for table in first.table_fingerprints:
        assert statuses(second, table) == statuses(first, table)
    assert f"carried over from gate run {source}" in second.summary_line()
    summary = second.report.summary_html.read_text(encoding="utf-8")
    assert "Results carried over" in summary and first.report.folder.name in summary
    # The row-count check compares with the history every time: never carried.
    assert all(not r.carried_from for r in second.results if r.table == row_counts.NAME)


def test_a_changed_table_is_validated_again_and_its_fault_blocks(tmp_path):
    reports = tmp_path / "reports"
    clean = write_warehouse(tmp_path / "clean.duckdb", good_frames())
    first = run_quality_gate(clean, reports)
    assert first.passed
    record(clean, first)
    # The same record in a warehouse whose budget lines no longer add up.
    changed = write_warehouse(tmp_path / "nq57.duckdb", unbalanced(good_frames()))
    with duckdb.connect(str(changed)) as con:
        carry.record_gate(con, first)

    result = run_quality_gate(changed, reports)

    assert BUDGET not in result.carried_over
    assert [r.check for r in result.blocking_failures] == [
        "fct_budget_lines.parent_equals_children"
    ]
    assert not result.blocking_failures[0].carried_from
    assert set(CHECKED) & set(first.table_fingerprints) <= set(result.carried_over)


def test_results_of_other_suites_are_not_carried_over(tmp_path, monkeypatch):
    warehouse = write_warehouse(tmp_path / "nq57.duckdb", good_frames())
    first = run_quality_gate(warehouse, tmp_path / "reports")
    record(warehouse, first)
    monkeypatch.setattr(carry, "suites_fingerprint", lambda: "suites edited since")

    again = run_quality_gate(warehouse, tmp_path / "reports")

    assert again.carried_over == {}
    assert "carried over" not in again.summary_line()


def test_carried_results_keep_naming_the_run_that_validated_them(tmp_path):
    warehouse = write_warehouse(tmp_path / "nq57.duckdb", good_frames())
    reports = tmp_path / "reports"
    first = run_quality_gate(warehouse, reports)
    record(warehouse, first)
    second = run_quality_gate(warehouse, reports)
    record(warehouse, second)

    third = run_quality_gate(warehouse, reports)

    assert set(third.carried_over.values()) == {first.validated_by}
