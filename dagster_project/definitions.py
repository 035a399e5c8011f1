"""The Dagster code location: assets, resources and jobs, nothing else."""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from dagster_project.plans.assets import plan_assets
from dagster_project.plans.checks import plan_asset_checks
from dagster_project.reporting.assets import (
    PublishedReports,
    periodic_report,
    reports_job,
    reports_schedule,
)
from dagster_project.submissions.assets import ingest_submissions, ingest_submissions_job
from dagster_project.submissions.resources import SubmissionsStore
from dagster_project.submissions.sensors import submissions_landing_sensor
from dagster_project.warehouse.assets import nq57_dbt_models, raw_source_documents, seed_assets
from dagster_project.warehouse.dbt_project import dbt_resource
from dagster_project.warehouse.jobs import build_warehouse_job
from dagster_project.warehouse.publication import (
    QualityReports,
    published_warehouse_asset,
    quality_asset_checks,
)
from dagster_project.warehouse.resources import DuckDBWarehouse, SourceFiles
from dagster_project.warehouse.sensors import build_after_ingest_sensor
from dagster_project.warehouse.target import WarehouseTarget

# Everything a build writes into the warehouse file.
warehouse_assets = [raw_source_documents, *seed_assets, *plan_assets, nq57_dbt_models]
# The suites the quality gate runs; as asset checks they run on their own only.
gate_checks = [*quality_asset_checks(warehouse_assets), *plan_asset_checks()]
build_job = build_warehouse_job(gate_checks)

defs = Definitions(
    assets=[
        *warehouse_assets,
        published_warehouse_asset(warehouse_assets),
        ingest_submissions,
        periodic_report,
    ],
    asset_checks=gate_checks,
    resources={
        "warehouse": DuckDBWarehouse(),
        "warehouse_target": WarehouseTarget(),
        "source_files": SourceFiles(),
        "dbt": dbt_resource(),
        "submissions": SubmissionsStore(),
        "quality_reports": QualityReports(),
        "report_files": PublishedReports(),
    },
    jobs=[build_job, ingest_submissions_job, reports_job],
    sensors=[submissions_landing_sensor, build_after_ingest_sensor(build_job)],
    schedules=[reports_schedule],
    # A run builds one private copy of the warehouse under one lock (see
    # DuckDBWarehouse); with a process per step, each step would want its own.
    executor=in_process_executor,
)
