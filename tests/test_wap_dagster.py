"""Write-audit-publish in Dagster: runs build privately, blocking checks hold back the publish.

Runs execute the real ``build_warehouse`` job in process (Dagster, dbt,
DuckDB, Great Expectations) with the resources ``dagster dev`` uses, pointed
at temporary directories.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import run_build_warehouse_job
from dagster import AssetCheckSeverity, AssetKey, DagsterInstance
from test_pipeline_build import SEEDS, file_digest

from dagster_project.warehouse.publication import PUBLISHED_KEY
from dagster_project.warehouse.publish import WarehouseLayout

BUDGET_KEY = AssetKey(["marts", "fct_budget_lines"])
GX_CHECK = "great_expectations"
# The 2025 disbursement of project 1.2 (234/KH-UBND line 129). Its parent
# prints no disbursed figure, so dbt's sum test has nothing to compare and
# only the quality checks see the sign.
NEGATIVE_LINE = "lang-son-234-2025-fy2025-investment-2"
NEGATIVE_SOURCE_LINE = 129


@pytest.fixture(autouse=True)
def no_dagster_home(monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)


def negative_amount_seeds(destination: Path) -> Path:
    """A copy of the seeds in which one disbursed amount is printed negative."""
    shutil.copytree(SEEDS, destination)
    budget = destination / "budget_lines.csv"
    lines = budget.read_text(encoding="utf-8").splitlines(keepends=True)
    marker = f",{NEGATIVE_LINE},"
    hits = [i for i, line in enumerate(lines) if marker in line and ",disbursed," in line]
    assert len(hits) == 1, hits
    lines[hits[0]] = lines[hits[0]].replace('"7.976,478"', '"-7.976,478"')
    assert '"-7.976,478"' in lines[hits[0]]
    budget.write_text("".join(lines), encoding="utf-8")
    return destination


def materialized(result) -> set[AssetKey]:
    return {
        event.event_specific_data.materialization.asset_key
        for event in result.get_asset_materialization_events()
    }


def step_outcomes(result) -> dict[str, str]:
    return {
        event.step_key: event.event_type_value
        for event in result.all_events
        if event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE")
    }


def test_a_dagster_run_publishes_through_the_gate_and_links_the_report(dagster_build):
    result = dagster_build.result

    assert result.success
    assert PUBLISHED_KEY in materialized(result)
    assert dagster_build.published.is_file()
    (metadata,) = [
        event.event_specific_data.materialization.metadata
        for event in result.get_asset_materialization_events()
        if event.event_specific_data.materialization.asset_key == PUBLISHED_KEY
    ]
    summary = Path(metadata["quality_report"].value)
    assert summary.is_file() and summary.parent.parent == dagster_build.report_dir
    assert metadata["quality_report_url"].value == summary.resolve().as_uri()
    assert Path(metadata["data_docs"].value).is_file()
    assert Path(metadata["published"].value) == dagster_build.published
    # The build file was renamed into place and nothing was left behind.
    assert list(WarehouseLayout(dagster_build.published).build_root.iterdir()) == []


def test_every_blocking_check_ran_and_passed_before_the_publish(dagster_build):
    evaluations = dagster_build.result.get_asset_check_evaluations()
    gx = {e.asset_key: e for e in evaluations if e.check_name == GX_CHECK}

    assert BUDGET_KEY in gx and AssetKey(["raw", "budget_lines"]) in gx
    assert all(e.passed or e.severity == AssetCheckSeverity.WARN for e in gx.values())


def test_quality_checks_with_error_expectations_are_blocking():
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    specs = {
        key.asset_key: graph.get_check_spec(key)
        for key in graph.asset_check_keys
        if key.name == GX_CHECK
    }

    assert specs[BUDGET_KEY].blocking
    assert specs[AssetKey(["marts", "dim_plans"])].blocking


def test_the_publish_asset_waits_for_every_mart_and_checked_table():
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    upstream = graph.get(PUBLISHED_KEY).parent_keys
    marts = {key for key in graph.get_all_asset_keys() if key.path[0] == "marts"}

    assert marts <= upstream
    assert AssetKey(["raw", "budget_lines"]) in upstream


def test_nq57_build_leaves_out_only_the_publish_asset_and_the_checks_its_gate_repeats():
    from dagster_project.definitions import defs
    from dagster_project.warehouse.build import unpublished_build_job

    job = unpublished_build_job(defs)
    checks = job.asset_layer.asset_graph.asset_check_keys

    assert PUBLISHED_KEY not in job.asset_layer.selected_asset_keys
    assert BUDGET_KEY in job.asset_layer.selected_asset_keys
    assert not any(key.name == GX_CHECK for key in checks)
    # dbt's tests still run in the build, as asset checks of the dbt assets.
    assert any(
        key.asset_key == BUDGET_KEY and key.name == "assert_budget_children_sum_to_parent"
        for key in checks
    )


def test_a_failing_blocking_check_stops_the_publish_and_keeps_the_previous_file(
    previous_publication, tmp_path
):
    before = file_digest(previous_publication)
    seeds = negative_amount_seeds(tmp_path / "seeds")

    with DagsterInstance.ephemeral() as instance:
        result = run_build_warehouse_job(
            previous_publication, tmp_path / "reports", seeds, instance
        )

    assert not result.success
    # dbt built and tested everything: the check, not dbt, stopped the run.
    assert step_outcomes(result)["nq57_dbt_models"] == "STEP_SUCCESS"
    assert BUDGET_KEY in materialized(result)
    (budget_check,) = [
        e
        for e in result.get_asset_check_evaluations()
        if e.asset_key == BUDGET_KEY and e.check_name == GX_CHECK
    ]
    assert not budget_check.passed
    assert budget_check.severity == AssetCheckSeverity.ERROR
    samples = budget_check.metadata["failing_samples"].value
    negative = next(s for s in samples if s["check"] == "fct_budget_lines.amount_non_negative")
    assert negative["samples"][0]["source_line"] == NEGATIVE_SOURCE_LINE
    # Downstream of the failed blocking check: never run, never materialized.
    assert PUBLISHED_KEY not in materialized(result)
    assert not any(step.startswith("published") for step in step_outcomes(result))
    # The marts materialized above went to the run's private file, now removed.
    assert file_digest(previous_publication) == before
    layout = WarehouseLayout(previous_publication)
    assert list(layout.build_root.iterdir()) == []
    assert not layout.history_root.exists()


def test_a_run_that_leaves_out_the_publish_asset_is_refused(previous_publication, tmp_path):
    from dagster_project.definitions import defs
    from dagster_project.warehouse.resources import DuckDBWarehouse, SourceFiles

    before = file_digest(previous_publication)
    # What the UI launches when one asset is selected for materialization.
    job = defs.resolve_job_def("build_warehouse").get_subset(
        asset_selection={AssetKey(["raw", "plans"])}
    )

    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance,
            resources={
                "warehouse": DuckDBWarehouse(published_path=str(previous_publication)),
                "source_files": SourceFiles(seeds_dir=str(SEEDS)),
            },
            raise_on_error=False,
        )

    assert not result.success
    (refusal,) = [e for e in result.all_events if e.event_type_value == "RESOURCE_INIT_FAILURE"]
    error = refusal.event_specific_data.error
    while error.cause is not None:
        error = error.cause
    assert "only published/warehouse publishes" in error.message
    assert materialized(result) == set()
    assert file_digest(previous_publication) == before
