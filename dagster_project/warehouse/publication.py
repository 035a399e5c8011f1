"""Publishing from Dagster: the quality asset checks and the ``published/warehouse`` asset.

A Dagster run builds into a private copy of the warehouse (see
``DuckDBWarehouse``). The Great Expectations suites run on it as asset
checks; those with error-severity expectations are blocking, so when one
fails Dagster skips what is downstream. Downstream of every mart and every
checked table is ``published/warehouse``: it runs the full quality gate,
which writes the auditor report, and only then swaps the build file onto the
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

from dagster_project.quality import GateResult, QualityGateCheck, QualityGateError
from dagster_project.quality.checks import build_quality_asset_checks, default_asset_key
from dagster_project.quality.runner import DEFAULT_REPORT_DIR
from expectations import GATE_CHECKS, TABLE_CHECKS

from .gate import DEFAULT_KEEP_REPORTS, file_url, prune_reports
from .resources import PUBLISHED_KEY, DuckDBWarehouse, SourceFiles

MARTS_SCHEMA = "marts"


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
    }
    if result.report is not None:
        metadata["quality_report"] = MetadataValue.path(str(result.report.summary_html))
        metadata["quality_report_url"] = MetadataValue.url(file_url(result.report.summary_html))
        metadata["data_docs"] = MetadataValue.path(str(result.report.data_docs_index))
        metadata["data_docs_url"] = MetadataValue.url(file_url(result.report.data_docs_index))
    return metadata


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

    @asset(
        key=PUBLISHED_KEY,
        group_name=PUBLISHED_KEY.path[0],
        deps=upstream,
        kinds={"duckdb"},
        description=(
            "The warehouse readers open: the run's build file, swapped onto the published "
            "path in one rename once the blocking checks and the quality gate have passed."
        ),
    )
    def published_warehouse(
        warehouse: DuckDBWarehouse, source_files: SourceFiles, quality_reports: QualityReports
    ) -> MaterializeResult:
        report_dir = quality_reports.resolved_dir()
        gate = QualityGateCheck(
            report_dir, documents_dir=source_files.documents_path(), table_checks=GATE_CHECKS
        )
        try:
            gate(warehouse.resolved_path())
        except QualityGateError as blocked:
            raise Failure(
                description=str(blocked), metadata=gate_metadata(blocked.result)
            ) from blocked
        finally:
            prune_reports(report_dir, quality_reports.keep)
        published, history_entry = warehouse.publish_build()
        metadata = {
            "published": MetadataValue.path(str(published)),
            **gate_metadata(gate.result),
        }
        if history_entry is not None:
            metadata["previous_warehouse"] = MetadataValue.path(str(history_entry))
        return MaterializeResult(metadata=metadata)

    return published_warehouse
