"""``nq57 apply-review FILE``: a filled review workbook becomes reviewed corrections.

Each row with a corrected value (or the action ``drop``) becomes one entry of
``seeds/corrections.csv`` with the reviewer, the reason and today's date; the
entries are checked against a fresh extraction before anything is written,
then the seeds are extracted again with them. A row already applied is not
added twice, so applying the same workbook again changes nothing.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
from pathlib import Path

from .add_plan import Paths, add_seeds_argument, shown
from .layouts import LayoutError
from .review import FilledRow, ReviewError, read_filled_rows, today
from .runner import (
    CORRECTION_COLUMNS,
    CorrectionError,
    extract_seeds,
    write_seeds,
)


def _entry(row: FilledRow, date: str) -> dict[str, str]:
    return {
        "action": row.action,
        "table": row.table,
        "row_key": row.row_key,
        "column": row.column,
        "expected_value": row.expected_value,
        "corrected_value": row.corrected_value,
        "reason": row.reason,
        "reviewed_by": row.reviewed_by,
        "review_date": date,
    }


def _identity(entry: dict[str, str]) -> tuple[str, ...]:
    return tuple(entry[c] for c in ("action", "table", "row_key", "column", "corrected_value"))


def read_entries(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_entries(path: Path, entries: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CORRECTION_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(entries)


def apply_review(
    workbook: Path, paths: Paths, reviewer: str | None = None, dry_run: bool = False
) -> tuple[list[dict[str, str]], int]:
    """(the new corrections, how many filled rows were already applied); raises when one fails."""
    filled = read_filled_rows(workbook, reviewer)
    existing = read_entries(paths.corrections)
    known = {_identity(e) for e in existing}
    new: list[dict[str, str]] = []
    rows_of: list[FilledRow] = []
    for row in filled:
        entry = _entry(row, today())
        if _identity(entry) in known:
            continue
        known.add(_identity(entry))
        new.append(entry)
        rows_of.append(row)
    if not new:
        return [], len(filled)
    with tempfile.TemporaryDirectory(prefix="nq57-apply-review-") as scratch:
        staged = Path(scratch) / "corrections.csv"
        write_entries(staged, existing + new)
        try:
            extraction = extract_seeds(paths.documents, staged, paths.layouts, paths.reference)
        except CorrectionError as error:
            message = str(error)
            # corrections.csv line N: the new entries follow the existing ones.
            for index, row in enumerate(rows_of):
                line = len(existing) + index + 2
                if message.startswith(f"corrections.csv line {line}:"):
                    message = message.replace(
                        f"corrections.csv line {line}", f"{workbook.name} row {row.sheet_row}"
                    )
            raise ReviewError(message) from error
        except LayoutError as error:
            raise ReviewError(str(error)) from error
        if not dry_run:
            shutil.copyfile(staged, paths.corrections)
            write_seeds(extraction.tables, paths.seeds)
    return new, len(filled) - len(new)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", type=Path, metavar="FILE", help="the filled review workbook (.xlsx)"
    )
    parser.add_argument(
        "--reviewer", metavar="NAME", help="reviewer for the rows that do not name one"
    )
    add_seeds_argument(parser, "seeds folder whose corrections.csv is extended")
    parser.add_argument(
        "--dry-run", action="store_true", help="check the corrections, write nothing"
    )


def main(args: argparse.Namespace) -> int:
    paths = Paths(args.seeds.resolve())
    try:
        new, already = apply_review(args.file, paths, args.reviewer, args.dry_run)
    except ReviewError as error:
        print(f"nq57 apply-review: {error}", file=sys.stderr)
        return 2
    for entry in new:
        print(
            f"  {entry['action']} {entry['table']} {entry['row_key']} {entry['column']}: "
            f"{entry['expected_value']!r} -> {entry['corrected_value']!r} "
            f"({entry['reviewed_by']}: {entry['reason']})"
        )
    verb = "would add" if args.dry_run else "added"
    print(
        f"nq57 apply-review: {verb} {len(new)} correction(s) to {shown(paths.corrections)}"
        + (f"; {already} row(s) already applied" if already else "")
        + ("" if args.dry_run or not new else "; seeds extracted again")
    )
    return 0
