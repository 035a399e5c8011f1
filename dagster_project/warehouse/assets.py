"""Warehouse assets: verified documents, raw seed tables, and the dbt models.

The decorated functions only wire resources to the plain functions in
``loading`` and ``row_counts`` and attach metadata.

No ``from __future__ import annotations`` here: Dagster reads the ``context``
annotation of the dbt asset function at definition time and rejects a string.
"""

import os
import shutil
from collections.abc import Iterator
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    Output,
    asset,
)
from dagster_dbt import dbt_assets

from dagster_project.extract.documents import load_documents
from dagster_project.extract.schema import SEED_TABLES

from .asset_metadata import column_schema, loaded_csv_result
from .dbt_failures import dbt_failures
from .dbt_project import (
    DBT_PROJECT,
    Nq57DbtCliResource,
    Nq57DbtTranslator,
    parsed_manifest,
    prepare_manifest_if_dev,
)
from .inputs import code_already_tested, recorded_in
from .loading import (
    RAW_SCHEMA,
    SOURCE_DOCUMENTS_COLUMNS,
    SOURCE_DOCUMENTS_TABLE,
    load_seed,
    load_source_documents,
    remove_snapshot,
    seed_column_types,
    submissions_snapshot_path,
)
from .paths import warehouse_env
from .postgres import (
    PostgresTarget,
    audit_file_for,
    build_row_counts,
    discard_build_schemas,
    export_build_for_audit,
    prepare_build_schemas,
)
from .postgres import dbt_build_args as postgres_dbt_args
from .postgres import dbt_environment as postgres_dbt_environment
from .publication import QualityReports, refuse_with_report
from .resources import DuckDBWarehouse, SourceFiles
from .row_counts import ROW_COUNT_KEY, count_rows
from .target import WarehouseTarget

SOURCE_DOCUMENTS_KEY = AssetKey([RAW_SCHEMA, SOURCE_DOCUMENTS_TABLE])


@asset(
    key=SOURCE_DOCUMENTS_KEY,
    group_name=RAW_SCHEMA,
    kinds={"duckdb"},
    description=(
        "The source documents, verified against seeds/source_documents/SHA256SUMS "
        "(the run stops on a mismatch), with their sha256 and line count."
    ),
    metadata=column_schema(SOURCE_DOCUMENTS_COLUMNS),
)
def raw_source_documents(
    warehouse: DuckDBWarehouse, source_files: SourceFiles
) -> MaterializeResult:
    documents_dir = source_files.documents_path()
    documents = load_documents(documents_dir)
    with warehouse.connect() as con:
        frame = load_source_documents(con, documents, documents_dir)
    return MaterializeResult(
        metadata={
            ROW_COUNT_KEY: len(frame),
            "documents_dir": MetadataValue.path(str(documents_dir)),
            "documents": MetadataValue.json(
                [
                    {"source_file": f, "sha256": h, "line_count": int(n)}
                    for f, h, n in frame.itertuples(index=False)
                ]
            ),
        }
    )


def seed_asset(table: str) -> AssetsDefinition:
    """The asset loading ``seeds/<table>.csv`` into ``raw.<table>``."""

    @asset(
        key=[RAW_SCHEMA, table],
        group_name=RAW_SCHEMA,
        deps=[SOURCE_DOCUMENTS_KEY],
        kinds={"duckdb"},
        description=f"seeds/{table}.csv as printed: text columns, source_line as an integer.",
        metadata=column_schema(seed_column_types(table)),
    )
    def _load_seed(warehouse: DuckDBWarehouse, source_files: SourceFiles) -> MaterializeResult:
        with warehouse.connect() as con:
            return loaded_csv_result(load_seed(con, source_files.seeds_path(), table))

    return _load_seed


seed_assets = [seed_asset(table) for table in SEED_TABLES]

prepare_manifest_if_dev()


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=Nq57DbtTranslator(),
)
def nq57_dbt_models(
    context: AssetExecutionContext,
    dbt: Nq57DbtCliResource,
    warehouse: DuckDBWarehouse,
    source_files: SourceFiles,
    quality_reports: QualityReports,
    warehouse_target: WarehouseTarget,
) -> Iterator[Any]:
    """``dbt build`` (models, data tests, unit tests) against the run's warehouse file.

    On the ``postgres`` target, against the run's build schemas on PostgreSQL
    instead, after copying the loaded inputs there (see ``postgres``).

    When dbt's tests fail (or a model does not build) the step stops the run
    like the quality gate would: it writes the gate's report with dbt's
    failures at its head, their failing rows traced to source.
    """
    postgres = warehouse_target.postgres()
    if postgres is None:
        yield from _dbt_build(context, dbt, warehouse, source_files, quality_reports)
        return
    try:
        copied = prepare_build_schemas(postgres, warehouse.resolved_path())
        context.log.info(
            f"copied {len(copied)} input tables ({sum(copied.values())} rows) into "
            f"the build schemas of {postgres.label}"
        )
        yield from _dbt_build(context, dbt, warehouse, source_files, quality_reports, postgres)
    except BaseException:
        discard_build_schemas(postgres)
        raise


def _unit_tests_left_out(
    context: AssetExecutionContext, warehouse: DuckDBWarehouse, source_files: SourceFiles
) -> list[str]:
    """``dbt build`` arguments leaving out the unit tests when this code already passed them.

    The run's build file starts as a copy of the published warehouse, whose
    ``raw.build_inputs`` name the code that published it (see
    ``inputs.code_already_tested``); a full refresh starts from an empty file
    and runs them.
    """
    if warehouse.full_refresh:
        return []
    with warehouse.connect(read_only=True) as con:
        previous = recorded_in(con)
    if not code_already_tested(source_files.input_fingerprints(), previous):
        return []
    context.log.info(
        "dbt unit tests left out: the published warehouse was built, and its unit tests "
        "passed, with the same code (--full-refresh runs them)"
    )
    return ["--exclude-resource-type", "unit_test"]


def _dbt_build(
    context: AssetExecutionContext,
    dbt: Nq57DbtCliResource,
    warehouse: DuckDBWarehouse,
    source_files: SourceFiles,
    quality_reports: QualityReports,
    postgres: PostgresTarget | None = None,
) -> Iterator[Any]:
    environment = (
        warehouse_env(warehouse.resolved_path())
        if postgres is None
        else postgres_dbt_environment(postgres)
    )
    extra_args = [] if postgres is None else postgres_dbt_args()
    with environment:
        # One thread per core: DuckDB serializes the writes, but tests and
        # independent models run side by side.
        threads = str(os.cpu_count() or 1)
        # dbt in this process, with the manifest parsed for the build file. On
        # postgres the profile's target and vars differ, so dbt parses for it.
        manifest = None if postgres is not None else parsed_manifest(warehouse.resolved_path())
        skipped = (
            [] if postgres is not None else _unit_tests_left_out(context, warehouse, source_files)
        )
        try:
            invocation = dbt.build_in_process(
                ["build", "--threads", threads, *skipped, *extra_args],
                context=context,
                manifest_object=manifest,
            )
        finally:
            # The copy of the submissions store dbt read (see loading.Plugin),
            # which a dbt process of its own would remove when it exits.
            remove_snapshot(submissions_snapshot_path(warehouse.resolved_path()))
    # dbt has released the file (see dbt_runner.release_duckdb): the rows can be counted.
    events = list(invocation.stream())
    succeeded = invocation.success
    built = {
        event.output_name: context.asset_key_for_output(event.output_name)
        for event in events
        if isinstance(event, Output)
    }
    counts: dict[tuple[str, ...], int] = {}
    if built and postgres is not None:
        counts = build_row_counts(postgres, [key.path for key in built.values()])
    elif built:
        with warehouse.connect(read_only=True) as con:
            counts = count_rows(con, [key.path for key in built.values()])
    for event in events:
        if isinstance(event, Output):
            rows = counts[tuple(built[event.output_name].path)]
            yield event.with_metadata({**event.metadata, ROW_COUNT_KEY: rows})
        else:
            yield event
    if not succeeded:
        # The run's target directory (dbt.log, run_results.json) stays for
        # diagnosis; the error message points at it.
        error = invocation.get_error()
        # What the gate reads: the build file, or the build schemas read into one.
        checked = (
            warehouse.resolved_path()
            if postgres is None
            else export_build_for_audit(postgres, audit_file_for(warehouse.resolved_path()))
        )
        try:
            failures = dbt_failures(
                invocation.get_artifact("run_results.json"), invocation.manifest, checked
            )
        except (OSError, ValueError):
            failures = []
        if failures:
            try:
                refuse_with_report(
                    checked, quality_reports, source_files.documents_path(), failures
                )
            except Failure as refusal:
                raise refusal from error
        raise error
    # A successful run's artifacts are not needed again, and one directory per
    # run would otherwise pile up under dbt/target.
    shutil.rmtree(invocation.target_path, ignore_errors=True)
