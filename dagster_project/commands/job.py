"""Run the ``build_warehouse`` job in this process, as both targets of ``nq57 build`` do."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from dagster_project.warehouse.build import (
    PROGRESS_LOGGER,
    BuildRefusedError,
    heavy_imports,
    mart_row_counts,
    raise_for_failure,
)
from dagster_project.warehouse.gate import report_page_lines

TARGETS = ("duckdb", "postgres")


def add_target_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        choices=TARGETS,
        default="duckdb",
        help="duckdb: the warehouse file (default); postgres: the shared warehouse "
        "named by $NQ57_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/nq57)",
    )


def definitions_for(build_file: Path):
    """nq57's Dagster definitions, their dbt assets made from a manifest parsed for
    ``build_file`` (its name is dbt's database name, so dbt build reuses the parse).

    Imported here, not at module import: dagster, dbt and Great Expectations cost
    seconds, and ``nq57 --help`` imports the commands.
    """
    with heavy_imports():
        from dagster_project.warehouse.dbt_project import prepare_manifest
    prepare_manifest(build_file)
    with heavy_imports():
        from dagster_project.definitions import defs  # loads the manifest prepared above
    return defs


def _instance():
    """The Dagster instance under ``$DAGSTER_HOME`` when set, so runs show in ``dagster dev``.

    Without it, an in-memory instance: the build needs no run history to work.
    """
    from dagster import DagsterInstance  # lazy: nq57 --help imports this module

    if os.environ.get("DAGSTER_HOME"):
        return DagsterInstance.get()
    return DagsterInstance.ephemeral()


@dataclass(frozen=True)
class JobOutcome:
    """What a successful ``build_warehouse`` run published, as both targets report it."""

    metadata: dict
    mart_rows: dict[str, int]
    warning_lines: list[str]
    report_lines: list[str]


def run_job(
    job,
    warehouse,
    *,
    seeds_dir: Path | None,
    documents_dir: Path | None,
    reports: Path,
    keep_reports: int,
    run_config: dict | None = None,
) -> JobOutcome:
    """Run ``job`` in this process with nq57's resources; raise for a failure (see
    ``warehouse.build.raise_for_failure``); return the publish asset's metadata and
    the run's figures.

    ``warehouse`` is the run's :class:`DuckDBWarehouse` (it holds the one build
    lock); ``run_config`` adds to the progress logger's (e.g. the target).
    """
    # lazy: these import dagster, and nq57 --help imports this module
    from dagster_project.warehouse.publication import (
        PUBLISHED_KEY,
        WARNING_LINES_KEY,
        QualityReports,
    )
    from dagster_project.warehouse.resources import SourceFiles

    # dagster-dbt echoes dbt's own log to stdout; send it to stderr so stdout
    # carries only the progress lines and the final report.
    with _instance() as instance, contextlib.redirect_stdout(sys.stderr):
        result = job.execute_in_process(
            instance=instance,
            run_config={"loggers": {PROGRESS_LOGGER: {}}, **(run_config or {})},
            resources={
                "warehouse": warehouse,
                "source_files": SourceFiles(
                    seeds_dir=str(seeds_dir) if seeds_dir else None,
                    documents_dir=str(documents_dir) if documents_dir else None,
                ),
                "quality_reports": QualityReports(report_dir=str(reports), keep=keep_reports),
            },
            raise_on_error=False,
        )
    if not result.success:
        raise_for_failure(result)
    (metadata,) = [
        event.event_specific_data.materialization.metadata
        for event in result.get_asset_materialization_events()
        if event.event_specific_data.materialization.asset_key == PUBLISHED_KEY
    ]
    warnings = metadata[WARNING_LINES_KEY].value if WARNING_LINES_KEY in metadata else ""
    return JobOutcome(
        metadata=dict(metadata),
        mart_rows=mart_row_counts(result),
        warning_lines=warnings.splitlines(),
        report_lines=report_page_lines(
            Path(metadata["quality_report"].value), Path(metadata["data_docs"].value)
        ),
    )


def print_mart_rows(mart_rows: dict[str, int]) -> None:
    """The rows of each mart a build published, one aligned line each."""
    width = max((len(name) for name in mart_rows), default=0)
    for name, rows in mart_rows.items():
        print(f"  marts.{name.ljust(width)}  {rows} rows")


def print_refused(refused: BuildRefusedError, where: str, unchanged: str) -> None:
    """What ``nq57 build`` says on stderr when a check refused the build: the failed
    checks, that nothing changed (``unchanged``) and where the report is.

    ``where`` follows "refused to publish" (e.g. " to postgres").
    """
    print(
        f"nq57 build: the quality gate refused to publish{where}: "
        f"{refused.failures} error-severity check(s) failed:",
        file=sys.stderr,
    )
    for line in [*refused.failure_lines, unchanged, *refused.report_lines]:
        print(line, file=sys.stderr)


def print_failed(error: Exception, unchanged: str) -> None:
    """What ``nq57 build`` says on stderr when a step failed, and that nothing changed."""
    print(f"nq57 build failed:\n{error}", file=sys.stderr)
    print(unchanged, file=sys.stderr)
