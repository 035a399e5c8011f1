"""Every expectation passes on the clean warehouse and fails on a warehouse with its fault.

``FAULTS`` maps each check name to the damage that must trip it. The
coverage test fails when a suite gains a check without a fault here: a check
that cannot be shown to fail is a defect.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from fixtures.faults import (
    Fault,
    Frames,
    checks_by_name,
    set_all,
    set_first,
    table_faults,
)
from test_quality_warehouse_fixture import (
    PROJECT_1_4_ROWS,
    budget_frame,
    good_frames,
    write_warehouse,
)

from dagster_project.quality.results import FAILED, PASSED
from dagster_project.quality.runner import validate_warehouse
from expectations import TABLE_CHECKS, row_counts

# Where each checked table sits in the fixture warehouse.
FRAME_OF = {
    "raw.budget_lines": "raw.budget_lines",
    "marts.dim_plans": "marts.dim_plans",
    "marts.fct_indicator_targets": "marts.fct_indicator_targets",
    "marts.fct_tasks": "marts.fct_tasks",
    "marts.fct_budget_lines": "marts.fct_budget_lines",
    "marts.fct_reported_figures": "marts.fct_reported_figures",
    "marts.fct_submission_files": "marts.fct_submission_files",
    "marts.fct_submission_quarantine": "marts.fct_submission_quarantine",
}
PREFIX_TO_TABLE = {
    "raw_budget_lines": "raw.budget_lines",
    "dim_plans": "marts.dim_plans",
    "fct_indicator_targets": "marts.fct_indicator_targets",
    "fct_tasks": "marts.fct_tasks",
    "fct_budget_lines": "marts.fct_budget_lines",
    "fct_reported_figures": "marts.fct_reported_figures",
    "fct_submission_files": "marts.fct_submission_files",
    "fct_submission_quarantine": "marts.fct_submission_quarantine",
}
BUDGET = "marts.fct_budget_lines"
FILES = "marts.fct_submission_files"
QUARANTINE = "marts.fct_submission_quarantine"


def budget_set(line_id: str, column: str, value, stage: str | None = None) -> Fault:
    def fault(frames: Frames) -> None:
        frame = frames[BUDGET]
        rows = frame["budget_line_id"] == line_id
        if stage is not None:
            rows &= frame["stage"] == stage
        assert rows.sum() == 1, (line_id, stage)
        frame[column] = frame[column].astype(object)
        frame.loc[rows, column] = value

    return fault


def add_project_1_4(frames: Frames) -> None:
    frames[BUDGET] = pd.concat([frames[BUDGET], budget_frame(PROJECT_1_4_ROWS)], ignore_index=True)


def add_project_1_4_as_extracted(frames: Frames) -> None:
    """Project 1.4 with the extractor's flag: its "total" was read from unusual wording."""
    project = budget_frame(PROJECT_1_4_ROWS)
    project.loc[project["stage"] == "total_investment", "flags"] = (
        'stage_wording: "Tổng vốn thực hiện dự án" read as total_investment'
    )
    frames[BUDGET] = pd.concat([frames[BUDGET], project], ignore_index=True)


def disburse_beyond_total_without_allocation(frames: Frames) -> None:
    frame = frames[BUDGET]
    project = frame["budget_line_id"] == "ls234-2025-da-1.2"
    frame = frame[~(project & (frame["stage"] == "allocated_to_date"))].copy()
    frame.loc[project & (frame["stage"] == "disbursed"), "amount_million_vnd"] = 8700.0
    frames[BUDGET] = frame


def generic_faults() -> dict[str, Fault]:
    """Faults for the rules every table shares, built from each table's key."""
    faults: dict[str, Fault] = {}
    for prefix, table in PREFIX_TO_TABLE.items():
        checks = next(c for c in TABLE_CHECKS if FRAME_OF[c.table] == table)
        faults.update(table_faults(prefix, table, checks.key_columns))
        faults[f"{prefix}.flagged_share"] = set_all(table, "flags", "cell_split: merged cell")
        status = next(
            (v.requires_columns[0] for v in checks.validations if v.name.endswith(".parse_status")),
            "parse_status",
        )
        faults[f"{prefix}.parse_status_present"] = set_first(table, status, None)
        faults[f"{prefix}.parsed_share"] = set_all(table, status, "ambiguous")
    return faults


SPECIFIC_FAULTS: dict[str, Fault] = {
    "raw_budget_lines.stage_accepted": set_first("raw.budget_lines", "stage", "settled"),
    "raw_budget_lines.amount_text_present": set_first("raw.budget_lines", "amount_text", None),
    "fct_budget_lines.amount_non_negative": budget_set(
        "ls234-2026-tx-2", "amount_million_vnd", -4118.0
    ),
    "fct_budget_lines.fiscal_year_plausible": budget_set("ls234-2025-tx-6", "fiscal_year", 202),
    # 205.106 read as 205.160: the recurrent line no longer equals its sub-lines.
    "fct_budget_lines.parent_equals_children": budget_set(
        "ls234-2026-tx-1", "amount_million_vnd", 205160.0
    ),
    "fct_budget_lines.children_amounts_parsed": budget_set(
        "ls234-2026-tx-3", "amount_million_vnd", None
    ),
    "fct_budget_lines.total_equals_investment_plus_recurrent": budget_set(
        "ls234-2026-dtpt", "amount_million_vnd", 61100.0
    ),
    "fct_budget_lines.total_has_investment_line": budget_set(
        "ls234-2026-dtpt", "line_name", "Kinh phí khác"
    ),
    "fct_budget_lines.total_has_recurrent_line": budget_set(
        "ls234-2026-tx", "line_name", "Kinh phí khác"
    ),
    "fct_budget_lines.disbursed_within_allocated": budget_set(
        "ls234-2025-da-1.1", "amount_million_vnd", 195700.0, stage="disbursed"
    ),
    # The real project 1.4 of 234/KH-UBND: allocated 14.119 > total 14.118,065.
    "fct_budget_lines.allocated_within_total_investment": add_project_1_4,
    "fct_budget_lines.disbursed_within_total_investment": disburse_beyond_total_without_allocation,
    "fct_budget_lines.stage_order_in_doubtful_projects": add_project_1_4_as_extracted,
    "fct_budget_lines.stage_specified": budget_set(
        "ls234-2025-da-1.2", "stage", "unspecified", stage="disbursed"
    ),
    "fct_budget_lines.parent_exists": budget_set(
        "ls234-2026-tx-2", "parent_budget_line_id", "ls234-2026-tx-typo"
    ),
    # Rows read but neither loaded nor quarantined: one row went missing.
    "fct_submission_files.rows_in_equals_loaded_plus_quarantined": set_first(
        FILES, "rows_loaded", 3
    ),
    **{
        f"fct_submission_files.{column}_non_negative": set_first(FILES, column, -1)
        for column in ("rows_in", "rows_loaded", "rows_quarantined")
    },
    # Rows of a file taken in with --accept-unverified reached the marts.
    "fct_submission_files.accepted_files_sender_verified": set_first(
        FILES, "sender_verified", False
    ),
    "fct_submission_quarantine.reason_code_known": set_first(
        QUARANTINE, "reason_code", "looks_wrong"
    ),
}


CHECKS = checks_by_name(TABLE_CHECKS)
FAULTS = {
    name: fault for name, fault in {**generic_faults(), **SPECIFIC_FAULTS}.items() if name in CHECKS
}


@pytest.fixture(scope="module")
def clean_results(tmp_path_factory) -> dict[str, str]:
    path = write_warehouse(tmp_path_factory.mktemp("clean") / "nq57.duckdb", good_frames())
    return {r.check: r.status for r in validate_warehouse(path)}


def test_every_check_has_a_fault_that_must_trip_it():
    missing = sorted(set(CHECKS) - set(FAULTS))
    assert not missing, f"checks without a fault test: {missing}"


def test_the_clean_warehouse_passes_every_check(clean_results):
    assert {c: s for c, s in clean_results.items() if s != PASSED} == {}
    assert set(CHECKS) <= set(clean_results)


@pytest.mark.parametrize("check", sorted(FAULTS))
def test_check_fails_on_its_fault(check: str, clean_results, tmp_path: Path):
    assert clean_results[check] == PASSED
    checks, validation = CHECKS[check]
    frames = good_frames()
    FAULTS[check](frames)
    path = write_warehouse(tmp_path / "nq57.duckdb", frames)
    only = dataclasses.replace(checks, validations=(validation,))
    results = {r.check: r for r in validate_warehouse(path, [only])}
    assert results[check].status == FAILED, results[check]
    # Failed on the data, not because GX could not evaluate the expectation.
    assert results[check].note == "", results[check].note


def test_row_count_change_passes_within_half_and_fails_beyond(tmp_path: Path):
    path = write_warehouse(tmp_path / "nq57.duckdb", good_frames())
    tasks = len(good_frames()["marts.fct_tasks"])
    checks = [c for c in TABLE_CHECKS if c.table == "marts.fct_tasks"]

    def change(previous: int):
        results = validate_warehouse(path, checks, {"marts.fct_tasks": previous})
        return next(r for r in results if r.check == "warehouse.row_count_change")

    assert change(tasks).status == PASSED
    assert change(int(tasks * 1.4)).status == PASSED
    dropped = change(tasks * 3)
    assert dropped.status == FAILED
    assert dropped.severity == "warn"
    assert dropped.samples[0]["table_name"] == "marts.fct_tasks"
    assert dropped.table == row_counts.NAME


def test_append_only_tables_may_grow_but_not_shrink(tmp_path: Path):
    path = write_warehouse(tmp_path / "nq57.duckdb", good_frames())
    files = len(good_frames()[FILES])
    checks = [c for c in TABLE_CHECKS if c.table == FILES]
    assert checks[0].append_only

    def result(previous: int, check: str):
        results = validate_warehouse(path, checks, {FILES: previous})
        return next(r for r in results if r.check == check)

    # Ten times as many files as last run: submission history grows, nothing to report.
    assert result(0, "warehouse.row_count_change").status == PASSED
    assert result(max(files // 10, 1), "warehouse.append_only_not_shrunk").status == PASSED
    assert result(files, "warehouse.append_only_not_shrunk").status == PASSED
    shrunk = result(files + 1, "warehouse.append_only_not_shrunk")
    assert shrunk.status == FAILED and shrunk.severity == "warn"
    assert shrunk.samples[0]["table_name"] == FILES
    assert shrunk.samples[0]["rows_before"] == files + 1


def test_every_specific_fault_names_a_real_check():
    assert sorted(set(SPECIFIC_FAULTS) - set(CHECKS)) == []


def test_a_doubtful_project_breach_warns_without_blocking(tmp_path: Path):
    frames = good_frames()
    add_project_1_4_as_extracted(frames)
    path = write_warehouse(tmp_path / "nq57.duckdb", frames)
    results = {r.check: r for r in validate_warehouse(path)}
    assert results["fct_budget_lines.allocated_within_total_investment"].status == PASSED
    reported = results["fct_budget_lines.stage_order_in_doubtful_projects"]
    assert reported.status == FAILED and not reported.blocking
    assert reported.samples[0]["source_line"] == 143
