"""Reported figures: the 2021–2025 results of Lạng Sơn plan 234/KH-UBND, and crafted text."""

from __future__ import annotations

import pytest
from fixtures.documents import LANG_SON_BUDGET, NOT_BUDGET_PLANS, source_documents, vn_number
from fixtures.documents import LANG_SON_BUDGET_PLAN as PLAN
from fixtures.rows import one_row

from dagster_project.extract.budget import extract_budget_lines
from dagster_project.extract.documents import document_from_text
from dagster_project.extract.figures import extract_reported_figures, find_figures
from dagster_project.extract.schema import SEED_TABLES


@pytest.fixture(scope="module")
def figures():
    return extract_reported_figures(source_documents()[LANG_SON_BUDGET], PLAN)


def _one(figures, value, line):
    return one_row(figures, value_text=value, source_line=line)


def _crafted(text: str) -> list[dict]:
    return extract_reported_figures(document_from_text("crafted.txt", text), "p")


# --- the real plan ------------------------------------------------------------------------


def test_at_least_thirty_figures_each_with_its_value_on_its_line(figures):
    doc = source_documents()[LANG_SON_BUDGET]
    assert len(figures) >= 30
    for figure in figures:
        assert tuple(figure) == SEED_TABLES["reported_figures"]
        assert figure["value_text"] in doc.line(figure["source_line"])
        assert figure["metric"]
        assert 0 < len(figure["context_text"]) <= 300
        assert figure["value_text"].rstrip("%") in figure["context_text"]


def test_figure_ids_follow_document_order(figures):
    assert [f["figure_id"] for f in figures] == [
        f"{PLAN}-fig-{n:03d}" for n in range(1, len(figures) + 1)
    ]
    lines = [f["source_line"] for f in figures]
    assert lines == sorted(lines)


def test_online_public_services_total_and_split(figures):
    total = _one(figures, "1.426", 101)
    partial = _one(figures, "559", 101)
    full = _one(figures, "867", 101)
    assert {total["unit"], partial["unit"], full["unit"]} == {"DVCTT"}
    assert partial["metric"] == "DVCTT một phần"
    assert full["metric"] == "DVCTT toàn trình"
    assert vn_number(partial["value_text"]) + vn_number(full["value_text"]) == vn_number(
        total["value_text"]
    )
    assert total["period_text"] == "đến nay"
    assert "period_relative:" in total["flags"]


def test_share_of_dossiers_received_online_in_2024_and_q1_2025(figures):
    share = _one(figures, "84,03%", 101)
    assert share["unit"] == "%"
    assert share["period_text"] == "2024 - quý I/2025"
    assert share["metric"] == "tỷ lệ tiếp nhận trực tuyến hồ sơ"
    assert share["flags"] == ""
    online = _one(figures, "417.439", 101)
    assert online["period_text"] == "2024 - quý I/2025"
    received = _one(figures, "496.785", 101)
    direct = _one(figures, "79.346", 101)
    assert vn_number(direct["value_text"]) + vn_number(online["value_text"]) == vn_number(
        received["value_text"]
    )


def test_mobile_and_smartphone_subscribers_take_the_sections_status_date(figures):
    mobile = _one(figures, "929.878", 59)
    smartphone = _one(figures, "846.791", 59)
    assert mobile["metric"] == "Tổng số thuê bao di động"
    assert (mobile["unit"], smartphone["unit"]) == ("thuê bao", "thuê bao")
    assert "unit_from_metric:" in mobile["flags"]
    for figure in (mobile, smartphone):
        assert figure["period_text"] == "30/6/2025"
        assert "period_inferred:" in figure["flags"]
    assert _one(figures, "91,1%", 59)["metric"] == "tỷ lệ thuê bao smartphone"


@pytest.mark.parametrize(
    ("rank", "year"), [("05/63", "2021"), ("06/63", "2022"), ("04/63", "2023")]
)
def test_dti_rank_per_year(figures, rank, year):
    figure = _one(figures, rank, 64)
    assert figure["unit"] == "thứ hạng"
    assert figure["period_text"] == year
    assert "DTI" in figure["metric"]
    assert "period_inferred" not in figure["flags"]


def test_period_range_is_written_compactly(figures):
    assert _one(figures, "427", 35)["period_text"] == "01/01/2021 - tháng 6/2025"
    assert _one(figures, "2.558.801", 101)["period_text"] == "2021 - Quý I/2025"
    assert _one(figures, "05", 16)["period_text"] == "2021 - nay"


def test_comparison_year_is_not_the_period_but_a_value_printed_with_a_year_takes_it(figures):
    increase = _one(figures, "45", 55)
    assert increase["period_text"] == "30/6/2025"
    assert _one(figures, "6", 55)["period_text"] == "2021"


def test_goals_and_approximate_values_are_flagged(figures):
    assert "target:" in _one(figures, "4.000", 25)["flags"]
    assert "target:" in _one(figures, "75,15%", 68)["flags"]
    assert 'approximate: printed as "hơn 1.500"' in _one(figures, "1.500", 25)["flags"]


def test_no_dates_legal_references_or_footnote_markers(figures):
    values = {f["value_text"] for f in figures}
    assert not {"2302", "2345", "2025", "2021", "9001", "2015", "4.0", "2.0"} & values
    footnote = _one(figures, "14.884", 43)
    assert footnote["unit"] == "hồ sơ"
    # Lines that print only dates, decisions and resolutions give nothing.
    assert not {f["source_line"] for f in figures} & {106, 107, 110}
    # Line 79 cites "Nghị quyết số 19-NQ/TW, ngày 25/10/2017": only its percentages count.
    assert [f["value_text"] for f in figures if f["source_line"] == 79] == ["10,8%", "11,15%"]


def test_budget_amounts_are_left_to_budget_lines(figures):
    budget_lines = {
        r["source_line"] for r in extract_budget_lines(source_documents()[LANG_SON_BUDGET], PLAN)
    }
    assert not budget_lines & {f["source_line"] for f in figures}
    assert all(f["source_line"] < 170 for f in figures)


@pytest.mark.parametrize("source_file", NOT_BUDGET_PLANS)
def test_plans_without_a_results_section_yield_no_figures(source_file):
    assert extract_reported_figures(source_documents()[source_file], "plan") == []


# --- crafted text ----------------------------------------------------------------------------


RESULTS = """A. ĐÁNH GIÁ KẾT QUẢ GIAI ĐOẠN 2021 - 2025
1. Hạ tầng số
Tính đến 31/12/2024, toàn tỉnh có 1.234 trạm BTS và 56 điểm phục vụ bưu chính.
Tỷ lệ dân số có điện thoại thông minh đạt 72,5%; năm 2023 xếp thứ 12/63 tỉnh, thành phố.
2. Doanh nghiệp số
Theo Quyết định số 1878/QĐ-UBND ngày 30/10/2024, đã hỗ trợ 15 doanh nghiệp[3].
B. NHIỆM VỤ NĂM 2026
Phấn đấu đạt 90% dân số có điện thoại thông minh.
"""


@pytest.fixture(scope="module")
def crafted():
    return _crafted(RESULTS)


def test_crafted_results_are_read_by_form(crafted):
    assert [(f["value_text"], f["unit"]) for f in crafted] == [
        ("1.234", "trạm"),
        ("56", "điểm"),
        ("72,5%", "%"),
        ("12/63", "thứ hạng"),
        ("15", "doanh nghiệp"),
    ]


def test_crafted_metrics_and_periods(crafted):
    by_value = {f["value_text"]: f for f in crafted}
    assert by_value["56"]["metric"] == "điểm phục vụ bưu chính"
    assert by_value["56"]["period_text"] == "31/12/2024"
    assert by_value["72,5%"]["metric"] == "Tỷ lệ dân số có điện thoại thông minh"
    assert by_value["72,5%"]["period_text"] == "31/12/2024"
    assert by_value["72,5%"]["flags"].startswith("period_inferred:")
    assert by_value["12/63"]["period_text"] == "2023"
    assert by_value["15"]["metric"] == "hỗ trợ doanh nghiệp"
    # The decision's signing date is not the period; the section heading's is.
    assert by_value["15"]["period_text"] == "2021 - 2025"
    assert "from heading" in by_value["15"]["flags"]


def test_sections_that_are_not_results_are_skipped(crafted):
    assert "90%" not in {f["value_text"] for f in crafted}


def test_long_sentence_context_is_cut_around_the_value():
    sentence = (
        "Đã triển khai " + "nhiều hoạt động hỗ trợ, " * 30 + "cấp 7 giấy phép cho doanh nghiệp."
    )
    figures = _crafted(f"I. KẾT QUẢ THỰC HIỆN NĂM 2024\n{sentence}\n")
    assert [f["value_text"] for f in figures] == ["7"]
    context = figures[0]["context_text"]
    assert len(context) <= 300
    assert context.startswith("…")
    assert "cấp 7 giấy phép" in context


def test_find_figures_skips_numbers_without_a_measure():
    text = "Ngày 25/11/2021 ban hành Nghị quyết số 19-NQ/TW, phiên bản 2.0, mạng 5G, lần thứ 7."
    assert find_figures(text) == []
