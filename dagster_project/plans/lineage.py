"""Lineage verified: each seed row's ``source_file:source_line`` prints what the row claims.

Every figure in a mart points at a document line; this is where that pointer
is checked against the document itself, for every row of every seed table
(and the reporting calendar's quotes), whether the row was extracted, added
by a reviewed correction or written into the CSV by hand. A row claims:

==================  ==============================================================
table               the line prints
==================  ==============================================================
plans               the document number (or, with none, the start of the title)
plan_appendices     "Phụ lục"
indicators, tasks   the row code as printed (``9.1``, ``12.``)
indicator_targets   the start of the target text (a cell may run on to the next
                    lines); an empty target claims nothing
budget_lines        the amount as printed (``384.172``)
reported_figures    the value as printed
body_targets        the target wording
reporting_calendar  every quoted piece of ``source_text``
==================  ==============================================================

Texts are compared after whitespace collapsing and NFC, with the ``|`` table
borders of the page dump removed; nothing else is forgiven. A row whose line
does not hold its text gets ``holds = false`` and a reason; the blocking check
``parsed_seed_lineage.line_holds_the_claimed_text`` stops the publish.

A SYNTHETIC clone written by ``nq57 simulate`` (plan id ``synthetic-...``) keeps
the source line of the real row it was cloned from, while its own texts differ
(``(synthetic)``, scaled amounts, another province's name). Such a row claims
what the real rows of the same table at that line claim: it holds when a real
row points there and the line prints that row's text, and fails otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from dagster_project.config import SYNTHETIC_PLAN_PREFIX
from dagster_project.extract.documents import Document
from dagster_project.extract.runner import ROW_KEYS
from dagster_project.semantics import normalize_cell_text

LINEAGE_COLUMNS: dict[str, str] = {
    "table_name": "varchar",
    "row_key": "varchar",
    "claimed_column": "varchar",
    "claimed_text": "varchar",
    "source_file": "varchar",
    "source_line": "integer",
    "line_text": "varchar",
    "holds": "boolean",
    "reason": "varchar",
}
# table -> the column whose text the row's line must print
CLAIMS: dict[str, str] = {
    "plans": "document_number",
    "plan_appendices": "appendix_label",
    "indicators": "code_text",
    "tasks": "code_text",
    "indicator_targets": "target_text",
    "budget_lines": "amount_text",
    "reported_figures": "value_text",
    "body_targets": "target_text",
}
CALENDAR_TABLE = "reporting_calendar"
CALENDAR_KEY = ("plan_id", "period_kind", "period_part")
LINE_SHOWN = 120


def _plain(text: str) -> str:
    """A text as compared: NFC, whitespace collapsed, table borders dropped."""
    return normalize_cell_text(str(text).replace("|", " "))


def _claims(table: str, row: dict) -> list[str]:
    """The texts a row says its line prints (none: it claims nothing)."""
    if table == "plans":
        number = row["document_number"]
        return [number] if number.strip() else [row["title"][:40]]
    if table == "plan_appendices":
        return ["phụ lục"]
    if table == CALENDAR_TABLE:
        return [piece for piece in row["source_text"].split("...") if piece.strip()]
    text = row[CLAIMS[table]]
    return [text] if normalize_cell_text(text) else []


def _holds(table: str, claimed: str, line: str) -> bool:
    claim, printed = _plain(claimed), _plain(line)
    if table in ("plan_appendices",):
        return claim in printed.casefold()
    if table in ("indicators", "tasks"):
        return printed == claim or printed.startswith(claim + " ")
    if table == "indicator_targets":
        # A cell printed over several lines starts on this one.
        return bool(printed) and (claim.startswith(printed) or claim[:30] in printed)
    return claim in printed


def _key(table: str, row: dict) -> str:
    columns = CALENDAR_KEY if table == CALENDAR_TABLE else ROW_KEYS[table]
    return ";".join(f"{c}={row[c]}" for c in columns)


def _rows(frames: dict[str, pd.DataFrame]) -> Iterator[tuple[str, dict]]:
    for table in (*CLAIMS, CALENDAR_TABLE):
        frame = frames.get(table)
        if frame is None:
            continue
        for row in frame.to_dict("records"):
            yield table, row


def _is_synthetic(row: dict) -> bool:
    return str(row.get("plan_id") or "").startswith(SYNTHETIC_PLAN_PREFIX)


def _template_claims(frames: dict[str, pd.DataFrame]) -> dict[tuple[str, str, int], list[str]]:
    """What the real rows claim, by (table, source_file, source_line): what a clone claims."""
    claims: dict[tuple[str, str, int], list[str]] = {}
    for table, row in _rows(frames):
        if not _is_synthetic(row):
            where = (table, row["source_file"], int(row["source_line"]))
            claims.setdefault(where, []).extend(_claims(table, row))
    return claims


def _row_claims(
    table: str, row: dict, templates: dict[tuple[str, str, int], list[str]]
) -> tuple[list[str], str]:
    """The texts a row claims, or a reason why a synthetic clone has no template."""
    if not _is_synthetic(row):
        return _claims(table, row), ""
    where = (table, row["source_file"], int(row["source_line"]))
    if where in templates:
        return list(dict.fromkeys(templates[where])), ""
    return [], (
        f"synthetic clone points at {where[1]}:{where[2]}, "
        f"where no real {table} row it could be cloned from points"
    )


def _line(doc: Document | None, source_file: str, source_line: int) -> tuple[str, str]:
    """The text of a line, or why there is none."""
    if doc is None:
        return "", f"{source_file} is not a verified source document"
    if not 1 <= source_line <= len(doc.lines):
        return "", f"{source_file} has no line {source_line} ({len(doc.lines)} lines)"
    return doc.line(source_line), ""


def seed_lineage(frames: dict[str, pd.DataFrame], documents: dict[str, Document]) -> pd.DataFrame:
    """One row per claim of every seed row: the line it points at, and whether it holds."""
    out = []
    templates = _template_claims(frames)
    for table, row in _rows(frames):
        source_file, source_line = row["source_file"], int(row["source_line"])
        claims, reason = _row_claims(table, row, templates)
        line = ""
        if not reason:
            line, reason = _line(documents.get(source_file), source_file, source_line)
        column = "source_text" if table == CALENDAR_TABLE else CLAIMS[table]
        for claimed in claims or [""]:
            holds = not reason and (not claimed or _holds(table, claimed, line))
            out.append(
                {
                    "table_name": table,
                    "row_key": _key(table, row),
                    "claimed_column": column,
                    "claimed_text": claimed,
                    "source_file": source_file,
                    "source_line": source_line,
                    "line_text": _plain(line)[:LINE_SHOWN],
                    "holds": holds,
                    "reason": reason
                    or ("" if holds else f"line {source_line} does not print {claimed!r}"),
                }
            )
    return pd.DataFrame(out, columns=list(LINEAGE_COLUMNS))
