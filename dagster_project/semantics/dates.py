"""Dates as Vietnamese documents print them: the one place where printed dates become dates.

Two spellings: ``14/05/2025`` (``5/9/2025`` too: day first), and
``ngày 14 tháng 5 năm 2025`` (day, month, year in words; ``Ngày`` at the start
of a sentence, and after the place in a letterhead: ``Nghệ An, ngày 14 tháng 5
năm 2025``). A date that does not exist (``31/02/2025``) is no date.
"""

from __future__ import annotations

import re
from datetime import date

from dagster_project.semantics import normalize_cell_text

# dd/mm/yyyy; search text with it, or match a whole cell.
NUMERIC_DATE = re.compile(r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})")
WORDED_DATE = re.compile(
    r"(?i)(?:ngày\s+)?(?P<day>\d{1,2})\s+tháng\s+(?P<month>\d{1,2})\s+năm\s+(?P<year>\d{4})"
)


def date_parts(text: str) -> tuple[int, int, int] | None:
    """(day, month, year) as printed, real date or not: the whole text ``dd/mm/yyyy``,
    or ``ngày D tháng M năm YYYY`` anywhere in it; ``None`` for neither."""
    cleaned = normalize_cell_text(text)
    match = NUMERIC_DATE.fullmatch(cleaned) or WORDED_DATE.search(cleaned)
    if match is None:
        return None
    return int(match["day"]), int(match["month"]), int(match["year"])


def date_of(day: int, month: int, year: int) -> date | None:
    """The calendar date, or ``None`` when there is no such day (31/02)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_vn_date(text: str) -> date | None:
    """The date ``text`` prints (see the module); ``None`` when it prints none or an
    impossible one."""
    parts = date_parts(text)
    return date_of(*parts) if parts else None
