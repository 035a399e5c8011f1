"""Dagster asset checks running the ``expectations`` suites, one check per checked table.

A table with any error-severity expectation gets a blocking check: when one
of those fails the check fails with ERROR severity and Dagster skips the
assets downstream. Warn-only failures fail the check with WARN severity.
The warehouse file comes from the run's warehouse resource when the check
runs, never at import time, so a build that points the resource at its build
file checks that file.
"""

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import dagster as dg

from expectations import TABLE_CHECKS
from expectations.base import TableChecks, expectation_check

from . import history
from .results import SKIPPED, CheckResult
from .runner import validate_warehouse
from .severity import ERROR, WARN, dagster_severity

WAREHOUSE_RESOURCE_KEY = "warehouse"
CHECK_NAME = "great_expectations"


class WarehouseFile(Protocol):
    """What the checks need of the warehouse resource (``DuckDBWarehouse`` provides it)."""

    def resolved_path(self) -> Path: ...


def default_asset_key(table: str) -> dg.AssetKey:
    """``marts.fct_tasks`` -> ``AssetKey(["marts", "fct_tasks"])``."""
    return dg.AssetKey(table.split("."))


def check_result(table: str, results: Sequence[CheckResult]) -> dg.AssetCheckResult:
    """One Dagster result summarising every expectation run for ``table``."""
    failed = [r for r in results if r.failed]
    run = [r for r in results if r.status != SKIPPED]
    blocking = [r for r in failed if r.blocking]
    severity = dagster_severity(ERROR if blocking else WARN)
    samples: list[dict[str, Any]] = [
        {
            "check": r.check,
            "severity": r.severity,
            "unexpected_count": r.unexpected_count,
            "observed_value": r.observed_value,
            "note": r.note,
            "samples": list(r.samples),
        }
        for r in failed
    ]
    return dg.AssetCheckResult(
        passed=not failed,
        severity=severity,
        description=(
            f"{len(run)} expectations run on {table}: {len(blocking)} blocking, "
            f"{len(failed) - len(blocking)} warning, {len(results) - len(run)} skipped"
        ),
        metadata={
            "checks_run": len(run),
            "checks_failed": len(failed),
            "blocking_failures": len(blocking),
            "checks_skipped": len(results) - len(run),
            "failures": dg.MetadataValue.md(_failures_markdown(failed)),
            "failing_samples": dg.MetadataValue.json(samples),
            "skipped": dg.MetadataValue.json(
                sorted({f"{r.check}: {r.note}" for r in results if r.status == SKIPPED})
            ),
        },
    )


def _md(value: Any) -> str:
    """A table cell: pipes and newlines would break the Markdown table."""
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def _failures_markdown(failed: Sequence[CheckResult]) -> str:
    if not failed:
        return "All expectations passed."
    lines = ["| check | severity | failing rows | where (first samples) |", "|---|---|---|---|"]
    for r in failed:
        where = ", ".join(
            f"{s.get('source_file')}:{s.get('source_line')}"
            for s in r.samples[:3]
            if s.get("source_file") is not None
        )
        count = r.unexpected_count if r.unexpected_count is not None else r.observed_value
        lines.append(
            f"| {_md(r.check)} | {_md(r.severity)} | {_md(count)} | {_md(where or r.note)} |"
        )
    return "\n".join(lines)


def build_quality_asset_checks(
    table_checks: Sequence[TableChecks] = TABLE_CHECKS,
    asset_key_for: Callable[[str], dg.AssetKey] = default_asset_key,
    warehouse_resource_key: str = WAREHOUSE_RESOURCE_KEY,
    history_dir: Path | None = None,
) -> list[dg.AssetChecksDefinition]:
    """One ``@asset_check`` per table; pass only tables whose assets exist in the definitions.

    ``history_dir`` is the gate's report directory: when given, the row-count
    check compares with the last passing gate run recorded there (read when
    the check runs).
    """
    return [
        _table_check(checks, asset_key_for(checks.table), warehouse_resource_key, history_dir)
        for checks in table_checks
    ]


def _table_check(
    checks: TableChecks,
    asset_key: dg.AssetKey,
    warehouse_resource_key: str,
    history_dir: Path | None,
) -> dg.AssetChecksDefinition:
    names = sorted({expectation_check(e) for _, e in checks.expectations()})

    @dg.asset_check(
        asset=asset_key,
        name=CHECK_NAME,
        blocking=checks.has_blocking_checks(),
        description=f"Great Expectations suites for {checks.table}: " + ", ".join(names),
        required_resource_keys={warehouse_resource_key},
    )
    def _check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        warehouse: WarehouseFile = getattr(context.resources, warehouse_resource_key)
        previous = history.previous_counts(history_dir) if history_dir is not None else None
        results = validate_warehouse(warehouse.resolved_path(), [checks], previous)
        return check_result(checks.table, results)

    return _check
