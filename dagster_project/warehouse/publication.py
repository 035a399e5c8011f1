"""Publishing from Dagster: the quality asset checks and the ``published/warehouse`` asset.

A Dagster run builds into a private copy of the warehouse (see
``DuckDBWarehouse``). The Great Expectations suites run on it as asset
checks; those with error-severity expectations are blocking, so when one
fails Dagster skips what is downstream. Downstream of every mart and every
checked table is ``published/warehouse``: it runs the full quality gate,
which writes the auditor report, records the gate's results in the build file
(``raw.quality_gate_results``, which the next build's gate carries over for
the tables it finds unchanged), and only then swaps the build file onto the
published path. The run links to the report either way: as materialization
metadata when the warehouse was published, as failure metadata when the gate
refused it.

No ``from __future__ import annotations``: Dagster reads the resource
annotations of the asset function at definition time.
"""

from collections.abc import Iterable, Sequence
from pathlib import Path

from dagster import (
    AssetChecksDefinition,
    AssetKey,
    AssetsDefinition,
    ConfigurableResource,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)
from pydantic import Field

from dagster_project.quality import (
    CheckResult,
    GateResult,
    QualityGateCheck,
    QualityGateError,
    carry,
    run_quality_gate,
)
from dagster_project.quality.checks import build_quality_asset_checks, default_asset_key
from dagster_project.quality.runner import DEFAULT_REPORT_DIR
from expectations import GATE_CHECKS, TABLE_CHECKS

from .foreign import drop_foreign_objects
from .gate import DEFAULT_KEEP_REPORTS, failure_lines, file_url, prune_reports, warning_lines
from .inputs import BUILD_INPUTS_TABLE, RAW_SCHEMA, SUBMISSIONS, built_high_water_mark, record
from .postgres import (
    PostgresTarget,
    audit_file_for,
    discard_build_schemas,
    export_build_for_audit,
    publish_audited_build,
)
from .resources import PUBLISHED_KEY, DuckDBWarehouse, SourceFiles
from .target import WarehouseTarget

MARTS_SCHEMA = "marts"
# Metadata keys the command line reads back to print the gate's verdict.
FAILURE_LINES_KEY = "blocking_failure_lines"
WARNING_LINES_KEY = "warning_lines"
# On the postgres target: the publication made, and the one it replaced (kept for rollback).
PUBLICATION_KEY = "publication"
PREVIOUS_PUBLICATION_KEY = "previous_publication"


class QualityReports(ConfigurableResource):
    """Where the gate writes its reports, and how many report folders to keep."""

    report_dir: str | None = Field(
        default=None, description="Report directory (default: reports/quality/ in the repo)."
    )
    keep: int = Field(default=DEFAULT_KEEP_REPORTS, description="Report folders kept.")

    def resolved_dir(self) -> Path:
        return Path(self.report_dir) if self.report_dir else DEFAULT_REPORT_DIR


def _asset_keys(assets: Iterable[AssetsDefinition]) -> set[AssetKey]:
    return {key for definition in assets for key in definition.keys}


def quality_asset_checks(
    assets: Iterable[AssetsDefinition], report_dir: Path = DEFAULT_REPORT_DIR
) -> list[AssetChecksDefinition]:
    """The suites of ``expectations`` as asset checks, for the tables that are assets here.

    A suite for a table no asset builds yet (the quarantine summary) runs in
    the gate only, where an absent table is reported as skipped.
    """
    keys = _asset_keys(assets)
    present = [c for c in TABLE_CHECKS if default_asset_key(c.table) in keys]
    return build_quality_asset_checks(present, history_dir=report_dir)


def gate_metadata(result: GateResult) -> dict[str, MetadataValue]:
    """Links to the gate's report pages and its verdict, for the Dagster UI."""
    metadata: dict[str, MetadataValue] = {
        "quality_gate": MetadataValue.text(result.summary_line()),
        "blocking_failures": MetadataValue.int(len(result.blocking_failures)),
        "warnings": MetadataValue.int(len(result.warnings)),
        FAILURE_LINES_KEY: MetadataValue.text("\n".join(failure_lines(result))),
        WARNING_LINES_KEY: MetadataValue.text("\n".join(warning_lines(result))),
    }
    if result.report is not None:
        metadata["quality_report"] = MetadataValue.path(str(result.report.summary_html))
        metadata["quality_report_url"] = MetadataValue.url(file_url(result.report.summary_html))
        metadata["data_docs"] = MetadataValue.path(str(result.report.data_docs_index))
        metadata["data_docs_url"] = MetadataValue.url(file_url(result.report.data_docs_index))
    return metadata


def refuse_with_report(
    build_file: Path,
    quality_reports: QualityReports,
    documents_dir: Path,
    prior_results: Sequence[CheckResult],
) -> None:
    """A step that failed for a data reason: run the gate with its findings, write the report, stop.

    ``prior_results`` say what failed before the gate (dbt's tests); the gate
    adds what the suites find in what was built, so the report explains the
    refusal the same way whichever step found the fault. Raises ``Failure``
    carrying the report's metadata.
    """
    report_dir = quality_reports.resolved_dir()
    try:
        result = run_quality_gate(
            build_file,
            report_dir,
            table_checks=GATE_CHECKS,
            documents_dir=documents_dir,
            prior_results=prior_results,
        )
    finally:
        prune_reports(report_dir, quality_reports.keep)
    raise Failure(description=str(QualityGateError(result)), metadata=gate_metadata(result))


def published_warehouse_asset(assets: Sequence[AssetsDefinition]) -> AssetsDefinition:
    """``published/warehouse``, downstream of every mart and every table with a check.

    Depending on the checked tables directly is what makes their blocking
    checks hold it back.
    """
    keys = _asset_keys(assets)
    checked = {default_asset_key(c.table) for c in TABLE_CHECKS} & keys
    upstream = sorted(
        {key for key in keys if key.path[0] == MARTS_SCHEMA} | checked,
        key=lambda key: key.to_user_string(),
    )
    # Every relation the warehouse builds: anything else in the build file is foreign.
    own = {tuple(key.path) for key in keys if len(key.path) == 2} | {
        (RAW_SCHEMA, BUILD_INPUTS_TABLE),
        (carry.RESULTS_SCHEMA, carry.RESULTS_TABLE),
    }

    @asset(
        key=PUBLISHED_KEY,
        group_name=PUBLISHED_KEY.path[0],
        deps=upstream,
        kinds={"duckdb", "postgres"},
        description=(
            "The warehouse readers open: the run's build file, cleared of every object no "
            "asset builds, swapped onto the published path (read-only, mode 0444) in one "
            "rename once the blocking checks and the quality gate have passed. On the "
            "postgres target (warehouse_target), the run's build schemas, renamed onto the "
            "published schemas in one transaction after the same checks."
        ),
    )
    def published_warehouse(
        warehouse: DuckDBWarehouse,
        source_files: SourceFiles,
        quality_reports: QualityReports,
        warehouse_target: WarehouseTarget,
    ) -> MaterializeResult:
        postgres = warehouse_target.postgres()
        if postgres is not None:
            return _publish_on_postgres(
                postgres, warehouse_target.keep, warehouse, source_files, quality_reports
            )
        with warehouse.connect() as con:
            foreign = drop_foreign_objects(con, own)
            # What this build read, for the next one to compare (see ``inputs``).
            inputs = {
                **source_files.input_fingerprints(),
                SUBMISSIONS: built_high_water_mark(con),
            }
            record(con, inputs)
        gate = QualityGateCheck(
            quality_reports.resolved_dir(),
            documents_dir=source_files.documents_path(),
            table_checks=GATE_CHECKS,
        )
        _audit(gate, warehouse.resolved_path(), quality_reports)
        # What the gate found, table by table, for the next build to carry over.
        with warehouse.connect() as con:
            carry.record_gate(con, gate.result)
        published, history_entry = warehouse.publish_build()
        metadata = {
            "published": MetadataValue.path(str(published)),
            **gate_metadata(gate.result),
        }
        if history_entry is not None:
            metadata["previous_warehouse"] = MetadataValue.path(str(history_entry))
        if foreign:
            metadata["dropped_foreign_objects"] = MetadataValue.json(foreign)
        return MaterializeResult(metadata=metadata)

    return published_warehouse


def _audit(gate: QualityGateCheck, checked: Path, quality_reports: QualityReports) -> None:
    """The quality gate on ``checked``; a refusal raises ``Failure`` with the report's links."""
    try:
        gate(checked)
    except QualityGateError as blocked:
        raise Failure(description=str(blocked), metadata=gate_metadata(blocked.result)) from blocked
    finally:
        prune_reports(quality_reports.resolved_dir(), quality_reports.keep)


def _publish_on_postgres(
    postgres: PostgresTarget,
    keep: int,
    warehouse: DuckDBWarehouse,
    source_files: SourceFiles,
    quality_reports: QualityReports,
) -> MaterializeResult:
    """The gate on the run's build schemas, then the swap onto the published schemas.

    The run's DuckDB build file, which only carried the loaded inputs, is
    never published; a refusal or a failure drops the build schemas.
    """
    gate = QualityGateCheck(
        quality_reports.resolved_dir(),
        documents_dir=source_files.documents_path(),
        table_checks=GATE_CHECKS,
    )
    try:
        checked = export_build_for_audit(postgres, audit_file_for(warehouse.resolved_path()))
        _audit(gate, checked, quality_reports)
        published = publish_audited_build(postgres, keep)
    except BaseException:
        discard_build_schemas(postgres)
        raise
    metadata = {
        "published": MetadataValue.text(postgres.label),
        PUBLICATION_KEY: MetadataValue.text(published.publication),
        "publish_seconds": MetadataValue.float(published.publish_seconds),
        **gate_metadata(gate.result),
    }
    if published.replaced is not None:
        metadata[PREVIOUS_PUBLICATION_KEY] = MetadataValue.text(published.replaced)
    return MaterializeResult(metadata=metadata)
