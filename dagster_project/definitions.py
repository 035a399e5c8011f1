"""The Dagster code location: assets, resources and jobs, nothing else."""

from __future__ import annotations

from dagster import Definitions

from dagster_project.submissions.assets import ingest_submissions, ingest_submissions_job
from dagster_project.submissions.resources import SubmissionsStore
from dagster_project.submissions.sensors import submissions_landing_sensor
from dagster_project.warehouse.assets import nq57_dbt_models, raw_source_documents, seed_assets
from dagster_project.warehouse.dbt_project import dbt_resource
from dagster_project.warehouse.jobs import build_warehouse_job
from dagster_project.warehouse.resources import DuckDBWarehouse, SourceFiles

defs = Definitions(
    assets=[raw_source_documents, *seed_assets, nq57_dbt_models, ingest_submissions],
    resources={
        "warehouse": DuckDBWarehouse(),
        "source_files": SourceFiles(),
        "dbt": dbt_resource(),
        "submissions": SubmissionsStore(),
    },
    jobs=[build_warehouse_job, ingest_submissions_job],
    sensors=[submissions_landing_sensor],
)
