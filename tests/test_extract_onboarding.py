"""Plans from provinces outside the seeds, in layouts of their own: read, or refused with a reason.

The three fixture plans (``tests/fixtures/plans/``) are written the way provinces
write them: one laid out exactly like Bắc Kạn 131, two with layouts of their own.
Each is scored against its answer key (``fixtures/plans/scoring.py``).
"""

from __future__ import annotations

import pytest
from fixtures.plans.scoring import FIXTURES, PLANS_DIR, extract_fixture, score

from dagster_project.extract.appendix import (
    AppendixError,
    extract_appendices,
    parse_table,
    read_tables,
)
from dagster_project.extract.documents import document_from_text
from dagster_project.extract.layouts import (
    NO_LAYOUT,
    ColumnRole,
    DocumentLayout,
    LayoutError,
    parse_document_layout,
    read_layouts,
)
from dagster_project.extract.runner import extract_all
from dagster_project.semantics.agencies import REFERENCE_DIR, load_registry


@pytest.fixture(scope="module")
def registry():
    return load_registry(REFERENCE_DIR)


@pytest.fixture(scope="module", params=FIXTURES)
def scored(request, registry):
    return score(request.param, registry)


# --- the measure the issue sets ---------------------------------------------------------


def test_at_least_95_percent_of_each_plans_facts_are_right(scored):
    assert scored.facts > 150, scored.line()
    assert scored.fact_share >= 0.95, (scored.line(), scored.wrong)


def test_at_least_95_percent_of_each_plans_agency_mentions_resolve(scored):
    assert scored.mentions > 40, scored.line()
    assert scored.mention_share >= 0.95, (scored.line(), scored.unresolved)


def test_no_target_or_deadline_is_read_silently_wrong(scored):
    assert scored.silent_misreads == [], scored.line()


def test_every_unresolved_mention_is_named_with_its_line(scored):
    assert all(u.startswith("plan.txt:") for u in scored.unresolved)


# --- layouts of their own -----------------------------------------------------------------


def test_flat_year_headers_keep_each_target_under_its_year():
    rows = extract_fixture(PLANS_DIR / "ha_tinh_168")
    targets = {(r["indicator_code"], r["target_year"]): r for r in rows["indicator_targets"]}
    assert targets[("1", "2025")]["target_text"] == "≥ 60%"
    assert targets[("1", "2030")]["target_text"] == "100%"
    monitoring = {r["indicator_code"]: r["monitoring_agency_text"] for r in rows["indicators"]}
    assert monitoring["1"] == "Sở Khoa học và Công nghệ"


def test_a_notes_column_is_read_and_kept_apart():
    rows = extract_fixture(PLANS_DIR / "ha_tinh_168")
    task = next(r for r in rows["tasks"] if r["task_key"] == "II.5")
    assert task["deadline_text"] == "2025-2026"
    indicator = next(r for r in rows["indicators"] if r["indicator_code"] == "3")
    assert indicator["monitoring_agency_text"] == "Sở KH&CN"


@pytest.mark.parametrize(
    ("fixture", "key", "column", "text"),
    [
        # Pipe layout: a page number alone on its line inside a row.
        ("ha_tinh_168", "IV.12", "coordinating_agency_text", "Sở KH&CN"),
        # Line layout: the next page's number between two agency cells.
        (
            "gia_lai_1205",
            "IV.11",
            "coordinating_agency_text",
            "Sở Khoa học và Công nghệ; UBND các xã, phường",
        ),
    ],
)
def test_page_numbers_inside_rows_are_not_cells(fixture, key, column, text):
    rows = extract_fixture(PLANS_DIR / fixture)
    task = next(r for r in rows["tasks"] if r["task_key"] == key)
    assert task[column] == text


def test_a_page_number_in_a_target_slot_is_dropped_when_the_row_is_too_long():
    rows = extract_fixture(PLANS_DIR / "gia_lai_1205")
    targets = {(r["indicator_code"], r["target_year"]): r for r in rows["indicator_targets"]}
    assert targets[("10", "2030")]["target_text"] == "≥ 3%"
    indicator = next(r for r in rows["indicators"] if r["indicator_code"] == "10")
    assert "page_break: page number 9" in indicator["flags"]


def test_page_breaks_and_repeated_headers_are_reported_on_the_table():
    rows = extract_fixture(PLANS_DIR / "ha_tinh_168")
    flags = {r["appendix_label"]: r["flags"] for r in rows["plan_appendices"]}
    assert "page_break: page number 4" in flags["I"]
    assert "repeated_header" in flags["I"]


def test_a_period_total_is_kept_as_a_period_not_a_fiscal_year():
    rows = extract_fixture(PLANS_DIR / "ha_tinh_168")
    years = {(r["line_name"], r["fiscal_year"]) for r in rows["budget_lines"]}
    assert ("Tổng cộng", "2026-2030") in years
    assert ("Tổng cộng", "2026") in years
    prose = extract_fixture(PLANS_DIR / "gia_lai_1205")["budget_lines"]
    total = next(r for r in prose if r["line_name"].startswith("Tổng dự toán"))
    assert (total["fiscal_year"], total["amount_unit"]) == ("2026-2030", "tỷ đồng")


def test_an_appendix_without_a_table_is_set_aside_with_its_reason_and_line():
    rows = extract_fixture(PLANS_DIR / "gia_lai_1205")
    appendix = next(r for r in rows["plan_appendices"] if r["appendix_label"] == "III")
    assert appendix["status"] == "unreadable"
    assert "plan.txt:" in appendix["flags"] and "has no 'TT' header" in appendix["flags"]
    # The other appendices of the document are read all the same.
    assert len(rows["tasks"]) == 13


def test_a_layout_override_skips_the_appendix():
    layout = DocumentLayout(skip_appendices=frozenset({"III"}))
    rows = extract_fixture(PLANS_DIR / "gia_lai_1205", layout)
    appendix = next(r for r in rows["plan_appendices"] if r["appendix_label"] == "III")
    assert appendix["status"] == "present"


# --- crafted snippets ---------------------------------------------------------------------

SHIFTED = """PHỤ LỤC I
TT

Chỉ tiêu

Cơ quan theo dõi

Năm 2030

1.

Tỷ lệ thứ nhất

85%

Sở Khoa học và Công nghệ

2.

Tỷ lệ thứ hai

90%

Sở Tài chính

3.

Tỷ lệ thứ ba

≥ 70%

Sở Nội vụ

4.

Tỷ lệ thứ tư

100%

Công an tỉnh
"""


def test_columns_that_do_not_hold_what_the_header_says_are_refused_never_shifted():
    # The header names the agency before the year; the rows print the year first.
    doc = document_from_text("shifted.txt", SHIFTED)
    with pytest.raises(
        AppendixError,
        match="shifted.txt:14: Phụ lục I: column 'Cơ quan theo dõi' holds agency names in only 0",
    ):
        parse_table(doc, 1, len(doc.lines), "I")
    tables, unreadable = read_tables(doc)
    assert tables == [] and unreadable[0].label == "I"


def test_a_column_map_in_the_layout_reads_the_shifted_table():
    doc = document_from_text("shifted.txt", SHIFTED)
    layout = DocumentLayout(
        columns={
            "I": (
                ColumnRole("code"),
                ColumnRole("indicator_name"),
                ColumnRole("target", 2030),
                ColumnRole("monitoring_agency"),
            )
        }
    )
    rows, _ = extract_appendices(doc, "p", layout)
    assert [(r["target_year"], r["target_text"]) for r in rows["indicator_targets"]][0] == (
        "2030",
        "85%",
    )
    assert rows["indicators"][0]["monitoring_agency_text"] == "Sở Khoa học và Công nghệ"


UNKNOWN_HEADER = "PHỤ LỤC I\n|\nTT |\nChỉ tiêu |\nLộ trình đầu tư |\n|\n1 |\nMột chỉ tiêu |\nx |\n"


def test_an_unknown_header_sets_the_appendix_aside_and_a_header_role_reads_it():
    doc = document_from_text("h.txt", UNKNOWN_HEADER.replace("Lộ trình đầu tư", "Phân kỳ"))
    rows, flags = extract_appendices(doc, "p")
    assert rows["indicators"] == []
    assert "unknown column header 'Phân kỳ'" in flags["I"][0]
    layout = DocumentLayout(header_roles={"phân kỳ": ColumnRole("target", 2030)})
    rows, _ = extract_appendices(doc, "p", layout)
    assert rows["indicator_targets"][0]["target_text"] == "x"


def test_one_documents_trouble_never_stops_the_others():
    good = document_from_text("good.txt", (PLANS_DIR / "quang_binh_52" / "plan.txt").read_text())
    broken = document_from_text("broken.txt", SHIFTED)
    extraction = extract_all([broken, good])
    assert len(extraction.tables["tasks"]) == 28
    assert any(p.startswith("broken.txt:14: Phụ lục I: column") for p in extraction.problems)


def test_a_layout_for_a_document_that_does_not_exist_is_refused():
    good = document_from_text("good.txt", "KẾ HOẠCH")
    with pytest.raises(LayoutError, match="no source document missing.txt"):
        extract_all([good], {"missing.txt": NO_LAYOUT})


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"colour": "red"}, "unknown keys colour"),
        ({"skip_appendices": ["3"]}, "is not a Roman numeral"),
        ({"header_roles": {"Phân kỳ": "deadlines"}}, "role 'deadlines' is not one of"),
        (
            {"columns": {"I": ["indicator_name", "target:2030"]}},
            "exactly one column must be the code",
        ),
        ({"columns": {"I": "code"}}, "expected a list of roles"),
        ("gia-lai", "expected a mapping"),
    ],
)
def test_a_layout_mistake_is_an_error_naming_the_document(entry, message):
    with pytest.raises(LayoutError, match=message):
        parse_document_layout("005_x.txt", entry)


def test_the_layouts_file_reads_every_override(tmp_path):
    path = tmp_path / "layouts.yml"
    path.write_text(
        "005_x.txt:\n  province: gia-lai\n  skip_appendices: [III]\n"
        "  columns:\n    II: [code, task_name, lead_agency, target:2030]\n",
        encoding="utf-8",
    )
    layout = read_layouts(path)["005_x.txt"]
    assert layout.province_id == "gia-lai"
    assert layout.skip_appendices == {"III"}
    assert layout.columns["II"][3] == ColumnRole("target", 2030)
    assert read_layouts(tmp_path / "absent.yml") == {}
