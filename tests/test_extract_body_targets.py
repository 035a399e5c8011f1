"""Quantified targets stated in plan prose, on the real documents and on crafted text."""

from __future__ import annotations

import pytest
from fixtures.rows import one_row

from dagster_project.extract.appendix import find_appendix_headings
from dagster_project.extract.body_targets import extract_body_targets
from dagster_project.extract.documents import document_from_text, load_documents
from dagster_project.extract.plans import extract_plan
from dagster_project.extract.schema import SEED_TABLES

LANG_SON_145 = "000_19fe45472b84c257.txt"
LAI_CHAU = "001_7938fe19b7ad8c15.txt"
NGHE_AN = "002_47b38050f79059a8.txt"
BAC_KAN = "003_9cd07b915d35755a.txt"
LANG_SON_234 = "004_c38ba8cad11c4ac1.txt"


@pytest.fixture(scope="module")
def targets():
    """Body target rows per source file, with the document they came from."""
    found = {}
    for doc in load_documents():
        plan_id = extract_plan(doc)["plan_id"]
        found[doc.source_file] = (doc, extract_body_targets(doc, plan_id))
    return found


def _find(targets, source_file, line, target_text):
    """The one row of ``source_file`` for ``target_text`` printed on ``line``."""
    _, rows = targets[source_file]
    return one_row(rows, source_line=line, target_text=target_text)


# --- required targets of the two prose-only plans ------------------------------------------


def test_lai_chau_three_percent_of_local_budget_every_year(targets):
    row = _find(targets, LAI_CHAU, 91, "ít nhất 3%")
    assert "tổng chi ngân sách địa phương" in row["subject_text"]
    assert row["target_year_text"] == "Hàng năm"
    assert row["flags"] == ""


def test_lai_chau_cashless_transactions_at_least_80_percent(targets):
    row = _find(targets, LAI_CHAU, 161, "đạt tối thiểu 80%")
    assert "giao dịch không dùng tiền mặt" in row["subject_text"]
    assert row["target_year_text"] == ""
    assert row["flags"].startswith("year_missing: ")


def test_lai_chau_quarter_of_leaders_with_technical_background(targets):
    row = _find(targets, LAI_CHAU, 53, "tối thiểu đạt 25%")
    assert "đội ngũ lãnh đạo" in row["subject_text"]


def test_lai_chau_5g_coverage_by_2030(targets):
    row = _find(targets, LAI_CHAU, 101, "toàn tỉnh")
    assert "phủ sóng 5G" in row["subject_text"]
    assert row["target_year_text"] == "Đến năm 2030"


def test_lang_son_quarter_of_leaders_by_2045(targets):
    row = _find(targets, LANG_SON_145, 70, "tối thiểu đạt 25%")
    assert row["target_year_text"] == "vào năm 2045"
    assert row["context_text"].endswith("hướng tới tối thiểu đạt 25% vào năm 2045.")
    assert row["flags"] == ""


def test_lang_son_5g_coverage_of_the_whole_province(targets):
    row = _find(targets, LANG_SON_145, 28, "toàn tỉnh")
    assert row["subject_text"] == "Phủ sóng 5G"
    assert row["context_text"] == "Phủ sóng 5G toàn tỉnh."


def test_lang_son_repeated_page_block_yields_one_flagged_row(targets):
    row = _find(targets, LANG_SON_145, 28, "toàn tỉnh")
    assert "repeated_in_source: the same clause is printed again at line 58" in row["flags"]
    assert not [r for r in targets[LANG_SON_145][1] if r["source_line"] == 58]


# --- properties of every row of every document ----------------------------------------------


def test_every_target_is_printed_on_its_source_line(targets):
    for doc, rows in targets.values():
        for row in rows:
            assert row["target_text"] in doc.line(row["source_line"]), row


def test_every_context_holds_its_target_and_respects_length_limits(targets):
    for _, rows in targets.values():
        for row in rows:
            assert row["target_text"] in row["context_text"]
            assert len(row["context_text"]) <= 300
            assert len(row["subject_text"]) <= 200
            assert tuple(row) == SEED_TABLES["body_targets"]


def test_target_ids_count_up_in_document_order(targets):
    for _, rows in targets.values():
        plan_id = rows[0]["plan_id"] if rows else ""
        assert [r["target_id"] for r in rows] == [
            f"{plan_id}-bt-{n:03d}" for n in range(1, len(rows) + 1)
        ]
        assert [r["source_line"] for r in rows] == sorted(r["source_line"] for r in rows)


@pytest.mark.parametrize("source_file", [NGHE_AN, BAC_KAN])
def test_appendix_tables_are_never_read(targets, source_file):
    doc, rows = targets[source_file]
    first_appendix = find_appendix_headings(doc)[0][0]
    assert rows, "the body of this plan states at least one target"
    assert all(r["source_line"] < first_appendix for r in rows)


def test_budget_plan_without_goal_section_has_no_body_targets(targets):
    _, rows = targets[LANG_SON_234]
    assert rows == []


# --- crafted text ---------------------------------------------------------------------------

GOALS = """KẾ HOẠCH
I. MỤC TIÊU
1. Đến năm 2030:
- Kinh tế số đạt tối thiểu 30% GRDP; tỷ lệ dân số trưởng thành có tài khoản thanh toán
điện tử trên 80%.
- Tỉnh thuộc Top 20 của cả nước về chỉ số đổi mới sáng tạo (PII).
2. Tầm nhìn đến năm 2045:
- Kinh tế số đạt ít nhất 50% GRDP.
II. NHIỆM VỤ
- Hết năm 2026, 100% hồ sơ công việc được xử lý trên môi trường mạng.
- Triển khai Đề án 06 theo Kế hoạch số 230-KH/TU ngày 29/4/2025; báo cáo 6 tháng trước ngày 10/6.
Nơi nhận:
- Như trên;
PHỤ LỤC I
| 1 | Tỷ lệ dịch vụ công trực tuyến | ≥ 90% |
"""


def _crafted(text: str) -> list[dict]:
    """The body targets of ``text`` as a document of plan ``x``."""
    return extract_body_targets(document_from_text("crafted.txt", text), "x")


@pytest.fixture()
def crafted_rows():
    return _crafted(GOALS)


def test_crafted_targets_in_document_order(crafted_rows):
    assert [(r["source_line"], r["target_text"], r["target_year_text"]) for r in crafted_rows] == [
        (4, "đạt tối thiểu 30% GRDP", "Đến năm 2030"),
        (5, "trên 80%", "Đến năm 2030"),
        (6, "Top 20", "Đến năm 2030"),
        (8, "đạt ít nhất 50% GRDP", "Tầm nhìn đến năm 2045"),
        (10, "100%", "Hết năm 2026"),
    ]
    assert [r["target_id"] for r in crafted_rows] == [f"x-bt-{n:03d}" for n in range(1, 6)]


def test_year_taken_from_the_enclosing_heading_is_flagged(crafted_rows):
    assert crafted_rows[0]["subject_text"] == "Kinh tế số"
    assert crafted_rows[0]["flags"] == "year_inferred: from the heading at line 3"
    assert crafted_rows[3]["flags"] == "year_inferred: from the heading at line 7"
    assert crafted_rows[4]["flags"] == ""


def test_target_on_a_continuation_line_points_at_that_line(crafted_rows):
    row = crafted_rows[1]
    assert row["context_text"] == (
        "tỷ lệ dân số trưởng thành có tài khoản thanh toán điện tử trên 80%."
    )
    assert row["subject_text"] == "tỷ lệ dân số trưởng thành có tài khoản thanh toán điện tử"


def test_dates_document_numbers_and_reporting_periods_are_not_targets(crafted_rows):
    assert not [r for r in crafted_rows if r["source_line"] == 11]


def test_appendix_table_after_the_body_is_not_read(crafted_rows):
    assert all(r["source_line"] < 15 for r in crafted_rows)
    assert "≥ 90%" not in {r["target_text"] for r in crafted_rows}


def test_long_clause_is_cut_around_its_target_and_flagged():
    filler = "nâng cao năng lực quản lý nhà nước, " * 15
    text = f"II. MỤC TIÊU\n- Đến năm 2030, {filler}đạt 70% doanh nghiệp có hoạt động đổi mới.\n"
    (row,) = _crafted(text)
    assert row["target_text"] == "đạt 70%"
    assert "đạt 70%" in row["context_text"]
    assert len(row["context_text"]) <= 300
    assert row["flags"].startswith("context_truncated: ")


YEAR_COLUMNS = ("target_text", "target_year_text", "flags")
YEAR_MISSING = "year_missing: neither the clause nor its headings name a year"


@pytest.mark.parametrize(
    ("text", "columns", "expected"),
    [
        pytest.param(
            "KẾ HOẠCH\nI. NHIỆM VỤ\n- Bảo đảm 100% hồ sơ được số hóa.\n",
            YEAR_COLUMNS,
            [],
            id="text_without_goal_section_has_no_targets",
        ),
        pytest.param(
            "II. MỤC TIÊU\n- Mỗi lĩnh vực có ít nhất 2-3 chuyên gia đầu ngành trước năm 2030.\n",
            YEAR_COLUMNS,
            [("ít nhất 2-3 chuyên gia", "trước năm 2030", "")],
            id="count_target_keeps_its_unit_and_horizon_in_the_clause",
        ),
        pytest.param(
            "II. MỤC TIÊU\n"
            "Đến năm 2030:\n"
            "a) Chỉ số HDI đạt trên 0,7.\n"
            "b) Có ít nhất 12 nhà nghiên cứu trên một vạn dân.\n"
            "Tầm nhìn đến năm 2045:\n"
            "a) Kinh tế số đạt ít nhất 50% GRDP.\n"
            "III. NHIỆM VỤ\n"
            "- Bảo đảm 100% dịch vụ công đủ điều kiện được cung cấp trực tuyến.\n",
            YEAR_COLUMNS,
            [
                ("đạt trên 0,7", "Đến năm 2030", "year_inferred: from the heading at line 2"),
                (
                    "ít nhất 12 nhà nghiên",
                    "Đến năm 2030",
                    "year_inferred: from the heading at line 2",
                ),
                (
                    "đạt ít nhất 50% GRDP",
                    "Tầm nhìn đến năm 2045",
                    "year_inferred: from the heading at line 5",
                ),
                ("100%", "", YEAR_MISSING),
            ],
            id="items_under_an_unnumbered_horizon_heading_inherit_its_year",
        ),
        pytest.param(
            "II. MỤC TIÊU\n"
            "- Hoàn thành hạ tầng dữ liệu trước năm 2030. Phấn đấu 100% hồ sơ được số hóa; "
            "100% thủ tục trực tuyến toàn trình.\n",
            ("target_text", "context_text", "target_year_text", "flags"),
            [
                ("100%", "Phấn đấu 100% hồ sơ được số hóa", "", YEAR_MISSING),
                ("100%", "100% thủ tục trực tuyến toàn trình.", "", YEAR_MISSING),
            ],
            id="sentence_ending_in_a_year_does_not_lend_it_to_the_next_sentence",
        ),
    ],
)
def test_crafted_clauses_read_as_expected(text, columns, expected):
    assert [tuple(row[c] for c in columns) for row in _crafted(text)] == expected
