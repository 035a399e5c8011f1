"""The appendix table parser, on the real plans and on crafted snippets of each quirk."""

from __future__ import annotations

import pytest
from fixtures.documents import source_documents

from dagster_project.extract.appendix import (
    AppendixError,
    extract_appendices,
    find_appendix_headings,
    iter_tables,
)
from dagster_project.extract.cells import Cell, line_cells, pipe_cells
from dagster_project.extract.documents import document_from_text

NGHE_AN = "002_47b38050f79059a8.txt"
BAC_KAN = "003_9cd07b915d35755a.txt"


@pytest.fixture(scope="module")
def nghe_an():
    return extract_appendices(source_documents()[NGHE_AN], "nghe-an-348-2025")[0]


@pytest.fixture(scope="module")
def bac_kan():
    return extract_appendices(source_documents()[BAC_KAN], "bac-kan-131-2025")[0]


def _by(rows, key, value):
    return [r for r in rows if r[key] == value]


def test_nghe_an_has_65_indicators_with_five_year_columns_each(nghe_an):
    assert len(nghe_an["indicators"]) == 65
    assert len(nghe_an["indicator_targets"]) == 65 * 5
    years = {r["target_year"] for r in nghe_an["indicator_targets"]}
    assert years == {"2025", "2030", "2035", "2040", "2045"}


def test_nghe_an_has_54_tasks_in_seven_groups(nghe_an):
    assert len(nghe_an["tasks"]) == 54
    assert [g for g in dict.fromkeys(r["group_code"] for r in nghe_an["tasks"])] == [
        "I",
        "II",
        "III",
        "IV",
        "V",
        "VI",
        "VII",
    ]
    assert len({r["task_key"] for r in nghe_an["tasks"]}) == 54


def test_bac_kan_has_47_indicator_rows_33_numbered_14_sub_items(bac_kan):
    codes = [r["indicator_code"] for r in bac_kan["indicators"]]
    assert len(codes) == 47
    assert sum("." not in c for c in codes) == 33
    assert [c for c in codes if "." in c] == [f"9.{i}" for i in range(1, 13)] + ["19.1", "19.2"]


def test_bac_kan_targets_take_their_year_from_the_group_row(bac_kan):
    by_code = {r["indicator_code"]: r for r in bac_kan["indicator_targets"]}
    assert by_code["5"]["target_text"] == "<=55"
    assert by_code["5"]["target_year"] == "2030"
    assert by_code["29"]["target_year"] == "2045"
    assert by_code["9"]["target_text"] == ""


def test_bac_kan_has_78_tasks_with_expected_output(bac_kan):
    tasks = bac_kan["tasks"]
    assert len(tasks) == 78
    assert [r["task_code"] for r in tasks] == [str(i) for i in range(1, 79)]
    first = tasks[0]
    assert first["expected_output_text"] == "Kế hoạch UBND tỉnh"
    assert first["deadline_text"] == "6/2025"
    assert _by(tasks, "task_code", "70")[0]["deadline_text"] == "Tháng 11/202"


def test_bac_kan_list_paragraphs_are_joined_into_the_task_name(bac_kan):
    task = _by(bac_kan["tasks"], "task_code", "60")[0]
    assert "(1) Định danh địa điểm;" in task["task_name"]
    assert "(9) Đẩy mạnh thực hiện Chỉ thị 18" in task["task_name"]
    assert task["lead_agency_text"].startswith("Công an tỉnh")
    assert task["deadline_text"] == "2026"
    assert "joined_paragraphs: 9" in task["flags"]


@pytest.mark.parametrize("source", [NGHE_AN, BAC_KAN])
def test_every_row_points_at_the_line_holding_its_text(source):
    doc = source_documents()[source]
    rows, _ = extract_appendices(doc, "p")
    for row in rows["indicators"]:
        assert doc.line(row["source_line"]).strip().rstrip("|").strip() == row["code_text"]
    for row in rows["tasks"]:
        assert doc.line(row["source_line"]).strip().rstrip("|").strip() == row["code_text"]
    for row in rows["indicator_targets"]:
        if row["target_text"]:
            assert doc.line(row["source_line"]).strip().startswith(row["target_text"][:20])


def test_page_chrome_after_the_last_row_is_reported_not_loaded():
    rows, table_flags = extract_appendices(source_documents()[NGHE_AN], "p")
    assert rows["tasks"][-1]["deadline_text"] == "Năm 2025"
    assert any(f.startswith("trailing_text") for f in table_flags["II"])


def test_documents_without_appendix_tables_yield_nothing():
    for name in ("000_19fe45472b84c257.txt", "001_7938fe19b7ad8c15.txt"):
        rows, flags = extract_appendices(source_documents()[name], "p")
        assert rows == {"indicators": [], "indicator_targets": [], "tasks": []}
        assert flags == {}


# Crafted snippets: a plan from another province, laid out the same way.

# The table's header, printed again at the top of the next page.
TABLE_HEADER = """|
TT |
Chỉ tiêu |
Mục tiêu theo từng giai đoạn |
Cơ quan chủ trì theo dõi, đánh giá |
||||
|
Năm 2025 |
Năm 2030 |
|||
"""
PIPE_PLAN = f"""KẾ HOẠCH
PHỤ LỤC I
DANH MỤC CHỈ TIÊU
{TABLE_HEADER}|
I |
Hạ tầng |
|
|
|
|
1 |
Tỷ lệ phủ sóng
5G toàn tỉnh |
12 |
2 |
Sở Khoa học và Công nghệ |
{TABLE_HEADER}|
2 |
Số doanh nghiệp công nghệ số |
≥ 3 |
Sở Tài chí\ufffd |
|
3 |
Chỉ số đổi mới sáng tạo |
Top 20 |
|
Sở Khoa học và Công nghệ |
Sở Nội vụ |
|
4 |
Chỉ số cuối bảng |
1 |
2 |
Sở Nội vụ |
Đăng nhập
"""


@pytest.fixture
def pipe_rows():
    doc = document_from_text("snippet_pipe.txt", PIPE_PLAN)
    return extract_appendices(doc, "tinh-x-1-2026")


def test_pipe_cells_split_over_lines_are_joined(pipe_rows):
    indicator = _by(pipe_rows[0]["indicators"], "indicator_code", "1")[0]
    assert indicator["indicator_name"] == "Tỷ lệ phủ sóng 5G toàn tỉnh"
    assert indicator["source_line"] == 21


def test_target_values_that_look_like_codes_do_not_start_rows(pipe_rows):
    targets = _by(pipe_rows[0]["indicator_targets"], "indicator_code", "1")
    assert [t["target_text"] for t in targets] == ["12", "2"]


def test_repeated_header_is_skipped_and_reported(pipe_rows):
    rows, table_flags = pipe_rows
    assert [r["indicator_code"] for r in rows["indicators"]] == ["1", "2", "3", "4"]
    assert any(f.startswith("repeated_header") for f in table_flags["I"])


def test_one_value_printed_across_all_year_columns_is_a_merged_cell(pipe_rows):
    indicator = _by(pipe_rows[0]["indicators"], "indicator_code", "2")[0]
    assert indicator["monitoring_agency_text"] == "Sở Tài chí\ufffd"
    assert (
        "merged_cell: one value printed across the columns Năm 2025, Năm 2030" in indicator["flags"]
    )
    targets = _by(pipe_rows[0]["indicator_targets"], "indicator_code", "2")
    assert [t["target_text"] for t in targets] == ["≥ 3", "≥ 3"]
    assert all(t["flags"].startswith("merged_cell") for t in targets)


def test_a_short_row_that_cannot_be_placed_is_kept_and_flagged():
    text = PIPE_PLAN.replace(
        "|\n4 |\nChỉ số cuối bảng |\n1 |\n2 |\nSở Nội vụ |\n",
        "|\n4 |\nChỉ số cuối bảng |\n1 |\n2 |\n|\n5 |\nMột chỉ số |\n1 |\n2 |\nSở Nội vụ |\n",
    )
    rows, _ = extract_appendices(document_from_text("short.txt", text), "p")
    indicator = _by(rows["indicators"], "indicator_code", "4")[0]
    assert "missing_cells: row has 4 of 5 cells" in indicator["flags"]
    assert indicator["monitoring_agency_text"] == ""
    assert [t["target_text"] for t in _by(rows["indicator_targets"], "indicator_code", "4")] == [
        "1",
        "2",
    ]


def test_cut_off_cells_are_flagged_truncated(pipe_rows):
    indicator = _by(pipe_rows[0]["indicators"], "indicator_code", "2")[0]
    assert "truncated_cell" in indicator["flags"]


def test_surplus_cells_are_joined_into_the_last_column_and_flagged(pipe_rows):
    indicator = _by(pipe_rows[0]["indicators"], "indicator_code", "3")[0]
    assert indicator["monitoring_agency_text"] == "Sở Khoa học và Công nghệ Sở Nội vụ"
    assert "extra_cells" in indicator["flags"]


LINE_TASKS = """PHỤ LỤC 2

TT

Tên nhiệm vụ

Cơ quan chủ trì

Cơ quan phối hợp

Kết quả

Thời gian hoàn thành

I

Nâng cao nhận thức

\u00a0

\u00a0

1.

Xây dựng kế hoạch

Sở Khoa học và Công nghệ

\u00a0

Kế hoạch

a Tháng 12/2025

2..

Triển khai nền tảng

Sở Nội vụ

Các sở, ngành

Nền tảng

Tháng 11/202

II

Hạ tầng

1

Một nhiệm vụ đánh số lại

Công an tỉnh

Sở Nội vụ

Đề án

2026
"""


def test_line_layout_tasks_with_empty_cells_and_stray_characters():
    doc = document_from_text("snippet_lines.txt", LINE_TASKS)
    assert find_appendix_headings(doc) == [(1, "II")]
    tasks = extract_appendices(doc, "tinh-y-2-2026")[0]["tasks"]
    assert [t["task_key"] for t in tasks] == ["I.1", "I.2", "II.1"]
    first, second, third = tasks
    assert first["coordinating_agency_text"] == ""
    assert first["deadline_text"] == "a Tháng 12/2025"
    assert first["expected_output_text"] == "Kế hoạch"
    assert second["code_text"] == "2.."
    assert "stray_characters" in second["flags"]
    assert second["deadline_text"] == "Tháng 11/202"
    assert third["lead_agency_text"] == "Công an tỉnh"


def test_unknown_column_header_is_a_clear_error():
    doc = document_from_text(
        "bad.txt", "PHỤ LỤC I\n|\nTT |\nChỉ tiêu |\nGhi chú lạ |\n|\n1 |\nMột chỉ tiêu |\nx |\n"
    )
    with pytest.raises(AppendixError, match="bad.txt:5: unknown column header 'Ghi chú lạ'"):
        iter_tables(doc)


def test_table_without_rows_is_a_clear_error():
    doc = document_from_text("empty.txt", "PHỤ LỤC I\n|\nTT |\nChỉ tiêu |\n")
    with pytest.raises(AppendixError, match="no table rows"):
        iter_tables(doc)


def test_pipe_tokenizer_closes_one_cell_per_bar():
    cells = pipe_cells([(1, "|"), (2, "A |"), (3, "||"), (4, "two"), (5, "lines |")])
    assert cells == [Cell("", 1), Cell("A", 2), Cell("", 3), Cell("", 3), Cell("two lines", 4)]


def test_line_tokenizer_treats_whitespace_only_lines_as_empty_cells():
    cells = line_cells([(1, "A"), (2, ""), (3, "\u00a0"), (4, ""), (5, "B")])
    assert cells == [Cell("A", 1), Cell("", 3), Cell("B", 5)]
