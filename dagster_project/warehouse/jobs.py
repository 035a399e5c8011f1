"""Jobs over the warehouse assets."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job, in_process_executor

BUILD_WAREHOUSE_JOB = "build_warehouse"

# In-process: every step opens and closes its own DuckDB connection in turn,
# which a multiprocess executor would turn into competing writers.
# Submissions are ingested by their own job (sensor or `nq57 ingest`); a build
# reads the store and never ingests as a side effect; reports (partitioned by
# province and period) are written by their own job from the published file.
build_warehouse_job = define_asset_job(
    BUILD_WAREHOUSE_JOB,
    selection=AssetSelection.all() - AssetSelection.groups("submissions", "reports"),
    executor_def=in_process_executor,
    description=(
        "Verify the documents, load the seeds into raw, dbt build staging and marts in a "
        "private build file, run the quality checks, then publish the file atomically."
    ),
)
