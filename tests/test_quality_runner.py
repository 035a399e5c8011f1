"""The quality gate end to end: DuckDB file in, verdict and auditor report out."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from test_quality_warehouse_fixture import BUDGET_FILE, good_frames, write_warehouse

from dagster_project.quality import QualityGateCheck, QualityGateError, run_quality_gate
from dagster_project.quality.history import HISTORY_FILE, previous_counts
from dagster_project.quality.results import FAILED, SKIPPED
from dagster_project.quality.runner import new_report_folder
from dagster_project.warehouse.publish import build_and_publish

BUDGET = "marts.fct_budget_lines"


def unbalanced(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """205.106 read as 205.160: recurrent 2026 no longer equals its sub-lines."""
    budget = frames[BUDGET]
    budget.loc[budget["budget_line_id"] == "ls234-2026-tx-1", "amount_million_vnd"] = 205160.0
    return frames


def by_check(result) -> dict:
    return {r.check: r for r in result.results}


def test_a_clean_warehouse_passes_and_gets_a_dated_report(tmp_path: Path):
    warehouse = write_warehouse(tmp_path / "nq57.duckdb", good_frames())
    result = run_quality_gate(warehouse, tmp_path / "reports")

    assert result.passed and result.blocking_failures == []
    result.raise_if_blocking()
    folder = result.report.folder
    assert folder.parent == tmp_path / "reports"
    assert re.fullmatch(r"\d{8}-\d{6}", folder.name)
    assert result.report.data_docs_index == folder / "data_docs" / "index.html"
    assert result.report.data_docs_index.is_file()
    assert result.report.summary_html == folder / "summary.html"
    summary = result.report.summary_html.read_text(encoding="utf-8")
    assert "ĐẠT" in summary and "PASSED" in summary
    assert "Số dòng / Row count" in summary
    assert result.row_counts[BUDGET] == len(good_frames()[BUDGET])


def test_a_sub_line_that_no_longer_sums_blocks_with_the_check_and_line_named(tmp_path: Path):
    warehouse = write_warehouse(tmp_path / "nq57.duckdb", unbalanced(good_frames()))
    result = run_quality_gate(warehouse, tmp_path / "reports")

    assert [r.check for r in result.blocking_failures] == [
        "fct_budget_lines.parent_equals_children"
    ]
    failure = result.blocking_failures[0]
    assert failure.unexpected_count == 1
    assert failure.samples[0]["budget_line_id"] == "ls234-2026-tx"
    assert failure.samples[0]["source_file"] == BUDGET_FILE
    assert failure.samples[0]["source_line"] == 174

    with pytest.raises(QualityGateError) as raised:
        result.raise_if_blocking()
    message = str(raised.value)
    assert "fct_budget_lines.parent_equals_children" in message
    assert f"{BUDGET_FILE}:174" in message
    assert str(result.report.summary_html) in message

    summary = result.report.summary_html.read_text(encoding="utf-8")
    assert "BLOCKED" in summary
    assert "fct_budget_lines.parent_equals_children" in summary
    assert f"{BUDGET_FILE}:174" in summary
    docs = result.report.data_docs_index.read_text(encoding="utf-8")
    assert "marts.fct_budget_lines.parent_vs_children" in docs


def test_a_duplicate_key_blocks_with_both_rows_traceable(tmp_path: Path):
    # A table Python loads: a mart's key is a dbt test, which fails the build first.
    frames = good_frames()
    lines = frames["raw.budget_lines"]
    frames["raw.budget_lines"] = pd.concat([lines, lines.iloc[[3]]], ignore_index=True)
    warehouse = write_warehouse(tmp_path / "nq57.duckdb", frames)
    checks = by_check(run_quality_gate(warehouse, tmp_path / "reports"))
    failure = checks["raw_budget_lines.key_unique"]

    assert failure.blocking and failure.unexpected_count == 2
    row = lines.iloc[3]
    for sample in failure.samples:
        assert (sample["budget_line_id"], sample["stage"]) == (row["budget_line_id"], row["stage"])
        assert (sample["source_file"], sample["source_line"]) == (
            row["source_file"],
            row["source_line"],
        )


def test_absent_parse_status_is_skipped_with_a_note(tmp_path: Path):
    frames = good_frames(with_parse_status=False)
    warehouse = write_warehouse(tmp_path / "nq57.duckdb", frames)
    result = run_quality_gate(warehouse, tmp_path / "reports")
    checks = by_check(result)

    assert result.passed
    assert checks["fct_tasks.parsed_share"].status == SKIPPED
    assert "parse_status absent" in checks["fct_tasks.parsed_share"].note
    summary = result.report.summary_html.read_text(encoding="utf-8")
    assert "column parse_status absent" in summary


def test_absent_submission_tables_block_and_the_report_says_so(tmp_path: Path):
    frames = good_frames(with_quarantine=False)
    warehouse = write_warehouse(tmp_path / "nq57.duckdb", frames)
    result = run_quality_gate(warehouse, tmp_path / "reports")

    blocked = {r.check for r in result.blocking_failures}
    assert "fct_submission_files.rows_in_equals_loaded_plus_quarantined" in blocked
    assert "fct_submission_quarantine.reason_code_known" in blocked
    summary = result.report.summary_html.read_text(encoding="utf-8")
    assert "quarantine tables absent" in summary


def test_a_quarantine_count_mismatch_blocks(tmp_path: Path):
    frames = good_frames()
    frames["marts.fct_submission_files"].loc[1, "rows_quarantined"] = 2
    warehouse = write_warehouse(tmp_path / "nq57.duckdb", frames)
    result = run_quality_gate(warehouse, tmp_path / "reports")

    assert [r.check for r in result.blocking_failures] == [
        "fct_submission_files.rows_in_equals_loaded_plus_quarantined"
    ]
    sample = result.blocking_failures[0].samples[0]
    assert sample["source_file"] == "nq57_nghe-an_so-khcn_2026-Q1.csv"
    assert sample["rows_in"] + 1 == sample["rows_accounted"]


def test_a_missing_required_table_blocks(tmp_path: Path):
    frames = good_frames()
    del frames["marts.fct_tasks"]
    warehouse = write_warehouse(tmp_path / "nq57.duckdb", frames)
    result = run_quality_gate(warehouse, tmp_path / "reports")

    blocked = {r.check for r in result.blocking_failures}
    assert "fct_tasks.not_empty" in blocked
    assert result.row_counts["marts.fct_tasks"] is None


def test_submission_files_and_quarantine_reasons_are_in_the_summary(tmp_path: Path):
    warehouse = write_warehouse(tmp_path / "nq57.duckdb", good_frames())
    summary = run_quality_gate(warehouse, tmp_path / "reports").report.summary_html
    text = summary.read_text(encoding="utf-8")
    assert "Theo lý do / By reason" in text
    # Per status: files, rows in, loaded, quarantined.
    assert re.search(
        r"<td>partially_accepted</td>"
        r'<td class="num">1</td><td class="num">12</td><td class="num">11</td><td class="num">1</td>',
        text,
    )
    # The refused files are listed, the fully accepted one is not.
    assert "bao_cao_quy_1.xlsx" in text and "nq57_nghe-an_so-khcn_2026-Q1.csv" in text
    assert "nq57_lang-son_so-khcn_2025-Q3_20250905.xlsx" not in text
    assert re.search(
        r"<td>percent_out_of_range</td><td class=\"num\">1</td><td class=\"num\">1</td>"
        r"<td>Percentage &#x27;120&#x27; must be between 0 and 100.</td>",
        text,
    )


def test_row_counts_are_compared_with_the_last_passing_run(tmp_path: Path):
    reports = tmp_path / "reports"
    first = write_warehouse(tmp_path / "first.duckdb", good_frames())
    assert run_quality_gate(first, reports).passed

    # A blocked run is recorded but is not the baseline for the next one.
    blocked = write_warehouse(tmp_path / "blocked.duckdb", unbalanced(good_frames()))
    assert not run_quality_gate(blocked, reports).passed
    runs = json.loads((reports / HISTORY_FILE).read_text(encoding="utf-8"))["runs"]
    assert [r["blocking_failures"] for r in runs] == [0, 1]
    assert previous_counts(reports) == runs[0]["row_counts"]

    frames = good_frames()
    tasks = len(frames["marts.fct_tasks"])
    frames["marts.fct_tasks"] = frames["marts.fct_tasks"].iloc[:40]
    shrunk = write_warehouse(tmp_path / "shrunk.duckdb", frames)
    result = run_quality_gate(shrunk, reports)
    change = by_check(result)["warehouse.row_count_change"]
    assert result.passed
    assert change.status == FAILED and change.severity == "warn"
    assert change.samples == (
        {
            "relative_change": pytest.approx(40 / tasks - 1),
            "table_name": "marts.fct_tasks",
            "rows_before": tasks,
            "rows_now": 40,
        },
    )
    assert f"{40 / tasks - 1:+.1%}" in result.report.summary_html.read_text(encoding="utf-8")


def test_runs_in_the_same_second_get_separate_folders(tmp_path: Path):
    moment = datetime(2026, 11, 21, 10, 0, 5, tzinfo=UTC)
    folders = [new_report_folder(tmp_path, moment) for _ in range(3)]
    assert [f.name for f in folders] == [
        "20261121-100005",
        "20261121-100005-2",
        "20261121-100005-3",
    ]
    assert all(f.is_dir() for f in folders)


def _build_from(frames: dict[str, pd.DataFrame]):
    def build(build_file: Path) -> None:
        # The build file starts as a copy of the published one; rebuild it whole.
        build_file.unlink(missing_ok=True)
        write_warehouse(build_file, frames)

    return build


def test_the_gate_as_a_publish_check_stops_a_bad_build_and_keeps_the_good_one(tmp_path: Path):
    published = tmp_path / "warehouse" / "nq57.duckdb"
    gate = QualityGateCheck(tmp_path / "reports")

    build_and_publish(published, _build_from(good_frames()), checks=[gate])
    assert gate.result.passed
    before = published.read_bytes()

    with pytest.raises(QualityGateError, match="parent_equals_children") as raised:
        build_and_publish(published, _build_from(unbalanced(good_frames())), checks=[gate])
    assert published.read_bytes() == before
    assert raised.value.result is gate.result
    assert gate.result.report.summary_html.is_file()
    assert list((published.parent / ".build").iterdir()) == []


def test_read_table_reads_views_as_well_as_tables():

    from dagster_project.quality.runner import read_table

    con = duckdb.connect()
    con.sql(
        "create schema s; create table s.t as select 1 as a; create view s.v as select * from s.t"
    )
    assert read_table(con, "s", "v")["a"].tolist() == [1]
