"""The suites as Dagster asset checks: blocking on errors, samples in metadata, lazy warehouse."""

from pathlib import Path

import dagster as dg
import pandas as pd
from test_quality_warehouse_fixture import BUDGET_FILE, good_frames, write_warehouse

from dagster_project.quality.checks import (
    CHECK_NAME,
    build_quality_asset_checks,
    check_result,
    default_asset_key,
)
from dagster_project.quality.results import FAILED, CheckResult
from dagster_project.warehouse.resources import DuckDBWarehouse
from expectations import TABLE_CHECKS, fct_budget_lines

BUDGET_KEY = dg.AssetKey(["marts", "fct_budget_lines"])


def budget_assets(frames: dict[str, pd.DataFrame]):
    """The budget mart written by an asset, and a report built from it downstream."""

    @dg.asset(key=BUDGET_KEY, required_resource_keys={"warehouse"})
    def budget(context: dg.AssetExecutionContext) -> None:
        path = context.resources.warehouse.resolved_path()
        path.unlink(missing_ok=True)
        write_warehouse(path, {"marts.fct_budget_lines": frames["marts.fct_budget_lines"]})

    @dg.asset(deps=[BUDGET_KEY])
    def budget_report() -> None:
        """Stands for anything that must not read an unchecked budget."""

    return budget, budget_report


def materialize(frames: dict[str, pd.DataFrame], warehouse: Path) -> dg.ExecuteInProcessResult:
    checks = build_quality_asset_checks([fct_budget_lines.CHECKS])
    return dg.materialize(
        [*budget_assets(frames), *checks],
        resources={"warehouse": DuckDBWarehouse(path=str(warehouse))},
        raise_on_error=False,
    )


def materialized_keys(result: dg.ExecuteInProcessResult) -> set[dg.AssetKey]:
    return {
        e.event_specific_data.materialization.asset_key
        for e in result.get_asset_materialization_events()
    }


def evaluation(result: dg.ExecuteInProcessResult):
    (only,) = result.get_asset_check_evaluations()
    return only


def test_one_check_per_table_blocking_where_errors_are_declared():
    checks = build_quality_asset_checks()
    specs = [spec for c in checks for spec in c.check_specs]
    assert [s.asset_key for s in specs] == [default_asset_key(c.table) for c in TABLE_CHECKS]
    assert {s.name for s in specs} == {CHECK_NAME}
    assert all(s.blocking for s in specs)
    assert default_asset_key("raw.budget_lines") == dg.AssetKey(["raw", "budget_lines"])


def test_building_the_checks_reads_no_warehouse(tmp_path: Path):
    missing = tmp_path / "nowhere" / "nq57.duckdb"
    build_quality_asset_checks(history_dir=tmp_path / "no-reports")
    assert not missing.exists() and not (tmp_path / "no-reports").exists()


def test_a_clean_budget_passes_and_the_downstream_asset_runs(tmp_path: Path):
    result = materialize(good_frames(), tmp_path / "nq57.duckdb")
    check = evaluation(result)
    assert check.passed
    assert check.metadata["checks_failed"].value == 0
    assert check.metadata["checks_run"].value > 10
    assert dg.AssetKey("budget_report") in materialized_keys(result)


def test_an_unbalanced_budget_fails_blocking_and_stops_downstream(tmp_path: Path):
    frames = good_frames()
    budget = frames["marts.fct_budget_lines"]
    budget.loc[budget["budget_line_id"] == "ls234-2026-tx-1", "amount_million_vnd"] = 205160.0
    result = materialize(frames, tmp_path / "nq57.duckdb")

    check = evaluation(result)
    assert not check.passed
    assert check.severity == dg.AssetCheckSeverity.ERROR
    assert "fct_budget_lines.parent_equals_children" in check.metadata["failures"].value
    assert f"{BUDGET_FILE}:174" in check.metadata["failures"].value
    (sample,) = check.metadata["failing_samples"].value
    assert sample["check"] == "fct_budget_lines.parent_equals_children"
    assert sample["samples"][0]["source_line"] == 174
    assert dg.AssetKey("budget_report") not in materialized_keys(result)


def test_warn_only_failures_fail_the_check_with_warn_severity():
    warned = CheckResult(
        table="marts.fct_reported_figures",
        validation="marts.fct_reported_figures.flagged_share",
        check="fct_reported_figures.flagged_share",
        expectation_type="expect_column_values_to_be_in_set",
        columns=("is_flagged",),
        severity="warn",
        status=FAILED,
        unexpected_count=95,
        samples=({"figure_id": "f|1", "source_file": BUDGET_FILE, "source_line": 17},),
    )
    result = check_result("marts.fct_reported_figures", [warned])
    assert not result.passed
    assert result.severity == dg.AssetCheckSeverity.WARN
    assert "f\\|1" not in result.metadata["failures"].value
    assert f"{BUDGET_FILE}:17" in result.metadata["failures"].value
