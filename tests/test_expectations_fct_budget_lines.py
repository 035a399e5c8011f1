"""The frames the budget reconciliations are checked on, built from 234/KH-UBND's figures."""

from __future__ import annotations

import pandas as pd
from test_quality_warehouse_fixture import PROJECT_1_4_ROWS, budget_frame

from expectations.fct_budget_lines import (
    flag_codes,
    parent_child_differences,
    parent_links,
    project_stages,
    total_components,
)


def _by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("budget_line_id")


def test_one_difference_row_per_parent_with_children_at_its_own_stage():
    diffs = _by_id(parent_child_differences(budget_frame()))
    # The 2025 investment line has children only at project stages it does not
    # print itself, so there is nothing to reconcile for it.
    assert sorted(diffs.index) == ["ls234-2025-tx", "ls234-2026-tong", "ls234-2026-tx"]
    assert diffs.loc["ls234-2026-tong", "children_sum_million_vnd"] == 384172
    assert diffs.loc["ls234-2026-tx", "children"] == 5
    assert (diffs["diff_million_vnd"] == 0).all()


def test_a_changed_sub_line_shows_as_the_parent_difference():
    lines = budget_frame()
    lines.loc[lines["budget_line_id"] == "ls234-2025-tx-5", "amount_million_vnd"] = 14967.0
    diffs = _by_id(parent_child_differences(lines))
    assert diffs.loc["ls234-2025-tx", "diff_million_vnd"] == -270
    assert diffs.loc["ls234-2025-tx", "source_line"] == 148


def test_a_child_without_amount_leaves_the_difference_unknown_not_wrong():
    lines = budget_frame()
    lines.loc[lines["budget_line_id"] == "ls234-2026-tx-4", "amount_million_vnd"] = None
    diffs = _by_id(parent_child_differences(lines))
    assert pd.isna(diffs.loc["ls234-2026-tx", "diff_million_vnd"])
    assert diffs.loc["ls234-2026-tx", "children_without_amount"] == 1


def test_the_2026_total_is_investment_plus_recurrent():
    totals = _by_id(total_components(budget_frame()))
    assert list(totals.index) == ["ls234-2026-tong"]
    row = totals.loc["ls234-2026-tong"]
    assert (row["investment_lines"], row["recurrent_lines"]) == (1, 1)
    assert row["components_million_vnd"] == 60100 + 324072
    assert row["diff_million_vnd"] == 0


def test_a_total_without_a_recurrent_line_has_no_difference():
    lines = budget_frame()
    lines = lines[lines["budget_line_id"] != "ls234-2026-tx"]
    row = _by_id(total_components(lines)).loc["ls234-2026-tong"]
    assert row["recurrent_lines"] == 0
    assert pd.isna(row["diff_million_vnd"])


def test_a_total_split_by_source_of_funds_is_left_to_the_children_sum():
    # Gia Lai prints "Tổng dự toán kinh phí giai đoạn 2026 - 2030" split into state budget
    # and private funds, not into investment and recurrent spending.
    lines = budget_frame()
    names = {"ls234-2026-dtpt": "Ngân sách nhà nước", "ls234-2026-tx": "Nguồn xã hội hóa"}
    lines["line_name"] = lines["budget_line_id"].map(names).fillna(lines["line_name"])
    assert "ls234-2026-tong" not in _by_id(total_components(lines)).index


def test_project_stages_sit_side_by_side_with_the_first_source_line():
    projects = _by_id(project_stages(budget_frame()))
    assert sorted(projects.index) == [
        "ls234-2025-da-1.1",
        "ls234-2025-da-1.2",
        "ls234-2025-da-1.3a",
        "ls234-2025-da-1.3b",
    ]
    first = projects.loc["ls234-2025-da-1.1"]
    assert (first["total_investment"], first["allocated_to_date"], first["disbursed"]) == (
        200200,
        195662,
        155673.2,
    )
    assert first["source_line"] == 122
    assert projects["stage_order_holds"].all()
    assert not projects["stage_in_doubt"].any()


def test_project_1_4_as_printed_breaks_the_stage_order():
    project = _by_id(project_stages(budget_frame(PROJECT_1_4_ROWS))).loc["ls234-2025-da-1.4"]
    assert project["allocated_to_date"] > project["total_investment"]
    assert not project["stage_order_holds"]


def test_a_stage_wording_flag_marks_the_project_as_in_doubt():
    lines = budget_frame(PROJECT_1_4_ROWS)
    lines.loc[lines["stage"] == "total_investment", "flags"] = "stage_wording: read as total"
    assert bool(project_stages(lines)["stage_in_doubt"].iloc[0])


def test_flag_codes_are_read_from_code_note_pairs():
    assert flag_codes("stage_wording: x | prose_breakdown: y: z") == {
        "stage_wording",
        "prose_breakdown",
    }
    assert flag_codes("") == set()
    assert flag_codes(None) == set()


def test_parent_links_find_parents_in_the_same_plan_only():
    lines = budget_frame()
    lines.loc[lines["budget_line_id"] == "ls234-2026-tx-1", "plan_id"] = "lai-chau-khong-so-2025"
    links = _by_id(parent_links(lines))
    assert not links.loc["ls234-2026-tx-1", "parent_found"]
    assert links.drop(index="ls234-2026-tx-1")["parent_found"].all()
