"""What failed in a ``dbt build``, as quality-gate results with failing rows traced to source.

dbt's own report of a failed test is one line ("Got 12 results, configured to
fail if != 0"). The gate's report wants the rule, the failing rows and their
``source_file:source_line``: each failed test's compiled SQL is run again,
read-only, against the build file for a sample of the rows it returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from dagster_project.quality import CheckResult
from dagster_project.quality.results import FAILED, MAX_SAMPLES
from expectations.base import ERROR

DBT_VALIDATION = "dbt"
FAILED_STATUSES = frozenset({"fail", "error"})
RUNNABLE = frozenset({"model", "seed", "snapshot"})
TODO = (
    "dbt stopped the build on this test: find the rows above in the document or seed they "
    "point to and fix the source (or the model); dbt's log is in dbt/target/ of the run"
)


def _table(node: Mapping[str, Any]) -> str:
    return f"{node.get('schema', '?')}.{node.get('alias') or node.get('name', '?')}"


def _tested_node(test: Mapping[str, Any], nodes: Mapping[str, Any]) -> Mapping[str, Any]:
    attached = test.get("attached_node")
    if attached and attached in nodes:
        return nodes[attached]
    for parent in test.get("depends_on", {}).get("nodes", []):
        if parent in nodes:
            return nodes[parent]
    return test


def row_query(test: Mapping[str, Any], tested: Mapping[str, Any], compiled_sql: str) -> str:
    """SQL for the failing rows themselves, with their lineage columns where dbt's test has none.

    dbt's ``not_null`` and ``unique`` tests return only the tested column; the
    rows of the tested table behind them carry ``source_file``/``source_line``.
    """
    metadata = test.get("test_metadata") or {}
    column = test.get("column_name") or metadata.get("kwargs", {}).get("column_name")
    relation = tested.get("relation_name")
    if column and relation and metadata.get("name") == "not_null":
        return f"select * from {relation} where {column} is null"
    if column and relation and metadata.get("name") == "unique":
        return (
            f"select * from {relation} where {column} in "
            f"(select {column} from {relation} group by {column} having count(*) > 1)"
        )
    return compiled_sql


def failing_rows(warehouse: Path, compiled_sql: str) -> tuple[dict[str, Any], ...]:
    """Up to ``MAX_SAMPLES`` rows the test's SQL returns; none if it cannot run read-only."""
    if not compiled_sql:
        return ()
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return ()
    try:
        cursor = con.execute(
            f"select * from (\n{compiled_sql.strip().rstrip(';')}\n) as failing limit {MAX_SAMPLES}"
        )
        columns = [d[0] for d in cursor.description]
        return tuple(dict(zip(columns, row)) for row in cursor.fetchall())
    except duckdb.Error:
        # A test reading the submissions catalog (attached only while dbt runs).
        return ()
    finally:
        con.close()


def _blocking(table: str, check: str, note: str, **fields: Any) -> CheckResult:
    """A failed error-severity result of the dbt validation."""
    return CheckResult(
        table=table,
        validation=DBT_VALIDATION,
        check=check,
        severity=ERROR,
        status=FAILED,
        note=note,
        **fields,
    )


def dbt_failures(
    run_results: Mapping[str, Any], manifest: Mapping[str, Any], warehouse: Path
) -> list[CheckResult]:
    """A blocking :class:`CheckResult` for each failed test and each model that errored."""
    nodes = manifest.get("nodes", {})
    found = []
    for result in run_results.get("results", []):
        unique_id = result.get("unique_id", "")
        kind = unique_id.split(".", 1)[0]
        status = result.get("status")
        node = nodes.get(unique_id, {})
        check = node.get("name") or unique_id
        message = (result.get("message") or "").strip().splitlines()
        note = message[0] if message else status
        if kind == "test" and status in FAILED_STATUSES:
            tested = _tested_node(node, nodes)
            metadata = node.get("test_metadata") or {}
            column = node.get("column_name") or metadata.get("kwargs", {}).get("column_name")
            compiled = result.get("compiled_code") or ""
            found.append(
                _blocking(
                    _table(tested),
                    check,
                    note,
                    expectation_type=f"dbt {metadata.get('name', 'test')}",
                    columns=(column,) if column else (),
                    unexpected_count=result.get("failures") or None,
                    samples=failing_rows(warehouse, row_query(node, tested, compiled)),
                    why=node.get("description") or f"dbt test {node.get('original_file_path', '')}",
                    todo=TODO,
                )
            )
        elif kind in RUNNABLE and status == "error":
            found.append(
                _blocking(
                    _table(node),
                    check,
                    note,
                    expectation_type=f"dbt {kind}",
                    columns=(),
                    why=f"dbt could not build {node.get('original_file_path', unique_id)}",
                    todo="read dbt's message above; the model's SQL or its input is wrong",
                )
            )
    return found
