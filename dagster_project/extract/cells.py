"""Turning page-dump text into a stream of table cells.

The plan documents are copies of web pages and carry their tables in two
layouts, which this module recognizes from the text itself:

* **pipe layout**: every cell ends with ``|``; a cell may run over several
  lines (lines without a trailing ``|`` continue the cell); a line holding only
  ``|`` closes an empty cell, and each table row opens with one such empty
  marker cell; ``||||`` closes several empty cells at once.
* **line layout**: one cell per non-blank line, cells separated by blank
  lines; a line holding only whitespace (often a no-break space) between blank
  lines is an empty cell.

Cells keep their text as printed (whitespace collapsed, lines of one cell
joined by a space) and the line where they start.

A page dump of a printed document carries the page numbers too. In pipe
layout a line that holds only a page number and no ``|`` cannot be a cell (a
cell always closes with ``|``), so it comes out as a cell marked
``is_page_mark``; in line layout a page number looks like any other cell and
the table parser decides (see ``appendix``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TRUNCATION_MARK = "\ufffd"
_SPACES = re.compile(r"\s+")
# "5", "- 5 -", "Trang 5": a page number printed alone on its line.
PAGE_NUMBER = re.compile(r"^(?:trang\s+)?-?\s*(?P<page>[0-9]{1,3})\s*-?$", re.IGNORECASE)
# Forms no table value takes: "- 5 -", "Trang 5".
DECORATED_PAGE_NUMBER = re.compile(r"^(?:trang\s+[0-9]{1,3}|-\s*[0-9]{1,3}\s*-)$", re.IGNORECASE)


@dataclass(frozen=True)
class Cell:
    """One table cell: its printed text and the document line where it starts."""

    text: str
    line: int
    is_page_mark: bool = False

    @property
    def is_empty(self) -> bool:
        return self.text == ""

    @property
    def is_truncated(self) -> bool:
        return self.text.endswith(TRUNCATION_MARK)


def clean_text(raw: str) -> str:
    """Collapse runs of whitespace (incl. no-break spaces) and trim."""
    return _SPACES.sub(" ", raw).strip()


def is_pipe_layout(numbered_lines: list[tuple[int, str]]) -> bool:
    """A region is in pipe layout when most of its non-blank lines end in ``|``."""
    non_blank = [text for _, text in numbered_lines if text.strip()]
    if not non_blank:
        return False
    piped = sum(1 for text in non_blank if text.rstrip().endswith("|"))
    return piped * 2 >= len(non_blank)


def pipe_cells(numbered_lines: list[tuple[int, str]]) -> list[Cell]:
    """Cells of a pipe-layout region: every ``|`` closes the cell before it."""
    cells: list[Cell] = []
    pending: list[str] = []
    pending_line: int | None = None
    for number, text in numbered_lines:
        if pending_line is None and "|" not in text and PAGE_NUMBER.match(clean_text(text)):
            cells.append(Cell(clean_text(text), number, is_page_mark=True))
            continue
        pieces = text.split("|")
        for piece in pieces[:-1]:
            if pending_line is None:
                pending_line = number
            pending.append(piece)
            cells.append(Cell(clean_text(" ".join(pending)), pending_line))
            pending, pending_line = [], None
        tail = pieces[-1]
        if tail.strip():
            if pending_line is None:
                pending_line = number
            pending.append(tail)
    if pending:
        cells.append(Cell(clean_text(" ".join(pending)), pending_line or 0))
    return cells


def page_number(cell: Cell) -> int | None:
    """The page number a cell prints, if it is only a page number."""
    match = PAGE_NUMBER.match(cell.text)
    return int(match["page"]) if match else None


def line_cells(numbered_lines: list[tuple[int, str]]) -> list[Cell]:
    """Cells of a line-layout region.

    Consecutive non-blank lines form one cell; a whitespace-only line that
    stands alone between blank lines is an empty cell. Truly blank lines
    (zero length) only separate cells.
    """
    cells: list[Cell] = []
    block: list[str] = []
    block_line = 0
    for number, text in numbered_lines + [(0, "")]:
        if text == "":
            if block:
                cells.append(Cell(clean_text(" ".join(block)), block_line))
                block = []
            continue
        if not block:
            block_line = number
        block.append(text)
    return cells


def region_cells(numbered_lines: list[tuple[int, str]]) -> list[Cell]:
    """Cells of a region in whichever layout it is printed."""
    if is_pipe_layout(numbered_lines):
        return pipe_cells(numbered_lines)
    return line_cells(numbered_lines)
