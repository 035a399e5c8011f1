"""Reporting periods and the dates written in submissions.

The plans ask for monthly, quarterly, 6-month and annual reports, so a period
is written ``2026-03``, ``2026-Q1``, ``2026-H1`` or ``2026``. Agencies are
assigned as of the period's last day: that is the day the reorganization
lineage is followed to (a 2026 report from Sở Thông tin và Truyền thông is
Sở Khoa học và Công nghệ's report).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from dagster_project.semantics import normalize_cell_text
from dagster_project.semantics.dates import NUMERIC_DATE

# Resolution 57's horizon ("tầm nhìn đến năm 2045"): every plan runs to 2045 at most.
HORIZON_END = date(2045, 12, 31)
_EARLIEST_YEAR = 2000

_YEAR = re.compile(r"(?P<year>\d{4})")
_MONTH = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})")
_QUARTER = re.compile(r"(?P<year>\d{4})-Q(?P<quarter>[1-4])")
_HALF = re.compile(r"(?P<year>\d{4})-H(?P<half>[12])")
_ISO = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})")


class PeriodError(ValueError):
    """Text that is not a reporting period of format v1."""


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: its canonical code, kind and first and last day."""

    start: date
    end: date
    code: str
    kind: str


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_period(text: str) -> Period:
    """Read ``2026``, ``2026-H1``, ``2026-Q1`` or ``2026-03`` (case and spaces ignored)."""
    token = normalize_cell_text(text).upper().replace(" ", "")
    if match := _YEAR.fullmatch(token):
        year = _checked_year(match["year"], text)
        return Period(date(year, 1, 1), date(year, 12, 31), f"{year}", "year")
    if match := _HALF.fullmatch(token):
        year = _checked_year(match["year"], text)
        half = int(match["half"])
        first = 1 if half == 1 else 7
        return Period(
            date(year, first, 1), _month_end(year, first + 5), f"{year}-H{half}", "half_year"
        )
    if match := _QUARTER.fullmatch(token):
        year = _checked_year(match["year"], text)
        quarter = int(match["quarter"])
        first = 3 * quarter - 2
        return Period(
            date(year, first, 1), _month_end(year, first + 2), f"{year}-Q{quarter}", "quarter"
        )
    if match := _MONTH.fullmatch(token):
        year = _checked_year(match["year"], text)
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise PeriodError(f"'{text}': month {month} does not exist")
        return Period(date(year, month, 1), _month_end(year, month), f"{year}-{month:02d}", "month")
    raise PeriodError(f"'{text}' is not a period: write 2026, 2026-H1, 2026-Q1 or 2026-03")


def _checked_year(text: str, original: str) -> int:
    year = int(text)
    if not _EARLIEST_YEAR <= year <= HORIZON_END.year:
        raise PeriodError(
            f"'{original}': year {year} is outside {_EARLIEST_YEAR}-{HORIZON_END.year}"
        )
    return year


class DateTextError(ValueError):
    """Text that is not a date in dd/mm/yyyy (or yyyy-mm-dd)."""


def parse_date_text(text: str) -> date:
    """Read ``dd/mm/yyyy`` (``d/m/yyyy`` too) or ISO ``yyyy-mm-dd``.

    Excel date cells reach this function already written as dd/mm/yyyy by the
    reader, so a date typed as text and a date typed as a date read the same.
    """
    token = normalize_cell_text(text)
    match = NUMERIC_DATE.fullmatch(token) or _ISO.fullmatch(token)
    if not match:
        raise DateTextError(f"'{text}' is not a date: write dd/mm/yyyy, e.g. 31/03/2026")
    try:
        return date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError as error:
        raise DateTextError(f"'{text}' is not a calendar date ({error})") from error


def format_date(value: date | datetime) -> str:
    """The format v1 spelling of a date: dd/mm/yyyy."""
    return value.strftime("%d/%m/%Y")
