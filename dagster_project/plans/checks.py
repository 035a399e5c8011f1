"""Asset checks of the plan-semantics rules: the GX suites, plus parse-status counts.

Each table of :data:`expectations.plan_semantics.PLAN_TABLE_CHECKS` gets one
``plan_semantics`` check, built like the quality gate's ``great_expectations``
checks (:mod:`dagster_project.quality.checks`), under its own name because
``marts.fct_tasks`` carries both: blocking when the suite has an
error-severity expectation. Its description explains each failure the way the
gate prints it: the rule, the count, up to five rows with ``file:line`` and
their text, and what to do. The quality gate runs the same suites
(``expectations.GATE_CHECKS``), so ``nq57 build`` writes its report and prints
the same explanation when one of them refuses a publish. The parse-status tables also carry, as check
metadata, the number of rows in each status (``ambiguous`` and ``invalid``
as plain numbers too), so what the parser refused to guess at is visible in
the Dagster UI without opening the data.
"""

from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from dagster_project.quality.checks import (
    WAREHOUSE_RESOURCE_KEY,
    WarehouseFile,
    check_result,
    default_asset_key,
)
from dagster_project.quality.results import CheckResult
from dagster_project.quality.runner import find_table, quote_identifier
from dagster_project.quality.validate import FrameValidator
from expectations.base import TableChecks, expectation_check
from expectations.plan_rules import NEEDS_REVIEW_STATUSES
from expectations.plan_semantics import PLAN_TABLE_CHECKS, STATUS_COLUMNS

from .frames import value_counts

CHECK_NAME = "plan_semantics"


def read_relation(warehouse_path: Path, table: str) -> pd.DataFrame | None:
    """A checked table or view, whole, from a read-only connection; ``None`` when absent.

    Read with a query rather than ``DuckDBPyConnection.table``, which does not
    find views (staging and intermediate models are views).
    """
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        found = find_table(con, table)
        if found is None:
            return None
        # Identifiers come from information_schema, never from data.
        qualified = ".".join(quote_identifier(part) for part in found)
        return con.sql(f"select * from {qualified}").df()


def validate_relation(checks: TableChecks, frame: pd.DataFrame | None) -> list[CheckResult]:
    """Every expectation of ``checks`` on ``frame`` (an absent table fails or skips them)."""
    return FrameValidator().check_table(checks, frame)


def parse_status_counts(
    frame: pd.DataFrame | None, column: str, statuses: tuple[str, ...]
) -> dict[str, int]:
    """Rows per status (every status listed, zeros included); empty when there is no column."""
    if frame is None or column not in frame.columns:
        return {}
    return value_counts(frame, column, statuses)


def status_metadata(counts: dict[str, int]) -> dict[str, dg.MetadataValue]:
    """Counts per status as JSON, and the ones needing review as numbers Dagster can plot."""
    if not counts:
        return {}
    return {
        "parse_status_counts": dg.MetadataValue.json(counts),
        **{status: dg.MetadataValue.int(counts.get(status, 0)) for status in NEEDS_REVIEW_STATUSES},
    }


def explain(summary: str, results: Sequence[CheckResult]) -> str:
    """The check's summary, then each failure: the rule, the count, up to five failing
    rows with ``file:line`` and their text, and what to do (blocking failures first)."""
    failed = sorted((r for r in results if r.failed), key=lambda r: not r.blocking)
    return "\n".join([summary, *(r.describe() for r in failed)])


def plan_asset_checks(
    table_checks: Sequence[TableChecks] = PLAN_TABLE_CHECKS,
) -> list[dg.AssetChecksDefinition]:
    """One ``plan_semantics`` check per table the issue-3 rules cover."""
    return [_table_check(checks) for checks in table_checks]


def _table_check(checks: TableChecks) -> dg.AssetChecksDefinition:
    names = sorted({expectation_check(e) for _, e in checks.expectations()})
    status = STATUS_COLUMNS.get(checks.table)

    @dg.asset_check(
        asset=default_asset_key(checks.table),
        name=CHECK_NAME,
        blocking=checks.has_blocking_checks(),
        description=f"Great Expectations suites for {checks.table}: " + ", ".join(names),
        required_resource_keys={WAREHOUSE_RESOURCE_KEY},
    )
    def _check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        warehouse: WarehouseFile = getattr(context.resources, WAREHOUSE_RESOURCE_KEY)
        frame = read_relation(warehouse.resolved_path(), checks.table)
        results = validate_relation(checks, frame)
        result = check_result(checks.table, results)
        counts = parse_status_counts(frame, *status) if status else {}
        return dg.AssetCheckResult(
            passed=result.passed,
            severity=result.severity,
            description=explain(result.description, results),
            metadata={**result.metadata, **status_metadata(counts)},
        )

    return _check
