"""Deadline cells: every distinct string in the task appendices has a stated reading.

``DOCUMENT_DEADLINES`` holds the expected parse of each line of
``fixtures/distinct_strings/deadlines.txt``; a string in the documents (or, once
extracted, in ``seeds/tasks.csv``) without an entry here fails the coverage tests.
"""

from __future__ import annotations

import calendar
import csv
from dataclasses import dataclass
from datetime import date

import pytest
from fixtures.distinct import assert_one_expectation_each, distinct_lines
from hypothesis import given
from hypothesis import strategies as st

from dagster_project.config import SEEDS_DIR
from dagster_project.semantics import normalize_cell_text
from dagster_project.semantics.deadlines import (
    RECURRENCES,
    STATUSES,
    DeadlineParse,
    parse_deadline,
)

TASKS_SEED = SEEDS_DIR / "tasks.csv"


@dataclass(frozen=True)
class Expected:
    text: str
    status: str
    due: date | None = None
    start: date | None = None
    recurrence: str | None = None
    note: str = ""


def once(text, due, start=None, note=""):
    return Expected(text, "parsed", due, start, "once", note)


def every_year(text):
    return Expected(text, "parsed", None, None, "annual")


def ongoing(text, due=None, start=None, note=""):
    return Expected(text, "parsed", due, start, "ongoing", note)


D = date
STRAY_A = "stray prefix 'a' removed"

DOCUMENT_DEADLINES: list[Expected] = [
    # Nghệ An 348/KH-UBND, Phụ lục 2.
    ongoing(
        "Năm 2025 và giai đoạn tiếp theo",
        due=D(2025, 12, 31),
        note="due end of 2025, continues in following years",
    ),
    once("Năm 2025", D(2025, 12, 31)),
    every_year("Hàng năm"),
    ongoing("Nhiệm vụ thường xuyên"),
    once("Năm 2026", D(2026, 12, 31)),
    once("Năm 2025-2026", D(2026, 12, 31), D(2025, 1, 1)),
    once("Năm 2026-2030", D(2030, 12, 31), D(2026, 1, 1)),
    once("Năm 2025-2030", D(2030, 12, 31), D(2025, 1, 1)),
    once("Năm 2030", D(2030, 12, 31)),
    once("Năm 2027", D(2027, 12, 31)),
    once("2025-2030", D(2030, 12, 31), D(2025, 1, 1)),
    # Bắc Kạn 131/KH-UBND, Phụ lục II.
    once("6/2025", D(2025, 6, 30)),
    ongoing("Thường xuyên"),
    once("3/2025", D(2025, 3, 31)),
    once("12/2025", D(2025, 12, 31)),
    ongoing("Từ 2026", start=D(2026, 1, 1)),
    once("Tháng 6/2026", D(2026, 6, 30)),
    once("Tháng 8/2026", D(2026, 8, 31)),
    once("Tháng 12/2028", D(2028, 12, 31)),
    once("Tháng 4/2026", D(2026, 4, 30)),
    once("Tháng 12/2025", D(2025, 12, 31)),
    once("Tháng 12/2030", D(2030, 12, 31)),
    once("Tháng 3/2026", D(2026, 3, 31)),
    once("Tháng 06/2025", D(2025, 6, 30)),
    once("a Tháng 12/2025", D(2025, 12, 31), note=STRAY_A),
    once("2026", D(2026, 12, 31)),
    once("Tháng 9/2025", D(2025, 9, 30)),
    once("a Tháng 9/2025", D(2025, 9, 30), note=STRAY_A),
    once("Tháng 6/2028", D(2028, 6, 30)),
    once("Tháng 6/2025", D(2025, 6, 30)),
    once("Tháng 5/2026", D(2026, 5, 31)),
    once("Tháng 8/2025", D(2025, 8, 31)),
    once("2027", D(2027, 12, 31)),
    once("2025", D(2025, 12, 31)),
    Expected("Tháng 11/202", "invalid", note="year '202' is not four digits"),
    every_year("Hằng năm"),
]

# Forms named in the domain brief or common in other plans, not in these two tables.
OTHER_DEADLINES: list[Expected] = [
    Expected("", "empty"),
    Expected(" \u00a0\n", "empty"),
    Expected("-", "empty"),
    once("Năm 2025.", D(2025, 12, 31), note="trailing '.' ignored"),
    once("Giai đoạn 2026-2030", D(2030, 12, 31), D(2026, 1, 1)),
    once("Giai đoạn 2026 - 2030", D(2030, 12, 31), D(2026, 1, 1)),
    once("Từ 2025 đến 2030", D(2030, 12, 31), D(2025, 1, 1)),
    ongoing("Từ năm 2026", start=D(2026, 1, 1)),
    ongoing("Từ tháng 7/2025", start=D(2025, 7, 1)),
    once("Quý I/2026", D(2026, 3, 31)),
    once("Quý II/2025", D(2025, 6, 30)),
    once("Quý 3/2025", D(2025, 9, 30)),
    once("Quý IV năm 2025", D(2025, 12, 31)),
    once("6 tháng đầu năm 2025", D(2025, 6, 30)),
    once("6 tháng cuối năm 2025", D(2025, 12, 31)),
    once("Tháng 12 năm 2025", D(2025, 12, 31)),
    once("Tháng 2/2028", D(2028, 2, 29)),
    once("30/6/2025", D(2025, 6, 30)),
    once("Trước 15/11/2025", D(2025, 11, 14), note="'trước' (before): due the day before"),
    once("Trước ngày 01/6/2025", D(2025, 5, 31), note="'trước' (before)"),
    once("Trước tháng 6/2025", D(2025, 5, 31), note="'trước' (before)"),
    once("Trước quý III/2025", D(2025, 6, 30), note="'trước' (before)"),
    once("Đến năm 2030", D(2030, 12, 31)),
    every_year("Định kỳ hằng năm"),
    ongoing("Thường xuyên, liên tục"),
    ongoing("Liên tục"),
    once("Năm 2025\n(hoàn thành)", D(2025, 12, 31), note="remark not read: 'hoàn thành'"),
    once("Tháng\n12/2025", D(2025, 12, 31)),
    once("- Tháng 12/2025", D(2025, 12, 31), note="stray prefix '-' removed"),
    Expected("Tháng 6/2025\nTháng 12/2025", "ambiguous", note="several deadlines in one cell"),
    Expected("Năm 2025; Hằng năm", "ambiguous", note="several deadlines in one cell"),
    Expected("Theo kế hoạch của UBND tỉnh", "ambiguous", note="no date or recurrence"),
    Expected("Quý II", "ambiguous", note="quarter without a year"),
    Expected("Tháng 13/2025", "invalid", note="month 13 does not exist"),
    Expected("31/2/2025", "invalid", note="day 31 does not exist"),
    Expected("2030-2025", "invalid", note="range runs backwards"),
    Expected("Năm 3025", "invalid", note="outside"),
    Expected("Tháng 12/2025\ufffd", "invalid", note="U+FFFD"),
    Expected("a Tháng 11/202", "invalid", note="not four digits"),
]

EXPECTED_BY_TEXT = {normalize_cell_text(e.text): e for e in DOCUMENT_DEADLINES + OTHER_DEADLINES}


def _check(expected: Expected, result: DeadlineParse) -> None:
    assert result.parse_status == expected.status, result
    assert result.due_date == expected.due, result
    assert result.start_date == expected.start, result
    assert result.recurrence == expected.recurrence, result
    if expected.note:
        assert expected.note in result.parse_note, result
    else:
        assert result.parse_note == "", result


def test_every_document_string_has_exactly_one_expectation():
    table = [e.text for e in DOCUMENT_DEADLINES]
    assert_one_expectation_each(distinct_lines("deadlines.txt"), table, 36)


@pytest.mark.parametrize(
    "expected", DOCUMENT_DEADLINES + OTHER_DEADLINES, ids=lambda e: repr(e.text)
)
def test_deadline_reads_as_expected(expected):
    _check(expected, parse_deadline(expected.text))


@pytest.mark.skipif(not TASKS_SEED.exists(), reason="seeds not extracted yet (run `nq57 extract`)")
def test_every_seed_deadline_string_has_an_expectation():
    with TASKS_SEED.open(encoding="utf-8", newline="") as handle:
        seen = {normalize_cell_text(row["deadline_text"]) for row in csv.DictReader(handle)}
    assert seen, "tasks.csv has no rows"
    missing = sorted(seen - set(EXPECTED_BY_TEXT))
    assert missing == [], f"deadline strings without an expected parse: {missing}"


def test_deadline_thang_12_2025_is_end_of_month():
    assert parse_deadline("Tháng 12/2025").due_date == date(2025, 12, 31)


def test_stray_prefix_is_removed_from_cleaned_text():
    assert parse_deadline("a Tháng 12/2025").cleaned_text == "Tháng 12/2025"


def test_cut_off_year_stays_visible_in_cleaned_text():
    result = parse_deadline("Tháng 11/202")
    assert (result.parse_status, result.cleaned_text) == ("invalid", "Tháng 11/202")


def test_plan_year_fills_a_month_without_year_and_says_so():
    result = parse_deadline("Tháng 5", plan_year=2025)
    assert result.due_date == date(2025, 5, 31)
    assert "plan year 2025 used" in result.parse_note


def test_plan_year_never_repairs_a_broken_year():
    assert parse_deadline("Tháng 11/202", plan_year=2025).parse_status == "invalid"


def test_implausible_plan_year_is_not_used():
    assert parse_deadline("Tháng 5", plan_year=-3).parse_status == "ambiguous"


def test_plan_year_fills_a_quarter_without_year():
    assert parse_deadline("Quý II", plan_year=2026).due_date == date(2026, 6, 30)


def test_to_dict_gives_iso_dates():
    assert parse_deadline("Năm 2025-2026").to_dict() == {
        "due_date": "2026-12-31",
        "start_date": "2025-01-01",
        "recurrence": "once",
        "recurrence_due_month": None,
        "recurrence_due_day": None,
        "parse_status": "parsed",
        "parse_note": "",
        "cleaned_text": "Năm 2025-2026",
    }


# --- properties ------------------------------------------------------------

DEADLINE_ALPHABET = st.sampled_from(
    list("0123456789/-.,; \n") + ["Tháng ", "Năm ", "Quý ", "Từ ", "a ", "I", "V", "\ufffd"]
)


def _assert_invariants(result: DeadlineParse) -> None:
    assert result.parse_status in STATUSES
    assert result.recurrence is None or result.recurrence in RECURRENCES
    if result.due_date is not None and result.start_date is not None:
        assert result.due_date >= result.start_date
    if result.parse_status == "parsed":
        assert result.recurrence is not None
        if result.recurrence == "once":
            assert result.due_date is not None
    else:
        assert (result.due_date, result.start_date, result.recurrence) == (None, None, None)
    # Only an annual deadline has a day of the year, and it is a real one.
    if result.recurrence_due_month is not None:
        assert result.recurrence == "annual"
        date(2000, result.recurrence_due_month, result.recurrence_due_day)


@given(
    st.lists(DEADLINE_ALPHABET, max_size=12).map("".join),
    st.none() | st.integers(2000, 2099) | st.integers(-(10**6), 10**6),
)
def test_deadline_like_text_never_raises_and_keeps_invariants(text, plan_year):
    _assert_invariants(parse_deadline(text, plan_year))


@given(st.text(), st.none() | st.integers(-(10**6), 10**6))
def test_any_text_never_raises_and_keeps_invariants(text, plan_year):
    _assert_invariants(parse_deadline(text, plan_year))


@given(st.text(alphabet=st.sampled_from(" \t\n\u00a0"), max_size=5))
def test_blank_input_is_empty(text):
    assert parse_deadline(text).parse_status == "empty"


@given(
    st.integers(2000, 2099),
    st.integers(1, 12),
    st.sampled_from(["Tháng {m}/{y}", "{m}/{y}", "Tháng {m:02d}/{y}", "tháng {m} năm {y}"]),
    st.sampled_from(["", "a ", "b "]),
)
def test_any_month_is_due_on_its_last_day(year, month, pattern, prefix):
    result = parse_deadline(prefix + pattern.format(m=month, y=year))
    assert result.parse_status == "parsed"
    assert result.due_date == date(year, month, calendar.monthrange(year, month)[1])
    assert ("stray prefix" in result.parse_note) == bool(prefix)


@given(st.integers(2000, 2080), st.integers(0, 20), st.sampled_from(["Năm ", "Giai đoạn ", ""]))
def test_any_year_range_spans_first_january_to_last_december(first, length, prefix):
    result = parse_deadline(f"{prefix}{first}-{first + length}")
    assert (result.start_date, result.due_date) == (date(first, 1, 1), date(first + length, 12, 31))


# --- forms beyond the five seed documents ------------------------------------------


@pytest.mark.parametrize(
    ("text", "due", "start"),
    [
        ("Quý I/2026", date(2026, 3, 31), None),
        ("Quý 2 năm 2026", date(2026, 6, 30), None),
        ("Trong quý II/2026", date(2026, 6, 30), None),
        ("Cuối quý III/2025", date(2025, 9, 30), None),
        ("Quý III-IV/2025", date(2025, 12, 31), date(2025, 7, 1)),
        ("Quý III và IV năm 2025", date(2025, 12, 31), date(2025, 7, 1)),
        ("Quý IV/2025 - Quý I/2026", date(2026, 3, 31), date(2025, 10, 1)),
        ("Tháng 10/2025 đến tháng 3/2026", date(2026, 3, 31), date(2025, 10, 1)),
        ("Trước ngày 30/6/2026", date(2026, 6, 29), None),
        ("Hoàn thành trước 30/9/2025", date(2025, 9, 29), None),
        ("Chậm nhất ngày 30/6/2026", date(2026, 6, 30), None),
        ("ngày 30 tháng 6 năm 2026", date(2026, 6, 30), None),
        ("Cuối tháng 6/2026", date(2026, 6, 30), None),
        ("6 tháng đầu năm 2026", date(2026, 6, 30), None),
        ("Nửa cuối năm 2025", date(2025, 12, 31), None),
        ("Từ năm 2025 đến năm 2030", date(2030, 12, 31), date(2025, 1, 1)),
        ("Giai đoạn 2026 - 2030", date(2030, 12, 31), date(2026, 1, 1)),
    ],
)
def test_one_off_forms_beyond_the_seeds(text, due, start):
    result = parse_deadline(text)
    assert result.parse_status == "parsed", result
    assert (result.due_date, result.start_date, result.recurrence) == (due, start, "once")


@pytest.mark.parametrize(
    ("text", "recurrence", "month", "day"),
    [
        ("Hằng quý", "quarterly", None, None),
        ("Định kỳ hàng quý", "quarterly", None, None),
        ("Tháng 12 hằng năm", "annual", 12, 31),
        ("Quý IV hằng năm", "annual", 12, 31),
        ("Quý II hàng năm", "annual", 6, 30),
        ("Trước ngày 15/12 hằng năm", "annual", 12, 14),
        ("Hằng năm, trước ngày 15/12", "annual", 12, 14),
        ("Ngày 30/11 hàng năm", "annual", 11, 30),
    ],
)
def test_recurring_deadlines_keep_their_due_day(text, recurrence, month, day):
    result = parse_deadline(text)
    assert result.parse_status == "parsed", result
    assert (result.due_date, result.recurrence) == (None, recurrence)
    assert (result.recurrence_due_month, result.recurrence_due_day) == (month, day)


@pytest.mark.parametrize(
    "text",
    [
        "Tháng 6 và tháng 12 hằng năm",
        "Sau khi có hướng dẫn của Trung ương",
        "Theo tiến độ của Bộ Khoa học và Công nghệ",
        "Quý V/2026",
        "Đầu nhiệm kỳ",
    ],
)
def test_forms_the_parser_does_not_know_are_never_given_a_date(text):
    result = parse_deadline(text)
    assert result.parse_status in ("ambiguous", "invalid"), result
    assert result.parse_note
    assert (result.due_date, result.start_date, result.recurrence) == (None, None, None)


def test_a_period_that_runs_backwards_is_invalid():
    assert parse_deadline("Tháng 3/2026 - Tháng 1/2026").parse_status == "invalid"


@given(st.integers(2020, 2040), st.sampled_from(["I", "II", "III", "IV", "1", "2", "3", "4"]))
def test_any_quarter_is_due_on_its_last_day(year, quarter):
    number = {"I": 1, "II": 2, "III": 3, "IV": 4}.get(quarter) or int(quarter)
    result = parse_deadline(f"Quý {quarter}/{year}")
    assert result.due_date == date(year, number * 3, calendar.monthrange(year, number * 3)[1])


@given(st.integers(1, 12), st.integers(1, 28), st.sampled_from(["hằng năm", "hàng năm"]))
def test_any_day_every_year_is_an_annual_deadline_on_that_day(month, day, every_year):
    result = parse_deadline(f"Ngày {day}/{month} {every_year}")
    assert (result.recurrence, result.recurrence_due_month, result.recurrence_due_day) == (
        "annual",
        month,
        day,
    )
