"""The build-after-ingest sensor, evaluated on real ingest runs of a temporary instance."""

from __future__ import annotations

import pytest
from dagster import (
    DagsterInstance,
    Definitions,
    RunConfig,
    RunRequest,
    SkipReason,
    build_run_status_sensor_context,
)
from fixtures.submissions.builders import (
    GOOD_INDICATOR,
    GOOD_TASK,
    install_test_keys,
    real_reference,
    write_xlsx,
)

from dagster_project.submissions.assets import (
    INGEST_JOB,
    INGEST_OP,
    IngestConfig,
    ingest_submissions,
    ingest_submissions_job,
)
from dagster_project.submissions.resources import SubmissionsStore
from dagster_project.warehouse.jobs import build_warehouse_job
from dagster_project.warehouse.sensors import build_after_ingest_sensor


@pytest.fixture(scope="module", autouse=True)
def seeds_present():
    real_reference()


def evaluate_after(sensor, run, instance):
    context = build_run_status_sensor_context(
        sensor_name=sensor.name,
        dagster_event=run.get_run_success_event(),
        dagster_instance=instance,
        dagster_run=run.dagster_run,
    )
    return sensor(context)


def test_a_build_is_requested_once_per_ingest_run_that_stored_files(tmp_path):
    report = write_xlsx(
        tmp_path / "in" / "report.xlsx", tasks=[GOOD_TASK], indicators=[GOOD_INDICATOR]
    )
    store = tmp_path / "wh" / "submissions.duckdb"
    install_test_keys(store)
    resource = SubmissionsStore(store=str(store), landing=str(tmp_path / "landing"))
    defs = Definitions(
        assets=[ingest_submissions],
        jobs=[ingest_submissions_job],
        resources={"submissions": resource},
    )
    sensor = build_after_ingest_sensor(build_warehouse_job([]))
    config = RunConfig(ops={INGEST_OP: IngestConfig(paths=[str(report)])})
    with DagsterInstance.ephemeral() as instance:
        first = defs.resolve_job_def(INGEST_JOB).execute_in_process(
            run_config=config, instance=instance
        )
        assert first.success
        request = evaluate_after(sensor, first, instance)
        assert isinstance(request, RunRequest)
        assert request.run_key == f"after-ingest-{first.run_id}"
        assert request.tags["nq57/files"] == "1"

        again = defs.resolve_job_def(INGEST_JOB).execute_in_process(
            run_config=config, instance=instance
        )
        assert again.success
        skip = evaluate_after(sensor, again, instance)
        assert isinstance(skip, SkipReason)
        assert "stored no new file" in skip.skip_message
