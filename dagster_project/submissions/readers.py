"""Reading submission files safely into rows of text.

Submission files come from outside and are untrusted. Before anything parses
them, the cheap checks run in this order: size, content sniffing (a PDF
renamed ``.xlsx`` is named as such), and for .xlsx the zip directory's
*declared* sizes and compression ratio, then its listing: macros, external
links and embedded objects are refused before any sheet is read. Python's
zipfile never inflates a member past its declared size, so checking the
declared sizes bounds the memory a crafted file can take; a sheet whose used
range would be too large a grid is refused before it is loaded.

Cell values are read by python-calamine (Rust; it neither evaluates formulas
nor expands XML entities). A DTD or entity declaration in any part is refused
(``unsafe_xml``) as defusedxml would; what calamine does not report (formula
cells, percentage formats) is read from the sheet's XML with expat, DTDs
refused, and only for sheets that hold a formula or a percentage style.

Every cell becomes text as the sender sees it: strings NFC-normalized,
numbers in Vietnamese format (``1.234,5``) so that
:func:`~dagster_project.semantics.numbers.parse_vn_number` reads them back
exactly, percentage-formatted numbers as ``50%``, and dates as dd/mm/yyyy.
A cell holding a formula, or text a spreadsheet would run as one, is kept as
its text and marked; nothing is ever evaluated.

A problem that makes the whole file unreadable raises :class:`FileRejected`
carrying one :class:`~.reasons.Issue`; the caller quarantines the file and
moves on.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
import unicodedata
import xml.parsers.expat
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

from dagster_project.semantics.numbers import format_vn_number, parse_vn_number

from . import spec
from .periods import format_date
from .reasons import Issue

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
DEFAULT_MAX_COMPRESSION_RATIO = 100
# A workbook has a few dozen parts; thousands of members is a crafted archive.
MAX_ZIP_MEMBERS = 2000
XLSX_REQUIRED_MEMBERS = ("[Content_Types].xml", "xl/workbook.xml")

# Errors calamine, expat and zipfile raise on a damaged workbook. Only the
# library calls are wrapped in this tuple, never our own processing of the values.
_WORKBOOK_ERRORS: tuple[type[BaseException], ...] = (
    CalamineError,
    xml.parsers.expat.ExpatError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    IndexError,
    TypeError,
    ValueError,
    AttributeError,
)


@dataclass(frozen=True)
class Limits:
    """Safety limits, configurable per run (``nq57 ingest --max-bytes``)."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES
    max_compression_ratio: float = DEFAULT_MAX_COMPRESSION_RATIO


class FileRejected(Exception):
    """The whole file cannot be ingested; ``issue`` says why."""

    def __init__(self, issue: Issue, detected_format: str, encoding: str | None = None):
        super().__init__(issue.reason_en)
        self.issue = issue
        self.detected_format = detected_format
        self.encoding = encoding


@dataclass
class RawRow:
    """One data row, every value as text ('' for an empty cell).

    ``formulas`` names the columns whose cell held a formula (its text is in
    ``values``). ``extra`` holds values under headers that are not part of the
    format, so nothing the sender typed is lost. ``metadata`` is the row's own
    province/agency/period/format_version/sheet cells (CSV only).
    """

    sheet: str
    row_number: int
    values: dict[str, str]
    formulas: set[str] = field(default_factory=set)
    extra: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class ParsedFile:
    """What a readable file holds."""

    detected_format: str
    encoding: str | None
    metadata: dict[str, str]
    rows: list[RawRow]
    sheets: tuple[str, ...]
    ignored_sheets: tuple[str, ...] = ()
    csv_delimiter: str | None = None
    # Where the file says it is SYNTHETIC (simulated), or None; see marking.py.
    synthetic_marker: str | None = None
    # The template's verification code as written, or None; see signing.py.
    verification_code: str | None = None


# Values of the ``synthetic`` marker that mean yes.
TRUE_WORDS = frozenset({"true", "1", "yes", "có"})


def is_true(text: str) -> bool:
    return nfc(text).strip().casefold() in TRUE_WORDS


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def sniff_content(head: bytes) -> str:
    """A short name for what the first bytes of a file look like."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole2 (old .xls/.doc)"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "image"
    if head.startswith((b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")):
        return "compressed archive"
    return "unknown"


def _reject(code: str, fmt: str, detail: str = "", **kwargs: str) -> FileRejected:
    return FileRejected(Issue(code, detail=detail, **kwargs), fmt)


def read_submission(path: Path, limits: Limits = Limits()) -> ParsedFile:
    """Read one file, or raise :class:`FileRejected` saying why it cannot be read."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        data = handle.read(limits.max_bytes + 1) if size <= limits.max_bytes else handle.read(8)
    if size <= limits.max_bytes:
        size = len(data)
    return read_data(path.name, size, data[:8], data if size <= limits.max_bytes else None, limits)


def read_data(
    name: str, size: int, head: bytes, data: bytes | None, limits: Limits = Limits()
) -> ParsedFile:
    """Read a file's bytes (``data``; None when it was too large to keep, then ``head`` is
    its first bytes), or raise :class:`FileRejected` saying why it cannot be read."""
    suffix = Path(name).suffix.lower()
    if size == 0:
        raise _reject("empty_file", "empty")
    content = sniff_content(head)
    if size > limits.max_bytes or data is None:
        raise _reject("file_too_large", content, str(size), hint=str(limits.max_bytes))
    if suffix == ".xlsx":
        return read_xlsx(data, limits)
    if suffix == ".csv":
        return read_csv(data)
    detail = f"'{suffix or '(no extension)'}', content: {content}"
    raise _reject("unsupported_file_type", content, detail)


def _data_of(source: Path | bytes) -> bytes:
    return source.read_bytes() if isinstance(source, Path) else source


# --- xlsx -----------------------------------------------------------------


class _Package:
    """An .xlsx zip opened once; each part decompressed at most once."""

    def __init__(self, data: bytes) -> None:
        self.archive = zipfile.ZipFile(io.BytesIO(data))
        self.members = self.archive.infolist()
        self.names = {member.filename for member in self.members}
        self._parts: dict[str, bytes] = {}

    def read(self, name: str) -> bytes:
        if name not in self._parts:
            self._parts[name] = self.archive.read(name)
        return self._parts[name]


def check_zip_safety(source: Path | bytes, limits: Limits) -> None:
    """Refuse archives that are not xlsx workbooks, that would inflate too far, or that
    carry macros, external links or embedded objects (see :func:`_open_package`)."""
    _open_package(_data_of(source), limits)


def _open_package(data: bytes, limits: Limits) -> _Package:
    """Open the zip after checking what its directory declares.

    Runs on the zip directory only (declared sizes), before any member is
    decompressed; then :func:`check_active_content` reads the listing and
    the small parts it needs.
    """
    content = sniff_content(data[:8])
    if content != "zip":
        raise _reject("not_xlsx", content, f"content: {content}")
    try:
        package = _Package(data)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise _reject("corrupt_xlsx", "xlsx", f"{type(error).__name__}: {error}") from error
    members = package.members
    if len(members) > MAX_ZIP_MEMBERS:
        raise _reject(
            "zip_bomb", "xlsx", f"{len(members)} parts in the archive (limit {MAX_ZIP_MEMBERS})"
        )
    declared = sum(member.file_size for member in members)
    compressed = sum(member.compress_size for member in members)
    if declared > limits.max_uncompressed_bytes:
        raise _reject(
            "zip_bomb",
            "xlsx",
            f"declared uncompressed size {declared} bytes exceeds {limits.max_uncompressed_bytes}",
        )
    ratio = declared / max(compressed, 1)
    if ratio > limits.max_compression_ratio:
        raise _reject(
            "zip_bomb",
            "xlsx",
            f"compression ratio {ratio:.0f}:1 exceeds {limits.max_compression_ratio:.0f}:1",
        )
    missing = [name for name in XLSX_REQUIRED_MEMBERS if name not in package.names]
    if missing:
        kind = "Word document" if "word/document.xml" in package.names else "zip archive"
        raise _reject("not_xlsx", "zip", f"{kind} without {', '.join(missing)}")
    try:
        check_active_content(package)
    except _WORKBOOK_ERRORS as error:
        raise _reject("corrupt_xlsx", "xlsx", f"{type(error).__name__}: {error}") from error
    return package


# Parts that carry code or reach outside the workbook, by where they live in the zip.
MACRO_PARTS = ("vbaproject.bin", "vbadata.xml", "xl/macrosheets/", "xl/dialogsheets/")
EMBEDDED_PARTS = ("xl/embeddings/", "xl/activex/", "oleobject")
EXTERNAL_LINK_PARTS = ("xl/externallinks/",)
_MACRO_CONTENT_TYPES = (b"macroenabled", b"vbaproject", b"ms-office.vbaproject")
_EXTERNAL_TARGET = re.compile(rb"""Target\s*=\s*["'](?:file:|\\\\|//)""", re.IGNORECASE)


def check_active_content(package: _Package) -> None:
    """Refuse macros, external links and embedded objects, from the zip listing.

    Runs before any worksheet is parsed: the part names, then the content
    types (a macro-enabled workbook renamed ``.xlsx`` says so there) and the
    relationship parts (a link to ``file://`` or a ``\\\\server`` share), all
    small parts whose declared size :func:`_open_package` has bounded.
    """
    lowered = sorted(name.lower() for name in package.names)
    for parts, code in (
        (MACRO_PARTS, "macro_content"),
        (EXTERNAL_LINK_PARTS, "external_link"),
        (EMBEDDED_PARTS, "embedded_object"),
    ):
        found = [name for name in lowered if any(part in name for part in parts)]
        if found:
            raise _reject(code, "xlsx", found[0])
    types = package.read("[Content_Types].xml").lower()
    if any(marker in types for marker in _MACRO_CONTENT_TYPES):
        raise _reject("macro_content", "xlsx", "[Content_Types].xml: macro-enabled")
    for name in sorted(package.names):
        if name.lower().endswith(".rels"):
            match = _EXTERNAL_TARGET.search(package.read(name))
            if match:
                target = match.group(0).decode("ascii", "replace")
                raise _reject("external_link", "xlsx", f"{name}: {target}")


def _plain_number(number: Decimal) -> str:
    """A number as plain decimal-point text without grouping or exponent (``9.1``, ``2026``)."""
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def cell_text(value: object, number_format: str | None, vietnamese: bool = False) -> str:
    """The text of one cell value as the sender sees it.

    Numbers are written plainly (``2026``, ``9.1``) for ids, codes and
    metadata, and in Vietnamese format (``1.234,5``) for the value columns
    (``vietnamese=True``), where :func:`parse_vn_number` reads them back exactly.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return format_date(value)
        return f"{format_date(value)} {value.strftime('%H:%M:%S')}"
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, int | float):
        number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
        suffix = ""
        if number_format and "%" in number_format:
            number, suffix = number * 100, "%"
        if number == number.to_integral_value():
            number = number.quantize(Decimal(1))
        text = (
            format_vn_number(number.normalize() if suffix else number)
            if vietnamese
            else _plain_number(number)
        )
        return text + suffix
    # Array and data-table formulas arrive as objects carrying their text.
    text = getattr(value, "text", None)
    return nfc(f"={text}" if text and not str(text).startswith("=") else str(text or value))


class Cell(NamedTuple):
    """One cell: plain text, whether it held a formula, and its Vietnamese-number text."""

    text: str
    is_formula: bool
    vietnamese: str


# What a spreadsheet runs as a formula when the text is typed or a CSV opened:
# '=', '+', '-', '@', and a tab, carriage return or line feed before them (an XML
# reader turns a CR into a line feed) ("formula injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
_FORMULA_STARTS = frozenset(FORMULA_PREFIXES)


def is_formula_text(text: str) -> bool:
    """Text a spreadsheet would run as a formula: it starts with ``=``, ``+``, ``-``,
    ``@``, a tab or a CR and is not a number (``-5``, ``+1,5``, ``-12%`` are numbers)."""
    if not text.startswith(FORMULA_PREFIXES):
        return False
    if text.startswith("="):
        return True
    token = text.strip()
    token = token[:-1].strip() if token.endswith("%") else token
    return parse_vn_number(token) is None


def _text_cell(text: str) -> Cell:
    return Cell(text, text[:1] in _FORMULA_STARTS and is_formula_text(text), text)


# The cell of a string calamine read, by that string: a cell's text depends on its
# string alone, and most strings recur from file to file (labels, plan ids, task
# names, statuses: about 2,000 distinct among the 45,000 of 150 simulated files).
# Bounded: strings up to _KNOWN_CELL_MAX_CHARS, and emptied past _KNOWN_CELLS_MAX.
_KNOWN_CELLS: dict[str, Cell] = {}
_KNOWN_CELLS_MAX = 20_000
_KNOWN_CELL_MAX_CHARS = 200


def _string_cell(value: str) -> Cell:
    """The cell of a string read from a worksheet: NFC text, marked if a spreadsheet
    would run it as a formula."""
    cell = _KNOWN_CELLS.get(value)
    if cell is None:
        cell = _text_cell(value if value.isascii() else nfc(value))
        if len(value) <= _KNOWN_CELL_MAX_CHARS:
            if len(_KNOWN_CELLS) >= _KNOWN_CELLS_MAX:
                _KNOWN_CELLS.clear()
            _KNOWN_CELLS[value] = cell
    return cell


@dataclass
class _SheetCells:
    """One worksheet as (row_number, [Cell...]) for its non-blank rows."""

    rows: list[tuple[int, list[Cell]]]


# One cell as read from the workbook: value, number format, formula flag.
_RawCell = tuple[object, str | None, bool]


def _read_workbook(
    source: Path | bytes, package: _Package | None = None
) -> tuple[list[str], dict[str, tuple[list[list[object]], _SheetMarks]]]:
    """Sheet names, and each worksheet's grid of values with its marks.

    Values come from python-calamine (a Rust reader that neither evaluates
    formulas nor expands XML entities). What calamine does not say is read
    from the parts themselves (:class:`_WorkbookParts`): which cells hold a
    formula (calamine gives their cached result; the row must be refused and
    the formula shown) and which numbers are percentage-formatted (``0.45``
    shown as ``45%``). Only library calls are turned into a rejected file here;
    converting the values happens afterwards.
    """
    data = _data_of(source)
    raw: dict[str, tuple[list[list[object]], _SheetMarks]] = {}
    try:
        parts = _WorkbookParts(package or _Package(data))
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        try:
            names = list(workbook.sheet_names)
            kinds = {meta.name: meta.typ for meta in workbook.sheets_metadata}
            for name in names:
                if kinds.get(name) != SheetTypeEnum.WorkSheet:
                    continue
                marks = parts.sheet_marks(name)
                grid = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
                raw[name] = (grid, marks)
        finally:
            workbook.close()
    except _WORKBOOK_ERRORS as error:
        raise _reject("corrupt_xlsx", "xlsx", f"{type(error).__name__}: {error}") from error
    return names, raw


def _grid_rows(grid: list[list[object]], marks: _SheetMarks) -> list[tuple[int, list[_RawCell]]]:
    """Rows holding a value (or a formula) as (row number, raw cells), formulas put back."""
    formulas_by_row: dict[int, dict[int, str]] = defaultdict(dict)
    for (row, column), formula in marks.formulas.items():
        formulas_by_row[row][column] = formula
    last = max([len(grid), *(row + 1 for row in formulas_by_row)])
    percent = marks.percent
    blank: _RawCell = (None, None, False)
    rows: list[tuple[int, list[_RawCell]]] = []
    for index in range(last):
        values = grid[index] if index < len(grid) else []
        formulas = formulas_by_row.get(index)
        if not formulas:
            if values.count("") == len(values):
                continue
            rows.append(
                (
                    index + 1,
                    [
                        blank
                        if value == ""
                        else (
                            value,
                            PERCENT_FORMAT if percent and (index, column) in percent else None,
                            False,
                        )
                        for column, value in enumerate(values)
                    ],
                )
            )
            continue
        width = max([len(values), *((column + 1) for column in formulas)])
        cells: list[_RawCell] = []
        for column in range(width):
            if column in formulas:
                cells.append((formulas[column], None, True))
                continue
            value = values[column] if column < len(values) else ""
            if value == "":
                cells.append(blank)
            else:
                style = PERCENT_FORMAT if (index, column) in percent else None
                cells.append((value, style, False))
        rows.append((index + 1, cells))
    return rows


PERCENT_FORMAT = "0%"
# Built-in number formats 9 and 10 are 0% and 0.00%.
_BUILTIN_PERCENT_FORMATS = frozenset({9, 10})
# A sheet is refused past this many cells in its used range: calamine holds
# the range as a dense grid, so one cell at XFD1048576 would ask for 17 billion.
MAX_SHEET_CELLS = 5_000_000
_ROW_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b[^>]*?\sr=\"([0-9]{1,8})\"")
_CELL_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*?\sr=\"([A-Z]{1,4})[0-9]{1,8}\"")
_WIDE_REF = re.compile(rb'\sr="[A-Z]{3}')
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
# Looser forms of _ROW_REF and _WIDE_REF for the cheap bound of _check_extent: a
# literal start lets the regex engine skip ahead, and every match of the strict
# pattern is one of theirs (a larger height, a wide column) so they never pass
# a sheet the strict ones would refuse; a sheet they do not pass is measured
# with the strict patterns.
_ANY_NUMBER_REF = re.compile(rb'r="([0-9]{1,8})"')
_ANY_WIDE_REF = re.compile(rb'r="[A-Z]{3}')
# Cheaper still: no reference of four digits or more means no row past 999, and
# then the row tags bound the height (one search instead of a list of every row).
_ANY_LONG_NUMBER_REF = re.compile(rb'r="[0-9]{4}')
SHORT_SHEET_ROWS = 999
# The byte after "<f" or "prefix:f" in a formula element (those of \s in _FORMULA_TAG,
# "/" and ">"). Elements such as <firstHeader> or <formula1>, in most sheets, start
# like a formula but are not.
_FORMULA_ENDS = frozenset(bytes([byte]) for byte in b" \t\n\r\x0b\x0c/>")


def _may_hold_formula(data: bytes) -> bool:
    """Whether the sheet holds "<f" or ":f" followed by a byte that may end a formula tag:
    every match of _FORMULA_TAG does, so the others are not searched with it."""
    for start in (b"<f", b":f"):
        at = data.find(start)
        while at >= 0:
            if data[at + 2 : at + 3] in _FORMULA_ENDS:
                return True
            at = data.find(start, at + 2)
    return False


@dataclass
class _SheetMarks:
    """Per sheet: formula text by (row, column) (0-based), and percentage-formatted cells."""

    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    percent: set[tuple[int, int]] = field(default_factory=set)


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + (ord(letter) - 64)
    return index - 1


def _split_ref(ref: str) -> tuple[int, int] | None:
    letters = ref.rstrip("0123456789")
    digits = ref[len(letters) :]
    if not letters.isalpha() or not digits:
        return None
    return int(digits) - 1, _column_index(letters.upper())


def _local(tag: str) -> str:
    return tag.rsplit(":", 1)[-1]


def _expat(data: bytes) -> xml.parsers.expat.XMLParserType:
    """An expat parser that refuses DTDs and entity declarations (what defusedxml refuses)."""
    parser = xml.parsers.expat.ParserCreate()

    def refuse(*_args: object) -> None:
        raise _reject("unsafe_xml", "xlsx", "DTD")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    return parser


def _elements(data: bytes) -> list[tuple[str, dict[str, str]]]:
    """(local tag, attributes) of every element of a small XML part."""
    found: list[tuple[str, dict[str, str]]] = []
    parser = _expat(data)
    parser.StartElementHandler = lambda tag, attrs: found.append((_local(tag), attrs))
    parser.Parse(data, True)
    return found


class _WorkbookParts:
    """The workbook's XML parts, for what calamine does not report.

    Every XML part is first searched for a DTD or entity declaration
    (refused as ``unsafe_xml``, as defusedxml would). A sheet is parsed
    (with expat, DTDs refused) only if its bytes hold a formula element or
    a percentage style; the others, nearly all files, cost one search.
    """

    def __init__(self, package: _Package) -> None:
        self.archive = package
        names = package.names
        for name in sorted(names):
            if name.lower().endswith((".xml", ".rels")) and _DECLARATION.search(package.read(name)):
                raise _reject("unsafe_xml", "xlsx", f"DTD in {name}")
        self.parts = self._sheet_parts(names)
        self.percent_styles = self._percent_styles(names)

    def _sheet_parts(self, names: set[str]) -> dict[str, str]:
        """Sheet name -> its part, from workbook.xml and its relationships."""
        rels_name = "xl/_rels/workbook.xml.rels"
        rels = self.archive.read(rels_name) if rels_name in names else None
        return dict(_sheet_parts_of(rels, self.archive.read("xl/workbook.xml")))

    def _percent_styles(self, names: set[str]) -> frozenset[str]:
        """The cell style indexes (``s=``) whose number format is a percentage."""
        if "xl/styles.xml" not in names:
            return frozenset()
        return _percent_styles_of(self.archive.read("xl/styles.xml"))

    def sheet_marks(self, sheet: str) -> _SheetMarks:
        part = self.parts.get(sheet)
        if part is None or part not in self.archive.names:
            return _SheetMarks()
        data = self.archive.read(part)
        _check_extent(sheet, data)
        has_formula = _may_hold_formula(data) and _FORMULA_TAG.search(data) is not None
        has_percent = bool(self.percent_styles) and re.search(
            rb'\ss="(?:' + b"|".join(s.encode() for s in self.percent_styles) + rb')"', data
        )
        if not has_formula and not has_percent:
            return _SheetMarks()
        return _parse_marks(data, self.percent_styles)


# The parts below are the same in every file made from one template: each is
# parsed once per process (the cache is keyed by the part's bytes).
@functools.lru_cache(maxsize=64)
def _sheet_parts_of(rels: bytes | None, workbook: bytes) -> tuple[tuple[str, str], ...]:
    """(sheet name, its part) from workbook.xml and its relationships."""
    targets = {}
    if rels is not None:
        for tag, attrs in _elements(rels):
            if tag == "Relationship" and "Id" in attrs:
                target = attrs.get("Target", "")
                targets[attrs["Id"]] = (
                    target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                )
    parts = {}
    for tag, attrs in _elements(workbook):
        if tag == "sheet":
            rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
            if rid in targets and "name" in attrs:
                parts[attrs["name"]] = targets[rid]
    return tuple(parts.items())


@functools.lru_cache(maxsize=64)
def _percent_styles_of(data: bytes) -> frozenset[str]:
    """The cell style indexes (``s=``) of styles.xml whose number format is a percentage."""
    custom: dict[int, str] = {}
    styles: set[str] = set()
    in_cell_xfs = False
    index = 0
    parser = _expat(data)

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal in_cell_xfs, index
        tag = _local(tag)
        if tag == "numFmt" and attrs.get("numFmtId", "").isdigit():
            custom[int(attrs["numFmtId"])] = attrs.get("formatCode", "")
        elif tag == "cellXfs":
            in_cell_xfs = True
        elif tag == "xf" and in_cell_xfs:
            format_id = int(attrs.get("numFmtId", "0") or 0)
            if format_id in _BUILTIN_PERCENT_FORMATS or "%" in _unquoted(custom.get(format_id, "")):
                styles.add(str(index))
            index += 1

    def end(tag: str) -> None:
        nonlocal in_cell_xfs
        if _local(tag) == "cellXfs":
            in_cell_xfs = False

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.Parse(data, True)
    return frozenset(styles)


def _unquoted(format_code: str) -> str:
    """A number format without its quoted literals and escaped characters."""
    return re.sub(r'"[^"]*"|\\.', "", format_code)


def _sheet_height(data: bytes, pattern: re.Pattern[bytes]) -> int:
    height = max(map(int, pattern.findall(data)), default=0)
    return max(height, data.count(b"<row") + data.count(b":row"))


def _check_extent(sheet: str, data: bytes) -> None:
    """Refuse a sheet whose used range would be too large a grid to hold."""
    # Cheap bound first (nearly every sheet): no column past ZZ, and cells without
    # a reference at most as many as there are cells.
    if not _ANY_WIDE_REF.search(data):
        width = 702 + data.count(b"<c")
        if not _ANY_LONG_NUMBER_REF.search(data):
            tags = data.count(b"<row") + data.count(b":row")
            if max(SHORT_SHEET_ROWS, tags) * width <= MAX_SHEET_CELLS:
                return
        if _sheet_height(data, _ANY_NUMBER_REF) * width <= MAX_SHEET_CELLS:
            return
    height = _sheet_height(data, _ROW_REF)
    letters = _CELL_REF.findall(data)
    # The furthest column: the longest letters, then the last in order ("AB" > "Z").
    furthest = max(set(letters), key=lambda ref: (len(ref), ref), default=None)
    width = _column_index(furthest.decode("ascii")) + 1 if furthest else 0
    if len(letters) < len(_CELL_TAG.findall(data)):
        # Cells without a reference follow the previous one: at most the most cells in a row more.
        width += max(len(_CELL_TAG.findall(row)) for row in _ROW_TAG.split(data))
    if height * width > MAX_SHEET_CELLS:
        raise _reject(
            "zip_bomb",
            "xlsx",
            f"sheet '{nfc(sheet)}' spans {height} rows × {width} columns "
            f"(limit {MAX_SHEET_CELLS} cells)",
        )


def _parse_marks(data: bytes, percent_styles: set[str]) -> _SheetMarks:
    """Formula cells (with their text) and percentage-styled cells of one sheet's XML."""
    marks = _SheetMarks()
    shared: dict[str, str] = {}
    state = {"row": -1, "column": -1, "cell": None, "in_f": False, "f_attrs": {}, "text": []}

    def start(tag: str, attrs: dict[str, str]) -> None:
        tag = _local(tag)
        if tag == "row":
            state["row"] = int(attrs["r"]) - 1 if attrs.get("r", "").isdigit() else state["row"] + 1
            state["column"] = -1
        elif tag == "c":
            position = _split_ref(attrs.get("r", ""))
            if position is None:
                position = (state["row"], state["column"] + 1)
            state["row"], state["column"] = position
            state["cell"] = position
            if attrs.get("s") in percent_styles:
                marks.percent.add(position)
        elif tag == "f" and state["cell"] is not None:
            state["in_f"], state["f_attrs"], state["text"] = True, attrs, []

    def end(tag: str) -> None:
        tag = _local(tag)
        if tag == "f" and state["in_f"]:
            text = "".join(state["text"])
            attrs = state["f_attrs"]
            if attrs.get("t") == "shared" and "si" in attrs:
                if text:
                    shared[attrs["si"]] = text
                text = text or shared.get(attrs["si"], "")
            marks.formulas[state["cell"]] = nfc("=" + text)
            state["in_f"] = False
        elif tag == "c":
            state["cell"] = None

    def characters(text: str) -> None:
        if state["in_f"]:
            state["text"].append(text)

    parser = _expat(data)
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.Parse(data, True)
    return marks


def _load_workbook_cells(
    source: Path | bytes, package: _Package | None = None
) -> tuple[dict[str, _SheetCells], list[str]]:
    """Every sheet's non-blank rows as :class:`Cell` text. Raises FileRejected when unreadable."""
    names, raw = _read_workbook(source, package)
    sheets: dict[str, _SheetCells] = {}
    empty = Cell("", False, "")
    for name in names:
        rows = []
        # A chart sheet has no cells.
        grid, marks = raw.get(name, ([], _SheetMarks()))
        if not marks.formulas and not marks.percent:
            # Nearly every sheet: no formula, no percentage; values straight to cells.
            for index, values in enumerate(grid):
                if values.count("") == len(values):
                    continue
                cells = [
                    empty
                    if value == ""
                    else _string_cell(value)
                    if value.__class__ is str
                    else _value_cell(value)
                    for value in values
                ]
                if any(cell.text.strip() for cell in cells):
                    rows.append((index + 1, cells))
            sheets[nfc(name)] = _SheetCells(rows)
            continue
        for row_number, raw_cells in _grid_rows(grid, marks):
            cells = []
            for value, number_format, formula_type in raw_cells:
                if value is None:
                    cells.append(empty)
                elif value.__class__ is str and not formula_type:
                    cells.append(_string_cell(value))
                elif isinstance(value, str):
                    text = nfc(value)
                    cells.append(Cell(text, True, text) if formula_type else _text_cell(text))
                else:
                    cells.append(
                        Cell(
                            cell_text(value, number_format),
                            formula_type,
                            cell_text(value, number_format, vietnamese=True),
                        )
                    )
            if any(cell.text.strip() for cell in cells):
                rows.append((row_number, cells))
        sheets[nfc(name)] = _SheetCells(rows)
    return sheets, [nfc(name) for name in names]


def _value_cell(value: object) -> Cell:
    """The cell of a value that is not a string, without a number format or formula."""
    if isinstance(value, str):
        return _text_cell(nfc(value))
    return Cell(cell_text(value, None), False, cell_text(value, None, vietnamese=True))


def read_xlsx(source: Path | bytes, limits: Limits = Limits()) -> ParsedFile:
    data = _data_of(source)
    package = _open_package(data, limits)
    sheets, names = _load_workbook_cells(data, package)
    required = (spec.README_SHEET, *spec.DATA_SHEETS)
    missing = [name for name in required if name not in sheets]
    if missing:
        raise _reject("missing_sheet", "xlsx", ", ".join(missing))
    metadata = _readme_metadata(sheets[spec.README_SHEET])
    rows: list[RawRow] = []
    for sheet in spec.DATA_SHEETS:
        rows.extend(_sheet_rows(sheet, sheets[sheet].rows, "xlsx"))
    ignored = tuple(name for name in names if name not in required)
    marker = _readme_synthetic_marker(sheets[spec.README_SHEET])
    return ParsedFile(
        "xlsx",
        None,
        metadata,
        rows,
        spec.DATA_SHEETS,
        ignored,
        synthetic_marker=marker,
        verification_code=_readme_value(sheets[spec.README_SHEET], spec.VERIFICATION_CODE_KEY),
    )


def _readme_value(cells: _SheetCells, key: str) -> str | None:
    """Column B of the first README row whose column A is ``key``, in the scanned rows."""
    for row_number, texts in cells.rows:
        if row_number > spec.README_SCAN_ROWS:
            break
        if texts and texts[0].text.strip() == key:
            return texts[1].text.strip() if len(texts) > 1 and texts[1].text.strip() else None
    return None


def _readme_synthetic_marker(cells: _SheetCells) -> str | None:
    """A README row ``synthetic`` | true among the rows the metadata is looked for in."""
    for row_number, texts in cells.rows:
        if row_number > spec.README_SCAN_ROWS:
            break
        is_key = len(texts) >= 2 and texts[0].text.strip() == spec.SYNTHETIC_KEY
        if is_key and is_true(texts[1].text):
            return f"README {spec.SYNTHETIC_KEY}={texts[1].text.strip()}"
    return None


def _readme_metadata(cells: _SheetCells) -> dict[str, str]:
    """The metadata cells of the README sheet: key in column A, value in column B."""
    metadata: dict[str, str] = {}
    for row_number, texts in cells.rows:
        if row_number > spec.README_SCAN_ROWS:
            break
        key = texts[0].text.strip() if texts else ""
        if key not in spec.METADATA_KEYS or key in metadata:
            continue
        value = texts[1] if len(texts) > 1 else _text_cell("")
        if value.is_formula:
            raise _reject("formula_in_metadata", "xlsx", key)
        metadata[key] = value.text.strip()
    missing = [key for key in spec.METADATA_KEYS if not metadata.get(key)]
    if missing:
        raise _reject("missing_metadata", "xlsx", ", ".join(missing))
    return metadata


def _header_map(
    sheet: str, header: Sequence[Cell], fmt: str, known: Iterable[str]
) -> dict[int, str]:
    """Column position -> column name; unknown headers keep their own text."""
    names: dict[int, str] = {}
    seen: dict[str, int] = {}
    duplicates = []
    known_set = set(known)
    for position, cell in enumerate(header):
        name = cell.text.strip()
        lowered = name.lower()
        if lowered in known_set:
            name = lowered
        if not name:
            continue
        if name in seen:
            duplicates.append(name)
        seen[name] = position
        names[position] = name
    if duplicates:
        raise _reject("duplicate_columns", fmt, ", ".join(sorted(set(duplicates))), sheet=sheet)
    return names


def _is_label_row(sheet: str, names: dict[int, str], cells: Sequence[Cell]) -> bool:
    """The bilingual label row the template writes under the header."""
    labels = {column.name: column.label for column in spec.SHEET_COLUMNS[sheet]}
    filled = [(position, c.text.strip()) for position, c in enumerate(cells) if c.text.strip()]
    return bool(filled) and all(
        names.get(position) in labels and labels[names[position]] == text
        for position, text in filled
    )


def _sheet_rows(
    sheet: str,
    rows: list[tuple[int, list[Cell]]],
    fmt: str,
    metadata_columns: Sequence[str] = (),
) -> list[RawRow]:
    """Data rows of one sheet (header on the first non-blank row, optional label row)."""
    if not rows:
        raise _reject("missing_columns", fmt, ", ".join(spec.required_columns(sheet)), sheet=sheet)
    header_number, header = rows[0]
    known = (*spec.column_names(sheet), *metadata_columns)
    names = _header_map(sheet, header, fmt, known)
    present = set(names.values())
    missing = [
        name for name in (*spec.required_columns(sheet), *metadata_columns) if name not in present
    ]
    if missing:
        raise _reject("missing_columns", fmt, ", ".join(missing), sheet=sheet)
    body = rows[1:]
    if body and body[0][0] == header_number + 1 and _is_label_row(sheet, names, body[0][1]):
        body = body[1:]
    columns = spec.column_names(sheet)
    format_columns = set(columns)
    # Where each cell's text goes, decided once per column position.
    NUMBER, FORMAT, METADATA, EXTRA = range(4)
    placed: list[tuple[int, str]] = []
    out = []
    for row_number, cells in body:
        row = RawRow(sheet, row_number, dict.fromkeys(columns, ""))
        values, extra = row.values, row.extra
        while len(placed) < len(cells):
            position = len(placed)
            name = names.get(position, f"(column {position + 1})")
            if name in spec.NUMBER_COLUMNS:
                placed.append((NUMBER, name))
            elif name in format_columns:
                placed.append((FORMAT, name))
            elif name in metadata_columns:
                placed.append((METADATA, name))
            else:
                placed.append((EXTRA, name))
        # Cells unpacked rather than read by attribute name: this loop runs for every cell.
        for (kind, name), (text, is_formula, vietnamese) in zip(placed, cells):
            if kind == FORMAT:
                values[name] = text
            elif kind == NUMBER:
                values[name] = vietnamese
            elif kind == METADATA:
                row.metadata[name] = text.strip()
            elif text:
                extra[name] = text
            if is_formula:
                row.formulas.add(name)
        out.append(row)
    return out


# --- CSV ------------------------------------------------------------------


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """Decode: a BOM decides; else strict UTF-8; else Windows-1258. Returns (text, encoding).

    Windows-1258 writes many Vietnamese letters as a base letter plus a
    combining tone mark, so the text is NFC-normalized after decoding.
    """
    if data.startswith(codecs.BOM_UTF8):
        encoding, body = "utf-8-sig", data[len(codecs.BOM_UTF8) :]
        codec = "utf-8"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, body, codec = "utf-16", data, "utf-16"
    else:
        body = data
        try:
            return _checked_text(body.decode("utf-8"), "utf-8"), "utf-8"
        except UnicodeDecodeError:
            encoding = codec = "cp1258"
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as error:
        raise FileRejected(
            Issue("unreadable_encoding", detail=f"not {encoding}: byte {error.start}"),
            "csv",
            encoding,
        ) from error
    return _checked_text(text, encoding), encoding


def _checked_text(text: str, encoding: str) -> str:
    if "\x00" in text:
        raise FileRejected(
            Issue(
                "unreadable_encoding",
                detail=f"NUL characters after decoding as {encoding}: binary data or UTF-16 without BOM",
            ),
            "csv",
            encoding,
        )
    return nfc(text)


def _choose_delimiter(first_line: str) -> str:
    """The delimiter that splits the header into the most format column names.

    Excel saves CSV with ';' under Vietnamese regional settings (the decimal
    mark is ','), with ',' elsewhere; tab-separated exports also occur.
    """
    known = set(spec.all_data_columns()) | set(spec.CSV_METADATA_COLUMNS)

    def score(delimiter: str) -> int:
        return sum(part.strip().strip('"').lower() in known for part in first_line.split(delimiter))

    return max((",", ";", "\t"), key=score)


def read_csv(source: Path | bytes) -> ParsedFile:
    data = _data_of(source)
    content = sniff_content(data[:8])
    if content != "unknown":
        raise FileRejected(
            Issue("unreadable_encoding", detail=f"the content is {content}, not text"), content
        )
    text, encoding = decode_csv_bytes(data)
    text, comment_code = _code_comment(text)
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = _choose_delimiter(first_line)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise FileRejected(Issue("corrupt_csv", detail=str(error)), "csv", encoding) from error
    # An ASCII field's cell is taken from the cache the worksheets fill (normalizing
    # leaves ASCII as it is); other fields are kept exactly as the csv module gave them.
    rows = [
        (
            number,
            [_string_cell(value) if value.isascii() else _text_cell(value) for value in record],
        )
        for number, record in enumerate(records, start=1)
        if any(value.strip() for value in record)
    ]
    if len(rows) < 2:
        raise FileRejected(Issue("no_data"), "csv", encoding)
    header = rows[0][1]
    header_names = {cell.text.strip().lower() for cell in header}
    missing_meta = [name for name in spec.CSV_METADATA_COLUMNS if name not in header_names]
    if missing_meta:
        raise FileRejected(
            Issue("missing_columns", sheet="csv", detail=", ".join(missing_meta)), "csv", encoding
        )
    sheet_position = next(
        position for position, cell in enumerate(header) if cell.text.strip().lower() == "sheet"
    )
    kind = next(
        (
            cells[sheet_position].text.strip()
            for _, cells in rows[1:]
            if len(cells) > sheet_position and cells[sheet_position].text.strip()
        ),
        "",
    )
    if not kind:
        raise FileRejected(Issue("missing_metadata", detail="sheet"), "csv", encoding)
    if kind not in spec.DATA_SHEETS:
        raise FileRejected(
            Issue("unknown_sheet_kind", raw_value=kind, detail=", ".join(spec.DATA_SHEETS)),
            "csv",
            encoding,
        )
    try:
        data_rows = _sheet_rows(kind, rows, "csv", spec.CSV_METADATA_COLUMNS)
    except FileRejected as rejected:
        rejected.encoding = encoding
        raise
    # The file's metadata is its first data row's; rows that differ are
    # quarantined one by one (metadata_mismatch) rather than guessed at.
    if not data_rows:
        raise FileRejected(Issue("no_data"), "csv", encoding)
    first = data_rows[0]
    formula_keys = sorted(first.formulas & set(spec.METADATA_KEYS))
    if formula_keys:
        raise FileRejected(
            Issue("formula_in_metadata", detail=", ".join(formula_keys)), "csv", encoding
        )
    metadata = {key: first.metadata.get(key, "") for key in spec.METADATA_KEYS}
    missing = [key for key in spec.METADATA_KEYS if not metadata[key]]
    if missing:
        raise FileRejected(Issue("missing_metadata", detail=", ".join(missing)), "csv", encoding)
    marker = next(
        (
            f"CSV column {spec.SYNTHETIC_KEY}={value.strip()}"
            for name, value in first.extra.items()
            if name.strip().casefold() == spec.SYNTHETIC_KEY and is_true(value)
        ),
        None,
    )
    column_code = None
    for row in data_rows:
        for name in [
            name for name in row.extra if name.strip().casefold() == spec.VERIFICATION_CODE_KEY
        ]:
            # Kept out of the store and the marts: a code is a bearer token (signing.py).
            value = row.extra.pop(name)
            if row is first:
                column_code = value.strip() or None
    return ParsedFile(
        "csv",
        encoding,
        metadata,
        data_rows,
        (kind,),
        (),
        delimiter,
        synthetic_marker=marker,
        verification_code=column_code or comment_code,
    )


def _code_comment(text: str) -> tuple[str, str | None]:
    """A first line ``# verification_code: <code>`` (or ``=``), blanked so that the rows keep
    their line numbers; any other first line starting with ``#`` is a comment too."""
    first, newline, rest = text.partition("\n")
    if not first.lstrip().startswith("#"):
        return text, None
    body = first.lstrip()[1:].strip()
    key, _, value = body.replace("=", ":", 1).partition(":")
    code = value.strip(' \t\r,;"') if key.strip().casefold() == spec.VERIFICATION_CODE_KEY else ""
    return newline + rest, code or None
