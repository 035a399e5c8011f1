"""Budget lines: the Lạng Sơn budget plan 234/KH-UBND, and crafted prose and tables."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fixtures.documents import LANG_SON_BUDGET, NOT_BUDGET_PLANS, source_documents, vn_number
from fixtures.documents import LANG_SON_BUDGET_PLAN as PLAN
from fixtures.rows import one_row

from dagster_project.extract.budget import STAGE_ORDER, extract_budget_lines
from dagster_project.extract.documents import document_from_text
from dagster_project.extract.schema import SEED_TABLES

STAGES = set(STAGE_ORDER)


@pytest.fixture(scope="module")
def rows():
    return extract_budget_lines(source_documents()[LANG_SON_BUDGET], PLAN)


def _row(rows, line_id, stage):
    return one_row(rows, budget_line_id=line_id, stage=stage)


def _children(rows, parent_id, stage):
    return [r for r in rows if r["parent_budget_line_id"] == parent_id and r["stage"] == stage]


def _crafted(text: str) -> list[dict]:
    return extract_budget_lines(document_from_text("crafted.txt", text), "p")


# --- the real budget plan --------------------------------------------------------------


def test_every_row_has_the_seed_columns_and_its_amount_on_its_line(rows):
    doc = source_documents()[LANG_SON_BUDGET]
    assert rows
    for row in rows:
        assert tuple(row) == SEED_TABLES["budget_lines"]
        assert row["source_file"] == LANG_SON_BUDGET
        assert row["amount_text"] in doc.line(row["source_line"])
        assert row["stage"] in STAGES
        assert all(
            isinstance(row[c], str) for c in SEED_TABLES["budget_lines"] if c != "source_line"
        )


def test_budget_line_and_stage_identify_a_row(rows):
    keys = [(r["budget_line_id"], r["stage"]) for r in rows]
    assert len(keys) == len(set(keys))


def test_every_parent_is_a_budget_line_of_the_same_year(rows):
    years = {r["budget_line_id"]: r["fiscal_year"] for r in rows}
    for row in rows:
        if row["parent_budget_line_id"]:
            assert years[row["parent_budget_line_id"]] == row["fiscal_year"]


@pytest.mark.parametrize(
    ("line_id", "stage", "amounts"),
    [
        ("fy2026-total", "estimate", ["60.100", "324.072"]),
        ("fy2026-recurrent", "estimate", ["205.106", "4.118", "11.370", "28.478", "75.000"]),
        (
            "fy2025-recurrent",
            "allocated",
            ["11.520", "13.291", "2.985", "9.170", "14.697", "118", "330"],
        ),
    ],
)
def test_children_have_their_printed_amounts_and_sum_to_the_parent(rows, line_id, stage, amounts):
    parent = _row(rows, f"{PLAN}-{line_id}", stage)
    children = _children(rows, parent["budget_line_id"], stage)
    assert [c["amount_text"] for c in children] == amounts
    assert sum(vn_number(a) for a in amounts) == vn_number(parent["amount_text"])


@pytest.mark.parametrize(
    ("line_id", "stage", "printed"),
    [
        (
            "fy2026-total",
            "estimate",
            {
                "amount_text": "384.172",
                "amount_unit": "triệu đồng",
                "source_line": 172,
                "parent_budget_line_id": "",
            },
        ),
        (
            "fy2025-recurrent",
            "allocated",
            {"amount_text": "52.111", "line_code": "2", "line_name": "Chi thường xuyên"},
        ),
        (
            "fy2025-investment",
            "allocated",
            {
                "amount_text": "56.016,1",
                "line_name": "Chi đầu tư phát triển",
                "source_line": 120,
                "flags": "",
            },
        ),
    ],
)
def test_line_is_read_as_printed(rows, line_id, stage, printed):
    line = _row(rows, f"{PLAN}-{line_id}", stage)
    assert {column: line[column] for column in printed} == printed


def test_2026_estimate_total_is_investment_plus_recurrent(rows):
    children = _children(rows, f"{PLAN}-fy2026-total", "estimate")
    assert [c["budget_line_id"] for c in children] == [
        f"{PLAN}-fy2026-investment",
        f"{PLAN}-fy2026-recurrent",
    ]


def test_2026_recurrent_estimate_lines_are_unnumbered_and_the_last_is_resolution_57(rows):
    children = _children(rows, f"{PLAN}-fy2026-recurrent", "estimate")
    assert [c["line_code"] for c in children] == ["-"] * 5
    assert children[4]["line_name"] == "Chi nhiệm vụ triển khai theo Nghị quyết số 57-NQ/TW"
    assert {c["flags"] for c in children} == {""}


def test_2025_recurrent_has_its_stage_flagged_as_inferred(rows):
    recurrent = _row(rows, f"{PLAN}-fy2025-recurrent", "allocated")
    assert recurrent["flags"].startswith("stage_inferred:")


def test_2025_investment_allocation_keeps_its_decimal_comma(rows):
    investment = _row(rows, f"{PLAN}-fy2025-investment", "allocated")
    assert vn_number(investment["amount_text"]) == Decimal("56016.1")


@pytest.mark.parametrize(
    ("line_id", "total_investment", "allocated_to_date", "disbursed"),
    [
        ("investment-1", "200.200", "195.662", "155.673,2"),
        ("investment-2", "8.624", "8.624", "7.976,478"),
        ("investment-3-1", "10.626", "10.626", "9.566,7"),
        ("investment-3-2", "2.660,0", "2.655", "0"),
        ("investment-4", "14.118,065", "14.119", "3.875,4"),
    ],
)
def test_each_2025_project_has_total_allocated_to_date_and_disbursed(
    rows, line_id, total_investment, allocated_to_date, disbursed
):
    full_id = f"{PLAN}-fy2025-{line_id}"
    assert _row(rows, full_id, "total_investment")["amount_text"] == total_investment
    assert _row(rows, full_id, "allocated_to_date")["amount_text"] == allocated_to_date
    assert _row(rows, full_id, "disbursed")["amount_text"] == disbursed
    assert _row(rows, full_id, "disbursed")["parent_budget_line_id"] == f"{PLAN}-fy2025-investment"


def test_projects_under_a_group_without_amount_are_flagged(rows):
    project = _row(rows, f"{PLAN}-fy2025-investment-3-1", "total_investment")
    assert project["line_code"] == "*"
    assert "parent_without_amount:" in project["flags"]
    assert "Chương trình MTQG" in project["flags"]


def test_disbursed_in_dong_keeps_its_printed_unit(rows):
    disbursed = _row(rows, f"{PLAN}-fy2025-investment-3-2", "disbursed")
    assert (disbursed["amount_text"], disbursed["amount_unit"], disbursed["source_line"]) == (
        "0",
        "đồng",
        140,
    )


def test_loose_total_investment_wording_is_flagged(rows):
    project = _row(rows, f"{PLAN}-fy2025-investment-4", "total_investment")
    assert project["flags"].startswith("stage_wording:")


def test_allocation_breakdown_in_parentheses_becomes_children(rows):
    project = _row(rows, f"{PLAN}-fy2025-investment-4", "allocated_to_date")
    parts = _children(rows, project["budget_line_id"], "allocated_to_date")
    assert [p["amount_text"] for p in parts] == ["8.500", "5.619"]
    assert parts[0]["line_name"] == "nguồn vốn không bao gồm nguồn đất"
    assert all(p["source_line"] == project["source_line"] == 144 for p in parts)
    assert sum(vn_number(p["amount_text"]) for p in parts) == vn_number(project["amount_text"])


def test_settlement_amounts_in_prose_are_their_own_stages(rows):
    proposed = _row(rows, f"{PLAN}-fy2025-investment-1", "settlement_proposed")
    assert (proposed["amount_text"], proposed["source_line"]) == ("163.871,1", 125)
    appraised = _row(rows, f"{PLAN}-fy2025-investment-2", "settlement_appraised")
    assert (appraised["amount_text"], appraised["amount_unit"]) == ("7.991.147.000", "đồng")


@pytest.mark.parametrize("source_file", NOT_BUDGET_PLANS)
def test_plans_without_budget_text_yield_no_budget_lines(source_file):
    assert extract_budget_lines(source_documents()[source_file], "plan") == []


# --- crafted prose ----------------------------------------------------------------------


PROSE = """KẾ HOẠCH
I. DỰ TOÁN NGÂN SÁCH NĂM 2027
Tổng kinh phí dự toán 2027: 1.500,5 triệu đồng.
1. Kinh phí chi đầu tư phát triển: 500 triệu đồng
2. Kinh phí chi thường xuyên: 1.000,5 triệu đồng, trong đó:
- Chi nhiệm vụ KH&CN: 600,5 triệu đồng.
- Chi các đơn vị sự nghiệp: 400 triệu đồng.
II. TỔ CHỨC THỰC HIỆN
Các sở bố trí 20 triệu đồng cho hội nghị.
"""


def test_prose_tree_nests_numbered_items_under_the_section_total():
    rows = _crafted(PROSE)
    by_id = {r["budget_line_id"]: r for r in rows}
    assert list(by_id) == [
        "p-fy2027-total",
        "p-fy2027-investment",
        "p-fy2027-recurrent",
        "p-fy2027-recurrent-1",
        "p-fy2027-recurrent-2",
    ]
    assert by_id["p-fy2027-recurrent-1"]["parent_budget_line_id"] == "p-fy2027-recurrent"
    assert by_id["p-fy2027-recurrent"]["parent_budget_line_id"] == "p-fy2027-total"
    assert {r["stage"] for r in rows} == {"estimate"}
    assert by_id["p-fy2027-recurrent-1"]["amount_text"] == "600,5"


def test_amounts_outside_budget_sections_are_not_budget_lines():
    rows = _crafted(PROSE)
    assert "20" not in {r["amount_text"] for r in rows}


def test_project_stage_items_attach_to_the_project_heading():
    rows = _crafted(
        "II. TÌNH HÌNH GIẢI NGÂN NGÂN SÁCH\n"
        "1. Chi đầu tư phát triển\n"
        "Năm 2025 tổng kinh phí được giao: 30.000 triệu đồng Trong đó:\n"
        "1.1. Dự án: Trung tâm dữ liệu\n"
        "- Tổng mức đầu tư: 20.000 triệu đồng.\n"
        "- Kế hoạch vốn đã được bố trí đến năm 2025: 15.000 triệu đồng.\n"
        "- Vốn đã thực hiện giải ngân đến hết 30/6/2025: 7.500,25 triệu đồng.\n"
    )
    stages = {r["stage"]: r for r in rows if r["budget_line_id"] == "p-fy2025-investment-1"}
    assert set(stages) == {"total_investment", "allocated_to_date", "disbursed"}
    assert stages["disbursed"]["amount_text"] == "7.500,25"
    assert stages["disbursed"]["line_name"] == "Dự án: Trung tâm dữ liệu"
    assert stages["disbursed"]["parent_budget_line_id"] == "p-fy2025-investment"


def test_a_second_amount_in_the_parents_stage_is_a_child_not_a_stage():
    rows = _crafted(
        "I. PHÂN BỔ NGÂN SÁCH NĂM 2025\n"
        "1. Chi thường xuyên: 900 triệu đồng, trong đó:\n"
        "- Chi phân bổ cho cấp xã: 300 triệu đồng.\n"
    )
    child = _row(rows, "p-fy2025-recurrent-1", "allocated")
    assert (child["amount_text"], child["parent_budget_line_id"]) == ("300", "p-fy2025-recurrent")


def test_amount_without_any_stage_word_is_flagged_unknown():
    rows = _crafted("I. KINH PHÍ NĂM 2025\nKinh phí năm 2025: 12 triệu đồng.\n")
    assert [r["stage"] for r in rows] == ["unspecified"]
    assert rows[0]["flags"].startswith("stage_unknown:")


# --- crafted tables ------------------------------------------------------------------------


TABLE = """I. DỰ TOÁN NGÂN SÁCH KHOA HỌC VÀ CÔNG NGHỆ NĂM 2027
Đơn vị tính: triệu đồng
STT | Nội dung | Dự toán năm 2027 | Kế hoạch vốn năm 2026 | Ghi chú |
| Tổng cộng | 1.250,5 | 900 | |
I | Chi đầu tư phát triển | 250 | 0.60 | |
1 | Dự án A | 150 | | |
2 | Dự án B | 100 | | |
STT | Nội dung | Dự toán năm 2027 | Kế hoạch vốn năm 2026 | Ghi chú |
II | Chi thường xuyên | 1.000,5 | Chưa giao | |
1 | Chi nhiệm vụ KH&CN | 600,5 | | |
2 | Chi quản lý nhà n\ufffd | 40\ufffd | | |
3 | Chi khác | - | | |
II. TỔ CHỨC THỰC HIỆN
"""


@pytest.fixture(scope="module")
def table_rows():
    return _crafted(TABLE)


def test_table_rows_nest_by_code_under_the_total_row(table_rows):
    estimate = [r for r in table_rows if r["stage"] == "estimate"]
    assert [(r["budget_line_id"], r["parent_budget_line_id"]) for r in estimate] == [
        ("p-fy2027-total", ""),
        ("p-fy2027-investment", "p-fy2027-total"),
        ("p-fy2027-investment-1", "p-fy2027-investment"),
        ("p-fy2027-investment-2", "p-fy2027-investment"),
        ("p-fy2027-recurrent", "p-fy2027-total"),
        ("p-fy2027-recurrent-1", "p-fy2027-recurrent"),
        ("p-fy2027-recurrent-2", "p-fy2027-recurrent"),
    ]
    assert {r["amount_unit"] for r in estimate} == {"triệu đồng"}
    assert [r["line_code"] for r in estimate] == ["", "I", "1", "2", "II", "1", "2"]


def test_table_parent_equals_sum_of_children(table_rows):
    estimate = {r["budget_line_id"]: r for r in table_rows if r["stage"] == "estimate"}
    investment = [
        r for r in estimate.values() if r["parent_budget_line_id"] == "p-fy2027-investment"
    ]
    assert sum(vn_number(r["amount_text"]) for r in investment) == vn_number(
        estimate["p-fy2027-investment"]["amount_text"]
    )
    top = [r for r in estimate.values() if r["parent_budget_line_id"] == "p-fy2027-total"]
    assert sum(vn_number(r["amount_text"]) for r in top) == Decimal("1250.5")


def test_repeated_table_header_is_not_a_row(table_rows):
    assert all(r["line_name"] != "Nội dung" for r in table_rows)
    assert all(r["source_line"] != 8 for r in table_rows)


def test_cut_off_cells_are_kept_and_flagged_truncated(table_rows):
    cut = _row(table_rows, "p-fy2027-recurrent-2", "estimate")
    assert cut["amount_text"] == "40\ufffd"
    assert cut["line_name"] == "Chi quản lý nhà n\ufffd"
    assert cut["flags"].count("truncated_cell:") == 2


def test_empty_and_dash_cells_give_no_row(table_rows):
    assert all(r["line_name"] != "Chi khác" for r in table_rows)
    assert all(r["amount_text"] != "" for r in table_rows)


def test_each_year_column_is_its_own_tree_with_its_stage(table_rows):
    allocated = [r for r in table_rows if r["stage"] == "allocated"]
    assert {r["fiscal_year"] for r in allocated} == {"2026"}
    assert [r["budget_line_id"] for r in allocated] == [
        "p-fy2026-total",
        "p-fy2026-investment",
        "p-fy2026-recurrent",
    ]


def test_decimal_point_and_text_amounts_are_flagged_not_guessed(table_rows):
    point = _row(table_rows, "p-fy2026-investment", "allocated")
    assert point["amount_text"] == "0.60"
    assert point["flags"].startswith("ambiguous_number:")
    text = _row(table_rows, "p-fy2026-recurrent", "allocated")
    assert text["amount_text"] == "Chưa giao"
    assert text["flags"].startswith("not_a_number:")


def test_table_without_unit_note_flags_missing_unit():
    rows = _crafted("STT | Nội dung | Dự toán 2026 |\n1 | Chi thường xuyên | 10 |\n")
    assert [(r["amount_text"], r["amount_unit"]) for r in rows] == [("10", "")]
    assert "unit_missing:" in rows[0]["flags"]


def test_total_row_printed_last_still_parents_the_rows_above():
    rows = _crafted(
        "Đơn vị: triệu đồng\n"
        "STT | Nội dung | Dự toán 2026 |\n"
        "1 | Chi đầu tư phát triển | 10 |\n"
        "2 | Chi thường xuyên | 5 |\n"
        "| Tổng cộng | 15 |\n"
    )
    parents = {r["line_name"]: r["parent_budget_line_id"] for r in rows}
    assert parents == {
        "Tổng cộng": "",
        "Chi đầu tư phát triển": "p-fy2026-total",
        "Chi thường xuyên": "p-fy2026-total",
    }
