"""The quality gate: validate a warehouse file, write the auditor report, give a verdict.

``nq57 build`` calls the gate on its private build file before publishing::

    gate = QualityGateCheck(report_dir)
    build_and_publish(published, build, checks=[gate])
    # gate.result.report.summary_html is the page to print, pass or fail

or directly::

    result = run_quality_gate(build_file, report_dir)
    result.raise_if_blocking()

The warehouse is opened read-only and each checked table read whole into
pandas (the tables are thousands of rows, not millions).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from dagster_project.extract.documents import REPO_ROOT
from expectations import TABLE_CHECKS
from expectations.base import TableChecks

from . import carry, history, report
from .results import CheckResult, GateResult, ReportPaths
from .validate import FrameValidator, new_context

# Report folders are named by the UTC time of the run, to the second.
STAMP_FORMAT = "%Y%m%d-%H%M%S"
# Where ``nq57 build`` keeps gate reports unless told otherwise; /reports/ is
# ignored by git and removed by ``make clean``.
DEFAULT_REPORT_DIR = REPO_ROOT / "reports" / "quality"


@dataclass(frozen=True)
class LoadedTable:
    """A checked table as read from the warehouse, or why it could not be."""

    name: str
    frame: pd.DataFrame | None
    note: str = ""


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def find_table(con: duckdb.DuckDBPyConnection, name: str) -> tuple[str, str] | None:
    """``(schema, table)`` for ``schema.table``, or for a bare name found in exactly one schema."""
    if "." in name:
        schema, table = name.split(".", 1)
        rows = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database() and table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    else:
        rows = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database() and table_name = ? order by table_schema",
            [name],
        ).fetchall()
        if len(rows) > 1:
            schemas = ", ".join(r[0] for r in rows)
            raise LookupError(f"table {name!r} exists in several schemas ({schemas})")
    return (rows[0][0], rows[0][1]) if rows else None


def read_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> pd.DataFrame:
    # Identifiers cannot be bound as parameters; both come from information_schema.
    # con.sql, not con.table: the latter does not resolve views in this DuckDB.
    return con.sql(f"select * from {quote_identifier(schema)}.{quote_identifier(table)}").df()


def load_table(con: duckdb.DuckDBPyConnection, name: str) -> LoadedTable:
    try:
        found = find_table(con, name)
    except LookupError as ambiguous:
        return LoadedTable(name, None, str(ambiguous))
    if found is None:
        return LoadedTable(name, None, "")
    return LoadedTable(name, read_table(con, *found))


def read_warehouse(warehouse_path: Path, names: Iterable[str]) -> dict[str, LoadedTable]:
    """The named tables, read whole from a read-only connection that is closed on return."""
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        return {name: load_table(con, name) for name in dict.fromkeys(names)}


def read_for_gate(
    warehouse_path: Path, names: Iterable[str], suites: str
) -> tuple[dict[str, LoadedTable], dict[str, str], dict[str, carry.TableRecord]]:
    """The named tables, their fingerprints, and the gate results the file records for ``suites``."""
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        loaded = {name: load_table(con, name) for name in dict.fromkeys(names)}
        fingerprints = {
            name: carry.table_fingerprint(con, *find_table(con, name))
            for name, table in loaded.items()
            if table.frame is not None
        }
        return loaded, fingerprints, carry.recorded(con, suites)


def validate_tables(
    validator: FrameValidator,
    loaded: dict[str, LoadedTable],
    table_checks: Sequence[TableChecks],
    previous_counts: dict[str, int] | None,
    carried: Mapping[str, carry.TableRecord] | None = None,
) -> list[CheckResult]:
    """Every suite's results; a table in ``carried`` takes its recorded ones instead."""
    results: list[CheckResult] = []
    for checks in table_checks:
        table = loaded[checks.table]
        if carried and checks.table in carried:
            names = {v.name for v in checks.validations}
            results += [r for r in carried[checks.table].results if r.validation in names]
            continue
        results += validator.check_table(checks, table.frame, absent_note=table.note)
    current = {
        c.table: len(loaded[c.table].frame)
        for c in table_checks
        if loaded[c.table].frame is not None
    }
    append_only = {c.table for c in table_checks if c.append_only}
    results += validator.check_row_counts(current, previous_counts, append_only)
    return results


def validate_warehouse(
    warehouse_path: Path,
    table_checks: Sequence[TableChecks] = TABLE_CHECKS,
    previous_counts: dict[str, int] | None = None,
) -> list[CheckResult]:
    """Check results for ``table_checks`` without writing a report (an ephemeral GX context)."""
    loaded = read_warehouse(warehouse_path, [c.table for c in table_checks])
    return validate_tables(FrameValidator(), loaded, table_checks, previous_counts)


def new_report_folder(report_dir: Path, checked_at: datetime) -> Path:
    stamp = checked_at.strftime(STAMP_FORMAT)
    folder = report_dir / stamp
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = report_dir / f"{stamp}-{suffix}"
    folder.mkdir(parents=True)
    return folder


def run_quality_gate(
    warehouse_path: Path,
    report_dir: Path,
    *,
    table_checks: Sequence[TableChecks] = TABLE_CHECKS,
    documents_dir: Path | None = None,
    prior_results: Sequence[CheckResult] = (),
) -> GateResult:
    """Validate every suite against ``warehouse_path`` and write a dated report folder.

    Returns the verdict; it never raises for failed checks (call
    :meth:`GateResult.raise_if_blocking`), only when the warehouse cannot be
    read at all. ``documents_dir`` holds the source documents quoted in the
    lineage section (default: the repository's copies). ``prior_results`` are
    checks that already ran elsewhere in the build (dbt's tests when they
    failed): they head the report and count in the verdict.
    """
    started = time.monotonic()
    warehouse_path = Path(warehouse_path)
    report_dir = Path(report_dir)
    checked_at = datetime.now(UTC)
    folder = new_report_folder(report_dir, checked_at)

    suites = carry.suites_fingerprint()
    loaded, fingerprints, recorded = read_for_gate(
        warehouse_path, [c.table for c in table_checks], suites
    )
    validations: dict[str, set[str]] = {}
    for checks in table_checks:
        validations.setdefault(checks.table, set()).update(v.name for v in checks.validations)
    carried = carry.carried_over(recorded, fingerprints, validations)

    previous = history.previous_counts(report_dir)
    # An ephemeral context whose Data Docs site is the report folder: the pages
    # render every suite and result of this run. A file context would also keep
    # their JSON under gx/, rewriting its configuration file for every batch,
    # which doubled the time of the validations.
    validator = FrameValidator(new_context(data_docs_dir=folder / "data_docs"))
    results = [
        *prior_results,
        *validate_tables(validator, loaded, table_checks, previous, carried),
    ]
    validator.build_data_docs()
    data_docs_index = folder / "data_docs" / "index.html"
    if not data_docs_index.is_file():
        raise RuntimeError(f"Great Expectations wrote no Data Docs index at {data_docs_index}")

    row_counts = {name: (None if t.frame is None else len(t.frame)) for name, t in loaded.items()}
    result = GateResult(
        warehouse_path=warehouse_path,
        checked_at=checked_at,
        duration_seconds=time.monotonic() - started,
        row_counts=row_counts,
        results=tuple(results),
        notes=tuple(f"{name}: {t.note}" for name, t in loaded.items() if t.note),
        table_fingerprints=fingerprints,
        suites_fingerprint=suites,
    )
    summary = report.write_summary(
        folder,
        result,
        report.ReportInputs(
            frames={name: t.frame for name, t in loaded.items() if t.frame is not None},
            previous_counts=previous,
            documents_dir=documents_dir,
        ),
    )
    history.record_run(
        report_dir,
        run_id=folder.name,
        checked_at=checked_at.isoformat(),
        warehouse=str(warehouse_path),
        blocking_failures=len(result.blocking_failures),
        row_counts=row_counts,
    )
    return replace(
        result,
        duration_seconds=time.monotonic() - started,
        report=ReportPaths(
            folder=folder,
            summary_html=summary,
            data_docs_index=data_docs_index,
        ),
    )


class QualityGateCheck:
    """A check for ``build_and_publish``: runs the gate on the build file, raises on errors.

    The result of the last run stays on ``result`` (also on the raised
    :class:`QualityGateError`), so the build can print the report paths whether
    the gate passed or not.
    """

    def __init__(
        self,
        report_dir: Path,
        documents_dir: Path | None = None,
        table_checks: Sequence[TableChecks] = TABLE_CHECKS,
    ):
        self.report_dir = Path(report_dir)
        self.documents_dir = documents_dir
        self.table_checks = table_checks
        self.result: GateResult | None = None

    def __call__(self, build_file: Path) -> None:
        self.result = run_quality_gate(
            build_file,
            self.report_dir,
            table_checks=self.table_checks,
            documents_dir=self.documents_dir,
        )
        self.result.raise_if_blocking()
