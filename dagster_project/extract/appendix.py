"""Indicator (Phụ lục I) and task (Phụ lục II) tables of a plan document.

The parser is driven by what the text shows, never by line numbers:

1. an appendix starts at a heading line ``PHỤ LỤC <I|1|II|2...>``;
2. its table header is recognized from column labels (``TT``, ``Chỉ tiêu``,
   ``Đơn vị``, ``Năm 2030``, ``Cơ quan chủ trì``, ``Thời gian hoàn thành``,
   ``Ghi chú``...), which also decide whether the table lists indicators or
   tasks; columns keep the order their header cells are printed in (year
   columns under a spanning ``Mục tiêu`` header take its place);
3. rows are cut at row codes (``I``..``VII`` for groups, ``1``, ``9.1``, ``12.``)
   that continue the numbering seen so far and are followed by a name, so
   a target value such as ``12`` is never mistaken for a row;
4. page numbers and headers the page dump repeats inside the table are
   recognized and skipped: a page number followed by the header again, one
   printed alone in pipe layout, or, once the page numbers are known, the next
   one where it makes a row one cell too long;
5. cells are mapped to columns; anything that does not fit (missing, extra
   or cut-off cells, stray characters in a code) is kept and flagged;
6. every column is checked for what it must hold (targets do not look like
   agency names, agency columns do, deadlines read as dates): a table whose
   columns fail is refused whole, never shifted.

An appendix that cannot be read (no ``TT`` header, a header word the parser
does not know, columns that fail the check) is set aside with its reason and
line, and the document's other tables are read on. ``seeds/layouts.yml``
(:mod:`.layouts`) says what the parser cannot see for itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dagster_project.semantics.deadlines import parse_deadline
from dagster_project.semantics.targets import parse_target

from .budget import is_budget_table_header
from .cells import (
    DECORATED_PAGE_NUMBER,
    Cell,
    clean_text,
    is_pipe_layout,
    page_number,
    region_cells,
)
from .documents import Document
from .layouts import NO_LAYOUT, ColumnRole, DocumentLayout, header_key
from .schema import join_flags

APPENDIX_HEADING = re.compile(r"^\s*PH[ỤU]\s+L[ỤU]C\s+(?P<label>[IVX]+|\d+)\s*$", re.IGNORECASE)
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
ROMAN_CODE = re.compile(r"^(?P<code>[IVX]+)\.?$")
NUMERIC_CODE = re.compile(r"^(?P<code>\d+(?:\.\d+)*)\.?$")
# A code with stray punctuation after it, e.g. "12.." or "12)": kept, flagged.
# Comparators are not stray characters: "≥ 30" is a target, never a row code.
LOOSE_NUMERIC_CODE = re.compile(r"^(?P<code>\d+(?:\.\d+)*)(?:\.\.+|[,;:)]\.?)$")
# Paragraphs of one cell that a page dump printed as cells of their own:
# numbered or bulleted list items, or text going on in lower case.
CONTINUATION = re.compile(r"^(\(\d+\)|\d+\)|[-+•–]\s|[a-zđ]\)|[a-zđàáảãạăâèéêìíòóôơùúưỳý])")
YEAR_IN_TEXT = re.compile(r"\b(20\d{2})\b")
LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
# A year column: "Năm 2030", "2030", "Đến năm 2030", "Giai đoạn 2026 - 2030",
# "Mục tiêu đến năm 2030" (the last year is the target year).
YEAR_HEADER = re.compile(
    r"(?:(?:mục tiêu|chỉ tiêu|kết quả)\s+)?(?:năm |đến năm |giai đoạn )?"
    r"(?:20\d{2}\s*[-–]\s*)?(?P<year>20\d{2})"
)
CODE_HEADERS = {"tt", "stt", "số tt", "số thứ tự"}
UNIT_HEADERS = {"đơn vị", "đơn vị tính", "đvt", "đơn vị đo"}
RESULT_HEADERS = {
    "kết quả",
    "sản phẩm",
    "kết quả dự kiến",
    "sản phẩm đầu ra",
    "kết quả đầu ra",
    "sản phẩm dự kiến",
    "kết quả/sản phẩm",
    "sản phẩm/kết quả",
    "kết quả, sản phẩm",
    "hình thức văn bản",
}
NOTES_HEADERS = {"ghi chú", "ghi chú khác"}
DEADLINE_PREFIXES = ("thời gian", "tiến độ", "thời hạn", "lộ trình", "mốc thời gian")
LEAD_WORDS = ("chủ trì", "đơn vị thực hiện", "cơ quan thực hiện", "đầu mối")
# How a cell that names an agency or group starts; used to tell an agency
# column from a shifted one, never to resolve a name.
AGENCY_HEADS = (
    "sở ",
    "ubnd",
    "ủy ban",
    "uỷ ban",
    "công an",
    "ban ",
    "văn phòng",
    "các ",
    "bộ ",
    "bchqs",
    "ngân hàng",
    "bảo hiểm",
    "bhxh",
    "đài ",
    "báo ",
    "hội đồng",
    "hđnd",
    "thanh tra",
    "cơ quan",
    "trung tâm",
    "tỉnh ủy",
    "tỉnh uỷ",
    "tỉnh đoàn",
    "liên đoàn",
    "hội ",
    "hiệp hội",
    "trường ",
    "đại học",
    "viện ",
    "cục ",
    "chi cục",
    "kho bạc",
    "doanh nghiệp",
    "mặt trận",
    "phòng ",
    "quỹ ",
    "công ty",
    "tổng công ty",
    "tập đoàn",
    "đơn vị",
    "ubmttq",
)
# What share of a column's non-empty cells may look wrong before the table
# is refused; the documents have odd cells, a shifted column has many.
MAX_FOREIGN_SHARE = 0.25
MIN_AGENCY_SHARE = 0.6
MIN_DATE_SHARE = 0.5
MIN_CELLS_CHECKED = 3


class AppendixError(ValueError):
    """An appendix whose table cannot be read at all."""


@dataclass(frozen=True)
class Column:
    role: str
    label: str
    year: int | None = None


@dataclass
class Row:
    code: str
    code_text: str
    cells: list[Cell]
    is_group: bool
    flags: list[str] = field(default_factory=list)
    # Cells that may be a page number printed inside the row (line layout).
    page_candidates: list[Cell] = field(default_factory=list)
    # The row's cells by column role, once fitted to the header.
    assigned: dict[str, list[Cell]] = field(default_factory=dict)

    @property
    def line(self) -> int:
        return self.cells[0].line


@dataclass
class Table:
    kind: str
    label: str
    columns: list[Column]
    rows: list[Row]
    heading_line: int
    flags: list[str]


def _norm(text: str) -> str:
    return clean_text(text).casefold().rstrip(" .:")


def header_role(label: str) -> Column | None:
    """The column a header label stands for, or None if it is not a header label."""
    text = _norm(label)
    if text in CODE_HEADERS:
        return Column("code", label)
    if match := YEAR_HEADER.fullmatch(text):
        return Column("target", label, int(match["year"]))
    if text in NOTES_HEADERS:
        return Column("notes", label)
    if "theo dõi" in text:
        return Column("monitoring_agency", label)
    if text.startswith(DEADLINE_PREFIXES):
        return Column("deadline", label)
    if any(word in text for word in LEAD_WORDS):
        return Column("lead_agency", label)
    if "phối hợp" in text:
        return Column("coordinating_agency", label)
    if text in UNIT_HEADERS:
        return Column("unit", label)
    if text.startswith("mục tiêu"):
        return Column("target_span", label)
    if text.startswith("chỉ tiêu") or text.startswith(("tên chỉ tiêu", "nội dung chỉ tiêu")):
        return Column("indicator_name", label)
    if text in RESULT_HEADERS:
        return Column("result", label)
    if "nhiệm vụ" in text or text.startswith(("nội dung", "tên nhiệm vụ", "các chương trình")):
        return Column("task_name", label)
    return None


def _resolve_columns(header: list[Column]) -> tuple[str, list[Column]]:
    """Order the columns as printed and decide the table kind.

    A spanning header ("Mục tiêu theo từng giai đoạn") stands where its
    year sub-columns go; a ``Kết quả`` column is the target in an indicator
    table and the expected output in a task table.
    """
    roles = {c.role for c in header}
    kind = "tasks" if {"lead_agency", "deadline"} <= roles else "indicators"
    if "indicator_name" not in roles and kind == "indicators":
        raise AppendixError("no 'Chỉ tiêu' nor task columns in the table header")
    years = [c for c in header if c.role == "target"]
    spanned = "target_span" in roles
    columns: list[Column] = []
    for column in header:
        if column.role == "target" and spanned:
            # Printed in a second header row, under the spanning header.
            continue
        if column.role == "target_span":
            columns.extend(years or [Column("target", column.label)])
            years = []
        elif column.role == "result":
            columns.append(Column("target" if kind == "indicators" else "output", column.label))
        else:
            columns.append(column)
    if spanned:
        columns.extend(years)
    return kind, columns


@dataclass
class _Numbering:
    """What row codes may come next, given those seen so far."""

    group: str | None = None
    top: int = 0
    sub: tuple[int, ...] = ()
    after_group: bool = False

    def accepts(self, code: str) -> bool:
        if ROMAN_CODE.match(code):
            expected = ROMAN[ROMAN.index(self.group) + 1] if self.group in ROMAN[:-1] else "I"
            return code == expected or (self.group is None and code == "I")
        parts = tuple(int(p) for p in code.split("."))
        if len(parts) == 1:
            return parts[0] == self.top + 1 or (
                parts[0] == 1 and (self.after_group or self.top == 0)
            )
        if len(parts) == 2 and self.top:
            last = self.sub[1] if len(self.sub) == 2 and self.sub[0] == self.top else 0
            return parts[0] == self.top and parts[1] == last + 1
        return False

    def advance(self, code: str) -> None:
        if ROMAN_CODE.match(code):
            self.group, self.after_group = code, True
            return
        parts = tuple(int(p) for p in code.split("."))
        if len(parts) == 1:
            self.top, self.sub = parts[0], ()
        else:
            self.sub = parts
        self.after_group = False


def _row_code(cell: Cell) -> tuple[str, list[str]] | None:
    """The code a cell holds, if it looks like a row code, with flags for stray characters."""
    text = cell.text
    for pattern in (ROMAN_CODE, NUMERIC_CODE):
        match = pattern.match(text)
        if match:
            return match.group("code"), []
    match = LOOSE_NUMERIC_CODE.match(text)
    if match:
        return match.group("code"), [f"stray_characters: row code printed as {text!r}"]
    return None


def _is_name(cell: Cell | None) -> bool:
    return cell is not None and len(LETTERS.findall(cell.text)) >= 3


def find_appendix_headings(doc: Document) -> list[tuple[int, str]]:
    """(line, label) of each appendix heading, label normalized to a roman numeral."""
    found = []
    for number, text in doc.numbered():
        match = APPENDIX_HEADING.match(text)
        if match:
            label = match.group("label").upper()
            if label.isdigit():
                label = ROMAN[int(label) - 1]
            found.append((number, label))
    return found


def _header_end(cells: list[Cell]) -> int:
    """Index of the first body cell: the first row code followed by a name."""
    numbering = _Numbering()
    for index, cell in enumerate(cells):
        code = _row_code(cell)
        if code and numbering.accepts(code[0]) and _is_name(_next(cells, index)):
            return index
    raise AppendixError("no table rows (no row code followed by a name) after the header")


def _next(cells: list[Cell], index: int) -> Cell | None:
    return cells[index + 1] if index + 1 < len(cells) else None


@dataclass(frozen=True)
class UnreadableAppendix:
    """An appendix set aside: its label, the line where the trouble is, and why."""

    label: str
    line: int
    reason: str

    def flag(self) -> str:
        return f"appendix_unreadable: {self.reason}"


def _header_columns(
    header_cells: list[Cell], label: str, layout: DocumentLayout, source_file: str
) -> list[Column]:
    """The header's columns in printed order, as the layout override or the words say."""
    override = layout.columns.get(label)
    if override is not None:
        labels = [c.text for c in header_cells]
        if len(labels) != len(override):
            labels = [role.role for role in override]
        return [_from_role(role, text) for role, text in zip(override, labels, strict=True)]
    header = []
    for cell in header_cells:
        named = layout.header_roles.get(header_key(cell.text))
        role = _from_role(named, cell.text) if named else header_role(cell.text)
        if role is None:
            raise AppendixError(
                f"{source_file}:{cell.line}: unknown column header {cell.text!r} in Phụ lục "
                f"{label}; name its role under header_roles in seeds/layouts.yml"
            )
        header.append(role)
    return header


def _from_role(role: ColumnRole, label: str) -> Column:
    return Column(role.role, label, role.year)


def parse_table(
    doc: Document, start: int, end: int, label: str, layout: DocumentLayout = NO_LAYOUT
) -> Table:
    """Parse the table of the appendix whose heading is at line ``start``."""
    numbered = list(doc.numbered(start + 1, end))
    pipe = is_pipe_layout(numbered)
    cells = region_cells(numbered)
    first_header = next(
        (i for i, c in enumerate(cells) if (r := header_role(c.text)) and r.role == "code"), None
    )
    if first_header is None:
        raise AppendixError(f"{doc.source_file}:{start}: Phụ lục {label} has no 'TT' header")
    body_start = _header_end(cells[first_header:]) + first_header
    header_cells = [c for c in cells[first_header:body_start] if not c.is_empty]
    header = _header_columns(header_cells, label, layout, doc.source_file)
    kind, columns = _resolve_columns(header)
    header_labels = {_norm(c.text) for c in header_cells}
    rows, table_flags = _segment_rows(cells[body_start:], pipe, header_labels, columns)
    if rows:
        table_flags.extend(_cut_trailer(rows[-1], len(columns)))
    for row in rows:
        row.assigned = _fit_cells(row, columns)
    table = Table(kind, label, columns, rows, start, table_flags)
    problem = column_problem(table)
    if problem:
        raise AppendixError(f"{doc.source_file}:{problem[0]}: Phụ lục {label}: {problem[1]}")
    return table


def _looks_like_agency(text: str) -> bool:
    return clean_text(text).casefold().startswith(AGENCY_HEADS)


def _looks_like_target(text: str) -> bool:
    return parse_target(text).parse_status == "parsed"


def _looks_like_date(text: str) -> bool:
    return parse_deadline(text).parse_status == "parsed"


# role -> (test a cell must pass, least share passing; test it must fail, most share passing)
_COLUMN_RULES = {
    "target": (None, 0.0, _looks_like_agency, MAX_FOREIGN_SHARE),
    "unit": (None, 0.0, _looks_like_agency, MAX_FOREIGN_SHARE),
    "lead_agency": (_looks_like_agency, MIN_AGENCY_SHARE, _looks_like_target, MAX_FOREIGN_SHARE),
    "coordinating_agency": (
        _looks_like_agency,
        MIN_AGENCY_SHARE,
        _looks_like_target,
        MAX_FOREIGN_SHARE,
    ),
    "monitoring_agency": (
        _looks_like_agency,
        MIN_AGENCY_SHARE,
        _looks_like_target,
        MAX_FOREIGN_SHARE,
    ),
    "deadline": (_looks_like_date, MIN_DATE_SHARE, _looks_like_agency, MAX_FOREIGN_SHARE),
}
_WHAT = {
    _looks_like_agency: "agency names",
    _looks_like_target: "target values",
    _looks_like_date: "dates",
}


def column_problem(table: Table) -> tuple[int, str] | None:
    """(line, reason) of the first column whose cells do not hold what its header says.

    A column is judged on its non-empty cells once there are enough of them:
    an agency column must mostly name agencies and not hold target values, a
    deadline column must mostly read as dates, a target or unit column must
    not hold agency names. Columns shifted against their header fail this.
    """
    cells_by_column: dict[int, list[Cell]] = {}
    for row in table.rows:
        if row.is_group:
            continue
        seen: dict[str, int] = {}
        for position, column in enumerate(table.columns):
            index = seen.get(column.role, 0)
            seen[column.role] = index + 1
            chunk = row.assigned.get(column.role, [])
            if index < len(chunk) and not chunk[index].is_empty:
                cells_by_column.setdefault(position, []).append(chunk[index])
    for position, column in enumerate(table.columns):
        rule = _COLUMN_RULES.get(column.role)
        cells = cells_by_column.get(position, [])
        if rule is None or len(cells) < MIN_CELLS_CHECKED:
            continue
        must, least, must_not, most = rule
        if must is not None:
            passing = [c for c in cells if must(c.text)]
            if len(passing) < least * len(cells):
                odd = next(c for c in cells if not must(c.text))
                return odd.line, (
                    f"column {column.label!r} holds {_WHAT[must]} in only {len(passing)} of "
                    f"{len(cells)} cells (e.g. line {odd.line}: {odd.text[:60]!r}); the columns "
                    "do not match the header: set the column map under columns in seeds/layouts.yml"
                )
        foreign = [c for c in cells if must_not(c.text)]
        if len(foreign) > most * len(cells):
            return foreign[0].line, (
                f"column {column.label!r} holds {_WHAT[must_not]} in {len(foreign)} of "
                f"{len(cells)} cells (e.g. line {foreign[0].line}: {foreign[0].text[:60]!r}); the "
                "columns do not match the header: set the column map under columns in "
                "seeds/layouts.yml"
            )
    return None


def _cut_trailer(last: Row, width: int) -> list[str]:
    """Separate text printed after the table (footnotes, page chrome) from its last row.

    Cells beyond the header's width that are not list-item continuations
    belong to the page, not to the row; they are reported, not loaded.
    """
    surplus = last.cells[width:]
    if not surplus or all(CONTINUATION.match(c.text) for c in surplus):
        return []
    del last.cells[width:]
    texts = [c for c in surplus if not c.is_empty]
    if not texts:
        return []
    return [
        f"trailing_text: text from line {texts[0].line} on, after the last row, "
        "is not part of the table"
    ]


def _is_value_slot(row: Row | None, columns: list[Column], pipe: bool) -> bool:
    """Whether the next cell of an unfinished data row falls in a target column.

    A bare number there is a value ("12", "2"), not the code of the next row;
    in a text column (agency, deadline, output) it can only be a new row.
    """
    if row is None or row.is_group:
        return False
    filled = len(row.cells) - (1 if pipe and row.cells[-1].is_empty else 0)
    return filled < len(columns) and columns[filled].role == "target"


def _next_filled(cells: list[Cell], index: int) -> int:
    while index < len(cells) and cells[index].is_empty:
        index += 1
    return index


def _segment_rows(
    cells: list[Cell], pipe: bool, header_labels: set[str], columns: list[Column]
) -> tuple[list[Row], list[str]]:
    numbering = _Numbering()
    rows: list[Row] = []
    table_flags: list[str] = []
    last_page: int | None = None
    index = 0
    while index < len(cells):
        cell = cells[index]
        page = page_number(cell)
        if page is not None and (
            cell.is_page_mark
            or DECORATED_PAGE_NUMBER.match(cell.text)
            or (rows and _is_repeated_header(cells, _next_filled(cells, index + 1), header_labels))
        ):
            # A page break: the number is the page's, not the table's.
            last_page = page
            table_flags.append(f"page_break: page number {page} at line {cell.line} skipped")
            index += 1
            continue
        if (
            _norm(cell.text) in header_labels
            and rows
            and _is_repeated_header(cells, index, header_labels)
        ):
            skipped = index
            while index < len(cells) and (
                cells[index].is_empty or _norm(cells[index].text) in header_labels
            ):
                index += 1
            table_flags.append(f"repeated_header: skipped at line {cells[skipped].line}")
            if pipe and rows and rows[-1].cells and rows[-1].cells[-1].is_empty:
                rows[-1].cells.pop()
            continue
        code = _row_code(cell)
        if (
            code
            and numbering.accepts(code[0])
            and _is_name(_next(cells, index))
            and (
                # "12." with its dot is a row code; a bare "12" in a target slot is a value.
                cell.text.endswith(".")
                or not _is_value_slot(rows[-1] if rows else None, columns, pipe)
            )
        ):
            if pipe and rows and rows[-1].cells and rows[-1].cells[-1].is_empty:
                # In pipe layout every row opens with an empty marker cell.
                rows[-1].cells.pop()
            numbering.advance(code[0])
            rows.append(
                Row(code[0], cell.text, [cell], bool(ROMAN_CODE.match(code[0])), list(code[1]))
            )
        elif rows:
            rows[-1].cells.append(cell)
            if last_page is not None and page == last_page + 1:
                # The next page number, maybe; the row's length decides (_fit_cells).
                rows[-1].page_candidates.append(cell)
                last_page = page
        index += 1
    return rows, table_flags


def _is_repeated_header(cells: list[Cell], index: int, header_labels: set[str]) -> bool:
    """A header repeats (page break) when two or more header labels follow each other."""
    following = [c for c in cells[index : index + 6] if not c.is_empty][:2]
    return len(following) == 2 and all(_norm(c.text) in header_labels for c in following)


def _join_continuations(row: Row, cells: list[Cell], width: int) -> list[Cell]:
    """Join list-item paragraphs back into the cell they continue, while the row is too long."""
    joined: list[Cell] = []
    merged = 0
    for cell in cells:
        surplus = len(cells) - merged - width
        if surplus > 0 and joined and len(joined) > 1 and CONTINUATION.match(cell.text):
            previous = joined.pop()
            joined.append(Cell(f"{previous.text} {cell.text}", previous.line))
            merged += 1
        else:
            joined.append(cell)
    if merged:
        row.flags.append(
            f"joined_paragraphs: {merged} list-item paragraphs printed as separate cells "
            "were joined into the cell they continue"
        )
    return joined


def _fit_cells(row: Row, columns: list[Column]) -> dict[str, list[Cell]]:
    """Assign a row's cells to columns, flagging rows that do not fit the header."""
    cells = list(row.cells)
    for page in row.page_candidates:
        # The next page's number, where a bare number cannot be a value (an
        # agency, a deadline, a name) or where it makes the row too long.
        position = next(i for i, c in enumerate(cells) if c is page)
        filled = len(cells)
        while filled > len(columns) and cells[filled - 1].is_empty:
            filled -= 1
        in_text_slot = position < len(columns) and columns[position].role != "target"
        if in_text_slot or filled > len(columns):
            del cells[position]
            row.flags.append(f"page_break: page number {page.text} at line {page.line} removed")
    while len(cells) > len(columns) and cells[-1].is_empty:
        cells.pop()
    if not row.is_group and len(cells) > len(columns):
        cells = _join_continuations(row, cells, len(columns))
    if row.is_group:
        extra = [c for c in cells[2:] if not c.is_empty]
        if extra:
            row.flags.append(f"extra_cells: group row carries {len(extra)} non-empty cells")
        cells = cells[:2]
    elif len(cells) < len(columns):
        merged = _fit_merged_target(row, cells, columns)
        if merged is not None:
            return _flag_truncated(row, merged)
        row.flags.append(
            f"missing_cells: row has {len(cells)} of {len(columns)} cells; "
            "filled left to right, the rest left empty"
        )
    elif len(cells) > len(columns):
        row.flags.append(
            f"extra_cells: row has {len(cells)} cells for {len(columns)} columns; "
            "the surplus is joined into the last column"
        )
    assigned: dict[str, list[Cell]] = {}
    for position, column in enumerate(columns):
        if position < len(cells):
            chunk = cells[position:] if position == len(columns) - 1 else [cells[position]]
            assigned.setdefault(column.role, []).append(_merge(chunk, row.line))
    return _flag_truncated(row, assigned)


def _flag_truncated(row: Row, assigned: dict[str, list[Cell]]) -> dict[str, list[Cell]]:
    for line in sorted({c.line for cells in assigned.values() for c in cells if c.is_truncated}):
        row.flags.append(f"truncated_cell: text cut off at line {line}")
    return assigned


def _fit_merged_target(
    row: Row, cells: list[Cell], columns: list[Column]
) -> dict[str, list[Cell]] | None:
    """Resolve a row whose one target value spans all the year columns.

    A page dump prints a merged cell once, so such a row is short by exactly
    the number of year columns minus one: the columns before the targets and
    after them are all there, and a single value sits between. Any other
    shortfall cannot be placed with certainty and is left to the caller.
    """
    positions = [i for i, c in enumerate(columns) if c.role == "target"]
    if len(positions) < 2:
        return None
    prefix, suffix = positions[0], len(columns) - positions[-1] - 1
    if len(cells) != prefix + suffix + 1:
        return None
    if not all(_is_name(cell) for cell in cells[prefix + 1 :]):
        # Columns after the targets hold agencies: a bare value there means
        # the row lacks a trailing cell rather than carrying a merged one.
        return None
    value = cells[prefix]
    assigned: dict[str, list[Cell]] = {}
    for column, cell in zip(columns[:prefix], cells[:prefix], strict=True):
        assigned.setdefault(column.role, []).append(cell)
    assigned["target"] = [value] * len(positions)
    for column, cell in zip(columns[positions[-1] + 1 :], cells[prefix + 1 :], strict=True):
        assigned.setdefault(column.role, []).append(cell)
    labels = ", ".join(columns[i].label for i in positions)
    row.flags.append(f"merged_cell: one value printed across the columns {labels}")
    return assigned


def _merge(cells: list[Cell], fallback_line: int) -> Cell:
    if len(cells) == 1:
        return cells[0]
    text = " ".join(c.text for c in cells if not c.is_empty)
    line = next((c.line for c in cells if not c.is_empty), fallback_line)
    return Cell(text, line)


def _text(assigned: dict[str, list[Cell]], role: str) -> str:
    return " ".join(c.text for c in assigned.get(role, []) if not c.is_empty)


def read_tables(
    doc: Document, layout: DocumentLayout = NO_LAYOUT
) -> tuple[list[Table], list[UnreadableAppendix]]:
    """Every appendix table of a document, and the appendices set aside with their reason.

    An appendix the layout skips, and one that prints an inline budget table
    (read by :mod:`.budget`), yield neither.
    """
    headings = find_appendix_headings(doc)
    tables: list[Table] = []
    unreadable: list[UnreadableAppendix] = []
    for position, (line, label) in enumerate(headings):
        end = headings[position + 1][0] - 1 if position + 1 < len(headings) else len(doc.lines)
        if label in layout.skip_appendices or any(
            is_budget_table_header(text) for _, text in doc.numbered(line + 1, end)
        ):
            continue
        try:
            tables.append(parse_table(doc, line, end, label, layout))
        except AppendixError as error:
            reason = str(error)
            where = re.match(rf"{re.escape(doc.source_file)}:(\d+): ", reason)
            unreadable.append(UnreadableAppendix(label, int(where[1]) if where else line, reason))
    return tables, unreadable


def iter_tables(doc: Document, layout: DocumentLayout = NO_LAYOUT) -> list[Table]:
    """Every appendix table of a document; the first unreadable one raises its AppendixError."""
    tables, unreadable = read_tables(doc, layout)
    if unreadable:
        raise AppendixError(unreadable[0].reason)
    return tables


def indicator_rows(doc: Document, table: Table, plan_id: str) -> tuple[list[dict], list[dict]]:
    """Seed rows for ``indicators`` and ``indicator_targets`` from one indicator table."""
    indicators: list[dict] = []
    targets: list[dict] = []
    group_code = group_name = ""
    group_year: int | None = None
    target_columns = [c for c in table.columns if c.role == "target"]
    for row in table.rows:
        assigned = row.assigned
        if row.is_group:
            group_code, group_name = row.code, _text(assigned, "indicator_name")
            years = YEAR_IN_TEXT.findall(group_name)
            group_year = int(years[-1]) if years else None
            continue
        code = row.code
        flags = list(row.flags)
        indicators.append(
            {
                "plan_id": plan_id,
                "indicator_code": code,
                "code_text": row.code_text,
                "parent_indicator_code": code.rsplit(".", 1)[0] if "." in code else "",
                "group_code": group_code,
                "group_name": group_name,
                "indicator_name": _text(assigned, "indicator_name"),
                "unit_text": _text(assigned, "unit"),
                "monitoring_agency_text": _text(assigned, "monitoring_agency"),
                "flags": join_flags(*flags),
                "source_file": doc.source_file,
                "source_line": row.line,
            }
        )
        target_cells = assigned.get("target", [])
        for position, column in enumerate(target_columns):
            cell = target_cells[position] if position < len(target_cells) else None
            year = column.year or group_year
            cell_flags = [f for f in row.flags if f.startswith("merged_cell")]
            if year is None:
                cell_flags.append("target_year_unknown: no year in the column nor the group row")
            if cell is None:
                cell_flags.append("missing_cell: no cell printed for this column")
            elif cell.is_truncated:
                cell_flags.append("truncated_cell: target text cut off")
            label = column.label if column.year else f"{column.label} ({group_name})"
            targets.append(
                {
                    "plan_id": plan_id,
                    "indicator_code": code,
                    "target_year": "" if year is None else str(year),
                    "column_label": label,
                    "target_text": cell.text if cell else "",
                    "flags": join_flags(*cell_flags),
                    "source_file": doc.source_file,
                    "source_line": cell.line if cell else row.line,
                }
            )
    return indicators, targets


def task_rows(doc: Document, table: Table, plan_id: str) -> list[dict]:
    """Seed rows for ``tasks`` from one task table."""
    tasks: list[dict] = []
    group_code = group_name = ""
    for row in table.rows:
        assigned = row.assigned
        if row.is_group:
            group_code, group_name = row.code, _text(assigned, "task_name")
            continue
        tasks.append(
            {
                "plan_id": plan_id,
                "task_key": f"{group_code}.{row.code}" if group_code else row.code,
                "task_code": row.code,
                "code_text": row.code_text,
                "group_code": group_code,
                "group_name": group_name,
                "task_name": _text(assigned, "task_name"),
                "lead_agency_text": _text(assigned, "lead_agency"),
                "coordinating_agency_text": _text(assigned, "coordinating_agency"),
                "expected_output_text": _text(assigned, "output"),
                "deadline_text": _text(assigned, "deadline"),
                "flags": join_flags(*row.flags),
                "source_file": doc.source_file,
                "source_line": row.line,
            }
        )
    return tasks


def extract_appendices(
    doc: Document, plan_id: str, layout: DocumentLayout = NO_LAYOUT
) -> tuple[dict[str, list[dict]], dict[str, list[str]]]:
    """Seed rows of every appendix table in a document, and table-level flags by label.

    An appendix set aside has no rows and one ``appendix_unreadable`` flag
    saying why and where.
    """
    out: dict[str, list[dict]] = {"indicators": [], "indicator_targets": [], "tasks": []}
    table_flags: dict[str, list[str]] = {}
    tables, unreadable = read_tables(doc, layout)
    for table in tables:
        table_flags[table.label] = table.flags
        if table.kind == "indicators":
            indicators, targets = indicator_rows(doc, table, plan_id)
            out["indicators"].extend(indicators)
            out["indicator_targets"].extend(targets)
        else:
            out["tasks"].extend(task_rows(doc, table, plan_id))
    for appendix in unreadable:
        table_flags[appendix.label] = [appendix.flag()]
    return out, table_flags
