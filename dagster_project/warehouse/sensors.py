"""A sensor that rebuilds and publishes the warehouse after an ingest run stored new files.

The landing sensor starts ``ingest_submissions_job`` for new files; when that run
succeeds and stored at least one new file, this sensor requests the one
``build_warehouse`` job, the same job ``nq57 build`` and the UI run, ending in
the ``published/warehouse`` write-audit-publish asset. A run that only met files
already ingested (or refused as SYNTHETIC) requests nothing: the inputs of the
published warehouse did not change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagster import (
    DagsterEventType,
    DagsterRunStatus,
    DefaultSensorStatus,
    JobDefinition,
    RunRequest,
    RunStatusSensorContext,
    RunStatusSensorDefinition,
    SkipReason,
    run_status_sensor,
)

from dagster_project.submissions.assets import FILES_KEY, ingest_submissions_job

if TYPE_CHECKING:
    # Only for the annotation: define_asset_job returns this (non-public) type.
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )

# The metadata entry of raw/submission_files listing the files a run stored.
FILES_THIS_RUN = "files_this_run"


def files_stored_by_run(context: RunStatusSensorContext) -> list[dict]:
    """The ``files_this_run`` entries of the ingest run that triggered ``context``."""
    records = context.instance.get_records_for_run(
        context.dagster_run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION
    ).records
    stored: list[dict] = []
    for record in records:
        materialization = record.event_log_entry.asset_materialization
        if materialization is None or materialization.asset_key != FILES_KEY:
            continue
        entry = materialization.metadata.get(FILES_THIS_RUN)
        if entry is not None:
            stored.extend(entry.value)
    return stored


def build_after_ingest_sensor(
    build_job: JobDefinition | UnresolvedAssetJobDefinition,
    *,
    name: str = "build_after_ingest_sensor",
    default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
) -> RunStatusSensorDefinition:
    """Request ``build_job`` once per successful ingest run that stored new files."""

    @run_status_sensor(
        run_status=DagsterRunStatus.SUCCESS,
        name=name,
        monitored_jobs=[ingest_submissions_job],
        request_job=build_job,
        default_status=default_status,
        description=(
            "After an ingest run that stored new files, build the warehouse and publish it "
            "through the quality gate (the build_warehouse job)."
        ),
    )
    def _build_after_ingest(context: RunStatusSensorContext) -> RunRequest | SkipReason:
        run_id = context.dagster_run.run_id
        stored = files_stored_by_run(context)
        if not stored:
            return SkipReason(f"ingest run {run_id} stored no new file: nothing to rebuild")
        return RunRequest(
            run_key=f"after-ingest-{run_id}",
            tags={"nq57/ingest_run": run_id, "nq57/files": str(len(stored))},
        )

    return _build_after_ingest
