"""Every row rule of submission format v1: a good row loads, a bad row is quarantined
with its reason, and the other rows of the file still load.

Each case ingests a real .xlsx (or CSV) into a temporary submissions store,
checked against the real seeds and agency registry.
"""

from __future__ import annotations

import duckdb
import pytest
from fixtures.submissions.builders import (
    GOOD_BUDGET,
    GOOD_INDICATOR,
    GOOD_TASK,
    NGHE_AN_KHCN,
    store_rows,
    write_csv,
    write_xlsx,
)
from fixtures.submissions.stores import ingest, loaded, quarantine

pytest_plugins = ("fixtures.submissions.ingesting",)


SHEET_ARGUMENT = {
    "task_progress": "tasks",
    "indicator_values": "indicators",
    "budget_execution": "budget",
}
GOOD_ROW = {
    "task_progress": GOOD_TASK,
    "indicator_values": GOOD_INDICATOR,
    "budget_execution": GOOD_BUDGET,
}
# The bad row is about another item than the good one, so only the rule under test fails.
OTHER_ITEM = {
    "task_progress": {"task_key": "I.3"},
    "indicator_values": {"indicator_code": "2"},
    "budget_execution": {"project_name": "Dự án khác"},
}

# (case id, sheet, changes that break the good row, reason code, column)
# One case per line reads as a table; keep the formatter off it.
# fmt: off
ROW_CASES = [
    ("task_key_unknown", "task_progress", {"task_key": "IX.99"}, "task_unknown", "task_key"),
    ("task_key_missing", "task_progress", {"task_key": None}, "key_missing", "task_key"),
    ("plan_of_other_province", "task_progress", {"plan_id": "lang-son-145-2025"}, "plan_unknown", "plan_id"),
    ("status_not_in_list", "task_progress", {"status": "Xong"}, "status_invalid", "status"),
    ("status_empty", "task_progress", {"status": None, "percent_complete": "50"}, "value_missing", "status"),
    ("percent_not_a_number", "task_progress", {"status": "Đang thực hiện", "percent_complete": "năm mươi", "completion_date": None}, "number_invalid", "percent_complete"),
    ("percent_over_100", "task_progress", {"status": "Đang thực hiện", "percent_complete": "150", "completion_date": None}, "percent_out_of_range", "percent_complete"),
    ("percent_negative", "task_progress", {"status": "Đang thực hiện", "percent_complete": "-5", "completion_date": None}, "percent_out_of_range", "percent_complete"),
    ("percent_too_precise", "task_progress", {"status": "Đang thực hiện", "percent_complete": "1,12345678901", "completion_date": None}, "number_out_of_range", "percent_complete"),
    ("completed_at_80_percent", "task_progress", {"percent_complete": "80"}, "status_percent_inconsistent", "percent_complete"),
    ("completion_date_not_a_date", "task_progress", {"completion_date": "31/02/2026"}, "date_invalid", "completion_date"),
    ("completion_date_after_receipt", "task_progress", {"completion_date": "01/05/2026"}, "date_in_future", "completion_date"),
    ("completed_without_date", "task_progress", {"completion_date": None}, "value_missing", "completion_date"),
    ("formula_hyperlink", "task_progress", {"difficulties": '=HYPERLINK("http://example.com","bấm vào đây")'}, "formula_cell", "difficulties"),
    ("indicator_unknown", "indicator_values", {"indicator_code": "999"}, "indicator_unknown", "indicator_code"),
    ("indicator_monitored_by_police", "indicator_values", {"indicator_code": "3"}, "indicator_not_assigned", "indicator_code"),
    ("value_empty", "indicator_values", {"value_text": None}, "value_missing", "value_text"),
    ("value_not_a_number", "indicator_values", {"value_text": "khoảng 50"}, "number_invalid", "value_text"),
    ("index_value_thousands_or_one", "indicator_values", {"indicator_code": "38", "value_text": "1.000"}, "number_ambiguous", "value_text"),
    ("as_of_not_a_date", "indicator_values", {"as_of_date": "2026-13-01"}, "date_invalid", "as_of_date"),
    ("as_of_empty", "indicator_values", {"as_of_date": None}, "value_missing", "as_of_date"),
    ("allocated_negative", "budget_execution", {"allocated_million_vnd": "-5"}, "amount_negative", "allocated_million_vnd"),
    ("disbursed_over_allocated", "budget_execution", {"disbursed_million_vnd": "1.300"}, "disbursed_exceeds_allocated", "disbursed_million_vnd"),
    ("allocated_not_a_number", "budget_execution", {"allocated_million_vnd": "một tỷ"}, "number_invalid", "allocated_million_vnd"),
    ("no_line_id_nor_project", "budget_execution", {"project_name": None}, "key_missing", "budget_line_id"),
    ("line_id_not_in_province", "budget_execution", {"budget_line_id": "lang-son-234-2025-fy2025-investment-1"}, "budget_line_unknown", "budget_line_id"),
]
# fmt: on


@pytest.mark.parametrize(
    ("sheet", "changes", "reason_code", "column"),
    [case[1:] for case in ROW_CASES],
    ids=[case[0] for case in ROW_CASES],
)
def test_rule_rejects_bad_row_and_loads_good_row(
    tmp_path, reference, sheet, changes, reason_code, column
):
    good = dict(GOOD_ROW[sheet])
    bad = {**good, **OTHER_ITEM[sheet], **changes}
    path = write_xlsx(tmp_path / "in" / "report.xlsx", **{SHEET_ARGUMENT[sheet]: [good, bad]})
    [outcome], store = ingest(tmp_path, reference, path)

    assert outcome.status == "partially_accepted"
    assert (outcome.rows_in, outcome.rows_loaded, outcome.rows_quarantined) == (2, 1, 1)
    # Row 1 is the header, row 2 the label row: the good row is 3, the bad one 4.
    assert loaded(store) == [(sheet, 3)]
    reasons = [(r[0], r[1], r[2], r[4]) for r in quarantine(store)]
    assert (sheet, 4, column, reason_code) in reasons
    assert all(r[1] == 4 for r in quarantine(store))
    for row in quarantine(store):
        assert row[5] and row[6], "every quarantine entry has a Vietnamese and an English reason"


def test_each_failing_column_is_its_own_quarantine_entry(tmp_path, reference):
    bad = {
        **GOOD_TASK,
        "status": "Xong",
        "percent_complete": "150",
        "completion_date": "32/01/2026",
    }
    path = write_xlsx(tmp_path / "report.xlsx", tasks=[bad])
    [outcome], store = ingest(tmp_path, reference, path)
    assert outcome.status == "rejected"
    assert (outcome.rows_in, outcome.rows_quarantined) == (1, 1)
    codes = sorted(row[4] for row in quarantine(store))
    assert codes == ["date_invalid", "percent_out_of_range", "status_invalid"]


def test_duplicate_task_rows_are_both_quarantined(tmp_path, reference):
    path = write_xlsx(
        tmp_path / "report.xlsx", tasks=[GOOD_TASK, {**GOOD_TASK, "task_key": "I.3"}, GOOD_TASK]
    )
    [outcome], store = ingest(tmp_path, reference, path)
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (1, 2)
    assert loaded(store) == [("task_progress", 4)]
    duplicates = [row for row in quarantine(store) if row[4] == "duplicate_key"]
    assert [row[1] for row in duplicates] == [3, 5]
    assert "3, 5" in duplicates[0][6]


def test_statuses_accept_label_code_and_english(tmp_path, reference):
    rows = [
        {**GOOD_TASK, "task_key": "I.2", "status": "hoan_thanh"},
        {
            **GOOD_TASK,
            "task_key": "I.3",
            "status": "Đang thực hiện",
            "percent_complete": "40%",
            "completion_date": None,
        },
        {
            **GOOD_TASK,
            "task_key": "I.4",
            "status": "not started",
            "percent_complete": None,
            "completion_date": None,
        },
    ]
    path = write_xlsx(tmp_path / "report.xlsx", tasks=rows)
    [outcome], store = ingest(tmp_path, reference, path)
    assert outcome.status == "accepted", quarantine(store)
    parsed = store_rows(
        store,
        "select task_key, parsed_status, parsed_percent_complete from raw.submission_rows order by row_number",
    )
    assert [(k, s, float(p) if p is not None else None) for k, s, p in parsed] == [
        ("I.2", "hoan_thanh", 100.0),
        ("I.3", "dang_thuc_hien", 40.0),
        ("I.4", "chua_thuc_hien", None),
    ]


def test_indicator_yes_no_and_vietnamese_numbers_are_read(tmp_path, reference):
    rows = [
        {**GOOD_INDICATOR, "indicator_code": "1", "value_text": "1.234,5"},
        {**GOOD_INDICATOR, "indicator_code": "2", "value_text": "80%"},
        {**GOOD_INDICATOR, "indicator_code": "10", "value_text": "Có"},
    ]
    path = write_xlsx(tmp_path / "report.xlsx", indicators=rows)
    [outcome], store = ingest(tmp_path, reference, path)
    assert outcome.status == "accepted", quarantine(store)
    values = store_rows(
        store,
        "select value_text, parsed_value, parsed_value_flag from raw.submission_rows order by row_number",
    )
    assert [(t, float(v) if v is not None else None, f) for t, v, f in values] == [
        ("1.234,5", 1234.5, None),
        ("80%", 80.0, None),
        ("Có", None, True),
    ]


def test_excel_number_and_date_cells_are_read_as_typed(tmp_path, reference):
    from datetime import datetime

    indicator = {**GOOD_INDICATOR, "value_text": 1234.5, "as_of_date": datetime(2026, 3, 31)}
    budget = {**GOOD_BUDGET, "allocated_million_vnd": 56016.1, "disbursed_million_vnd": 7976.478}
    path = write_xlsx(tmp_path / "report.xlsx", indicators=[indicator], budget=[budget])
    [outcome], store = ingest(tmp_path, reference, path)
    assert outcome.status == "accepted", quarantine(store)
    rows = store_rows(
        store,
        """
        select value_text, parsed_value, as_of_date, allocated_million_vnd,
            parsed_allocated_million_vnd, parsed_disbursed_million_vnd
        from raw.submission_rows order by sheet
        """,
    )
    budget_row, indicator_row = rows
    assert indicator_row[:3] == ("1.234,5", pytest.approx(1234.5), "31/03/2026")
    assert budget_row[3] == "56.016,1"
    assert str(budget_row[4]).rstrip("0") == "56016.1"
    assert str(budget_row[5]).rstrip("0") == "7976.478"


def test_task_not_assigned_to_the_agency(tmp_path, reference):
    # Sở Y tế is in the "Các sở, ban, ngành, địa phương" group leading I.1 but
    # not named on I.2 (Sở Khoa học và Công nghệ leads, Sở Nội vụ coordinates).
    metadata = {**NGHE_AN_KHCN, "agency_id": "nghe-an:so-y-te"}
    good = {**GOOD_TASK, "task_key": "I.1"}
    bad = {**GOOD_TASK, "task_key": "I.2"}
    path = write_xlsx(tmp_path / "report.xlsx", metadata, tasks=[good, bad])
    [outcome], store = ingest(tmp_path, reference, path)
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (1, 1)
    assert [(r[1], r[4]) for r in quarantine(store)] == [(4, "task_not_assigned")]


def test_successor_agency_reports_merged_agency_task(tmp_path, reference):
    # Bắc Kạn task IV.39 is led by Sở Thông tin và Truyền thông (merged into
    # Sở KH&CN on 2025-03-01); Bắc Kạn merged into Thái Nguyên on 2025-07-01.
    metadata = {**NGHE_AN_KHCN, "province_id": "thai-nguyen", "agency_id": "thai-nguyen:so-khcn"}
    row = {**GOOD_TASK, "plan_id": "", "task_key": "IV.39"}
    path = write_xlsx(tmp_path / "report.xlsx", metadata, tasks=[row])
    [outcome], store = ingest(tmp_path, reference, path)
    assert outcome.status == "accepted", quarantine(store)
    with duckdb.connect(str(store), read_only=True) as con:
        assert con.execute("select parsed_plan_id from raw.submission_rows").fetchall() == [
            ("bac-kan-131-2025",)
        ]


# (case id, metadata changes, reason code, column)
# fmt: off
METADATA_CASES = [
    ("province_unknown", {"province_id": "atlantis"}, "province_unknown", "province_id"),
    ("province_merged", {"province_id": "bac-kan", "agency_id": "bac-kan:so-khcn"}, "province_not_current", "province_id"),
    ("agency_unknown", {"agency_id": "nghe-an:so-abc"}, "agency_unknown", "agency_id"),
    ("agency_of_other_province", {"agency_id": "lang-son:so-khcn"}, "agency_not_in_province", "agency_id"),
    ("agency_merged", {"agency_id": "nghe-an:so-tttt"}, "agency_not_current", "agency_id"),
    ("agency_collective", {"agency_id": "nghe-an:ubnd-cap-xa"}, "agency_is_group", "agency_id"),
    ("agency_is_a_group_id", {"agency_id": "so-ban-nganh"}, "agency_is_group", "agency_id"),
    ("period_malformed", {"period": "Q1/2026"}, "period_invalid", "period"),
    ("period_not_started", {"period": "2026-Q3"}, "period_in_future", "period"),
    ("period_before_first_plan", {"period": "2024"}, "period_outside_plan_horizon", "period"),
]
# fmt: on


@pytest.mark.parametrize(
    ("changes", "reason_code", "column"),
    [case[1:] for case in METADATA_CASES],
    ids=[case[0] for case in METADATA_CASES],
)
def test_metadata_rule_quarantines_every_row(tmp_path, reference, changes, reason_code, column):
    good_path = write_xlsx(
        tmp_path / "good" / "report.xlsx", tasks=[GOOD_TASK], indicators=[GOOD_INDICATOR]
    )
    bad_path = write_xlsx(
        tmp_path / "bad" / "report.xlsx",
        {**NGHE_AN_KHCN, **changes},
        tasks=[GOOD_TASK],
        indicators=[GOOD_INDICATOR],
    )
    good, bad = ingest(tmp_path, reference, good_path, bad_path)[0]
    assert good.status == "accepted"
    assert bad.status == "rejected"
    assert (bad.rows_in, bad.rows_loaded, bad.rows_quarantined) == (2, 0, 2)
    store = tmp_path / "store" / "submissions.duckdb"
    entries = store_rows(
        store,
        "select sheet, row_number, column_name, reason_code from raw.submission_quarantine where file_sha256 = ?",
        [bad.file_sha256],
    )
    assert ("task_progress", 3, column, reason_code) in entries
    assert ("indicator_values", 3, column, reason_code) in entries


def test_agency_before_it_was_formed(tmp_path, reference):
    metadata = {
        "format_version": "1",
        "province_id": "bac-kan",
        "agency_id": "bac-kan:so-nnmt",
        "period": "2025-02",
    }
    path = write_xlsx(
        tmp_path / "report.xlsx", metadata, tasks=[{**GOOD_TASK, "plan_id": "", "task_key": "I.1"}]
    )
    [outcome], store = ingest(tmp_path, reference, path)
    assert outcome.status == "rejected"
    assert "agency_not_yet_existing" in {row[4] for row in quarantine(store)}


def test_budget_line_of_a_plan_issued_after_the_period(tmp_path, reference):
    # Lạng Sơn's first plan (145) is of 28/05/2025, its budget plan (234) of 05/09/2025.
    line = "lang-son-234-2025-fy2025-investment-1"
    row = {**GOOD_BUDGET, "budget_line_id": line, "as_of_date": "30/06/2025"}
    before = {
        "format_version": "1",
        "province_id": "lang-son",
        "agency_id": "lang-son:so-tai-chinh",
        "period": "2025-06",
    }
    after = {**before, "period": "2025-Q3"}
    first = write_xlsx(tmp_path / "a" / "report.xlsx", before, budget=[row])
    second = write_xlsx(
        tmp_path / "b" / "report.xlsx", after, budget=[{**row, "as_of_date": "30/09/2025"}]
    )
    (early, late), store = ingest(tmp_path, reference, first, second)
    assert early.status == "rejected"
    assert late.status == "accepted"
    assert [(r[2], r[3], r[4]) for r in quarantine(store)] == [
        ("period", "lang-son-234-2025", "period_before_plan")
    ]


def test_csv_row_with_other_metadata_is_quarantined(tmp_path, reference):
    rows = [GOOD_TASK, {**GOOD_TASK, "task_key": "I.3", "period": "2026-Q2"}]
    path = write_csv(tmp_path / "tasks.csv", "task_progress", rows)
    [outcome], store = ingest(tmp_path, reference, path)
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (1, 1)
    assert [(r[1], r[2], r[3], r[4]) for r in quarantine(store)] == [
        (3, "period", "2026-Q2", "metadata_mismatch")
    ]


def test_an_index_reads_its_unambiguous_forms_and_other_indicators_read_thousands(
    tmp_path, reference
):
    """Nghệ An 38 (provincial DTI, targets 0,60..1,0) is an index: "0,85" and "0.85" are
    read; "1.000" is refused as ambiguous (see ROW_CASES). Indicator 1 is no index, so
    "1.000" there is one thousand."""
    rows = [
        {**GOOD_INDICATOR, "indicator_code": "38", "value_text": "0,85"},
        {**GOOD_INDICATOR, "indicator_code": "38", "value_text": "0.9", "as_of_date": "01/04/2026"},
        {**GOOD_INDICATOR, "indicator_code": "1", "value_text": "1.000"},
    ]
    path = write_xlsx(tmp_path / "report.xlsx", indicators=rows)
    [outcome], store = ingest(tmp_path, reference, path)
    assert outcome.status == "accepted", quarantine(store)
    values = store_rows(
        store, "select indicator_code, parsed_value from raw.submission_rows order by row_number"
    )
    assert [(code, float(value)) for code, value in values] == [
        ("38", 0.85),
        ("38", 0.9),
        ("1", 1000.0),
    ]


def test_the_ambiguous_reason_gives_both_readings(tmp_path, reference):
    bad = {**GOOD_INDICATOR, "indicator_code": "38", "value_text": "1.000"}
    path = write_xlsx(tmp_path / "report.xlsx", indicators=[bad])
    _, store = ingest(tmp_path, reference, path)
    [entry] = quarantine(store)
    assert entry[4] == "number_ambiguous"
    assert "1000 | 1" in entry[5] and "1000 | 1" in entry[6]


def test_an_invalid_period_in_a_csv_gives_only_the_invalid_period_reason(tmp_path, reference):
    """2026-Q5 is period_invalid on every row, and not also a metadata_mismatch with itself;
    a row with yet another period still is one."""
    metadata = {**NGHE_AN_KHCN, "period": "2026-Q5"}
    rows = [GOOD_TASK, {**GOOD_TASK, "task_key": "I.3", "period": "2026-Q1"}]
    path = write_csv(tmp_path / "tasks.csv", "task_progress", rows, metadata=metadata)
    [outcome], store = ingest(tmp_path, reference, path)
    assert outcome.status == "rejected"
    assert sorted((r[1], r[2], r[3], r[4]) for r in quarantine(store)) == [
        (2, "period", "2026-Q5", "period_invalid"),
        (3, "period", "2026-Q1", "metadata_mismatch"),
        (3, "period", "2026-Q5", "period_invalid"),
    ]
