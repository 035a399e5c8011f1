"""``nq57 extract``: read the source documents and write (or check) the seed CSVs.

Generated CSVs are never edited by hand. A reviewed corrections file
(``seeds/corrections.csv``) is applied here, each correction guarded by the
value it expects to replace, so a correction that no longer applies fails
loudly instead of silently rewriting data.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from dataclasses import dataclass
from pathlib import Path

from .appendix import extract_appendices
from .body_targets import extract_appendix_references, extract_body_targets
from .budget import extract_budget_lines
from .documents import REPO_ROOT, SOURCE_DIR, Document, load_documents
from .figures import extract_reported_figures
from .plans import extract_plan
from .schema import SEED_TABLES, join_flags

SEED_DIR = REPO_ROOT / "seeds"
CORRECTIONS_FILE = SEED_DIR / "corrections.csv"
CORRECTION_COLUMNS = (
    "table",
    "row_key",
    "column",
    "expected_value",
    "corrected_value",
    "reason",
    "reviewed_by",
)
# Columns that identify a row of each table, used by corrections.
ROW_KEYS: dict[str, tuple[str, ...]] = {
    "plans": ("plan_id",),
    "plan_appendices": ("plan_id", "appendix_label"),
    "indicators": ("plan_id", "indicator_code"),
    "indicator_targets": ("plan_id", "indicator_code", "target_year"),
    "tasks": ("plan_id", "task_key"),
    "budget_lines": ("budget_line_id", "stage"),
    "reported_figures": ("figure_id",),
    "body_targets": ("target_id",),
}


class CorrectionError(ValueError):
    """A correction that does not apply to the freshly extracted rows."""


@dataclass(frozen=True)
class Correction:
    line: int
    table: str
    row_key: str
    column: str
    expected_value: str
    corrected_value: str
    reason: str
    reviewed_by: str


def extract_document(doc: Document) -> dict[str, list[dict]]:
    """All seed rows one document yields."""
    plan = extract_plan(doc)
    plan_id = plan["plan_id"]
    rows, table_flags = extract_appendices(doc, plan_id)
    appendices = extract_appendix_references(doc, plan_id)
    for appendix in appendices:
        extra = table_flags.get(appendix["appendix_label"], [])
        appendix["flags"] = join_flags(appendix["flags"], *extra)
    return {
        "plans": [plan],
        "plan_appendices": appendices,
        **rows,
        "budget_lines": extract_budget_lines(doc, plan_id),
        "reported_figures": extract_reported_figures(doc, plan_id),
        "body_targets": extract_body_targets(doc, plan_id),
    }


def extract_all(documents: list[Document]) -> dict[str, list[dict]]:
    tables: dict[str, list[dict]] = {name: [] for name in SEED_TABLES}
    for doc in documents:
        for name, rows in extract_document(doc).items():
            tables[name].extend(rows)
    return tables


def read_corrections(path: Path) -> list[Correction]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != CORRECTION_COLUMNS:
            raise CorrectionError(
                f"{path.name}: header must be {','.join(CORRECTION_COLUMNS)}, "
                f"got {','.join(reader.fieldnames or ())}"
            )
        return [Correction(line=i, **row) for i, row in enumerate(reader, start=2)]


def _key_of(table: str, row: dict) -> str:
    return ";".join(f"{column}={row[column]}" for column in ROW_KEYS[table])


def apply_corrections(tables: dict[str, list[dict]], corrections: list[Correction]) -> None:
    """Apply reviewed corrections in place; each row keeps a flag naming the old value."""
    for fix in corrections:
        where = f"corrections.csv line {fix.line}"
        if fix.table not in tables:
            raise CorrectionError(f"{where}: unknown table {fix.table!r}")
        if fix.column not in SEED_TABLES[fix.table] or fix.column in ROW_KEYS[fix.table]:
            raise CorrectionError(f"{where}: column {fix.column!r} cannot be corrected")
        matches = [row for row in tables[fix.table] if _key_of(fix.table, row) == fix.row_key]
        if len(matches) != 1:
            raise CorrectionError(
                f"{where}: row {fix.row_key!r} of {fix.table} matched {len(matches)} rows"
            )
        row = matches[0]
        if str(row[fix.column]) != fix.expected_value:
            raise CorrectionError(
                f"{where}: {fix.table} {fix.row_key} {fix.column} is {row[fix.column]!r}, "
                f"expected {fix.expected_value!r}; the correction no longer applies"
            )
        row[fix.column] = fix.corrected_value
        row["flags"] = join_flags(
            row["flags"],
            f"corrected: {fix.column} was {fix.expected_value!r} ({fix.reason}; "
            f"reviewed by {fix.reviewed_by})",
        )


def render_csv(table: str, rows: list[dict]) -> str:
    columns = SEED_TABLES[table]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        missing = set(columns) - set(row)
        extra = set(row) - set(columns)
        if missing or extra:
            raise ValueError(
                f"{table}: row from {row.get('source_file')}:{row.get('source_line')} "
                f"has missing columns {sorted(missing)} / unexpected {sorted(extra)}"
            )
        writer.writerow(row)
    return buffer.getvalue()


def render_all(
    source_dir: Path = SOURCE_DIR, corrections: Path = CORRECTIONS_FILE
) -> dict[str, str]:
    """CSV text of every seed table from a fresh extraction."""
    tables = extract_all(load_documents(source_dir))
    apply_corrections(tables, read_corrections(corrections))
    return {name: render_csv(name, rows) for name, rows in tables.items()}


def diff_seeds(rendered: dict[str, str], seed_dir: Path) -> list[str]:
    """Human-readable differences between fresh CSV text and the files on disk."""
    problems = []
    for table, text in rendered.items():
        path = seed_dir / f"{table}.csv"
        if not path.exists():
            problems.append(f"{path.name}: missing (run `nq57 extract`)")
            continue
        on_disk = path.read_text(encoding="utf-8").splitlines()
        fresh = text.splitlines()
        if on_disk == fresh:
            continue
        first = next(
            (i for i, (a, b) in enumerate(zip(on_disk, fresh, strict=False)) if a != b),
            min(len(on_disk), len(fresh)),
        )
        problems.append(
            f"{path.name}: differs from a fresh extraction at line {first + 1} "
            f"({len(on_disk)} lines committed, {len(fresh)} extracted)"
        )
    return problems


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the committed seeds differ from a fresh extraction",
    )
    parser.add_argument(
        "--seed-dir",
        type=Path,
        default=SEED_DIR,
        help="where the seed CSVs are written or checked (default: seeds/)",
    )


def main(args: argparse.Namespace) -> int:
    rendered = render_all()
    if args.check:
        problems = diff_seeds(rendered, args.seed_dir)
        for problem in problems:
            print(f"nq57 extract --check: {problem}", file=sys.stderr)
        if problems:
            print("Seeds are stale: run `make extract` and commit the result.", file=sys.stderr)
            return 1
        print(f"nq57 extract --check: {len(rendered)} seed tables match a fresh extraction")
        return 0
    args.seed_dir.mkdir(parents=True, exist_ok=True)
    for table, text in rendered.items():
        (args.seed_dir / f"{table}.csv").write_text(text, encoding="utf-8")
        rows = sum(1 for _ in csv.DictReader(io.StringIO(text)))
        print(f"wrote {args.seed_dir / (table + '.csv')}: {rows} rows")
    return 0
