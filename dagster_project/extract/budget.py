"""Budget lines of a science-and-technology budget plan (dự toán ngân sách KH&CN).

A budget plan prints its money in one of two ways, and both are read here:

* **outline prose**: numbered headings and ``-``/``*``/``+`` items under a
  budget section heading (a lettered or Roman heading that names ``ngân sách``,
  ``dự toán``, ``kinh phí`` or ``giải ngân``), each amount written as
  ``label: 384.172 triệu đồng``;
* **inline pipe tables**: one row per line, ``STT | Nội dung | Dự toán 2026 |``,
  under a header naming a name column and one or more amount columns.

Model: one row per budget line x stage. The same line across stages shares one
``budget_line_id``. Stages (``stage``):

* ``estimate``: a budget estimate (``dự toán``);
* ``allocated``: money given for the year (``được giao``, ``phân bổ``,
  ``kế hoạch vốn năm ...``);
* ``total_investment``: a project's total investment (``tổng mức đầu tư``);
* ``allocated_to_date``: capital allocated so far (``kế hoạch vốn đã được bố
  trí đến ...``, ``lũy kế``);
* ``disbursed``: money paid out (``giải ngân``);
* ``settlement_proposed``: amount put forward for settlement
  (``đề nghị quyết toán``), printed in the Lạng Sơn plan 234/KH-UBND;
* ``settlement_appraised``: amount after the finance office's appraisal of the
  settlement (``sau thẩm tra``), printed in the same plan;
* ``unspecified``: neither the line nor any heading above it names a stage
  (flagged ``stage_unknown``).

Structure is read from the text, never from line numbers:

* a lettered or Roman heading opens a section; an amount printed in prose
  directly under it (``Tổng kinh phí dự toán 2026: ...``) is the section's total
  line, and the section's numbered items are its children;
* numbered items nest by their numbering (``1`` > ``1.1``), bullets nest under
  the item above them, and a bullet marker seen again closes the items opened
  after it (its siblings);
* an item whose label names a stage (``- Tổng mức đầu tư: ...``,
  ``- Vốn đã thực hiện giải ngân ...``) is not a line of its own but the amount
  of the item it is printed under, in that stage;
* an amount in prose under an item that printed no amount of its own
  (``1. Chi đầu tư phát triển`` then ``Năm 2025 tổng kinh phí được giao: ...``)
  belongs to that item;
* amounts in parentheses right after an amount (``14.119 triệu đồng (8.500
  triệu đồng là ...; 5.619 triệu đồng ...)``) are that line's breakdown.

An amount printed for a period (``Dự toán giai đoạn 2026 - 2030``, ``Tổng
kinh phí giai đoạn 2026 - 2030: 2.400 tỷ đồng``) is kept as a period: its
``fiscal_year`` is ``2026-2030``, never the first year, and the warehouse
gives it a ``period_start_year`` and ``period_end_year`` and no fiscal year.

``budget_line_id`` is ``<plan_id>-fy<year>-<path>``: the path is ``total``,
``investment`` or ``recurrent`` for a top-level line so named, else the parent's
path plus the line's position among its siblings that carry amounts
(``lang-son-234-2025-fy2026-recurrent-3``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dagster_project.semantics.numbers import VN_NUMBER, parse_vn_number_with_note

from .cells import TRUNCATION_MARK, clean_text
from .documents import Document
from .schema import join_flags

# --- Vietnamese numbers and money -----------------------------------------------

MONEY_UNIT = r"(?:triệu|tỷ|nghìn|ngàn)\s+đồng|đồng"
AMOUNT = re.compile(
    rf"(?<![\w.,/])(?P<number>{VN_NUMBER})(?![\w/])\s*(?P<unit>{MONEY_UNIT})(?!\w)",
    re.IGNORECASE,
)
YEAR = re.compile(r"(?<![\d/])(20\d{2})(?!\d)")
# An amount for a period: "giai đoạn 2026 - 2030" is five fiscal years, not 2026.
PERIOD = re.compile(r"(?<![\d/])(20\d{2})\s*[-–—]\s*(20\d{2})(?![\d/])")
EMPTY_CELL_TEXTS = {"", "-", "–", "—", "x"}

# --- outline markers --------------------------------------------------------------

OUTLINE_MARKER = re.compile(
    r"^\s*(?:"
    r"(?P<roman>[IVX]+)\.\s+"
    r"|(?P<letter>[A-ZĐ])\.\s+"
    r"|(?P<num>\d{1,2}(?:\.\d{1,2})*)\.?\s+"
    r"|(?P<alpha>[a-zđ])\)\s+"
    r"|(?P<bullet>[-+*•–])\s*"
    r")"
)
SECTION_KINDS = ("letter", "roman")
DYNAMIC_KINDS = ("alpha", "bullet")
BUDGET_SECTION_WORDS = ("ngân sách", "dự toán", "kinh phí", "giải ngân")

# --- stages -----------------------------------------------------------------------

# Checked in this order on a label, so the most specific wording wins:
# "Kế hoạch vốn đã được bố trí đến năm 2025" is allocated_to_date, not allocated.
STAGE_PHRASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("settlement_appraised", ("sau thẩm tra",)),
    ("settlement_proposed", ("đề nghị quyết toán",)),
    ("disbursed", ("giải ngân",)),
    ("allocated_to_date", ("lũy kế", "luỹ kế", "đã được bố trí", "đã bố trí", "vốn đã giao")),
    ("total_investment", ("tổng mức đầu tư", "tổng vốn đầu tư", "tổng vốn thực hiện dự án")),
    ("estimate", ("dự toán",)),
    ("allocated", ("được giao", "giao dự toán", "phân bổ", "kế hoạch vốn", "bố trí")),
)
# Wordings that do not say the stage in so many words: read, but flagged.
LOOSE_STAGE_PHRASES = {"tổng vốn thực hiện dự án": "total_investment"}
STAGE_ORDER = (
    "estimate",
    "allocated",
    "total_investment",
    "allocated_to_date",
    "disbursed",
    "settlement_proposed",
    "settlement_appraised",
    "unspecified",
)

CATEGORY_SLUGS = (
    ("đầu tư phát triển", "investment"),
    ("đtpt", "investment"),
    ("thường xuyên", "recurrent"),
)

# --- tables -------------------------------------------------------------------------

CODE_HEADER = re.compile(r"^(?:stt|tt|số tt|mã|mã số)$", re.IGNORECASE)
NAME_HEADER = re.compile(r"nội dung|^tên|danh mục|khoản chi|hạng mục|chỉ tiêu|dự án", re.IGNORECASE)
AMOUNT_HEADER = re.compile(
    r"dự toán|số tiền|kinh phí|kế hoạch vốn|tổng mức|giải ngân|lũy kế|luỹ kế|phân bổ|được giao|quyết toán",
    re.IGNORECASE,
)
UNIT_NOTE = re.compile(rf"(?:đơn vị(?: tính)?|đvt)\s*:\s*(?P<unit>{MONEY_UNIT})", re.IGNORECASE)
UNIT_IN_HEADER = re.compile(rf"\(\s*(?P<unit>{MONEY_UNIT})\s*\)", re.IGNORECASE)
TABLE_CODE = re.compile(
    r"^(?:(?P<roman>[IVX]+)|(?P<num>\d{1,2}(?:\.\d{1,2})*)|(?P<alpha>[a-zđ])\)?|(?P<bullet>[-+*•]))\.?$"
)
UNIT_NOTE_LOOKBACK = 3
# Words that join a breakdown amount to its name: "8.500 triệu đồng là nguồn vốn ...".
BREAKDOWN_LEAD = re.compile(r"^(?:là|gồm|cho)\s+")


# --- data structures ----------------------------------------------------------------


@dataclass
class OutlineItem:
    """One numbered heading or list item as printed."""

    kind: str
    code: str
    text: str
    line: int
    rank: int = 0
    budget_line: BudgetLine | None = None
    is_stage_item: bool = False


class Outline:
    """The chain of open headings and items above the current line.

    Letters, Roman numerals and dotted numbers have fixed depths; a bullet or
    ``a)`` item goes one level under the item above it, unless the same marker
    is already open below the nearest numbered item, in which case it is that
    item's sibling.
    """

    FIXED_RANK = {"total": -1, "letter": 0, "roman": 1}
    # "1" sits at rank 2, "1.1" at 3, "1.1.1" at 4.
    NUMBERED_BASE_RANK = 2

    def __init__(self) -> None:
        self.stack: list[OutlineItem] = []

    def push(self, item: OutlineItem) -> None:
        if item.kind in DYNAMIC_KINDS:
            self._push_dynamic(item)
        else:
            item.rank = self.FIXED_RANK.get(
                item.kind, self.NUMBERED_BASE_RANK + item.code.count(".")
            )
            while self.stack and self.stack[-1].rank >= item.rank:
                self.stack.pop()
        self.stack.append(item)

    def _push_dynamic(self, item: OutlineItem) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            open_item = self.stack[index]
            if open_item.kind not in DYNAMIC_KINDS:
                break
            if _same_marker(open_item, item):
                item.rank = open_item.rank
                del self.stack[index:]
                return
        item.rank = self.stack[-1].rank + 1 if self.stack else 0

    def sections(self) -> list[OutlineItem]:
        """Open lettered/Roman headings, nearest first."""
        return [item for item in reversed(self.stack) if item.kind in SECTION_KINDS]

    def in_budget_section(self) -> bool:
        return any(is_budget_heading(item.text) for item in self.sections())


@dataclass
class Amount:
    stage: str
    text: str
    unit: str
    line: int
    flags: list[str] = field(default_factory=list)


@dataclass
class BudgetLine:
    """A line of a budget tree, with the amounts printed for it by stage."""

    code: str
    name: str
    line: int
    parent: BudgetLine | None
    context: tuple[OutlineItem, ...]
    is_heading: bool = True
    year_hint: str = ""
    amounts: list[Amount] = field(default_factory=list)
    children: list[BudgetLine] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.parent is not None:
            self.parent.children.append(self)

    def has_stage(self, stage: str) -> bool:
        return any(amount.stage == stage for amount in self.amounts)

    def has_amounts(self) -> bool:
        return bool(self.amounts) or any(child.has_amounts() for child in self.children)

    def first_stage(self) -> tuple[str, bool] | None:
        """The stage of this line's first amount, and whether it was inferred."""
        for amount in self.amounts:
            return amount.stage, any(
                f.startswith(("stage_inferred", "stage_unknown")) for f in amount.flags
            )
        return None


# --- small helpers ------------------------------------------------------------------


def _same_marker(a: OutlineItem, b: OutlineItem) -> bool:
    return a.kind == b.kind and (a.kind != "bullet" or a.code == b.code)


def is_budget_heading(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in BUDGET_SECTION_WORDS)


def parse_outline_marker(text: str, line: int) -> OutlineItem | None:
    """The outline item a line opens (``1.1. Dự án ...`` -> code '1.1'), if any."""
    match = OUTLINE_MARKER.match(text)
    if not match:
        return None
    kind = match.lastgroup or ""
    return OutlineItem(
        kind=kind, code=match.group(kind), text=clean_text(text[match.end() :]), line=line
    )


def stage_named(label: str) -> tuple[str, str] | None:
    """(stage, phrase) for the most specific stage wording in a label."""
    lowered = label.lower()
    for stage, phrases in STAGE_PHRASES:
        for phrase in phrases:
            if phrase in lowered:
                return stage, phrase
    return None


def first_stage_in_heading(text: str) -> str | None:
    """The stage a heading names first (``PHÂN BỔ, GIẢI NGÂN`` -> allocated)."""
    lowered = text.lower()
    found = [
        (lowered.find(phrase), stage)
        for stage, phrases in STAGE_PHRASES
        for phrase in phrases
        if phrase in lowered
    ]
    return min(found)[1] if found else None


def year_in(text: str) -> str:
    match = YEAR.search(text)
    return match.group(1) if match else ""


def fiscal_year_in(text: str) -> str:
    """The fiscal year a text names (``2026``), or the period (``2026-2030``) it names first."""
    period, year = PERIOD.search(text), YEAR.search(text)
    if period and (year is None or period.start() <= year.start()):
        return f"{period.group(1)}-{period.group(2)}"
    return year.group(1) if year else ""


def _label_before(text: str, position: int) -> str:
    """The words printed before an amount, back to the sentence start."""
    before = text[:position]
    sentence_start = max(before.rfind(". "), before.rfind("; "))
    label = before[sentence_start + 1 :] if sentence_start >= 0 else before
    return clean_text(label).rstrip(" :").strip()


def _quote(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _stage_flags(stage: str, phrase: str, label: str) -> list[str]:
    if LOOSE_STAGE_PHRASES.get(phrase) == stage:
        return [f'stage_wording: "{_quote(label)}" read as {stage}']
    return []


# --- building trees -------------------------------------------------------------------


class TreeBuilder:
    """Creates budget lines, keeping the roots of the trees in printed order."""

    def __init__(self) -> None:
        self.roots: list[BudgetLine] = []

    def new_line(self, code, name, line, parent, context, is_heading=True) -> BudgetLine:
        budget_line = BudgetLine(code, name, line, parent, tuple(context), is_heading=is_heading)
        if parent is None:
            self.roots.append(budget_line)
        return budget_line

    def adopt_roots(self, total: BudgetLine) -> None:
        """Make the roots printed before a total row its children."""
        for root in [r for r in self.roots if r is not total]:
            self.roots.remove(root)
            root.parent = total
            total.children.append(root)


def nearest_open_line(outline: Outline) -> BudgetLine | None:
    """The budget line the newest item nests under: the nearest open one."""
    for item in reversed(outline.stack[:-1]):
        if item.budget_line is not None and not item.is_stage_item:
            return item.budget_line
    return None


def _enclosing_item_line(outline: Outline) -> BudgetLine | None:
    """The line of the item a stage item is printed under, if that is an item."""
    for item in reversed(outline.stack[:-1]):
        if item.kind in SECTION_KINDS:
            return None
        if not item.is_stage_item and item.budget_line is not None:
            return item.budget_line
    return None


# --- reading outline prose ------------------------------------------------------------


class ProseReader:
    """Builds budget trees from the outline prose of budget sections."""

    def __init__(self, builder: TreeBuilder) -> None:
        self.builder = builder

    def read_item(self, item: OutlineItem, outline: Outline) -> None:
        """An item opens a line, or is a stage of the item above (``- Tổng mức đầu tư: ...``)."""
        if item.kind in SECTION_KINDS:
            return
        parent = nearest_open_line(outline)
        match = AMOUNT.search(item.text)
        if match is None:
            item.budget_line = self.builder.new_line(
                item.code, item.text, item.line, parent, outline.sections()
            )
            return
        label = _label_before(item.text, match.start())
        named = stage_named(label)
        enclosing = _enclosing_item_line(outline)
        # A second amount in a stage the item above already has is a part of
        # it ("- Chi ... phân bổ cho cấp xã: 330"), not a stage of it.
        if named and enclosing is not None and not enclosing.has_stage(named[0]):
            item.is_stage_item = True
            item.budget_line = enclosing
            self._add_amounts(enclosing, item.text, item.line)
            return
        budget_line = self.builder.new_line(
            item.code, label, item.line, parent, outline.sections(), is_heading=False
        )
        item.budget_line = budget_line
        self._add_amounts(budget_line, item.text, item.line)

    def read_prose(self, text: str, line: int, outline: Outline) -> None:
        """Each sentence with an amount goes to the line it is printed under."""
        for sentence in _sentences_with_amounts(text):
            label = _label_before(sentence, AMOUNT.search(sentence).start())
            owner = self._owner_of_prose(outline, label, line)
            if owner.parent is None and not owner.year_hint:
                owner.year_hint = fiscal_year_in(label)
            self._add_amounts(owner, sentence, line)

    def _owner_of_prose(self, outline: Outline, label: str, line: int) -> BudgetLine:
        """The nearest item that printed no amount of its own, else the total
        line of the enclosing section (created at its first amount)."""
        for item in reversed(outline.stack):
            if item.kind in SECTION_KINDS:
                if item.budget_line is None:
                    item.budget_line = self.builder.new_line(
                        "", label, line, None, outline.sections()
                    )
                return item.budget_line
            owner = item.budget_line
            if owner is not None and owner.is_heading and not item.is_stage_item:
                return owner
        raise ValueError(f"line {line}: prose amount outside a budget section")

    def _add_amounts(self, owner: BudgetLine, text: str, line: int) -> None:
        """The first amount of ``text`` is the owner's; amounts in parentheses
        right after it are its breakdown; later sentences are read the same way."""
        match = AMOUNT.search(text)
        label = _label_before(text, match.start())
        stage, flags = _stage_for(owner, label)
        _attach(owner, Amount(stage, match.group("number"), match.group("unit"), line, flags))
        breakdown, rest = _split_breakdown(text[match.end() :])
        for part_match, part_name in breakdown:
            part = BudgetLine("", part_name, line, owner, owner.context, is_heading=False)
            part.flags.append(
                "prose_breakdown: amount split given in parentheses after the parent amount"
            )
            part.amounts.append(
                Amount(
                    stage, part_match.group("number"), part_match.group("unit"), line, list(flags)
                )
            )
        for sentence in _sentences_with_amounts(rest):
            self._add_amounts(owner, sentence, line)


def _stage_for(owner: BudgetLine, label: str) -> tuple[str, list[str]]:
    named = stage_named(label)
    if named:
        stage, phrase = named
        return stage, _stage_flags(stage, phrase, label)
    return _inherited_stage(owner)


def _inherited_stage(owner: BudgetLine) -> tuple[str, list[str]]:
    """Stage of an amount whose label names none: that of the nearest line up
    the tree with amounts, else the first stage the headings above name (flagged)."""
    line: BudgetLine | None = owner if owner.amounts else owner.parent
    while line is not None:
        found = line.first_stage()
        if found:
            stage, inferred = found
            if inferred:
                return stage, [
                    f'stage_inferred: inherited from "{_quote(line.name)}", itself inferred'
                ]
            return stage, []
        line = line.parent
    return _stage_from_headings(owner.context, "no stage word by the amount")


def _stage_from_headings(context: tuple[OutlineItem, ...], why: str) -> tuple[str, list[str]]:
    for heading in context:
        stage = first_stage_in_heading(heading.text)
        if stage:
            return stage, [
                f'stage_inferred: {why}; heading "{_quote(heading.text)}" (line {heading.line}) '
                f"names {stage} first"
            ]
    return "unspecified", [f"stage_unknown: {why}, nor in any heading above"]


def _attach(owner: BudgetLine, amount: Amount) -> None:
    if owner.has_stage(amount.stage):
        amount.flags.append(
            f"duplicate_stage: a second {amount.stage} amount for this line; kept under its own id"
        )
    owner.amounts.append(amount)


def _sentences_with_amounts(text: str) -> list[str]:
    """Sentences of ``text`` that print a money amount.

    A sentence runs to '. ' or '; ' (the '.' inside 384.172 is never followed by
    a space) and never ends inside an open parenthesis.
    """
    sentences, start = [], 0
    for match in re.finditer(r"(?<=[.;])\s+", text):
        piece = text[start : match.start()]
        if piece.count("(") <= piece.count(")"):
            sentences.append(piece)
            start = match.end()
    sentences.append(text[start:])
    return [s for s in sentences if AMOUNT.search(s)]


def _split_breakdown(rest: str) -> tuple[list[tuple[re.Match, str]], str]:
    """Amounts inside a parenthesis that opens right after an amount, each with
    the words printed after it as its name; and the text after the parenthesis."""
    stripped = rest.lstrip()
    close = stripped.find(")")
    if not stripped.startswith("(") or close < 0:
        return [], rest
    parts = []
    for piece in stripped[1:close].split(";"):
        match = AMOUNT.search(piece)
        if match:
            name = clean_text(piece[match.end() :]).lstrip(",:").strip()
            parts.append((match, BREAKDOWN_LEAD.sub("", name) or clean_text(piece)))
    return (parts, stripped[close + 1 :]) if parts else ([], rest)


# --- reading inline pipe tables -----------------------------------------------------------


@dataclass(frozen=True)
class AmountColumn:
    index: int
    header: str
    stage: str
    year: str
    unit: str
    flags: tuple[str, ...]


def _row_cells(text: str) -> list[str]:
    """Cells of an inline pipe row: ``1 | Chi ĐTPT | 60.100 |``.

    Every ``|`` closes the cell before it, so a row opening with ``|`` has an
    empty first cell (a total row with no code: ``| Tổng cộng | 1.250 |``).
    """
    pieces = text.split("|")
    if not pieces[-1].strip():
        pieces = pieces[:-1]
    return [clean_text(piece) for piece in pieces]


def is_budget_table_header(text: str) -> bool:
    """A pipe row naming a name column and at least one budget amount column."""
    if "|" not in text:
        return False
    cells = _row_cells(text)
    names = [i for i, c in enumerate(cells) if NAME_HEADER.search(c)]
    return bool(names) and any(
        AMOUNT_HEADER.search(c) for i, c in enumerate(cells) if i != names[0]
    )


class TableReader:
    """Reads one inline pipe budget table, starting at its header line.

    A row's code comes from the code column (``STT``/``TT``), or from a number
    printed at the start of its name; codes nest as in prose. A row named
    ``Tổng ...`` without a code is the table's total line: the rows printed
    before and after it are its children. A row identical to the header (a
    header repeated by the web page) is skipped.
    """

    def __init__(self, doc: Document, header_line: int, outline: Outline) -> None:
        self.doc = doc
        self.header_line = header_line
        self.header = _row_cells(doc.line(header_line))
        self.context = tuple(outline.sections())
        self.code_index = next((i for i, c in enumerate(self.header) if CODE_HEADER.match(c)), None)
        self.name_index = next(i for i, c in enumerate(self.header) if NAME_HEADER.search(c))
        self.columns = self._amount_columns()

    def _lines_above(self) -> list[str]:
        first = max(1, self.header_line - UNIT_NOTE_LOOKBACK)
        return [text for _, text in self.doc.numbered(first, self.header_line - 1)]

    def _table_unit(self) -> str:
        for text in [*self._lines_above(), self.doc.line(self.header_line)]:
            match = UNIT_NOTE.search(text)
            if match:
                return match.group("unit")
        return ""

    def _table_year(self) -> tuple[str, str]:
        """(year, where) from the lines just above the table or its headings."""
        for text in reversed(self._lines_above()):
            if year_in(text):
                return year_in(text), f'the title "{_quote(clean_text(text))}"'
        for heading in self.context:
            if year_in(heading.text):
                return year_in(heading.text), f'heading "{_quote(heading.text)}"'
        return "", ""

    def _amount_columns(self) -> list[AmountColumn]:
        table_unit = self._table_unit()
        table_year, year_source = self._table_year()
        columns = []
        for index, header in enumerate(self.header):
            if index in (self.code_index, self.name_index) or not AMOUNT_HEADER.search(header):
                continue
            named = stage_named(header)
            if named:
                stage, flags = named[0], _stage_flags(*named, header)
            else:
                stage, flags = _stage_from_headings(
                    self.context, f'column "{header}" names no stage'
                )
            unit_match = UNIT_IN_HEADER.search(header)
            unit = unit_match.group("unit") if unit_match else table_unit
            if not unit:
                flags.append(
                    f'unit_missing: no unit in column "{header}" nor an "Đơn vị" note above the table'
                )
            year = fiscal_year_in(header) or table_year
            if not fiscal_year_in(header):
                flags.append(
                    f'fiscal_year_inferred: column "{header}" has no year; taken from {year_source}'
                    if year
                    else f'fiscal_year_missing: column "{header}" has no year, nor the table title'
                )
            columns.append(AmountColumn(index, header, stage, year, unit, tuple(flags)))
        return columns

    def read(self) -> tuple[list[BudgetLine], int]:
        """Budget trees of the table (one per fiscal year) and the first line after it."""
        builders = {
            year: (Outline(), TreeBuilder()) for year in dict.fromkeys(c.year for c in self.columns)
        }
        number = self.header_line
        for number, text in self.doc.numbered(self.header_line + 1):
            if not text.strip():
                continue
            if "|" not in text:
                break
            cells = _row_cells(text)
            if cells == self.header:
                continue
            for year, (outline, builder) in builders.items():
                self._read_row(cells, number, year, outline, builder)
        else:
            # The table ran to the end of the document: nothing is left to read.
            number += 1
        return [root for _, builder in builders.values() for root in builder.roots], number

    def _read_row(self, cells, number, year, outline: Outline, builder: TreeBuilder) -> None:
        def cell(index: int | None) -> str:
            return cells[index] if index is not None and index < len(cells) else ""

        flags = []
        if len(cells) != len(self.header):
            flags.append(
                f"cell_count: row has {len(cells)} cells, header has {len(self.header)}; read left to right"
            )
        name, code = cell(self.name_index), cell(self.code_index)
        if any(text.endswith(TRUNCATION_MARK) for text in (code, name)):
            flags.append(f'truncated_cell: "{_quote(name or code)}" is cut off in the source')
        item = _table_item(code, name, number)
        has_total = any(i.kind == "total" for i in outline.stack)
        if item.kind == "total" and has_total:
            item.kind = "bullet"
            flags.append("second_total_row: a second total row read as an item under the row above")
        outline.push(item)
        parent = nearest_open_line(outline)
        budget_line = builder.new_line(
            item.code, name, number, parent, self.context, is_heading=False
        )
        budget_line.year_hint = year
        budget_line.flags += flags
        item.budget_line = budget_line
        if item.kind == "total":
            builder.adopt_roots(budget_line)
        for column in (c for c in self.columns if c.year == year):
            self._read_amount(budget_line, cell(column.index), column, number)

    def _read_amount(
        self, budget_line: BudgetLine, text: str, column: AmountColumn, number: int
    ) -> None:
        if text in EMPTY_CELL_TEXTS:
            return
        flags = list(column.flags)
        if text.endswith(TRUNCATION_MARK):
            flags.append(
                f'truncated_cell: amount "{text}" in column "{column.header}" is cut off in the source'
            )
        elif (parsed := parse_vn_number_with_note(text)).decimal_point:
            # 0.60 is a decimal point in another convention: ambiguous here.
            flags.append(
                f'ambiguous_number: "{text}" uses a decimal point, not the Vietnamese decimal comma'
            )
        elif parsed.value is None:
            flags.append(
                f'not_a_number: "{text}" in column "{column.header}" is not a Vietnamese number'
            )
        _attach(budget_line, Amount(column.stage, text, column.unit, number, flags))


def _table_item(code: str, name: str, number: int) -> OutlineItem:
    """The outline position of a table row, from its code cell or its name."""
    match = TABLE_CODE.match(code.rstrip(TRUNCATION_MARK).strip())
    if code and match:
        kind = match.lastgroup or "bullet"
        return OutlineItem(kind=kind, code=match.group(kind), text=name, line=number)
    if not code:
        printed = parse_outline_marker(name, number)
        if printed is not None and printed.kind not in SECTION_KINDS:
            return printed
        if name.lower().startswith("tổng"):
            return OutlineItem(kind="total", code="", text=name, line=number)
    return OutlineItem(kind="bullet", code=code, text=name, line=number)


# --- ids and rows ---------------------------------------------------------------------------


def _category_slug(name: str) -> str | None:
    lowered = name.lower()
    if lowered.startswith("tổng"):
        return "total"
    return next((slug for words, slug in CATEGORY_SLUGS if words in lowered), None)


def _fiscal_year(root: BudgetLine) -> tuple[str, list[str]]:
    if root.year_hint:
        return root.year_hint, []
    name_year = fiscal_year_in(root.name)
    if name_year:
        return name_year, []
    for heading in root.context:
        if year_in(heading.text):
            return year_in(heading.text), [
                f'fiscal_year_inferred: taken from heading "{_quote(heading.text)}" (line {heading.line})'
            ]
    return "", ["fiscal_year_missing: no year printed with the line or its headings"]


class RowWriter:
    """Turns budget trees into seed rows with deterministic ids."""

    def __init__(self, doc: Document, plan_id: str) -> None:
        self.doc = doc
        self.plan_id = plan_id
        self.rows: list[dict] = []
        self.used: set[str] = set()

    def write(self, roots: list[BudgetLine]) -> list[dict]:
        root_counts: dict[str, int] = {}
        for root in (r for r in roots if r.has_amounts()):
            year, year_flags = _fiscal_year(root)
            root_counts[year] = root_counts.get(year, 0) + 1
            prefix = f"{self.plan_id}-fy{year or 'unknown'}"
            slug = _category_slug(root.name)
            path = slug if slug and f"{prefix}-{slug}" not in self.used else str(root_counts[year])
            self._write_line(root, f"{prefix}-{path}", None, year, year_flags, prefix, depth=0)
        return self.rows

    def _write_line(
        self, line, line_id, parent_id, year, inherited_flags, prefix, depth, skipped=()
    ):
        self.used.add(line_id)
        line_flags = list(inherited_flags) + line.flags
        if skipped:
            group = skipped[-1]
            line_flags.append(
                f'parent_without_amount: printed under "{_quote(group.name)}" (line {group.line}), '
                "which states no amount; parent is the nearest line above that does"
            )
        seen_stages: dict[str, int] = {}
        for amount in sorted(line.amounts, key=lambda a: STAGE_ORDER.index(a.stage)):
            seen_stages[amount.stage] = seen_stages.get(amount.stage, 0) + 1
            row_id = (
                line_id
                if seen_stages[amount.stage] == 1
                else f"{line_id}-dup{seen_stages[amount.stage]}"
            )
            self._row(line, row_id, parent_id, year, amount, line_flags)
        own_parent = line_id if line.amounts else parent_id
        position = 0
        for child in line.children:
            if not child.has_amounts():
                continue
            position += 1
            slug = _category_slug(child.name) if depth == 0 else None
            child_id = (
                f"{prefix}-{slug}"
                if slug and slug != "total" and f"{prefix}-{slug}" not in self.used
                else f"{line_id}-{position}"
            )
            child_skipped = () if line.amounts else (*skipped, line)
            self._write_line(
                child, child_id, own_parent, year, [], prefix, depth + 1, child_skipped
            )

    def _row(self, line: BudgetLine, row_id, parent_id, year, amount: Amount, line_flags) -> None:
        flags = list(line_flags) + amount.flags
        printed = self.doc.line(amount.line)
        if amount.text not in printed:
            flags.append(f'amount_not_on_line: "{amount.text}" not found on line {amount.line}')
        row = {
            "plan_id": self.plan_id,
            "budget_line_id": row_id,
            "parent_budget_line_id": parent_id or "",
            "fiscal_year": year,
            "stage": amount.stage,
            "line_code": line.code,
            "line_name": line.name,
            "amount_text": amount.text,
            "amount_in_unit": "",  # filled from the text by parsed.add_parsed_values
            "amount_unit": amount.unit,
            "flags": join_flags(*dict.fromkeys(flags)),
            "source_file": self.doc.source_file,
            "source_line": amount.line,
        }
        self.rows.append(row)


# --- entry point ------------------------------------------------------------------------------


def read_budget_trees(doc: Document) -> list[BudgetLine]:
    """All budget trees of a document, in printed order."""
    outline = Outline()
    builder = TreeBuilder()
    prose = ProseReader(builder)
    number = 1
    while number <= len(doc.lines):
        text = doc.line(number)
        if is_budget_table_header(text):
            table_roots, number = TableReader(doc, number, outline).read()
            builder.roots += table_roots
            continue
        item = parse_outline_marker(text, number)
        if item is not None:
            outline.push(item)
            if outline.in_budget_section():
                prose.read_item(item, outline)
        elif outline.in_budget_section() and AMOUNT.search(text):
            prose.read_prose(clean_text(text), number, outline)
        number += 1
    return builder.roots


def extract_budget_lines(doc: Document, plan_id: str) -> list[dict]:
    """``budget_lines`` seed rows: one per budget line x stage; [] without budget text."""
    return RowWriter(doc, plan_id).write(read_budget_trees(doc))
