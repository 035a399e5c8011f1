"""The one job that builds and publishes the warehouse.

``nq57 build``, ``dagster dev`` (the job in the UI) and every other caller run
this job; it ends in the ``published/warehouse`` write-audit-publish asset,
which runs the quality gate and swaps the build file onto the published path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dagster import (
    AssetChecksDefinition,
    AssetKey,
    AssetSelection,
    JobDefinition,
    define_asset_job,
    in_process_executor,
)

BUILD_WAREHOUSE_JOB = "build_warehouse"
# The ingest job's assets: the submissions store, which a build only reads.
SUBMISSIONS_GROUP = "submissions"
# The reports job's assets, written from the published file after a build.
REPORTS_GROUP = "reports"


def build_warehouse_job(gate_checks: Sequence[AssetChecksDefinition]):
    """The ``build_warehouse`` job: every warehouse asset, dbt's tests, and the publish asset.

    ``gate_checks`` are the asset checks the quality gate repeats (the Great
    Expectations and plan-semantics suites): the job leaves them out, so each
    suite runs once per build, in the gate, whose report explains any failure.
    They stay in the definitions for running on their own from the UI.
    """
    # In-process: every step opens and closes its own DuckDB connection in turn,
    # which a multiprocess executor would turn into competing writers.
    # Submissions are ingested by their own job (sensor or `nq57 ingest`); a build
    # reads the store and never ingests as a side effect; reports (partitioned by
    # province and period) are written by their own job from the published file.
    selection = AssetSelection.all() - AssetSelection.groups(SUBMISSIONS_GROUP, REPORTS_GROUP)
    if gate_checks:
        selection = selection - AssetSelection.checks(*gate_checks)
    return define_asset_job(
        BUILD_WAREHOUSE_JOB,
        selection=selection,
        executor_def=in_process_executor,
        description=(
            "Verify the documents, load the seeds into raw, dbt build staging and marts in a "
            "private build file, run the quality gate, then publish the file atomically."
        ),
    )


def subset_build_job(job: JobDefinition, asset_keys: Iterable[AssetKey]) -> JobDefinition:
    """The build job on ``asset_keys`` with only its own checks of them (dbt's tests).

    A plain ``get_subset`` would bring back the gate's suites, which the job leaves
    out because the publish step runs them once.
    """
    keys = set(asset_keys)
    checks = {key for key in job.asset_layer.asset_graph.asset_check_keys if key.asset_key in keys}
    return job.get_subset(asset_selection=keys, asset_check_selection=checks)
