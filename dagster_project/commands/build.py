"""``nq57 build``: run the ``build_warehouse`` job, the one path that builds and publishes.

The command is a thin caller of the job ``dagster dev`` shows (see
``warehouse.jobs``): the run builds into a private copy of the warehouse
(``DuckDBWarehouse``), dbt builds and tests the models, and the last asset,
``published/warehouse``, runs the quality gate and swaps the build file onto the
published path. The published file changes only if every step and every check
succeeded; every run of the gate (including one started because dbt's tests
failed) leaves a report whose path the command prints, passed or not.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from dagster_project.config import add_warehouse_argument
from dagster_project.warehouse.build import (
    PROGRESS_LOGGER,
    BuildFailedError,
    BuildRefusedError,
    DbtParseError,
    build_plan,
    documents_for,
    heavy_imports,
    incremental_selection,
    target_path,
)
from dagster_project.warehouse.gate import DEFAULT_KEEP_REPORTS
from dagster_project.warehouse.paths import DOCUMENTS_DIR
from dagster_project.warehouse.publish import (
    DEFAULT_KEEP,
    BuildLockedError,
    PublishError,
    WarehouseLayout,
    refuse_if_building,
)

from .job import (
    add_target_argument,
    definitions_for,
    print_failed,
    print_mart_rows,
    print_refused,
    run_job,
)

if TYPE_CHECKING:
    from dagster_project.warehouse.inputs import BuildPlan


@dataclass(frozen=True)
class BuildReport:
    published: Path
    mart_rows: dict[str, int]
    history_entry: Path | None
    seconds: float
    gate_summary: str | None = None
    warnings: int = 0
    warning_lines: list[str] = field(default_factory=list)
    report_lines: list[str] = field(default_factory=list)
    report_dir: Path | None = None
    plan: BuildPlan | None = None
    up_to_date: bool = False


def run_build(
    published: Path | None = None,
    seeds_dir: Path | None = None,
    keep: int = DEFAULT_KEEP,
    out: TextIO | None = None,
    report_dir: Path | None = None,
    keep_reports: int = DEFAULT_KEEP_REPORTS,
    full_refresh: bool = False,
) -> BuildReport:
    """Run ``build_warehouse`` in this process against ``published``; return what it published.

    Raises :class:`BuildRefusedError` when dbt's tests or the quality gate
    refused the build (the report folder is on the error),
    :class:`BuildLockedError` when another build holds the warehouse, and
    :class:`BuildFailedError` for any other failed step.

    The build is incremental: it compares the inputs on disk with those the
    published warehouse records (see ``inputs``) and runs only the assets
    downstream of what changed, carrying the other tables over; with nothing
    changed it runs nothing. ``full_refresh`` rebuilds everything from an
    empty file.
    """
    target = target_path(published)
    # Another build running on this warehouse: said before the imports below.
    refuse_if_building(WarehouseLayout(target))
    # lazy: dagster, dbt and Great Expectations cost seconds to import, and
    # nq57 --help imports this module (start-up cost)
    with heavy_imports():
        from dagster_project.quality.runner import DEFAULT_REPORT_DIR
        from dagster_project.warehouse.jobs import BUILD_WAREHOUSE_JOB, subset_build_job
        from dagster_project.warehouse.progress import progress_logger
        from dagster_project.warehouse.resources import DuckDBWarehouse

    stream = out or sys.stdout
    documents_dir = documents_for(seeds_dir)
    reports = Path(report_dir).expanduser().resolve() if report_dir else DEFAULT_REPORT_DIR
    started = time.monotonic()
    if seeds_dir is not None:
        where = (
            f"{documents_dir}"
            if documents_dir is not None
            else f"{DOCUMENTS_DIR} ({seeds_dir} has no {DOCUMENTS_DIR.name}/ folder)"
        )
        stream.write(f"seeds from {seeds_dir}; source documents from {where}\n")
    plan = build_plan(target, seeds_dir, documents_dir, full_refresh)
    if plan.up_to_date:
        stream.write(f"nothing to build: {plan.reason}; {target} is current\n")
        stream.flush()
        return BuildReport(
            published=target,
            mart_rows={},
            history_entry=None,
            seconds=time.monotonic() - started,
            plan=plan,
            up_to_date=True,
        )
    defs = definitions_for(WarehouseLayout(target).build_file)
    job = defs.resolve_job_def(BUILD_WAREHOUSE_JOB)
    selection = None if plan.full else incremental_selection(defs, plan.changed)
    if selection is not None:
        job = subset_build_job(job, selection)
    job = job.with_logger_defs({PROGRESS_LOGGER: progress_logger(stream)})
    scope = "full build" if plan.full else f"incremental build ({len(selection)} assets)"
    stream.write(f"{scope}: {plan.reason}\n")
    stream.write(
        f"building {target} in a private build file; published only if every check passes\n"
    )
    stream.flush()
    outcome = run_job(
        job,
        DuckDBWarehouse(published_path=str(target), keep=keep, full_refresh=full_refresh),
        seeds_dir=seeds_dir,
        documents_dir=documents_dir,
        reports=reports,
        keep_reports=keep_reports,
    )
    metadata = outcome.metadata
    previous = metadata.get("previous_warehouse")
    return BuildReport(
        published=Path(metadata["published"].value),
        mart_rows=outcome.mart_rows,
        history_entry=Path(previous.value) if previous is not None else None,
        seconds=time.monotonic() - started,
        gate_summary=metadata["quality_gate"].value,
        warnings=metadata["warnings"].value,
        warning_lines=outcome.warning_lines,
        report_lines=outcome.report_lines,
        report_dir=reports,
        plan=plan,
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_argument(parser)
    add_warehouse_argument(parser)
    parser.add_argument(
        "--seeds",
        type=Path,
        metavar="DIR",
        help=(
            "directory holding the seed CSVs (default: seeds/); its source_documents/ folder, "
            "when it has one, holds the documents the seeds are verified against (else the "
            "repository's seeds/source_documents/ is used, and the build says so)"
        ),
    )
    parser.add_argument(
        "--keep",
        type=int,
        default=DEFAULT_KEEP,
        metavar="N",
        help=f"previous publications kept for rollback: files in history/, or schemas on "
        f"postgres (default: {DEFAULT_KEEP})",
    )
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help=(
            "rebuild everything from an empty file (default: rebuild only what changed since "
            "the published build: seeds, documents, code, new submissions)"
        ),
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        metavar="DIR",
        help="where the quality gate writes its dated report folders (default: reports/quality/)",
    )
    parser.add_argument(
        "--keep-reports",
        type=int,
        default=DEFAULT_KEEP_REPORTS,
        metavar="N",
        help=f"newest report folders kept in the report directory (default: {DEFAULT_KEEP_REPORTS})",
    )


def _unchanged(published: Path) -> str:
    if published.exists():
        return f"nq57 build: the published warehouse was left unchanged: {published}"
    return f"nq57 build: nothing was published; there is still no warehouse at {published}"


def _reports_kept(report_dir: Path, keep_reports: int) -> str:
    return f"report folders: {report_dir} (the newest {keep_reports} are kept)"


def main(args: argparse.Namespace) -> int:
    if args.keep < 0:
        print("nq57 build: --keep must be 0 or more", file=sys.stderr)
        return 2
    if args.keep_reports < 1:
        print("nq57 build: --keep-reports must be 1 or more", file=sys.stderr)
        return 2
    if getattr(args, "target", "duckdb") == "postgres":
        from . import postgres  # lazy: psycopg, duckdb and dbt (start-up cost)

        return postgres.build_main(args)
    try:
        report = run_build(
            published=args.warehouse,
            seeds_dir=args.seeds,
            keep=args.keep,
            report_dir=args.report_dir,
            keep_reports=args.keep_reports,
            full_refresh=args.full_refresh,
        )
    except BuildLockedError as error:
        print(f"nq57 build: {error}", file=sys.stderr)
        return 1
    except BuildRefusedError as refused:
        print_refused(refused, "", _unchanged(target_path(args.warehouse)))
        if refused.report_folder is not None:
            print(_reports_kept(refused.report_folder.parent, args.keep_reports), file=sys.stderr)
        return 1
    except (BuildFailedError, DbtParseError, PublishError) as error:
        print_failed(error, _unchanged(target_path(args.warehouse)))
        return 1
    if report.up_to_date:
        print(f"nothing to do: {report.published} is current (--full-refresh rebuilds it anyway)")
        return 0
    print(f"published {report.published} in {report.seconds:.1f}s")
    if report.history_entry:
        print(f"previous warehouse kept as {report.history_entry}")
    print_mart_rows(report.mart_rows)
    if report.gate_summary is not None:
        print(report.gate_summary)
        if report.warnings:
            print(f"{report.warnings} warning(s), reported and not blocking:")
        for line in [*report.warning_lines, *report.report_lines]:
            print(line)
    if report.report_dir is not None:
        print(_reports_kept(report.report_dir, args.keep_reports))
    return 0
