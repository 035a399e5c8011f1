"""Indicator target cells as printed in the plans' Phụ lục I, read into numbers.

A target cell is free text (``≥ 50%.``, ``6G (50%)``, ``Top 20 của cả nước``,
``Có``, ``- ``...). :func:`parse_target` turns one cell into a
:class:`TargetParse`; it never raises and never guesses silently: whatever it
is unsure of is said in ``parse_note`` or turned into status ``ambiguous``.

Statuses (``parse_status``)
---------------------------
``parsed``       comparator and value(s) read; ``yes_no`` cells too.
``qualitative``  a sentence with no number (``Đạt mức tiên tiến ...``,
                 ``ứng dụng``, ``Duy trì/nâng cấp``); kept as text.
``empty``        nothing to read: ``''``, NBSP, ``-`` (no target that year).
``ambiguous``    readable, but more than one reading: two values in one cell
                 (``≥ 2% 3%GRDP``), a number inside unrecognised text, a
                 reversed range, ``X.YYY`` on an index. No value is given.
``invalid``      damaged text: contains U+FFFD (cut off), a comparator with no
                 value, a number that is not a number (``1.2.3``).

Comparators and values
----------------------
``>=``, ``>``, ``<=``, ``<``: the stated bound is put in both ``target_low``
and ``target_high``; the comparator says which side is open.
``=``: a bare value (``100%``, ``7``, ``Có``); whether exceeding it counts as
meeting it is decided downstream with :func:`indicator_direction`.
``between``: a range (``80-90%``, ``15 - 20``, ``5% - 10%``, ``từ 80% đến
90%``), low and high set.

Bounds may be written in words: ``tối thiểu``, ``ít nhất``, ``không thấp
hơn``, ``không dưới`` (>=), ``tối đa``, ``không quá``, ``không vượt quá``
(<=), ``trên``, ``hơn`` (>), ``dưới`` (<), or after the value: ``80% trở
lên`` (>=), ``5% trở xuống`` (<=). ``đạt``, ``phấn đấu đạt``, ``đạt mức`` and
``từ`` before a value change nothing; ``khoảng`` (about) keeps the value
with a note.

Kinds (``target_kind``)
-----------------------
``level``        a level to reach: everything above.
``change``       a change against a baseline year (``tăng 20% so với năm
                 2024``: +20 ``percent_change``, ``baseline_year`` 2024;
                 ``giảm ít nhất 10% so với năm 2020``: ``<=`` -10;
                 ``tăng gấp 2 lần so với năm 2025``: 2 ``times``). Never a
                 level: a decrease is a negative value and the comparator is
                 mirrored.
``growth_rate``  a yearly rate (``tăng bình quân 15%/năm``, ``≥ 10%/năm``,
                 a ``%/năm`` unit column, ``tăng 10% so với năm trước``),
                 unit ``percent_per_year``.

An increase or decrease with no baseline (``Tăng 20%``) or a baseline that
is not a year (``so với đầu nhiệm kỳ``) is ``ambiguous``: a change must not
be read as a level. ``tăng lên 80%`` (rise *to*) is a level.

Decisions on the odd cells:

- ``≥ 2-3%`` (a minimum written as a range) is ``between`` 2 and 3 with a
  note; ``≥`` on a range has no other consistent reading.
- ``6G (50%)`` is ``=`` 50 ``percent`` with note ``6G coverage``: the
  indicator is a coverage rate and the percentage is what can be measured.
  A bare ``6G`` is ``=`` 6 with unit ``generation``.
- ``Top 20 của cả nước`` is ``<=`` 20 with unit ``rank`` (lower is better);
  so is a rank group, ``thuộc nhóm 10 tỉnh, thành phố dẫn đầu`` (``<=`` 10).
- ``Có`` / ``Không`` are ``=`` 1 / 0 with unit ``yes_no``.
- ``≥ 3% và tăng dần theo yêu cầu phát triển`` is ``>=`` 3 with the
  qualitative rider kept in the note; the rider is not scored.
- Money is converted to million VND: ``500 tỷ đồng`` is 500000, a bare
  ``120`` under a ``Tỷ đồng`` unit column is 120000. A scale word with no
  currency (``80 tỷ``, ``2 lần``) is ``ambiguous``.
- A bare number with no unit in the cell, no unit column and nothing in the
  indicator name is read as a ``count``, with a note saying so.

Unit vocabulary (``unit``)
--------------------------
=========================  ==================================================
``percent``                % of the indicator's own base (``%``)
``percent_grdp``           % of provincial GDP (``% GRDP``, ``%GRDP``)
``percent_state_budget``   % of total state budget spending (``% tổng chi NSNN``)
``percent_per_year``       yearly growth rate (``%/năm``)
``percent_population``     % of the population (``% dân số``)
``count``                  a number of things (``Doanh nghiệp``,
                           ``Tổ chức, doanh nghiệp``, ``Thành phố, huyện``,
                           ``Trung tâm dữ liệu``, ``người``...)
``rank``                   a position among provinces (``Thứ bậc``, ``Top N``)
``index``                  a composite index (``Chỉ số ...``, HDI, DTI)
``per_10000_people``       per 10,000 inhabitants (``Người/vạn dân``)
``per_100000_people``      per 100,000 inhabitants (``.../100.000 dân``)
``yes_no``                 ``Có`` (1) / ``Không`` (0)
``generation``             a mobile network generation (``6G``)
``million_vnd``            money, converted from ``đồng``/``triệu``/``tỷ``/``nghìn tỷ``
``percent_change``         a change in % against ``baseline_year`` (kind ``change``)
``times``                  a multiple of the baseline (``gấp 2 lần``, kind ``change``)
``other:<text>``           a unit column value outside this list, as printed
``''``                     no unit known (empty or unreadable cells)
=========================  ==================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from dagster_project.semantics import normalize_cell_text
from dagster_project.semantics.numbers import (
    NUMBER_TOKEN,
    decimal_to_text,
    parse_vn_number_with_note,
)

Comparator = Literal[">=", ">", "<=", "<", "=", "between"]
TargetStatus = Literal["parsed", "qualitative", "empty", "ambiguous", "invalid"]
Direction = Literal["higher_is_better", "lower_is_better"]

COMPARATORS: tuple[str, ...] = (">=", ">", "<=", "<", "=", "between")
STATUSES: tuple[str, ...] = ("parsed", "qualitative", "empty", "ambiguous", "invalid")
UNITS: tuple[str, ...] = (
    "percent",
    "percent_grdp",
    "percent_state_budget",
    "percent_per_year",
    "percent_population",
    "count",
    "rank",
    "index",
    "per_10000_people",
    "per_100000_people",
    "yes_no",
    "generation",
    "million_vnd",
    "percent_change",
    "times",
)
TARGET_KINDS: tuple[str, ...] = ("level", "change", "growth_rate")
OTHER_UNIT_PREFIX = "other:"


@dataclass(frozen=True)
class TargetParse:
    """What one target cell says, or why it cannot be read."""

    comparator: str | None
    target_low: Decimal | None
    target_high: Decimal | None
    unit: str
    is_qualitative: bool
    parse_status: str
    parse_note: str
    target_kind: str | None = None
    baseline_year: int | None = None

    def to_dict(self) -> dict[str, object]:
        """Plain values for tables: Decimals as exact decimal-point text."""
        return {
            "comparator": self.comparator,
            "target_low": decimal_to_text(self.target_low),
            "target_high": decimal_to_text(self.target_high),
            "unit": self.unit,
            "is_qualitative": self.is_qualitative,
            "parse_status": self.parse_status,
            "parse_note": self.parse_note,
            "target_kind": self.target_kind,
            "baseline_year": self.baseline_year,
        }


# --- units -----------------------------------------------------------------

_PERCENT_UNITS: dict[str, str] = {
    "%": "percent",
    "%grdp": "percent_grdp",
    "%tổngchinsnn": "percent_state_budget",
    "%chinsnn": "percent_state_budget",
    "%tổngchingânsáchnhànước": "percent_state_budget",
    "%/năm": "percent_per_year",
    "%dânsố": "percent_population",
}
_RANK_UNITS = ("thứ bậc", "thứ hạng", "xếp hạng", "hạng")
# A unit column naming what is counted; every comma-separated part must start
# with one of these nouns for the column to mean "count".
_COUNT_NOUNS = (
    "doanh nghiệp",
    "tổ chức",
    "thành phố",
    "huyện",
    "xã",
    "trung tâm",
    "người",
    "sản phẩm",
    "nhiệm vụ",
    "đề tài",
    "dự án",
    "bài báo",
    "đơn",
    "sáng chế",
    "công trình",
    "cơ sở",
    "hệ thống",
    "nền tảng",
    "vườn ươm",
    "khu",
    "số lượng",
    "văn bằng",
    "bằng",
    "sáng kiến",
    "hợp tác xã",
    "mô hình",
    "chương trình",
    "lớp",
    "lượt",
    "vụ",
    "cụm",
    "giải pháp",
    "thôn",
)


def normalize_unit_text(unit_text: str) -> str:
    """Map a unit column value (Bắc Kạn ``Đơn vị``) onto the unit vocabulary.

    ``''`` when the column is absent or blank; ``other:<text>`` when the value
    is not one this module knows, so nothing is silently re-labelled.
    """
    text = normalize_cell_text(unit_text)
    if not text:
        return ""
    folded = text.casefold()
    compact = folded.replace(" ", "")
    if compact in _PERCENT_UNITS:
        return _PERCENT_UNITS[compact]
    if folded in _RANK_UNITS:
        return "rank"
    if re.search(r"/\s*(?:01\s*|1\s*)?vạn dân$|/\s*10\.000 dân$", folded):
        return "per_10000_people"
    if re.search(r"/\s*100\.000 dân$", folded):
        return "per_100000_people"
    if folded.startswith("chỉ số") or folded == "điểm":
        return "index"
    if folded in ("có/không", "có / không"):
        return "yes_no"
    if money_factor(text) is not None:
        return "million_vnd"
    parts = [part.strip() for part in folded.split(",")]
    if all(part.startswith(_COUNT_NOUNS) for part in parts):
        return "count"
    return f"{OTHER_UNIT_PREFIX}{text}"


def _unit_from_indicator_name(indicator_name: str) -> tuple[str, str]:
    """Unit implied by the indicator's name when neither cell nor column gives one."""
    name = normalize_cell_text(indicator_name).casefold()
    if not name:
        return "", ""
    if re.search(r"(?:01 |1 )?vạn dân|10\.000 dân", name):
        return "per_10000_people", "unit per 10,000 people taken from indicator name"
    if "100.000 dân" in name:
        return "per_100000_people", "unit per 100,000 people taken from indicator name"
    if "xếp hạng" in name or "thứ hạng" in name:
        return "rank", "unit rank taken from indicator name"
    if "chỉ số" in name or "hdi" in name:
        return "index", "unit index taken from indicator name"
    if name.startswith(("tỷ lệ", "tỉ lệ", "tỷ trọng", "tỉ trọng")):
        return "percent", "unit percent taken from indicator name"
    if name.startswith("số ") or "số lượng" in name:
        return "count", ""
    return "", ""


def _resolve_unit(
    *,
    has_percent: bool,
    has_grdp: bool,
    is_top: bool,
    column_unit: str,
    unit_text: str,
    indicator_name: str,
) -> tuple[str, list[str]]:
    notes: list[str] = []
    if is_top:
        if column_unit not in ("", "rank"):
            notes.append(f"Top N read as rank although unit column says '{unit_text}'")
        return "rank", notes
    if has_grdp:
        if column_unit not in ("", "percent", "percent_grdp"):
            notes.append(f"cell says % GRDP, unit column says '{unit_text}'")
        return "percent_grdp", notes
    if has_percent:
        if column_unit.startswith("percent"):
            return column_unit, notes
        if column_unit:
            notes.append(f"cell says %, unit column says '{unit_text}'")
        return "percent", notes
    if column_unit:
        return column_unit, notes
    unit, note = _unit_from_indicator_name(indicator_name)
    if unit:
        return unit, [note] if note else []
    return "count", ["no unit written; read as a count"]


# --- cell grammar ----------------------------------------------------------

_EMPTY_MARKS = {"-", "–", "—", "--", "---"}
_YES_NO = {"có": Decimal(1), "không": Decimal(0)}
_TRAILING_PUNCT = re.compile(r"[\s.;:,…]+$")

# Longest spellings first so that ">=" is not read as ">" followed by "=".
_SYMBOL_COMPARATORS: tuple[tuple[str, str], ...] = (
    (">=", ">="),
    ("=>", ">="),
    ("<=", "<="),
    ("=<", "<="),
    ("≥", ">="),
    ("≧", ">="),
    ("≤", "<="),
    ("≦", "<="),
    (">", ">"),
    ("<", "<"),
    ("=", "="),
)
# Longest first as well: "không thấp hơn" before "hơn", "lớn hơn" before "hơn".
_WORD_COMPARATORS: tuple[tuple[str, str], ...] = (
    ("không dưới", ">="),
    ("không thấp hơn", ">="),
    ("không ít hơn", ">="),
    ("không nhỏ hơn", ">="),
    ("không vượt quá", "<="),
    ("không quá", "<="),
    ("không cao hơn", "<="),
    ("không lớn hơn", "<="),
    ("không vượt", "<="),
    ("tối thiểu", ">="),
    ("ít nhất", ">="),
    ("tối đa", "<="),
    ("lớn hơn", ">"),
    ("cao hơn", ">"),
    ("nhỏ hơn", "<"),
    ("thấp hơn", "<"),
    ("trên", ">"),
    ("hơn", ">"),
    ("dưới", "<"),
    ("đạt", "="),
    ("top", "top"),
    ("tốp", "top"),
)
# Words before a value that do not change it: "phấn đấu đạt 80%", "đạt mức 80%",
# "đạt trên 80%", "từ 80% đến 90%", "từ 80% trở lên".
_LEAD_WORDS = re.compile(r"^(?:phấn đấu\s+)?(?:đạt\s+(?:mức\s+|tỷ lệ\s+|tỉ lệ\s+)?|từ\s+)", re.I)
_APPROXIMATE = re.compile(r"^(?:khoảng|xấp xỉ|khoảng chừng)\s+", re.I)
# "80% trở lên" (or more), "5% trở xuống" (or less).
_OR_MORE = re.compile(r"\s+(?:trở lên|trở lại)$", re.I)
_OR_LESS = re.compile(r"\s+trở xuống$", re.I)

_NUM = NUMBER_TOKEN
_RANGE = re.compile(
    rf"(?P<a>{_NUM})(?:\s*(?P<pa>%))?\s*(?:-|–|—|÷|đến|tới)\s*(?P<b>{_NUM})(?:\s*(?P<pb>%))?",
    re.IGNORECASE,
)
_SINGLE = re.compile(rf"(?P<a>{_NUM})(?:\s*(?P<pa>%))?")
_GRDP = re.compile(r"\s*GRDP\b", re.IGNORECASE)
_GENERATION = re.compile(r"(?P<g>[0-9])\s*G(?:\s*\((?P<inner>[^()]*)\))?", re.IGNORECASE)
_DIGIT = re.compile(r"[0-9]")

# Money printed after a value, in million VND per printed unit.
_MONEY = re.compile(
    r"^(?P<scale>nghìn tỷ|ngàn tỷ|tỷ|tỉ|triệu|nghìn|ngàn)?\s*(?:đồng|vnđ|vnd)(?!\w)", re.I
)
MILLION_VND_PER: dict[str, Decimal] = {
    "nghìn tỷ": Decimal(1_000_000),
    "ngàn tỷ": Decimal(1_000_000),
    "tỷ": Decimal(1000),
    "tỉ": Decimal(1000),
    "triệu": Decimal(1),
    "nghìn": Decimal("0.001"),
    "ngàn": Decimal("0.001"),
    "": Decimal("0.000001"),
}

_SCALE_WORD = re.compile(r"(?:tỷ|tỉ|triệu|nghìn|ngàn|vạn|trăm|lần)(?!\w)", re.I)

# A yearly growth rate: "%/năm", "% mỗi năm".
_PER_YEAR = re.compile(r"\s*(?:/\s*năm|mỗi năm|một năm|hằng năm|hàng năm)$", re.I)
_GROWTH_WORDS = re.compile(
    r"^(?:(?:tốc độ|tăng trưởng|tăng|trung bình|bình quân|đạt|là|mức)\s+)+", re.I
)
# A change against a baseline: "tăng 20% so với năm 2024", "giảm 10% so với 2020".
_CHANGE = re.compile(r"^(?P<verb>tăng|giảm)(?:\s+thêm)?\s+(?P<expr>.+)$", re.I)
# "tăng lên 80%" (rise to), "giảm xuống còn 5%" (fall to): a level, not a change.
_CHANGE_TO_LEVEL = re.compile(r"^(?:tăng lên|giảm xuống còn|giảm xuống|giảm còn)\s+", re.I)
_COMPARED_WITH = re.compile(r"\s+so với\s+", re.I)
_BASELINE_YEAR = re.compile(
    r"^(?:(?:cuối|đầu|hết)\s+)?(?:năm\s+)?(?P<year>(?:19|20)[0-9]{2})(?:\s+.*)?$", re.I
)
_PREVIOUS_YEAR = re.compile(r"^(?:năm trước|cùng kỳ(?: năm trước)?|năm liền trước)$", re.I)
_TIMES = re.compile(rf"^(?:gấp\s+)?(?P<a>{_NUM})\s+lần$", re.I)
# "nhóm 10 tỉnh, thành phố dẫn đầu", "trong tốp 20 cả nước".
_RANK_GROUP = re.compile(
    r"^(?:thuộc|nằm trong|đứng trong|lọt vào|vào|trong)?\s*nhóm\s+(?P<n>[0-9]+)\s+(?P<rest>.*)$",
    re.I,
)


def _result(
    status: str,
    unit: str,
    notes: Iterable[str],
    comparator: str | None = None,
    low: Decimal | None = None,
    high: Decimal | None = None,
    kind: str = "level",
    baseline_year: int | None = None,
) -> TargetParse:
    parsed = status == "parsed"
    return TargetParse(
        comparator=comparator,
        target_low=low,
        target_high=high,
        unit=unit,
        is_qualitative=status == "qualitative",
        parse_status=status,
        parse_note="; ".join(dict.fromkeys(note for note in notes if note)),
        target_kind=kind if parsed else None,
        baseline_year=baseline_year if parsed else None,
    )


def _split_comparator(text: str) -> tuple[str | None, str]:
    """Comparator at the start of the cell, and the rest of the cell."""
    for spelling, comparator in _SYMBOL_COMPARATORS:
        if text.startswith(spelling):
            return comparator, text[len(spelling) :].lstrip()
    folded = text.casefold()
    for word, comparator in _WORD_COMPARATORS:
        if folded.startswith(word) and re.match(r"\s*[0-9]", text[len(word) :]):
            return comparator, text[len(word) :].lstrip()
    return None, text


def money_factor(unit_text: str) -> Decimal | None:
    """Million VND per unit of a money unit (``Tỷ đồng`` -> 1000), or None for other units."""
    match = _MONEY.fullmatch(normalize_cell_text(unit_text).casefold())
    return MILLION_VND_PER[(match["scale"] or "").casefold()] if match else None


def parse_target(target_text: str, unit_text: str = "", indicator_name: str = "") -> TargetParse:
    """Read one target cell. Total: any string gives a TargetParse.

    ``unit_text`` is the plan's unit column for the indicator (Bắc Kạn), used
    when the cell itself carries no unit; ``indicator_name`` is the last resort
    for the unit of a bare number (``... trên 01 vạn dân``, ``Chỉ số ...``).
    """
    column_unit = normalize_unit_text(unit_text)
    text = normalize_cell_text(target_text)

    if "\ufffd" in text:
        return _result("invalid", column_unit, ["text is cut off (contains U+FFFD)"])

    notes: list[str] = []
    core = _TRAILING_PUNCT.sub("", text)
    if core != text and core and text[len(core) :].strip():
        notes.append(f"trailing '{text[len(core) :].strip()}' ignored")

    if not core or core in _EMPTY_MARKS:
        return _result("empty", column_unit, [])

    folded = core.casefold()
    if folded in _YES_NO:
        value = _YES_NO[folded]
        return _result("parsed", "yes_no", notes, "=", value, value)

    if match := _GENERATION.fullmatch(core):
        generation = match["g"]
        if match["inner"] is None:
            value = Decimal(generation)
            return _result("parsed", "generation", notes, "=", value, value)
        inner = parse_target(match["inner"], unit_text, indicator_name)
        coverage_note = f"{generation}G coverage"
        if inner.parse_status != "parsed":
            return _result(
                "ambiguous" if inner.parse_status != "invalid" else "invalid",
                column_unit,
                [*notes, coverage_note, inner.parse_note],
            )
        return _result(
            "parsed",
            inner.unit,
            [*notes, coverage_note, inner.parse_note],
            inner.comparator,
            inner.target_low,
            inner.target_high,
        )

    comparator, body = _split_comparator(core)
    if not body:
        return _result("invalid", column_unit, [*notes, "comparator without a value"])

    if not _DIGIT.search(core):
        # A sentence ending in a full stop is normal prose: no note about it.
        return _result("qualitative", column_unit, [])

    reading = _Reading(unit_text, column_unit, indicator_name)
    for reader in (reading.growth, reading.change, reading.rank_group):
        found = reader(core, notes)
        if found is not None:
            return found
    level = reading.level(core, notes)
    if level.parse_status == "parsed" and level.unit == "percent_per_year":
        # A %/năm unit column: the targets are yearly growth rates, not levels.
        return replace(level, target_kind="growth_rate")
    return level


class _Reading:
    """The readers of one cell, sharing the row's unit column and indicator name."""

    def __init__(self, unit_text: str, column_unit: str, indicator_name: str):
        self.unit_text = unit_text
        self.column_unit = column_unit
        self.indicator_name = indicator_name

    def growth(self, core: str, notes: list[str]) -> TargetParse | None:
        """``tăng bình quân 15%/năm``, ``≥ 8%/năm``: a yearly growth rate."""
        per_year = _PER_YEAR.search(core)
        if per_year is None:
            return None
        expr = _GROWTH_WORDS.sub("", core[: per_year.start()])
        rate = self.level(expr, [*notes])
        if rate.parse_status != "parsed":
            return _result("ambiguous", "", [rate.parse_note, f"growth rate not read: '{core}'"])
        if rate.unit not in ("percent", "percent_per_year"):
            return _result(
                "ambiguous", "", [*notes, f"a value per year that is not a percentage: '{core}'"]
            )
        return replace(rate, unit="percent_per_year", target_kind="growth_rate")

    def change(self, core: str, notes: list[str]) -> TargetParse | None:
        """``tăng 20% so với năm 2024``: a change against a baseline, never a level."""
        if _CHANGE_TO_LEVEL.match(core):
            return self.level(
                _CHANGE_TO_LEVEL.sub("", core), [*notes, f"read as a level: '{core}'"]
            )
        match = _CHANGE.match(core)
        if match is None:
            return None
        decrease = match["verb"].casefold() == "giảm"
        parts = _COMPARED_WITH.split(match["expr"], maxsplit=1)
        if len(parts) == 1:
            return _result(
                "ambiguous",
                "",
                [*notes, f"an increase or decrease with no baseline, not a level: '{core}'"],
            )
        expr, baseline = parts
        baseline_year = None
        kind = "change"
        if year := _BASELINE_YEAR.match(baseline):
            baseline_year = int(year["year"])
        elif _PREVIOUS_YEAR.match(baseline):
            kind = "growth_rate"
            notes = [*notes, f"compared with the year before: a yearly rate ('{baseline}')"]
        else:
            return _result(
                "ambiguous", "", [*notes, f"baseline is not a year: 'so với {baseline}'"]
            )
        if times := _TIMES.match(expr):
            number = parse_vn_number_with_note(times["a"])
            if number.value is None or number.is_ambiguous:
                return _result("ambiguous", "", [*notes, f"'{times['a']}' is not a number"])
            value = -number.value if decrease else number.value
            return _result("parsed", "times", notes, "=", value, value, "change", baseline_year)
        amount = self.level(expr, [*notes])
        if amount.parse_status != "parsed":
            return _result("ambiguous", "", [amount.parse_note, f"change not read: '{core}'"])
        unit = amount.unit
        if kind == "growth_rate":
            if unit != "percent":
                return _result(
                    "ambiguous", "", [*notes, f"a yearly change that is not a %: '{core}'"]
                )
            unit = "percent_per_year"
        elif unit == "percent":
            unit = "percent_change"
        if not decrease:
            return replace(amount, unit=unit, target_kind=kind, baseline_year=baseline_year)
        # A decrease of at least 10% is a change of at most -10%.
        mirrored = {">=": "<=", ">": "<", "<=": ">=", "<": ">"}.get(
            amount.comparator, amount.comparator
        )
        return replace(
            amount,
            unit=unit,
            target_kind=kind,
            baseline_year=baseline_year,
            comparator=mirrored,
            target_low=-amount.target_high,
            target_high=-amount.target_low,
            parse_note="; ".join(
                n for n in (amount.parse_note, "decrease read as a negative change") if n
            ),
        )

    def rank_group(self, core: str, notes: list[str]) -> TargetParse | None:
        """``nhóm 10 tỉnh dẫn đầu``: a rank of at most 10."""
        match = _RANK_GROUP.match(core)
        if match is None:
            return None
        rest = match["rest"].casefold()
        if "dẫn đầu" not in rest or "cuối" in rest:
            return _result("ambiguous", "rank", [*notes, f"rank group not read: '{core}'"])
        value = Decimal(match["n"])
        return _result(
            "parsed", "rank", [*notes, "rank group read as rank <= N"], "<=", value, value
        )

    def level(self, core: str, notes: list[str]) -> TargetParse:
        """A level to reach: comparator, value or range, unit."""
        notes = list(notes)
        text = core
        approximate = _APPROXIMATE.match(text)
        if approximate:
            text = text[approximate.end() :]
            notes.append(f"approximate value ('{approximate.group().strip()}') read as the value")
        text = _LEAD_WORDS.sub("", text)
        suffix_comparator = None
        for pattern, suffix in ((_OR_MORE, ">="), (_OR_LESS, "<=")):
            if found := pattern.search(text):
                text, suffix_comparator = text[: found.start()], suffix
        comparator, body = _split_comparator(text)
        if suffix_comparator is not None:
            if comparator not in (None, suffix_comparator):
                return _result(
                    "ambiguous", self.column_unit, [*notes, f"two comparators: '{core}'"]
                )
            comparator = suffix_comparator
        if not body:
            return _result("invalid", self.column_unit, [*notes, "comparator without a value"])

        is_top = comparator == "top"
        if is_top:
            notes.append("Top N read as rank <= N")

        match = _RANGE.match(body) or _SINGLE.match(body)
        if match is None:
            return _result(
                "ambiguous",
                self.column_unit,
                [*notes, "number inside text that is not a target expression"],
            )
        is_range = "b" in match.groupdict() and match["b"] is not None
        rest = body[match.end() :]
        has_percent = bool(match["pa"] or (is_range and match["pb"]))
        has_grdp = False
        factor = None
        if grdp := _GRDP.match(rest):
            has_grdp = True
            rest = rest[grdp.end() :]
        elif (money := _MONEY.match(rest.lstrip())) and not has_percent:
            factor = MILLION_VND_PER[(money["scale"] or "").casefold()]
            notes.append(f"'{money.group().strip()}' converted to million VND")
            rest = rest.lstrip()[money.end() :]
        elif _SCALE_WORD.match(rest.lstrip()):
            # "80 tỷ", "2 lần": a scale with no unit changes what the number means.
            return _result(
                "ambiguous", self.column_unit, [*notes, f"a scale word after the value: '{core}'"]
            )
        elif rest[:1].isalnum():
            # "5G toàn tỉnh", "50người": the number is part of a word, not a value.
            return _result(
                "ambiguous", self.column_unit, [*notes, f"number joined to text: '{core}'"]
            )
        rest = rest.strip(" ,;")

        if factor is not None:
            unit, unit_notes = "million_vnd", []
        else:
            unit, unit_notes = _resolve_unit(
                has_percent=has_percent,
                has_grdp=has_grdp,
                is_top=is_top,
                column_unit=self.column_unit,
                unit_text=normalize_cell_text(self.unit_text),
                indicator_name=self.indicator_name,
            )
            if unit == "million_vnd":
                factor = money_factor(self.unit_text)
                if factor != 1:
                    unit_notes = [
                        f"'{normalize_cell_text(self.unit_text)}' converted to million VND"
                    ]

        if rest and _DIGIT.search(rest):
            return _result("ambiguous", unit, [*notes, f"several values in one cell: '{core}'"])
        if rest:
            if rest.casefold().startswith(("và ", "and ")):
                notes.append(f"qualitative rider not scored: '{rest}'")
            else:
                notes.append(f"text after the value not scored: '{rest}'")

        tokens = [match["a"], match["b"]] if is_range else [match["a"]]
        values: list[Decimal] = []
        for token in tokens:
            number = parse_vn_number_with_note(token, fraction_scale=unit == "index")
            if number.value is None:
                return _result("invalid", unit, [*notes, f"'{token}' is not a number"])
            if number.is_ambiguous:
                return _result("ambiguous", unit, [*notes, number.note])
            if number.note:
                notes.append(number.note)
            values.append(number.value * factor if factor is not None else number.value)
        notes.extend(unit_notes)

        if is_top:
            comparator = "<="
        if not is_range:
            value = values[0]
            return _result("parsed", unit, notes, comparator or "=", value, value)

        low, high = values
        if low > high:
            return _result("ambiguous", unit, [*notes, f"range runs high to low: '{core}'"])
        if comparator in (">=", ">"):
            notes.append(f"minimum written as a range ('{core}'); read as between")
        elif comparator in ("<=", "<"):
            notes.append(f"maximum written as a range ('{core}'); read as between")
        return _result("parsed", unit, notes, "between", low, high)


def indicator_direction(
    indicator_name: str, unit_text: str, parses: Iterable[TargetParse]
) -> Direction:
    """Whether a higher reported value is better for this indicator.

    Ranks are lower-is-better: an indicator named ``Xếp hạng ...``, a
    ``Thứ bậc`` unit column with a numeric target, ``Top N``, ``<=N`` on a
    rank. So is an indicator whose every numeric target is an upper bound
    (``<``/``<=``), and one whose targets are all decreases against a
    baseline. Everything else, qualitative-only ones included, defaults to
    higher-is-better. Changes and growth rates never count as levels here.
    """
    name = normalize_cell_text(indicator_name).casefold()
    if "xếp hạng" in name or "thứ hạng" in name:
        return "lower_is_better"
    parsed = [parse for parse in parses if parse.parse_status == "parsed"]
    numeric = [parse for parse in parsed if parse.target_kind == "level"]
    if any(parse.unit == "rank" for parse in numeric):
        return "lower_is_better"
    if normalize_unit_text(unit_text) == "rank" and numeric:
        return "lower_is_better"
    if numeric and all(parse.comparator in ("<=", "<") for parse in numeric):
        return "lower_is_better"
    # With no level to reach, a plan that only asks for decreases wants less.
    changes = [parse for parse in parsed if parse.target_kind != "level"]
    if not numeric and changes and all(parse.target_high < 0 for parse in changes):
        return "lower_is_better"
    return "higher_is_better"
