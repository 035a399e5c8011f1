"""Results a gate run carries over from the publication it started from.

A published warehouse records what the gate found in it, table by table, in
``raw.quality_gate_results``: a fingerprint of the table's rows and columns, a
fingerprint of the suites (the code of ``expectations`` and of this package),
the gate run that validated it (its report folder and time) and its results. An incremental build
starts from a copy of the published file, so its gate finds that record: a
table whose rows, columns and suites are unchanged has the same results, and
the gate takes them over instead of validating it again. Each carried result
names the gate run it comes from, and the report lists them apart, so an
auditor sees which results were carried over and from which build.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import duckdb

from dagster_project.duckdb_tables import replace_table_rows, rows_fingerprint

from .results import CheckResult, GateResult

RESULTS_SCHEMA = "raw"
RESULTS_TABLE = "quality_gate_results"
RESULTS_COLUMNS = {
    "table_name": "varchar",
    "table_fingerprint": "varchar",
    "suites_fingerprint": "varchar",
    "validated_by": "varchar",
    "results": "varchar",
}
_SUITE_ROOTS = (
    Path(__file__).resolve().parent,
    Path(__file__).resolve().parents[2] / "expectations",
)


@dataclass(frozen=True)
class TableRecord:
    """The gate's results for one table, and the run that validated it."""

    table: str
    fingerprint: str
    # "<report folder> (<checked at>)" of the gate run that validated the table.
    validated_by: str
    results: tuple[CheckResult, ...]


def suites_fingerprint() -> str:
    """The code that decides a table's results: the suites and the validator."""
    digest = hashlib.sha256()
    for root in _SUITE_ROOTS:
        for path in sorted(root.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(root.parent)).encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def table_fingerprint(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> str:
    """Columns with their types, then the rows in any order: equal tables, equal fingerprints."""
    columns = con.execute(f'describe "{schema}"."{table}"').fetchall()
    count, rows = rows_fingerprint(con, schema, table)
    described = ";".join(f"{name} {kind}" for name, kind, *_ in columns)
    return hashlib.sha256(f"{described}|{count}|{rows}".encode()).hexdigest()


def _has_table(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_catalog = current_database() and table_schema = ? and table_name = ?",
            [RESULTS_SCHEMA, RESULTS_TABLE],
        ).fetchone()[0]
    )


def recorded(con: duckdb.DuckDBPyConnection, suites: str) -> dict[str, TableRecord]:
    """The records of the warehouse ``con`` opens made by the same suites, by table."""
    if not _has_table(con):
        return {}
    rows = con.execute(
        f"select table_name, table_fingerprint, validated_by, results "
        f"from {RESULTS_SCHEMA}.{RESULTS_TABLE} where suites_fingerprint = ?",
        [suites],
    ).fetchall()
    return {
        table: TableRecord(
            table,
            fingerprint,
            validated_by,
            tuple(_from_json(item, validated_by) for item in json.loads(results)),
        )
        for table, fingerprint, validated_by, results in rows
    }


def carried_over(
    records: Mapping[str, TableRecord],
    fingerprints: Mapping[str, str],
    validations: Mapping[str, set[str]],
) -> dict[str, TableRecord]:
    """The records still true: same rows and columns, and every validation asked for in them."""
    return {
        table: record
        for table, record in records.items()
        if table in validations
        and fingerprints.get(table) == record.fingerprint
        and validations[table] <= {r.validation for r in record.results}
    }


def _from_json(item: Mapping, source: str) -> CheckResult:
    fields = dict(item)
    fields["columns"] = tuple(fields["columns"])
    fields["samples"] = tuple(fields["samples"])
    fields["carried_from"] = source
    return CheckResult(**fields)


def table_records(
    results: Iterable[CheckResult], fingerprints: Mapping[str, str], validated_by: str
) -> list[TableRecord]:
    """One record per fingerprinted table; a carried table keeps the run that validated it."""
    by_table: dict[str, list[CheckResult]] = {}
    for result in results:
        if result.table in fingerprints:
            by_table.setdefault(result.table, []).append(result)
    return [
        TableRecord(
            table,
            fingerprints[table],
            next((r.carried_from for r in items if r.carried_from), validated_by),
            tuple(replace(r, carried_from="") for r in items),
        )
        for table, items in by_table.items()
    ]


def record(con: duckdb.DuckDBPyConnection, records: Sequence[TableRecord], suites: str) -> None:
    """Replace ``raw.quality_gate_results`` with ``records``, in one transaction."""
    replace_table_rows(
        con,
        RESULTS_SCHEMA,
        RESULTS_TABLE,
        RESULTS_COLUMNS,
        (
            (
                r.table,
                r.fingerprint,
                suites,
                r.validated_by,
                json.dumps([asdict(item) for item in r.results], ensure_ascii=False),
            )
            for r in records
        ),
    )


def record_gate(con: duckdb.DuckDBPyConnection, result: GateResult) -> None:
    """Record what the gate ``result`` found in the warehouse ``con`` writes (it checked that file)."""
    records = table_records(result.results, result.table_fingerprints, result.validated_by)
    record(con, records, result.suites_fingerprint)
