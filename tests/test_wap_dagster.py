"""Write-audit-publish in Dagster: runs build privately, blocking checks hold back the publish.

Runs execute the real ``build_warehouse`` job in process (Dagster, dbt,
DuckDB, Great Expectations) with the resources ``dagster dev`` uses, pointed
at temporary directories.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from conftest import recorded_job_runs
from dagster import AssetCheckSeverity, AssetKey, DagsterInstance
from test_pipeline_build import SEEDS, file_digest

from dagster_project.extract.parsed import amount_in_unit
from dagster_project.warehouse.publication import PUBLISHED_KEY
from dagster_project.warehouse.publish import WarehouseLayout

BUDGET_KEY = AssetKey(["marts", "fct_budget_lines"])
GX_CHECK = "great_expectations"
PLAN_CHECK = "plan_semantics"
# The 2025 disbursement of project 1.2 (234/KH-UBND line 129). Its parent
# prints no disbursed figure, so dbt's sum test has nothing to compare and
# only the quality checks see the sign.
NEGATIVE_LINE = "lang-son-234-2025-fy2025-investment-2"
NEGATIVE_SOURCE_LINE = 129
UNREADABLE_SOURCE_LINE = NEGATIVE_SOURCE_LINE
BUDGET_FILE = "004_c38ba8cad11c4ac1.txt"


@pytest.fixture(autouse=True)
def no_dagster_home(monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)


def seeds_with_amount(destination: Path, printed: str) -> Path:
    """A copy of the seeds in which one disbursed amount, 7.976,478, is printed ``printed``,
    with amount_in_unit as extraction reads it (empty when it cannot)."""
    shutil.copytree(SEEDS, destination)
    budget = destination / "budget_lines.csv"
    lines = budget.read_text(encoding="utf-8").splitlines(keepends=True)
    marker = f",{NEGATIVE_LINE},"
    hits = [i for i, line in enumerate(lines) if marker in line and ",disbursed," in line]
    assert len(hits) == 1, hits
    value, _ = amount_in_unit({"amount_text": printed, "flags": ""})
    lines[hits[0]] = lines[hits[0]].replace('"7.976,478",7976.478,', f'"{printed}",{value},')
    assert f'"{printed}",{value},' in lines[hits[0]]
    budget.write_text("".join(lines), encoding="utf-8")
    return destination


def negative_amount_seeds(destination: Path) -> Path:
    """A copy of the seeds in which one disbursed amount is printed negative."""
    return seeds_with_amount(destination, "-7.976,478")


def unreadable_amount_seeds(destination: Path) -> Path:
    """A copy of the seeds in which one amount is not a Vietnamese-format number."""
    return seeds_with_amount(destination, "0.60")


def step_failure_data(result):
    """What the run's one failed step reported: its description and metadata."""
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    return failure.event_specific_data.user_failure_data


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


def test_dbt_tests_ran_as_checks_and_the_gate_ran_the_suites_once(dagster_build):
    evaluations = dagster_build.result.get_asset_check_evaluations()
    names = {(e.asset_key, e.check_name) for e in evaluations}

    assert (BUDGET_KEY, "assert_budget_children_sum_to_parent") in names
    assert all(e.passed or e.severity == AssetCheckSeverity.WARN for e in evaluations)
    # The Great Expectations and plan suites run in the gate of published/warehouse only.
    assert not any(e.check_name in (GX_CHECK, PLAN_CHECK) for e in evaluations)


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


def test_the_one_build_job_ends_in_the_publish_asset_without_the_suites_the_gate_runs():
    from dagster_project.definitions import defs

    job = defs.resolve_job_def("build_warehouse")
    selected = job.asset_layer.selected_asset_keys
    checks = job.asset_layer.asset_graph.asset_check_keys

    assert PUBLISHED_KEY in selected and BUDGET_KEY in selected
    assert not any(key.path[0] == "submissions" for key in selected)
    # The suites are defined as checks (for running on their own) but not run by the job...
    defined = defs.resolve_asset_graph().asset_check_keys
    assert any(key.name == GX_CHECK for key in defined)
    assert not any(key.name in (GX_CHECK, PLAN_CHECK) for key in checks)
    # ... while dbt's tests run in the build, as asset checks of the dbt assets.
    assert any(
        key.asset_key == BUDGET_KEY and key.name == "assert_budget_children_sum_to_parent"
        for key in checks
    )


def test_a_failing_blocking_check_stops_the_publish_and_keeps_the_previous_file(
    refused_negative_build,
):
    """The Dagster run of ``nq57 build`` on a negative amount (conftest.refused_negative_build,
    whose output test_wap_faults.py reads): the build_warehouse job, limited to what the
    changed budget lines reach, over a copy of the session's publication."""
    refused = refused_negative_build
    result = refused.run.result()

    assert not result.success
    # dbt built and tested everything: the gate in the publish asset, not dbt, stopped the run.
    outcomes = step_outcomes(result)
    assert outcomes["nq57_dbt_models"] == "STEP_SUCCESS"
    assert outcomes["published__warehouse"] == "STEP_FAILURE"
    assert BUDGET_KEY in materialized(result)
    refusal = step_failure_data(result)
    assert (
        "fct_budget_lines.amount_non_negative" in refusal.metadata["blocking_failure_lines"].value
    )
    assert f":{NEGATIVE_SOURCE_LINE}" in refusal.metadata["blocking_failure_lines"].value
    summary = Path(refusal.metadata["quality_report"].value).read_text(encoding="utf-8")
    assert "BLOCKED" in summary and "fct_budget_lines.amount_non_negative" in summary
    assert PUBLISHED_KEY not in materialized(result)
    # The marts materialized above went to the run's private file, now removed.
    assert file_digest(refused.published) == refused.digest_before
    layout = WarehouseLayout(refused.published)
    assert list(layout.build_root.iterdir()) == []
    assert not layout.history_root.exists()


def test_a_failing_dbt_test_is_explained_in_a_quality_report(previous_publication, tmp_path):
    """dbt's test failures get the gate's report, with the failing rows traced to source.

    The run ``nq57 build`` makes of the edit (its runner, ``run_build``): the
    build_warehouse job for what reads the budget lines, as after any edit of a seed.
    """
    from dagster_project.commands.build import run_build
    from dagster_project.warehouse.build import BuildRefusedError

    before = file_digest(previous_publication)
    seeds = unreadable_amount_seeds(tmp_path / "seeds")

    out = io.StringIO()
    with recorded_job_runs() as runs, pytest.raises(BuildRefusedError):
        run_build(
            published=previous_publication,
            seeds_dir=seeds,
            report_dir=tmp_path / "reports",
            out=out,
        )
    (result,) = runs

    assert "incremental build" in out.getvalue()
    assert not result.success
    assert step_outcomes(result)["nq57_dbt_models"] == "STEP_FAILURE"
    refusal = step_failure_data(result)
    lines = refusal.metadata["blocking_failure_lines"].value
    assert "not_null_fct_budget_lines_amount_million_vnd" in lines
    assert f"{BUDGET_FILE}:{UNREADABLE_SOURCE_LINE}" in lines
    summary = Path(refusal.metadata["quality_report"].value).read_text(encoding="utf-8")
    assert "BLOCKED" in summary and "not_null_fct_budget_lines_amount_million_vnd" in summary
    assert file_digest(previous_publication) == before
    assert list(WarehouseLayout(previous_publication).build_root.iterdir()) == []


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
