"""Every indicator target cell read with :func:`parse_target`, and each indicator's direction.

Input frames are the raw seed tables as loaded (text, ``source_line`` an
integer). Nothing is dropped: a cell that cannot be read keeps its row with
status ``ambiguous``/``invalid`` and the reason in ``parse_note``, and the
printed ``target_text`` stays next to the values.

A merged cell (one value printed across several year columns) has already
been spread over those columns by the extractor, which flags each resulting
row ``merged_cell: ...``; here that flag becomes ``is_merged_cell`` and a note,
so a reader can tell a value the document repeats from one it prints once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import pandas as pd

from dagster_project.semantics.targets import (
    TargetParse,
    indicator_direction,
    normalize_unit_text,
    parse_target,
)

MERGED_CELL_FLAG = "merged_cell"
FLAG_SEPARATOR = " | "

TARGET_COLUMNS: dict[str, str] = {
    "plan_id": "varchar",
    "indicator_code": "varchar",
    "target_year": "integer",
    "column_label": "varchar",
    "target_text": "varchar",
    "comparator": "varchar",
    "target_low": "decimal(18,6)",
    "target_high": "decimal(18,6)",
    "unit": "varchar",
    "target_kind": "varchar",
    "baseline_year": "integer",
    "is_qualitative": "boolean",
    "parse_status": "varchar",
    "parse_note": "varchar",
    "is_merged_cell": "boolean",
    "direction": "varchar",
    "source_file": "varchar",
    "source_line": "integer",
}

DIRECTION_COLUMNS: dict[str, str] = {
    "plan_id": "varchar",
    "indicator_code": "varchar",
    "direction": "varchar",
    "unit": "varchar",
    "unit_note": "varchar",
    "source_file": "varchar",
    "source_line": "integer",
}


def merged_cell_note(flags: str) -> str:
    """The extractor's merged-cell note, or ``''`` when the cell was printed per column."""
    for entry in flags.split(FLAG_SEPARATOR):
        code, _, note = entry.partition(":")
        if code.strip() == MERGED_CELL_FLAG:
            return f"merged cell: {note.strip()}"
    return ""


def _year(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def indicator_unit(
    unit_text: str, parses: Sequence[tuple[int | None, TargetParse]]
) -> tuple[str, str]:
    """The unit an indicator is measured in, and a note when its cells disagree.

    The unit column (Bắc Kạn) wins when it names a unit. Otherwise the unit
    most of the parsed targets carry (Nghệ An writes it in each cell), the
    earliest year breaking a tie; ``''`` when no target could be read.
    """
    column_unit = normalize_unit_text(unit_text)
    read = [(year, p.unit) for year, p in parses if p.parse_status == "parsed" and p.unit]
    seen = Counter(unit for _, unit in read)
    if column_unit:
        others = sorted(set(seen) - {column_unit})
        note = f"targets also read as {', '.join(others)}" if others else ""
        return column_unit, note
    if not seen:
        return "", "no target could be read"
    first_year = {}
    for year, unit in sorted(read, key=lambda pair: (pair[0] is None, pair[0] or 0)):
        first_year.setdefault(unit, year)
    ranked = sorted(seen, key=lambda unit: (-seen[unit], first_year[unit] or 0))
    note = f"targets read in several units: {', '.join(sorted(seen))}" if len(seen) > 1 else ""
    return ranked[0], note


def parse_indicator_targets(
    indicators: pd.DataFrame, targets: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(parsed targets, one direction and unit per indicator)`` from the raw seed frames."""
    by_indicator = {
        (row.plan_id, row.indicator_code): row for row in indicators.itertuples(index=False)
    }
    target_rows: list[dict[str, object]] = []
    parses_of: dict[tuple[str, str], list[tuple[int | None, TargetParse]]] = {}
    for row in targets.itertuples(index=False):
        indicator = by_indicator.get((row.plan_id, row.indicator_code))
        name = indicator.indicator_name if indicator is not None else ""
        unit_text = indicator.unit_text if indicator is not None else ""
        parse = parse_target(row.target_text, unit_text, name)
        year = _year(row.target_year)
        parses_of.setdefault((row.plan_id, row.indicator_code), []).append((year, parse))
        merged = merged_cell_note(row.flags)
        values = parse.to_dict()
        values["parse_note"] = "; ".join(n for n in (parse.parse_note, merged) if n)
        target_rows.append(
            {
                "plan_id": row.plan_id,
                "indicator_code": row.indicator_code,
                "target_year": year,
                "column_label": row.column_label,
                "target_text": row.target_text,
                **values,
                "is_merged_cell": bool(merged),
                "source_file": row.source_file,
                "source_line": int(row.source_line),
            }
        )

    direction_rows: list[dict[str, object]] = []
    direction_of: dict[tuple[str, str], str] = {}
    for row in indicators.itertuples(index=False):
        key = (row.plan_id, row.indicator_code)
        parses = parses_of.get(key, [])
        direction = indicator_direction(row.indicator_name, row.unit_text, [p for _, p in parses])
        unit, unit_note = indicator_unit(row.unit_text, parses)
        direction_of[key] = direction
        direction_rows.append(
            {
                "plan_id": row.plan_id,
                "indicator_code": row.indicator_code,
                "direction": direction,
                "unit": unit,
                "unit_note": unit_note,
                "source_file": row.source_file,
                "source_line": int(row.source_line),
            }
        )
    for target in target_rows:
        # A target whose indicator row is missing has no direction; it stays
        # null so the check on it points at the extraction gap.
        target["direction"] = direction_of.get((target["plan_id"], target["indicator_code"]))

    return (
        pd.DataFrame(target_rows, columns=list(TARGET_COLUMNS)),
        pd.DataFrame(direction_rows, columns=list(DIRECTION_COLUMNS)),
    )
