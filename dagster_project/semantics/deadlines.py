"""Task deadline cells (``Thời gian hoàn thành``) read into dates.

:func:`parse_deadline` is total: any string gives a :class:`DeadlineParse`.
Broken cells stay visible with status ``invalid`` or ``ambiguous`` instead of
being dropped or guessed.

Reading rules
-------------
- A month (``6/2025``, ``Tháng 12/2025``, ``Tháng 06/2025``) is due on the
  last day of that month; a year (``Năm 2025``, ``2026``) on 31 December; a
  quarter (``Quý I/2026``) on the quarter's last day; ``6 tháng đầu năm 2025``
  on 30 June. A full date (``30/6/2025``) is due that day. All ``once``.
  ``Trước`` (before) excludes what follows: ``Trước 01/6/2025`` and
  ``Trước tháng 6/2025`` are both due 31 May 2025.
- A range (``Năm 2025-2026``, ``2025-2030``, ``Giai đoạn 2026-2030``) is one
  task window: ``start_date`` is 1 January of the first year, ``due_date`` 31
  December of the last year, recurrence ``once``.
- ``Từ 2026`` starts on 1 January 2026 and is ``ongoing``, with no due date.
- ``Hàng năm`` / ``Hằng năm`` are ``annual`` with no dates: the plan does not
  say which day of the year. ``Tháng 12 hằng năm``, ``Quý IV hằng năm`` and
  ``Trước ngày 15/12 hằng năm`` (or ``Hằng năm, trước ngày 15/12``) are
  ``annual`` with that day of the year in ``recurrence_due_month`` and
  ``recurrence_due_day`` (31/12, 31/12, 14/12).
- ``Hằng quý`` / ``Định kỳ hàng quý`` are ``quarterly``.
- ``Trong``, ``Cuối``, ``Vào`` before a period do not move it (``Trong quý
  II/2026`` is due 30 June 2026); ``Chậm nhất ngày 30/6/2026`` (at the
  latest) is due that day; ``Hoàn thành trước 30/9/2025`` is ``Trước``.
- A run of quarters or months (``Quý III-IV/2025``, ``Quý IV/2025 - Quý
  I/2026``, ``Tháng 10/2025 đến tháng 3/2026``) is one window from the first
  day of the first to the last day of the last. ``Nửa đầu năm 2026`` is
  ``6 tháng đầu năm 2026``; ``ngày 30 tháng 6 năm 2026`` is ``30/6/2026``.
- ``Thường xuyên`` / ``Nhiệm vụ thường xuyên`` / ``Liên tục`` are ``ongoing``.
- ``Năm 2025 và giai đoạn tiếp theo`` is due 31 December 2025 (the first
  milestone the plan can be checked against) and ``ongoing`` after that.
- A one- or two-character stray prefix before an otherwise valid deadline
  (``a Tháng 12/2025``, a web-copy artefact) is removed with a note.
- A month or quarter with no year takes ``plan_year`` when it is given, with
  a note; without ``plan_year`` it is ``ambiguous``.

Statuses
--------
``parsed`` a date or recurrence was read; ``empty`` blank cell; ``invalid``
the cell holds a broken date (``Tháng 11/202``, month 13, U+FFFD: cut off);
``ambiguous`` readable text that is not one deadline (two dates in one cell,
free text with no date, a recurrence this module does not model such as
``Tháng 6 và tháng 12 hằng năm``): never given a date.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from dagster_project.semantics import normalize_cell_text

Recurrence = Literal["once", "quarterly", "annual", "ongoing"]
DeadlineStatus = Literal["parsed", "empty", "invalid", "ambiguous"]

RECURRENCES: tuple[str, ...] = ("once", "quarterly", "annual", "ongoing")
STATUSES: tuple[str, ...] = ("parsed", "empty", "invalid", "ambiguous")

# Plans in this warehouse run 2025-2045; a year far outside that is a typo.
MIN_YEAR = 1990
MAX_YEAR = 2100


@dataclass(frozen=True)
class DeadlineParse:
    """When a task is due, or why the cell cannot say."""

    due_date: date | None
    start_date: date | None
    recurrence: str | None
    parse_status: str
    parse_note: str
    cleaned_text: str
    # An annual deadline's day of the year ("Tháng 12 hằng năm": 12, 31).
    recurrence_due_month: int | None = None
    recurrence_due_day: int | None = None

    def to_dict(self) -> dict[str, object]:
        """Plain values for tables: dates as ISO text."""
        return {
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "recurrence": self.recurrence,
            "recurrence_due_month": self.recurrence_due_month,
            "recurrence_due_day": self.recurrence_due_day,
            "parse_status": self.parse_status,
            "parse_note": self.parse_note,
            "cleaned_text": self.cleaned_text,
        }


class _BrokenDate(ValueError):
    """A date-like token that cannot be a date (month 13, three-digit year)."""


def _year(text: str) -> int:
    if len(text) != 4:
        raise _BrokenDate(f"year '{text}' is not four digits (cut off?)")
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _BrokenDate(f"year {year} is outside {MIN_YEAR}-{MAX_YEAR}")
    return year


def _month(text: str) -> int:
    month = int(text)
    if not 1 <= month <= 12:
        raise _BrokenDate(f"month {month} does not exist")
    return month


def _usable_plan_year(plan_year: int | None, missing: str) -> int:
    """The plan year standing in for an unwritten year, if it is a real year."""
    if plan_year is None or not MIN_YEAR <= plan_year <= MAX_YEAR:
        raise LookupError(missing)
    return plan_year


def _end_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


# "Trước 01/6/2025" (before 1 June) is met by 31 May: the stated day is excluded.
_BEFORE_NOTE = "'trước' (before): due the day before"

_ROMAN_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}

_Y = r"(?P<year>[0-9]+)"
_M = r"(?P<month>[0-9]{1,2})"
_SEP = r"\s*(?:/|-|\.|năm)\s*"

_ANNUAL = re.compile(r"(?:định kỳ\s+)?h[àằ]ng năm|mỗi năm|annually", re.IGNORECASE)
_QUARTERLY = re.compile(r"(?:định kỳ\s+)?(?:h[àằ]ng quý|mỗi quý)", re.IGNORECASE)
_EVERY_YEAR = r"\s*,?\s*(?:h[àằ]ng năm|mỗi năm)"
# "Tháng 12 hằng năm", "Quý IV hằng năm", "Trước ngày 15/12 hằng năm", and the same
# with the recurrence first ("Hằng năm, trước ngày 15/12").
_ANNUAL_MONTH = re.compile(rf"tháng\s*(?P<month>[0-9]{{1,2}}){_EVERY_YEAR}", re.IGNORECASE)
_ANNUAL_QUARTER = re.compile(rf"quý\s*(?P<q>iv|iii|ii|i|[1-4]){_EVERY_YEAR}", re.IGNORECASE)
_DAY_MONTH = r"(?:(?P<before>trước)\s+)?(?:ngày\s+)?(?P<day>[0-9]{1,2})\s*(?:/|tháng)\s*(?P<month>[0-9]{1,2})"
_ANNUAL_DAY = (
    re.compile(rf"{_DAY_MONTH}{_EVERY_YEAR}", re.IGNORECASE),
    re.compile(rf"(?:h[àằ]ng năm|mỗi năm)\s*,?\s*{_DAY_MONTH}", re.IGNORECASE),
)
_ONGOING = re.compile(
    r"(?:nhiệm vụ\s+)?thường xuyên(?:\s*,?\s*liên tục)?|liên tục|thường xuyên hằng năm",
    re.IGNORECASE,
)
_FULL_DATE = re.compile(
    rf"(?:(?P<before>trước)\s+)?(?:ngày\s+)?(?P<day>[0-9]{{1,2}})\s*(?:/|\s+tháng\s+)\s*{_M}"
    rf"\s*(?:/|\s+năm\s+)\s*{_Y}",
    re.IGNORECASE,
)
_MONTH = re.compile(rf"(?:(?P<before>trước)\s+)?(?:tháng\s*)?{_M}{_SEP}{_Y}", re.IGNORECASE)
_MONTH_NO_YEAR = re.compile(r"tháng\s*(?P<month>[0-9]{1,2})", re.IGNORECASE)
_QUARTER = re.compile(
    r"(?:(?P<before>trước)\s+)?quý\s*(?P<q>iv|iii|ii|i|[1-4])(?:" + _SEP + _Y + r")?",
    re.IGNORECASE,
)
_HALF = re.compile(rf"(?:6 tháng|nửa) (?P<half>đầu|cuối) năm\s*{_Y}", re.IGNORECASE)
_QUARTER_RANGE = re.compile(
    r"quý\s*(?P<first>iv|iii|ii|i|[1-4])\s*(?:-|–|đến|và|,)\s*(?:quý\s*)?(?P<last>iv|iii|ii|i|[1-4])"
    + _SEP
    + _Y,
    re.IGNORECASE,
)
# Words that say when within the period, not another date: "trong quý II/2026",
# "cuối tháng 6/2026", "chậm nhất ngày 30/6/2026" (at the latest: that day).
_WITHIN = re.compile(r"^(?:trong|cuối|vào|hoàn thành trong|hoàn thành)\s+", re.IGNORECASE)
_AT_THE_LATEST = re.compile(r"^(?:chậm nhất|muộn nhất)\s+(?:là\s+)?", re.IGNORECASE)
_BEFORE_WORDS = re.compile(r"^(?:hoàn thành|xong)\s+trước\s+", re.IGNORECASE)
_YEAR = re.compile(rf"(?:(?P<prefix>năm|đến năm|đến|trong năm)\s*)?{_Y}", re.IGNORECASE)
_RANGE = re.compile(
    r"(?:(?:năm|giai đoạn|từ năm|từ|trong giai đoạn)\s*)?(?P<first>[0-9]+)\s*(?:-|–|—|đến|tới)\s*(?:năm\s*)?(?P<last>[0-9]+)",
    re.IGNORECASE,
)
_FROM = re.compile(rf"từ\s*(?:năm\s*)?{_Y}", re.IGNORECASE)
_FROM_MONTH = re.compile(rf"từ\s*tháng\s*{_M}{_SEP}{_Y}", re.IGNORECASE)
_AND_AFTER = re.compile(
    rf"(?:năm\s*)?{_Y}\s+và\s+(?:các\s+|những\s+)?(?:giai đoạn|năm)\s+tiếp theo",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"[0-9]")
_PIECE_SPLIT = re.compile(r"\n|;|,|\(|\)|\s+và\s+")
_TRAILING_PUNCT = re.compile(r"[\s.;:,…]+$")
# One letter, or one or two punctuation marks, left over from the web copy.
_STRAY_PREFIX = re.compile(
    r"(?:(?P<letter>[^\W\d_])\s+|(?P<mark>[^\w\s]{1,2})\s*)(?P<rest>\S.*[0-9].*)"
)


def _read(text: str, plan_year: int | None) -> tuple[date | None, date | None, str, list[str]]:
    """Read a cleaned cell; returns (due, start, recurrence, notes) or raises
    ``_BrokenDate`` for a broken date, ``LookupError`` when no rule matches."""
    if _ANNUAL.fullmatch(text):
        return None, None, "annual", []
    if _QUARTERLY.fullmatch(text):
        return None, None, "quarterly", []
    if _ONGOING.fullmatch(text):
        return None, None, "ongoing", []
    if (found := _read_annual_day(text)) is not None:
        return found
    if match := _BEFORE_WORDS.match(text):
        return _read("trước " + text[match.end() :], plan_year)
    if match := _WITHIN.match(text):
        due, start, recurrence, notes = _read(text[match.end() :], plan_year)
        return due, start, recurrence, [*notes, f"'{match.group().strip()}' read as within"]
    if match := _AT_THE_LATEST.match(text):
        due, start, recurrence, notes = _read(text[match.end() :], plan_year)
        return due, start, recurrence, [*notes, "'chậm nhất' (at the latest): due that day"]
    if (span := _period_span(text)) is not None:
        return span
    if match := _QUARTER_RANGE.fullmatch(text):
        first = _ROMAN_QUARTERS[match["first"].casefold()]
        last = _ROMAN_QUARTERS[match["last"].casefold()]
        year = _year(match["year"])
        if last < first:
            raise _BrokenDate(f"quarters run backwards: {match['first']}-{match['last']}")
        return _end_of_month(year, last * 3), date(year, first * 3 - 2, 1), "once", []
    if match := _AND_AFTER.fullmatch(text):
        year = _year(match["year"])
        return (
            date(year, 12, 31),
            None,
            "ongoing",
            [f"due end of {year}, continues in following years"],
        )
    if match := _FROM_MONTH.fullmatch(text):
        year, month = _year(match["year"]), _month(match["month"])
        return None, date(year, month, 1), "ongoing", []
    if match := _FROM.fullmatch(text):
        return None, date(_year(match["year"]), 1, 1), "ongoing", []
    if match := _FULL_DATE.fullmatch(text):
        year, month = _year(match["year"]), _month(match["month"])
        day = int(match["day"])
        if not 1 <= day <= calendar.monthrange(year, month)[1]:
            raise _BrokenDate(f"day {day} does not exist in {month}/{year}")
        stated = date(year, month, day)
        if match["before"]:
            return stated - timedelta(days=1), None, "once", [_BEFORE_NOTE]
        return stated, None, "once", []
    if match := _MONTH.fullmatch(text):
        year, month = _year(match["year"]), _month(match["month"])
        if match["before"]:
            return date(year, month, 1) - timedelta(days=1), None, "once", [_BEFORE_NOTE]
        return _end_of_month(year, month), None, "once", []
    if match := _QUARTER.fullmatch(text):
        quarter = _ROMAN_QUARTERS[match["q"].casefold()]
        notes = []
        if match["year"] is None:
            year = _usable_plan_year(plan_year, "quarter without a year")
            notes.append(f"no year written; plan year {plan_year} used")
        else:
            year = _year(match["year"])
        if match["before"]:
            first_day = date(year, quarter * 3 - 2, 1)
            return first_day - timedelta(days=1), None, "once", [*notes, _BEFORE_NOTE]
        return _end_of_month(year, quarter * 3), None, "once", notes
    if match := _HALF.fullmatch(text):
        year = _year(match["year"])
        month = 6 if match["half"].casefold() == "đầu" else 12
        return _end_of_month(year, month), None, "once", []
    if match := _MONTH_NO_YEAR.fullmatch(text):
        month = _month(match["month"])
        year = _usable_plan_year(plan_year, "month without a year")
        return (
            _end_of_month(year, month),
            None,
            "once",
            [f"no year written; plan year {plan_year} used"],
        )
    if match := _RANGE.fullmatch(text):
        first, last = _year(match["first"]), _year(match["last"])
        if last < first:
            raise _BrokenDate(f"range runs backwards: {first}-{last}")
        return date(last, 12, 31), date(first, 1, 1), "once", []
    if match := _YEAR.fullmatch(text):
        return date(_year(match["year"]), 12, 31), None, "once", []
    raise LookupError("no date or recurrence recognised")


_SPAN_SEPARATOR = re.compile(r"\s+(?:-|–|đến|tới)\s+", re.IGNORECASE)


def _period_start(text: str) -> date | None:
    """First day of a month or quarter written with its year, else None."""
    if (match := _MONTH.fullmatch(text)) and not match["before"]:
        return date(_year(match["year"]), _month(match["month"]), 1)
    if (match := _QUARTER.fullmatch(text)) and match["year"] and not match["before"]:
        quarter = _ROMAN_QUARTERS[match["q"].casefold()]
        return date(_year(match["year"]), quarter * 3 - 2, 1)
    return None


def _period_span(text: str):
    """ "Quý IV/2025 - Quý I/2026", "Tháng 10/2025 đến tháng 3/2026": one task window."""
    parts = _SPAN_SEPARATOR.split(text)
    if len(parts) != 2:
        return None
    first, last = parts
    start = _period_start(first)
    if start is None or _period_start(last) is None:
        return None
    due, _, _, notes = _read(last, None)
    if due < start:
        raise _BrokenDate(f"period runs backwards: {text}")
    return due, start, "once", notes


def _read_annual_day(text: str):
    """An annual deadline on a day of the year, or None when ``text`` is not one.

    Returned as (None, None, "annual", notes) with the day of the year carried
    in the notes' companion: see :func:`_annual_due`.
    """
    due = _annual_due(text)
    if due is None:
        return None
    month, day, notes = due
    return None, None, "annual", [*notes, f"due {day:02d}/{month:02d} every year"]


def _annual_due(text: str) -> tuple[int, int, list[str]] | None:
    """(month, day, notes) of "Tháng 12 hằng năm", "Quý IV hằng năm", "Trước 15/12 hằng năm"."""
    if match := _ANNUAL_MONTH.fullmatch(text):
        month = _month(match["month"])
        return month, calendar.monthrange(2001, month)[1], []
    if match := _ANNUAL_QUARTER.fullmatch(text):
        month = _ROMAN_QUARTERS[match["q"].casefold()] * 3
        return month, calendar.monthrange(2001, month)[1], []
    match = next((m for p in _ANNUAL_DAY if (m := p.fullmatch(text))), None)
    if match is not None:
        groups = {k: v for k, v in match.groupdict().items() if v is not None}
        month, day = _month(groups["month"]), int(groups["day"])
        # A leap year: 29/02 every year is a date, if an odd one.
        if not 1 <= day <= calendar.monthrange(2000, month)[1]:
            raise _BrokenDate(f"day {day} does not exist in month {month}")
        if groups.get("before"):
            stated = date(2000, month, day) - timedelta(days=1)
            return stated.month, stated.day, [_BEFORE_NOTE]
        return month, day, []
    return None


def _result(
    status: str,
    cleaned: str,
    notes: list[str],
    due: date | None = None,
    start: date | None = None,
    recurrence: str | None = None,
) -> DeadlineParse:
    return DeadlineParse(
        due_date=due,
        start_date=start,
        recurrence=recurrence,
        parse_status=status,
        parse_note="; ".join(note for note in notes if note),
        cleaned_text=cleaned,
    )


def _attempt(text: str, plan_year: int | None, notes: list[str]) -> DeadlineParse:
    due, start, recurrence, rule_notes = _read(text, plan_year)
    result = _result("parsed", text, [*notes, *rule_notes], due, start, recurrence)
    if recurrence == "annual":
        annual = _annual_due(_WITHIN.sub("", text))
        if annual is not None:
            month, day, _ = annual
            return replace(result, recurrence_due_month=month, recurrence_due_day=day)
    return result


def parse_deadline(text: str, plan_year: int | None = None) -> DeadlineParse:
    """Read one deadline cell. Total: any string gives a DeadlineParse.

    ``plan_year`` (the year the plan was issued) only fills in a month or
    quarter written without a year; it never repairs a broken year.
    """
    cleaned = normalize_cell_text(text)
    if "\ufffd" in cleaned:
        return _result("invalid", cleaned, ["text is cut off (contains U+FFFD)"])
    notes: list[str] = []
    core = _TRAILING_PUNCT.sub("", cleaned)
    if core != cleaned and core:
        notes.append(f"trailing '{cleaned[len(core) :].strip()}' ignored")
    if not core or core in {"-", "–", "—"}:
        return _result("empty", core, [])

    try:
        return _attempt(core, plan_year, notes)
    except _BrokenDate as broken:
        return _result("invalid", core, [*notes, str(broken)])
    except LookupError as unread:
        first_failure = str(unread)

    if stray := _STRAY_PREFIX.fullmatch(core):
        prefix = stray["letter"] or stray["mark"]
        prefixed_notes = [*notes, f"stray prefix '{prefix}' removed"]
        try:
            return _attempt(stray["rest"], plan_year, prefixed_notes)
        except _BrokenDate as broken:
            return _result("invalid", stray["rest"], [*prefixed_notes, str(broken)])
        except LookupError:
            pass

    # A cell split over lines or joined with ';' may hold one deadline plus a
    # remark, or several deadlines; only the first case has one reading.
    pieces = [
        _TRAILING_PUNCT.sub("", piece.strip())
        for piece in _PIECE_SPLIT.split(unicodedata.normalize("NFC", text))
    ]
    pieces = [normalize_cell_text(piece) for piece in pieces if piece.strip()]
    readable = [piece for piece in pieces if _reads(piece, plan_year)]
    if len(readable) > 1:
        return _result(
            "ambiguous", core, [*notes, "several deadlines in one cell: " + " | ".join(readable)]
        )
    if len(readable) == 1:
        others = [piece for piece in pieces if piece != readable[0]]
        if not any(_DIGIT.search(piece) for piece in others):
            remark = " ".join(others)
            return _attempt(readable[0], plan_year, [*notes, f"remark not read: '{remark}'"])
    return _result("ambiguous", core, [*notes, first_failure])


def _reads(piece: str, plan_year: int | None) -> bool:
    try:
        _read(piece, plan_year)
    except (LookupError, _BrokenDate):
        return False
    return True
