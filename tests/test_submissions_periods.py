"""Reporting periods and submission dates."""

from __future__ import annotations

from datetime import date

import pytest

from dagster_project.submissions.periods import (
    DateTextError,
    PeriodError,
    parse_date_text,
    parse_period,
)


@pytest.mark.parametrize(
    ("text", "code", "start", "end"),
    [
        ("2026", "2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-H1", "2026-H1", date(2026, 1, 1), date(2026, 6, 30)),
        ("2026-h2", "2026-H2", date(2026, 7, 1), date(2026, 12, 31)),
        ("2026-Q1", "2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        (" 2028-q4 ", "2028-Q4", date(2028, 10, 1), date(2028, 12, 31)),
        ("2028-02", "2028-02", date(2028, 2, 1), date(2028, 2, 29)),
    ],
)
def test_period_reads_its_first_and_last_day(text, code, start, end):
    period = parse_period(text)
    assert (period.code, period.start, period.end) == (code, start, end)


@pytest.mark.parametrize(
    "text", ["Q1/2026", "2026-Q5", "2026-13", "2026-3", "năm 2026", "2046", "", "2026-H3"]
)
def test_period_refuses_other_spellings(text):
    with pytest.raises(PeriodError):
        parse_period(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31/03/2026", date(2026, 3, 31)),
        ("1/3/2026", date(2026, 3, 1)),
        ("2026-03-31", date(2026, 3, 31)),
    ],
)
def test_date_reads_dd_mm_yyyy_and_iso(text, expected):
    assert parse_date_text(text) == expected


@pytest.mark.parametrize("text", ["31/02/2026", "03/31/2026", "31-03-2026", "Tháng 3/2026", "2026"])
def test_date_refuses_impossible_or_other_forms(text):
    with pytest.raises(DateTextError):
        parse_date_text(text)
