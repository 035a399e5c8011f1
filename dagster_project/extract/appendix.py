"""Indicator (Phụ lục I) and task (Phụ lục II) tables of a plan document.

The parser is driven by what the text shows, never by line numbers:

1. an appendix starts at a heading line ``PHỤ LỤC <I|1|II|2...>``;
2. its table header is recognized from column labels (``TT``, ``Chỉ tiêu``,
   ``Đơn vị``, ``Năm 2030``, ``Cơ quan chủ trì``, ``Thời gian hoàn thành``...),
   which also decide whether the table lists indicators or tasks;
3. rows are cut at row codes (``I``..``VII`` for groups, ``1``, ``9.1``, ``12.``)
   that continue the numbering seen so far and are followed by a name, so
   a target value such as ``12`` is never mistaken for a row;
4. cells are mapped to columns; anything that does not fit (missing, extra
   or cut-off cells, stray characters in a code) is kept and flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .cells import Cell, clean_text, is_pipe_layout, region_cells
from .documents import Document
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
    year = YEAR_IN_TEXT.search(text)
    if text in {"tt", "stt", "số tt"}:
        return Column("code", label)
    if year and re.fullmatch(r"(năm |đến năm |giai đoạn )?20\d{2}", text):
        return Column("target", label, int(year.group(1)))
    if "theo dõi" in text:
        return Column("monitoring_agency", label)
    if "chủ trì" in text:
        return Column("lead_agency", label)
    if "phối hợp" in text:
        return Column("coordinating_agency", label)
    if text in {"đơn vị", "đơn vị tính", "đvt"}:
        return Column("unit", label)
    if text.startswith(("thời gian", "tiến độ", "thời hạn")):
        return Column("deadline", label)
    if text.startswith("chỉ tiêu"):
        return Column("indicator_name", label)
    if text.startswith("mục tiêu"):
        return Column("target_span", label)
    if text in {"kết quả", "sản phẩm", "kết quả dự kiến", "sản phẩm đầu ra", "kết quả đầu ra"}:
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
    columns: list[Column] = []
    for column in header:
        if column.role == "target":
            continue
        if column.role == "target_span":
            columns.extend(years or [Column("target", column.label)])
            years = []
        elif column.role == "result":
            columns.append(Column("target" if kind == "indicators" else "output", column.label))
        else:
            columns.append(column)
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


def parse_table(doc: Document, start: int, end: int, label: str) -> Table:
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
    header = []
    for cell in header_cells:
        role = header_role(cell.text)
        if role is None:
            raise AppendixError(
                f"{doc.source_file}:{cell.line}: unknown column header {cell.text!r} "
                f"in Phụ lục {label}"
            )
        header.append(role)
    kind, columns = _resolve_columns(header)
    header_labels = {_norm(c.text) for c in header_cells}
    rows, table_flags = _segment_rows(cells[body_start:], pipe, header_labels, columns)
    if rows:
        table_flags.extend(_cut_trailer(rows[-1], len(columns)))
    return Table(kind, label, columns, rows, start, table_flags)


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


def _segment_rows(
    cells: list[Cell], pipe: bool, header_labels: set[str], columns: list[Column]
) -> tuple[list[Row], list[str]]:
    numbering = _Numbering()
    rows: list[Row] = []
    table_flags: list[str] = []
    index = 0
    while index < len(cells):
        cell = cells[index]
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
            and not _is_value_slot(rows[-1] if rows else None, columns, pipe)
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


def iter_tables(doc: Document) -> list[Table]:
    """Every appendix table found in a document."""
    headings = find_appendix_headings(doc)
    tables = []
    for position, (line, label) in enumerate(headings):
        end = headings[position + 1][0] - 1 if position + 1 < len(headings) else len(doc.lines)
        tables.append(parse_table(doc, line, end, label))
    return tables


def indicator_rows(doc: Document, table: Table, plan_id: str) -> tuple[list[dict], list[dict]]:
    """Seed rows for ``indicators`` and ``indicator_targets`` from one indicator table."""
    indicators: list[dict] = []
    targets: list[dict] = []
    group_code = group_name = ""
    group_year: int | None = None
    target_columns = [c for c in table.columns if c.role == "target"]
    for row in table.rows:
        assigned = _fit_cells(row, table.columns)
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
        assigned = _fit_cells(row, table.columns)
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
    doc: Document, plan_id: str
) -> tuple[dict[str, list[dict]], dict[str, list[str]]]:
    """Seed rows of every appendix table in a document, and table-level flags by label."""
    out: dict[str, list[dict]] = {"indicators": [], "indicator_targets": [], "tasks": []}
    table_flags: dict[str, list[str]] = {}
    for table in iter_tables(doc):
        table_flags[table.label] = table.flags
        if table.kind == "indicators":
            indicators, targets = indicator_rows(doc, table, plan_id)
            out["indicators"].extend(indicators)
            out["indicator_targets"].extend(targets)
        else:
            out["tasks"].extend(task_rows(doc, table, plan_id))
    return out, table_flags
