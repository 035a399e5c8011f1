"""Figures a plan reports about results achieved (the ``ĐÁNH GIÁ`` / ``KẾT QUẢ`` part).

Results sections are lettered or Roman headings that name ``đánh giá``,
``kết quả`` or ``tình hình thực hiện``. Budget sections inside them (see
:mod:`.budget`) are left out: their amounts are budget lines, not figures.

A figure is found by its form, never by the sentence it sits in:

* a rank, ``xếp thứ 05/63``: unit ``thứ hạng``;
* a percentage, ``84,03%``: unit ``%``;
* a count or amount followed by a measure word from :data:`UNITS`
  (``1.426 DVCTT``, ``427 đơn đăng ký``, ``424.735.444 đồng``, ``2,91 km/điểm``);
* a bare number stated as a metric's value (``Tổng số thuê bao di động đạt
  929.878,``): its unit is the measure word in the metric (flagged).

Dates, years, document numbers (``2302/QĐ-UBND``, ``19-NQ/TW``), footnote
markers (``[5]``), versions (``4.0``) and numbers glued to letters (``5G``) have
none of these forms and are skipped.

``metric`` is the wording around the number (the words after its unit, else the
words before it). ``period_text`` is the date or period printed in the same
sentence, written compactly: ``30/6/2025``, ``2024 - quý I/2025``, ``2021 -
nay``. Without one, the nearest status date or period stated earlier in the
paragraph or section is used, then the one in the headings above, flagged
``period_inferred``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dagster_project.semantics.numbers import VN_NUMBER

from .budget import DYNAMIC_KINDS, SECTION_KINDS, Outline, parse_outline_marker
from .cells import clean_text
from .documents import Document
from .schema import join_flags

RESULTS_SECTION_WORDS = ("đánh giá", "kết quả", "tình hình thực hiện")
CONTEXT_LIMIT = 300
METRIC_WORD_LIMIT = 14

# Measure words that follow a count in Vietnamese reports. Matched longest
# first and case-insensitively; the unit is kept as printed.
# fmt: off
UNITS = (
    # money
    "tỷ đồng", "triệu đồng", "nghìn đồng", "đồng",
    # people and organisations
    "lượt người", "lượt", "người", "đại biểu", "học viên", "cán bộ", "doanh nghiệp",
    "hợp tác xã", "tổ chức", "cơ quan", "đơn vị", "sở", "trưởng phòng", "phòng", "trường",
    "bệnh viện", "xã", "thôn", "tỉnh", "thành phố",
    # work, outputs and titles
    "nhiệm vụ", "đề tài", "dự án", "mô hình", "sản phẩm", "giải pháp", "sáng kiến", "ý tưởng",
    "hồ sơ", "đơn đăng ký", "văn bằng", "nhãn hiệu", "kiểu dáng", "chỉ dẫn địa lý",
    "giấy chứng nhận", "giấy phép", "chứng chỉ", "chứng thư số", "chữ ký số", "sim",
    "tài khoản", "thuê bao", "dịch vụ", "dvctt", "thủ tục", "văn bản",
    # systems and infrastructure
    "hệ thống thông tin", "hệ thống", "cơ sở dữ liệu", "cơ sở", "phương tiện đo", "điểm",
    "trạm", "tuyến", "km",
    # events, checks and time
    "mẫu", "đợt", "cuộc", "lớp", "hội nghị", "hội thảo", "giải", "giờ", "ngôn ngữ",
)
# fmt: on
_UNIT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
# A unit may be a list of measure words (``đề tài, dự án``) or a rate (``km/điểm``).
UNIT_PHRASE = rf"(?:{_UNIT})(?:/\w+)?(?:,\s(?:{_UNIT})(?!\w))*"

_NUMBER_START = r"(?<![\w.,/\[\-])"
_NUMBER_END = r"(?![\w/%]|[.,:\-]\d)"
RANK = re.compile(r"(?:thứ|hạng)\s+(?P<value>\d{1,3}/\d{1,3})(?![\d/])", re.IGNORECASE)
PERCENT = re.compile(rf"{_NUMBER_START}(?P<value>(?:{VN_NUMBER})\s?%)")
COUNT = re.compile(
    rf"{_NUMBER_START}(?P<value>{VN_NUMBER}){_NUMBER_END}(?:\[\d+\])?\s+(?P<unit>{UNIT_PHRASE})(?!\w)",
    re.IGNORECASE,
)
BARE = re.compile(
    rf"(?:đạt|là)\s+(?:khoảng\s+|hơn\s+|trên\s+|gần\s+)?(?P<value>{VN_NUMBER}){_NUMBER_END}(?=\s*(?:[,.;)]|$))",
    re.IGNORECASE,
)
YEAR_VALUE = re.compile(r"^(?:19|20)\d{2}$")
APPROXIMATE = re.compile(r"(?:^|\s)(?P<word>hơn|trên|gần|khoảng|ước đạt|ước)\s+$", re.IGNORECASE)
TARGET_WORDS = ("mục tiêu", "phấn đấu", "dự kiến", "phương án", "hướng đến")

# --- periods -----------------------------------------------------------------------

_DATE = r"\d{1,2}/\d{1,2}/\d{4}"
_QUARTER = r"[Qq]uý\s+[IV]+/\d{4}"
_MONTH = r"tháng\s+\d{1,2}/\d{4}"
_YEAR = r"(?:năm\s+)?(?:19|20)\d{2}(?![\d/])"
_POINT = rf"(?:ngày\s+)?{_DATE}|{_QUARTER}|{_MONTH}|(?<![\d/])\d{{1,2}}/\d{{4}}|{_YEAR}"
PERIOD_RANGE = re.compile(
    rf"(?:(?:[Tt]rong\s+)?giai đoạn\s+|[Tt]ừ\s+)?(?P<start>{_POINT})\s*"
    rf"(?:-|–|đến\s+hết|đến|và)\s*(?:hết\s+)?(?P<end>{_POINT}|nay)(?!\d)"
)
PERIOD_AS_OF = re.compile(
    rf"(?:tính\s+)?(?:đến|tới)\s+(?:hết\s+)?(?:ngày\s+)?(?P<point>{_DATE}|{_QUARTER}|{_MONTH})"
)
PERIOD_POINT = re.compile(
    rf"(?P<point>(?:ngày\s+)?{_DATE}|{_QUARTER}|{_MONTH}|năm\s+(?:19|20)\d{{2}}(?![\d/]))"
)
PERIOD_RELATIVE = re.compile(
    r"\b(?P<point>đến nay|hiện nay|đến thời điểm hiện tại)\b", re.IGNORECASE
)
# The date of a cited document ("Quyết định số 1878/QĐ-UBND ngày 30/10/2024")
# says when it was signed, not what period a figure covers.
DOCUMENT_NUMBER_LEAD = re.compile(r"\d+[/-][A-ZĐ][\w/\-]*\s*,?\s*$")
COMPARISON_LEAD = re.compile(r"(?:so với|tăng từ|giảm từ)\s*$")
FIGURE_TO_PERIOD_GAP = re.compile(r"^\s*(?:vào|trong|của)?\s*$")
# A status date or period stated earlier in the paragraph covers the values
# after it; across paragraphs only a status date ("tính đến 30/6/2025") does,
# since a range there is usually the name of some programme.
PARAGRAPH_PERIOD_KINDS = ("range", "asof", "relative")
CROSS_PARAGRAPH_PERIOD_KINDS = ("asof",)

# --- metric wording -------------------------------------------------------------------

LEADING_WORDS = re.compile(
    r"^(?:(?:trong đó(?: có)?|riêng|gồm|bao gồm|và|đã|cụ thể|kết quả|đến nay|hiện nay|"
    r"toàn tỉnh|tỉnh|có|với|đồng thời)[,:]?(?:\s+|$))+",
    re.IGNORECASE,
)
TRAILING_WORDS = re.compile(
    r"(?:(?:^|\s+)(?:và|có|là|đạt|chiếm|được|với|của|tại|trên|hơn|gần|khoảng|ước|tổng số|"
    r"đến|tới|xếp thứ|xếp|thứ|hạng|tăng|giảm|từ|gồm|trong))+$",
    re.IGNORECASE,
)
# After a unit, "đạt" is part of the wording ("111 mẫu đạt": samples that passed).
TRAILING_AFTER_UNIT = re.compile(
    r"(?:(?:^|\s+)(?:và|có|là|với|của|tại|trên|hơn|gần|khoảng|tổng số|đến|tới|từ|gồm|trong))+$",
    re.IGNORECASE,
)
FOOTNOTE_MARK = re.compile(r"\[\d+\]")
QUALIFIER_STOPS = re.compile(
    r"\s(?:đến nay|trong đó|so với|tăng|giảm|vào năm|năm|gồm|bao gồm)\s|(?<!đối)\svới\s",
    re.IGNORECASE,
)
QUALIFIER_START_STOPS = re.compile(r"^(?:so|trong|tăng|giảm|đến|từ|vào|với|và)\b", re.IGNORECASE)
# Before a value, a short comma-separated piece is an item of the subject's list
# ("Tỷ lệ cán bộ, công chức, viên chức ... đạt trên 85%").
LIST_ITEM_WORDS = 4
CLAUSE_DELIMITERS = ".;:(),"


@dataclass
class Figure:
    kind: str
    start: int
    end: int
    value: str
    unit: str
    metric: str = ""
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Period:
    start: int
    end: int
    text: str
    kind: str


@dataclass(frozen=True)
class LineContext:
    """Where a line sits: inside a results section or not, and its headings."""

    in_results: bool
    headings: tuple[tuple[str, int], ...]
    section_start: int


# --- where figures are read --------------------------------------------------------------


def _names_results(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in RESULTS_SECTION_WORDS)


def line_contexts(doc: Document) -> list[LineContext]:
    """For each line: is it in a results section, and the headings above it."""
    outline = Outline()
    contexts = []
    for number, text in doc.numbered():
        item = parse_outline_marker(text, number)
        if item is not None:
            outline.push(item)
        sections = outline.sections()
        in_results = (
            any(_names_results(s.text) for s in sections) and not outline.in_budget_section()
        )
        numbered = [i for i in reversed(outline.stack) if i.kind not in DYNAMIC_KINDS]
        headings = tuple((i.text, i.line) for i in numbered)
        section_start = numbered[0].line if numbered else 1
        contexts.append(LineContext(in_results, headings, section_start))
    return contexts


def _body_of(text: str, number: int) -> str:
    """The text of a line without its outline marker (``2.2.1. ``, ``- ``)."""
    item = parse_outline_marker(text, number)
    return item.text if item is not None else clean_text(text)


# --- finding figures ---------------------------------------------------------------------


def find_figures(text: str) -> list[Figure]:
    """Figures printed in one line, in order, without overlaps."""
    found: list[Figure] = []
    for kind, pattern in (("rank", RANK), ("percent", PERCENT), ("count", COUNT), ("bare", BARE)):
        for match in pattern.finditer(text):
            start, end = match.span("value")
            if kind == "count":
                end = match.end("unit")
            if any(start < f.end and f.start < end for f in found):
                continue
            if kind in ("count", "bare") and YEAR_VALUE.match(match.group("value")):
                continue
            unit = {"rank": "thứ hạng", "percent": "%"}.get(kind, "")
            if kind == "count":
                unit = match.group("unit")
            found.append(Figure(kind, start, end, match.group("value"), unit))
    return sorted(found, key=lambda f: f.start)


def _clause_start(text: str, position: int) -> int:
    """Start of the clause a value sits in.

    A ``label:`` right before the value is kept, and so are short list items
    before a comma (``Tỷ lệ cán bộ, công chức, viên chức ... đạt 85%``).
    """
    before = text[:position].rstrip()
    if before.endswith(":"):
        before = before[:-1]
    start = max(before.rfind(ch) for ch in CLAUSE_DELIMITERS) + 1
    while start > 0 and before[start - 1] == ",":
        previous = max(before.rfind(ch, 0, start - 1) for ch in CLAUSE_DELIMITERS) + 1
        if len(before[previous : start - 1].split()) > LIST_ITEM_WORDS:
            break
        start = previous
    return start


def _strip_periods(text: str) -> str:
    for pattern in (PERIOD_RANGE, PERIOD_AS_OF, PERIOD_POINT, PERIOD_RELATIVE):
        text = pattern.sub(" ", text)
    return clean_text(text)


def _words_before(text: str, figure: Figure, previous: Figure | None) -> str:
    """The clause's words before a value (its subject), without dates and verbs."""
    start = _clause_start(text, figure.start)
    if previous is not None and previous.end > start:
        start = previous.end
    words = _strip_periods(FOOTNOTE_MARK.sub("", text[start : figure.start])).lstrip(" ,;:")
    words = TRAILING_WORDS.sub("", LEADING_WORDS.sub("", words)).strip(" ,:-")
    return " ".join(words.split()[:METRIC_WORD_LIMIT])


def _words_after(text: str, figure: Figure) -> str:
    """Words qualifying a value after its unit, up to the clause end or the next number.

    A percentage's population may be a list (``100% xã, phường, thị trấn được
    phủ sóng``), so it runs on over commas after short items; a count's unit
    already holds its list, so it stops at the first comma.
    """
    rest = FOOTNOTE_MARK.sub("", text[figure.end :])
    hard = re.search(r"[.;:()]", rest)
    rest = rest[: hard.start()] if hard else rest
    digit = re.search(r"\d", rest)
    if digit:
        before_digit = rest[: digit.start()]
        comma = before_digit.rfind(",")
        rest = before_digit[:comma] if comma >= 0 else before_digit
    pieces = rest.split(",")
    phrase = pieces[0]
    if figure.kind == "percent":
        for piece in pieces[1:]:
            if not 0 < len(phrase.split(",")[-1].split()) <= LIST_ITEM_WORDS:
                break
            phrase = f"{phrase},{piece}"
    stop = QUALIFIER_STOPS.search(f"{phrase} ")
    if stop:
        phrase = phrase[: stop.start()]
    phrase = clean_text(FOOTNOTE_MARK.sub("", phrase)).strip(" ,")
    if QUALIFIER_START_STOPS.match(phrase):
        return ""
    return " ".join(TRAILING_AFTER_UNIT.sub("", phrase).split()[:METRIC_WORD_LIMIT])


def _follows_figure(text: str, figure: Figure, previous: Figure | None) -> int | None:
    """Where the parenthesis opens when a value is printed inside one right
    after another value's clause: ``417.439 hồ sơ (đạt 84,03%)``."""
    if previous is None:
        return None
    opening = text.rfind("(", 0, figure.start)
    if opening < previous.end or ")" in text[opening : figure.start]:
        return None
    if re.search(r"[.;:,]", text[previous.end : opening]):
        return None
    return opening


def describe(text: str, figures: list[Figure]) -> None:
    """Fill in each figure's metric (and a unit for bare values) from the wording."""
    last_by_kind: dict[str, Figure] = {}
    for index, figure in enumerate(figures):
        previous = figures[index - 1] if index else None
        before = _words_before(text, figure, previous)
        after = _words_after(text, figure) if figure.kind != "rank" else ""
        opening = _follows_figure(text, figure, previous)
        if opening is not None:
            figure.metric = _parenthetical_metric(text, figure, previous, opening, after)
        elif figure.kind == "count":
            figure.metric = _count_metric(figure, before, after)
        elif figure.kind == "percent":
            figure.metric = after or before
        else:
            figure.metric = before
        if not figure.metric and figure.kind in last_by_kind:
            figure.metric = last_by_kind[figure.kind].metric
            figure.flags.append(
                "metric_inferred: no wording by the value; continues the list before it"
            )
        if figure.kind == "bare":
            _unit_from_metric(figure)
        _qualify(text, figure)
        last_by_kind[figure.kind] = figure


def _parenthetical_metric(text, figure: Figure, previous: Figure, opening: int, after: str) -> str:
    """A share of the value before (``tỷ lệ ...``) or a note on it (``...: tăng``)."""
    if figure.kind == "percent":
        return f"tỷ lệ {previous.metric}" + (f" so với {after}" if after else "")
    lead = clean_text(text[opening + 1 : figure.start])
    return f"{previous.metric}: {lead}" if lead else previous.metric


def _count_metric(figure: Figure, before: str, after: str) -> str:
    """``DVCTT toàn trình``; else the subject before (``Tổng số mẫu ...``), with
    the unit added when the subject does not name it (money units never are)."""
    if after:
        return f"{figure.unit} {after}"
    if not before:
        return figure.unit
    if figure.unit.lower() in before.lower() or figure.unit.lower().endswith("đồng"):
        return before
    return f"{before} {figure.unit}"


def _unit_from_metric(figure: Figure) -> None:
    lowered = figure.metric.lower()
    found = [
        (lowered.find(u), u) for u in UNITS if re.search(rf"(?<!\w){re.escape(u)}(?!\w)", lowered)
    ]
    if not found:
        figure.flags.append("unit_missing: no measure word by the value or in its metric")
        return
    position, unit = min(found, key=lambda pair: (pair[0], -len(pair[1])))
    figure.unit = figure.metric[position : position + len(unit)]
    figure.flags.append(f'unit_from_metric: "{figure.unit}" taken from the metric wording')


def _qualify(text: str, figure: Figure) -> None:
    """Flag values printed as approximate (``hơn 1.500``) or as goals."""
    approximate = APPROXIMATE.search(text[: figure.start])
    if approximate:
        figure.flags.append(f'approximate: printed as "{approximate.group("word")} {figure.value}"')
    clause = text[_clause_start(text, figure.start) : figure.start].lower()
    target = next((w for w in TARGET_WORDS if w in clause), None)
    if target:
        figure.flags.append(
            f'target: the text states this as a goal ("{target}"), not a result achieved'
        )


# --- periods ---------------------------------------------------------------------------------


def _compact(point: str) -> str:
    return clean_text(re.sub(r"^(?:năm|ngày)\s+", "", clean_text(point)))


def find_periods(text: str) -> list[Period]:
    """Dates and periods printed in a text, each with its kind."""
    periods: list[Period] = []
    candidates = (
        ("range", PERIOD_RANGE),
        ("asof", PERIOD_AS_OF),
        ("point", PERIOD_POINT),
        ("relative", PERIOD_RELATIVE),
    )
    for kind, pattern in candidates:
        for match in pattern.finditer(text):
            if any(match.start() < p.end and p.start < match.end() for p in periods):
                continue
            lead = text[: match.start()]
            if _inside_quotes(text, match.start()) or DOCUMENT_NUMBER_LEAD.search(lead):
                continue
            if kind == "range":
                printed = f"{_compact(match.group('start'))} - {_compact(match.group('end'))}"
            else:
                printed = _compact(match.group("point"))
                if kind == "relative":
                    printed = printed.lower()
            is_comparison = COMPARISON_LEAD.search(lead)
            periods.append(
                Period(match.start(), match.end(), printed, "comparison" if is_comparison else kind)
            )
    return sorted(periods, key=lambda p: p.start)


def _inside_quotes(text: str, position: int) -> bool:
    """Inside a quoted title (a programme "... đến năm 2030"), whose dates are not a period."""
    before = text[:position]
    return before.count('"') % 2 == 1 or before.count("“") > before.count("”")


def _sentence_bounds(text: str, position: int) -> tuple[int, int]:
    starts = [m.end() for m in re.finditer(r"[.;]\s+", text[:position])]
    start = starts[-1] if starts else 0
    end_match = re.search(r"[.;]\s+", text[position:])
    return start, position + end_match.start() if end_match else len(text)


class PeriodFinder:
    """Chooses the period a figure is reported for."""

    def __init__(self, doc: Document, contexts: list[LineContext]) -> None:
        self.doc = doc
        self.contexts = contexts

    def period_for(self, text: str, number: int, figure: Figure) -> tuple[str, list[str]]:
        """Printed right after the value, else before it in the sentence, else
        after it in the same clause; otherwise inferred."""
        periods = [p for p in find_periods(text) if p.kind != "comparison"]
        start, end = _sentence_bounds(text, figure.start)
        for period in periods:
            if period.start >= figure.end and FIGURE_TO_PERIOD_GAP.match(
                text[figure.end : period.start]
            ):
                return period.text, _relative_flag(period)
        before = [p for p in periods if start <= p.start and p.end <= figure.start]
        if before:
            return before[-1].text, _relative_flag(before[-1])
        for period in periods:
            if (
                figure.end <= period.start
                and period.end <= end
                and not re.search(r"[,;:(]", text[figure.end : period.start])
            ):
                return period.text, _relative_flag(period)
        return self._inferred(text[:start], number)

    def _inferred(self, earlier_text: str, number: int) -> tuple[str, list[str]]:
        earlier = [p for p in find_periods(earlier_text) if p.kind in PARAGRAPH_PERIOD_KINDS]
        if earlier:
            return earlier[-1].text, [
                f"period_inferred: {earlier[-1].text} stated earlier in the paragraph"
            ]
        context = self.contexts[number - 1]
        for line in range(number - 1, context.section_start - 1, -1):
            status = [
                p
                for p in find_periods(self.doc.line(line))
                if p.kind in CROSS_PARAGRAPH_PERIOD_KINDS
            ]
            if status:
                return status[-1].text, [
                    f"period_inferred: {status[-1].text} stated on line {line} of the same section"
                ]
        for heading, line in context.headings:
            usable = [p for p in find_periods(heading) if p.kind not in ("comparison", "relative")]
            if usable and line != number:
                return usable[0].text, [
                    f'period_inferred: {usable[0].text} from heading "{heading[:60]}" (line {line})'
                ]
        return "", ["period_missing: no date or period in the sentence, section or headings"]


def _relative_flag(period: Period) -> list[str]:
    if period.kind == "relative":
        return [f'period_relative: "{period.text}" is relative to the date of the document']
    return []


# --- rows -------------------------------------------------------------------------------------


def _context_text(text: str, figure: Figure) -> str:
    """The sentence a figure is printed in, cut around it to fit the limit."""
    start, end = _sentence_bounds(text, figure.start)
    sentence = text[start:end].strip()
    if len(sentence) <= CONTEXT_LIMIT:
        return sentence
    room = CONTEXT_LIMIT - 2
    offset = figure.start - start
    lo = max(0, min(offset - room // 2, len(sentence) - room))
    if lo:
        lo = sentence.find(" ", lo) + 1 or lo
    window = sentence[lo : lo + room]
    if lo + room < len(sentence) and " " in window:
        window = window[: window.rfind(" ")]
    return ("…" if lo else "") + window.strip() + ("…" if lo + len(window) < len(sentence) else "")


def extract_reported_figures(doc: Document, plan_id: str) -> list[dict]:
    """``reported_figures`` seed rows, in document order; [] without a results section."""
    contexts = line_contexts(doc)
    periods = PeriodFinder(doc, contexts)
    rows: list[dict] = []
    for number, raw in doc.numbered():
        context = contexts[number - 1]
        item = parse_outline_marker(raw, number)
        if not context.in_results or (item is not None and item.kind in SECTION_KINDS):
            continue
        text = _body_of(raw, number)
        figures = find_figures(text)
        describe(text, figures)
        for figure in figures:
            period, period_flags = periods.period_for(text, number, figure)
            row = {
                "plan_id": plan_id,
                "figure_id": f"{plan_id}-fig-{len(rows) + 1:03d}",
                "metric": figure.metric,
                "value_text": figure.value,
                "unit": figure.unit,
                "period_text": period,
                "context_text": _context_text(text, figure),
                "flags": join_flags(*figure.flags, *period_flags),
                "source_file": doc.source_file,
                "source_line": number,
            }
            rows.append(row)
    return rows
