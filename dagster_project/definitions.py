"""The Dagster code location: assets, resources and jobs, nothing else."""

from __future__ import annotations

from dagster import Definitions

from dagster_project.warehouse.assets import nq57_dbt_models, raw_source_documents, seed_assets
from dagster_project.warehouse.dbt_project import dbt_resource
from dagster_project.warehouse.jobs import build_warehouse_job
from dagster_project.warehouse.resources import DuckDBWarehouse, SourceFiles

defs = Definitions(
    assets=[raw_source_documents, *seed_assets, nq57_dbt_models],
    resources={
        "warehouse": DuckDBWarehouse(),
        "source_files": SourceFiles(),
        "dbt": dbt_resource(),
    },
    jobs=[build_warehouse_job],
)
