"""``nq57 extract``: read the source documents and write (or check) the seed CSVs.

Generated CSVs are never edited by hand. Two reviewed files in ``seeds/`` say
what the parser cannot see for itself, and are applied here on every run:

- ``seeds/layouts.yml`` (:mod:`.layouts`): per document, the province, the
  appendices to skip, the role of a header word, or a whole column map;
- ``seeds/corrections.csv``: per row, a corrected cell (``set``), a row to
  drop (``drop``) or a row the parser missed (``add``), each with who
  reviewed it, why and when. ``set`` and ``drop`` are guarded by the value
  they expect, so a correction that no longer applies fails loudly instead of
  silently rewriting data; a corrected or added row keeps a flag saying so,
  which reaches the marts.

A run that writes the seeds also writes the review workbook
(``reports/review/review.xlsx``, :mod:`.review`) for every plan.

One document's trouble never stops the others: an appendix that cannot be
read is set aside (``plan_appendices.status`` ``unreadable``, with the reason
and line in ``flags``), a document that cannot be read at all is left out
with its error, and both are listed on stderr with a non-zero exit status.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from dagster_project.semantics.agencies import load_registry
from dagster_project.semantics.reference_tables import read_reference_csv

from .appendix import extract_appendices
from .body_targets import extract_appendix_references, extract_body_targets
from .budget import extract_budget_lines
from .documents import REPO_ROOT, SOURCE_DIR, Document, load_documents
from .figures import extract_reported_figures
from .layouts import LAYOUTS_FILE_NAME, NO_LAYOUT, DocumentLayout, LayoutError, read_layouts
from .parsed import PARSERS, add_parsed_values
from .plans import extract_plan
from .review import review_items, write_workbook
from .schema import SEED_TABLES, join_flags, read_csv_rows

SEED_DIR = REPO_ROOT / "seeds"
CORRECTIONS_FILE = SEED_DIR / "corrections.csv"
LAYOUTS_FILE = SEED_DIR / LAYOUTS_FILE_NAME
REVIEW_DIR = REPO_ROOT / "reports" / "review"
REVIEW_WORKBOOK = "review.xlsx"
CORRECTION_COLUMNS = (
    "action",
    "table",
    "row_key",
    "column",
    "expected_value",
    "corrected_value",
    "reason",
    "reviewed_by",
    "review_date",
)
ACTIONS = ("set", "drop", "add")
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
UNREADABLE_FLAG = "appendix_unreadable"


class CorrectionError(ValueError):
    """A correction that does not apply to the freshly extracted rows."""


@dataclass(frozen=True)
class Correction:
    line: int
    action: str
    table: str
    row_key: str
    column: str
    expected_value: str
    corrected_value: str
    reason: str
    reviewed_by: str
    review_date: str


@dataclass(frozen=True)
class Extraction:
    """Every seed row of the documents, and what could not be read (``file:line: reason``)."""

    tables: dict[str, list[dict]]
    problems: tuple[str, ...]


def province_name_of(province_id: str | None, reference_dir: Path | None = None) -> str | None:
    """The name of a province id of ``provinces.csv``; None for None."""
    if province_id is None:
        return None
    rows = read_reference_csv((reference_dir or SEED_DIR / "reference") / "provinces.csv")
    names = {row["province_id"]: row["province_name"] for row in rows}
    if province_id not in names:
        raise LayoutError(f"province {province_id!r} is not in seeds/reference/provinces.csv")
    return names[province_id]


def extract_document(
    doc: Document, layout: DocumentLayout = NO_LAYOUT, reference_dir: Path | None = None
) -> dict[str, list[dict]]:
    """All seed rows one document yields (``reference_dir`` names the layout's province)."""
    plan = extract_plan(doc, province_name_of(layout.province_id, reference_dir))
    plan_id = plan["plan_id"]
    rows, table_flags = extract_appendices(doc, plan_id, layout)
    appendices = extract_appendix_references(doc, plan_id)
    for appendix in appendices:
        extra = table_flags.get(appendix["appendix_label"], [])
        appendix["flags"] = join_flags(appendix["flags"], *extra)
        if any(flag.startswith(UNREADABLE_FLAG) for flag in extra):
            appendix["status"] = "unreadable"
    return {
        "plans": [plan],
        "plan_appendices": appendices,
        **rows,
        "budget_lines": extract_budget_lines(doc, plan_id),
        "reported_figures": extract_reported_figures(doc, plan_id),
        "body_targets": extract_body_targets(doc, plan_id),
    }


def extract_all(
    documents: list[Document],
    layouts: dict[str, DocumentLayout] | None = None,
    reference_dir: Path | None = None,
) -> Extraction:
    """Every document's rows; a document or appendix that cannot be read is listed, not fatal."""
    layouts = layouts or {}
    unknown = sorted(set(layouts) - {doc.source_file for doc in documents})
    if unknown:
        raise LayoutError(f"{LAYOUTS_FILE_NAME}: no source document {', '.join(unknown)}")
    tables: dict[str, list[dict]] = {name: [] for name in SEED_TABLES}
    problems: list[str] = []
    for doc in documents:
        try:
            extracted = extract_document(
                doc, layouts.get(doc.source_file, NO_LAYOUT), reference_dir
            )
        # Any failure: reported with the file and in the exit status, never dropped.
        except Exception as error:
            problems.append(
                f"{doc.source_file}: not extracted ({type(error).__name__}: {error}); "
                "the other documents were"
            )
            continue
        for name, rows in extracted.items():
            tables[name].extend(rows)
        problems += [
            f"{row['flags'].split(UNREADABLE_FLAG + ': ', 1)[1]} (Phụ lục "
            f"{row['appendix_label']} set aside, the rest of {doc.source_file} read)"
            for row in extracted["plan_appendices"]
            if row["status"] == "unreadable"
        ]
    return Extraction(tables, tuple(problems))


def read_corrections(path: Path) -> list[Correction]:
    if not path.exists():
        return []
    rows = read_csv_rows(path, CORRECTION_COLUMNS, "corrections", CorrectionError)
    return [Correction(line=i, **row) for i, row in enumerate(rows, start=2)]


def _key_of(table: str, row: dict) -> str:
    return ";".join(f"{column}={row[column]}" for column in ROW_KEYS[table])


def _parse_key(table: str, row_key: str, where: str) -> dict[str, str]:
    parts = dict(part.split("=", 1) for part in row_key.split(";") if "=" in part)
    if set(parts) != set(ROW_KEYS[table]):
        raise CorrectionError(
            f"{where}: row_key {row_key!r} must name {', '.join(ROW_KEYS[table])} of {table}"
        )
    return parts


def _added_row(fix: Correction, where: str) -> dict:
    """The row an ``add`` correction describes: its key plus the JSON in corrected_value."""
    try:
        values = json.loads(fix.corrected_value)
    except json.JSONDecodeError as error:
        raise CorrectionError(f"{where}: corrected_value is not a JSON object: {error}") from error
    if not isinstance(values, dict):
        raise CorrectionError(f"{where}: corrected_value is not a JSON object")
    row = {column: "" for column in SEED_TABLES[fix.table]}
    unknown = set(values) - set(row)
    if unknown:
        raise CorrectionError(f"{where}: {fix.table} has no column {', '.join(sorted(unknown))}")
    for column in values:
        _refuse_parsed(fix.table, column, where)
    row.update({column: str(value) for column, value in values.items()})
    row.update(_parse_key(fix.table, fix.row_key, where))
    if not row["source_file"] or not str(row["source_line"]).isdigit():
        raise CorrectionError(
            f"{where}: an added row says where it is printed (source_file, source_line)"
        )
    row["source_line"] = int(row["source_line"])
    row["flags"] = join_flags(
        row["flags"], f"added: by review ({fix.reason}; reviewed by {fix.reviewed_by})"
    )
    return row


def _refuse_parsed(table: str, column: str, where: str) -> None:
    if (table, column) in PARSERS:
        raise CorrectionError(
            f"{where}: {table}.{column} is parsed from the printed text; "
            "correct the text column instead and the value follows"
        )


def apply_corrections(tables: dict[str, list[dict]], corrections: list[Correction]) -> None:
    """Apply reviewed corrections in place; each touched row keeps a flag saying what changed."""
    for fix in corrections:
        where = f"corrections.csv line {fix.line}"
        if fix.action not in ACTIONS:
            raise CorrectionError(
                f"{where}: action {fix.action!r} is not one of {', '.join(ACTIONS)}"
            )
        if fix.table not in tables:
            raise CorrectionError(f"{where}: unknown table {fix.table!r}")
        if not fix.reviewed_by or not fix.reason:
            raise CorrectionError(f"{where}: reviewed_by and reason are required")
        matches = [row for row in tables[fix.table] if _key_of(fix.table, row) == fix.row_key]
        if fix.action == "add":
            if matches:
                raise CorrectionError(
                    f"{where}: row {fix.row_key!r} of {fix.table} is already extracted; "
                    "the correction no longer applies"
                )
            tables[fix.table].append(_added_row(fix, where))
            continue
        if fix.column not in SEED_TABLES[fix.table] or fix.column in ROW_KEYS[fix.table]:
            raise CorrectionError(f"{where}: column {fix.column!r} cannot be corrected")
        _refuse_parsed(fix.table, fix.column, where)
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
        if fix.action == "drop":
            tables[fix.table].remove(row)
            continue
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


def extract_seeds(
    source_dir: Path = SOURCE_DIR,
    corrections: Path = CORRECTIONS_FILE,
    layouts: Path = LAYOUTS_FILE,
    reference_dir: Path | None = None,
) -> Extraction:
    """A fresh extraction of every document with the reviewed layouts and corrections applied."""
    extraction = extract_all(load_documents(source_dir), read_layouts(layouts), reference_dir)
    apply_corrections(extraction.tables, read_corrections(corrections))
    add_parsed_values(extraction.tables)
    return extraction


def render_all(
    source_dir: Path = SOURCE_DIR,
    corrections: Path = CORRECTIONS_FILE,
    layouts: Path = LAYOUTS_FILE,
) -> dict[str, str]:
    """CSV text of every seed table from a fresh extraction."""
    tables = extract_seeds(source_dir, corrections, layouts).tables
    return {name: render_csv(name, rows) for name, rows in tables.items()}


def write_seeds(tables: dict[str, list[dict]], seed_dir: Path) -> dict[str, int]:
    """Write every seed CSV; rows written per table."""
    seed_dir.mkdir(parents=True, exist_ok=True)
    for table, rows in tables.items():
        (seed_dir / f"{table}.csv").write_text(render_csv(table, rows), encoding="utf-8")
    return {table: len(rows) for table, rows in tables.items()}


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
    parser.add_argument(
        "--review-dir",
        type=Path,
        default=REVIEW_DIR,
        help=f"where the review workbook ({REVIEW_WORKBOOK}) is written (default: reports/review/)",
    )


def report_problems(problems: tuple[str, ...], command: str) -> None:
    for problem in problems:
        print(f"{command}: {problem}", file=sys.stderr)
    if problems:
        print(
            f"{command}: {len(problems)} document part(s) could not be read; the rest was "
            "extracted. Say what the parser cannot see in seeds/layouts.yml (see "
            "docs/onboarding.md).",
            file=sys.stderr,
        )


def main(args: argparse.Namespace) -> int:
    try:
        extraction = extract_seeds()
    except (LayoutError, CorrectionError) as error:
        print(f"nq57 extract: {error}", file=sys.stderr)
        return 2
    rendered = {name: render_csv(name, rows) for name, rows in extraction.tables.items()}
    if args.check:
        problems = diff_seeds(rendered, args.seed_dir)
        for problem in problems:
            print(f"nq57 extract --check: {problem}", file=sys.stderr)
        report_problems(extraction.problems, "nq57 extract --check")
        if problems:
            print("Seeds are stale: run `make extract` and commit the result.", file=sys.stderr)
            return 1
        print(f"nq57 extract --check: {len(rendered)} seed tables match a fresh extraction")
        return 1 if extraction.problems else 0
    for table, rows in write_seeds(extraction.tables, args.seed_dir).items():
        print(f"wrote {args.seed_dir / (table + '.csv')}: {rows} rows")
    registry = load_registry(SEED_DIR / "reference")
    items = review_items(extraction.tables, registry)
    workbook = write_workbook(
        args.review_dir / REVIEW_WORKBOOK, items, registry, extraction.problems
    )
    print(f"review workbook: {workbook} ({len(items)} cells and names to review)")
    report_problems(extraction.problems, "nq57 extract")
    return 1 if extraction.problems else 0
