"""``nq57 build``: run the ``build_warehouse`` job into a build file, then publish it.

The job runs in this process against a private copy of the warehouse (see
``publish``); the published file changes only if every step and every check
succeeded. The last check is the quality gate (``dagster_project.quality``):
its error-severity expectations block the publish, and every run of it
leaves a report whose path the command prints, passed or not.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .gate import DEFAULT_KEEP_REPORTS
from .publish import DEFAULT_KEEP, Check

if TYPE_CHECKING:
    from dagster_project.quality import GateResult, QualityGateCheck

PROGRESS_LOGGER = "nq57_progress"
MARTS_SCHEMA = "marts"


class BuildFailedError(RuntimeError):
    """The build job failed; nothing was published."""


@dataclass(frozen=True)
class BuildReport:
    published: Path
    mart_rows: dict[str, int]
    history_entry: Path | None
    seconds: float
    gate: GateResult | None = None
    report_dir: Path | None = None


def _failure_summary(result) -> str:
    """The failing steps and their first error lines, for the message to the user."""
    lines = []
    for event in result.all_events:
        if event.is_step_failure:
            error = event.event_specific_data.error
            # Dagster wraps the user's exception; the innermost cause says what went wrong.
            while error is not None and error.cause is not None:
                error = error.cause
            message = error.message.strip() if error else "unknown error"
            lines.append(f"step {event.step_key} failed: {message}")
    return "\n".join(lines) or "the build_warehouse run did not succeed"


def _instance():
    """The Dagster instance under ``$DAGSTER_HOME`` when set, so runs show in ``dagster dev``.

    Without it, an in-memory instance: the build needs no run history to work.
    """
    from dagster import DagsterInstance

    if os.environ.get("DAGSTER_HOME"):
        return DagsterInstance.get()
    return DagsterInstance.ephemeral()


def run_job(build_file: Path, seeds_dir: Path | None, stream: TextIO) -> dict[str, int]:
    """Run ``build_warehouse`` in this process against ``build_file``; return mart row counts."""
    from .dbt_project import prepare_manifest
    from .progress import progress_logger
    from .resources import DuckDBWarehouse, SourceFiles

    # Parsed against the build file so that dbt build finds the same profile
    # and can reuse the parse.
    prepare_manifest(build_file)
    # Imported after the parse: the dbt assets are built from the manifest on import.
    from dagster_project.definitions import defs

    job = unpublished_build_job(defs).with_logger_defs({PROGRESS_LOGGER: progress_logger(stream)})
    stream.write(f"building into {build_file}\n")
    # dagster-dbt echoes dbt's own log to stdout; send it to stderr so stdout
    # carries only the progress lines and the final report.
    with _instance() as instance, contextlib.redirect_stdout(sys.stderr):
        result = job.execute_in_process(
            instance=instance,
            run_config={"loggers": {PROGRESS_LOGGER: {}}},
            resources={
                "warehouse": DuckDBWarehouse(path=str(build_file)),
                "source_files": SourceFiles(seeds_dir=str(seeds_dir) if seeds_dir else None),
            },
            raise_on_error=False,
        )
    if not result.success:
        raise BuildFailedError(_failure_summary(result))
    return mart_row_counts(result)


def unpublished_build_job(defs):
    """``build_warehouse`` without ``published/warehouse`` and the quality asset checks.

    This command publishes the build file itself, after the quality gate,
    which runs the same suites as the ``great_expectations`` and
    ``plan_semantics`` checks and writes the report, pass or fail. dbt's tests
    stay in the run.
    """
    from dagster_project.plans.checks import CHECK_NAME as PLAN_CHECK_NAME
    from dagster_project.quality.checks import CHECK_NAME

    from .jobs import BUILD_WAREHOUSE_JOB
    from .publication import PUBLISHED_KEY

    job = defs.resolve_job_def(BUILD_WAREHOUSE_JOB)
    assets = job.asset_layer.selected_asset_keys - {PUBLISHED_KEY}
    checks = {
        key
        for key in job.asset_layer.asset_graph.asset_check_keys
        if key.asset_key in assets and key.name not in (CHECK_NAME, PLAN_CHECK_NAME)
    }
    return job.get_subset(asset_selection=assets, asset_check_selection=checks)


def mart_row_counts(result) -> dict[str, int]:
    """Row counts of the marts, from the materializations the run recorded."""
    from .row_counts import ROW_COUNT_KEY

    counts = {}
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        schema, *rest = materialization.asset_key.path
        if schema == MARTS_SCHEMA:
            counts[rest[-1]] = materialization.metadata[ROW_COUNT_KEY].value
    return dict(sorted(counts.items()))


def target_path(published: Path | None) -> Path:
    """The published file a build replaces: ``published``, else ``$NQ57_WAREHOUSE`` or the default."""
    from .paths import warehouse_path

    return Path(published).expanduser().resolve() if published else warehouse_path()


def announced(gate: QualityGateCheck, stream: TextIO) -> Check:
    """The gate as a build check, with progress lines like the job's steps."""

    def check(build_file: Path) -> None:
        stream.write("started   quality gate\n")
        stream.flush()
        try:
            gate(build_file)
        finally:
            if gate.result is not None:
                stream.write(f"finished  {gate.result.summary_line()}\n")
                stream.flush()

    return check


def run_build(
    published: Path | None = None,
    seeds_dir: Path | None = None,
    keep: int = DEFAULT_KEEP,
    checks: Sequence[Check] = (),
    out: TextIO | None = None,
    report_dir: Path | None = None,
    keep_reports: int = DEFAULT_KEEP_REPORTS,
) -> BuildReport:
    """Build the warehouse into a build file, run ``checks`` and the quality gate on it, publish it.

    ``checks`` are callables taking the build file path and raising to block
    the publish; they run before the gate. The gate writes a report folder
    under ``report_dir`` (default ``reports/quality/``), which keeps the newest
    ``keep_reports`` folders; when it blocks, :class:`QualityGateError`
    carries its result and report paths.
    """
    from dagster_project.quality import QualityGateCheck
    from dagster_project.quality.runner import DEFAULT_REPORT_DIR
    from expectations import GATE_CHECKS

    from .gate import prune_reports
    from .publish import build_and_publish

    stream = out or sys.stdout
    target = target_path(published)
    reports = Path(report_dir).expanduser().resolve() if report_dir else DEFAULT_REPORT_DIR
    # The plan-semantics suites too: their failures get the report and the explanation.
    gate = QualityGateCheck(reports, table_checks=GATE_CHECKS)
    started = time.monotonic()
    try:
        outcome = build_and_publish(
            target,
            lambda build_file: run_job(build_file, seeds_dir, stream),
            checks=[*checks, announced(gate, stream)],
            keep=keep,
        )
    finally:
        if gate.result is not None:
            prune_reports(reports, keep_reports)
    report = BuildReport(
        published=outcome.published,
        mart_rows=outcome.build_outcome,
        history_entry=outcome.history_entry,
        seconds=time.monotonic() - started,
        gate=gate.result,
        report_dir=reports,
    )
    record_publication(report)
    return report


def record_publication(report: BuildReport) -> None:
    """Show the publish in ``dagster dev``: a ``published/warehouse`` event linking the report.

    Only with a Dagster instance (``$DAGSTER_HOME``); this command's run leaves
    out the publishing asset, so the event is reported beside the run.
    """
    if not os.environ.get("DAGSTER_HOME"):
        return
    from dagster import AssetMaterialization, MetadataValue

    from .publication import PUBLISHED_KEY, gate_metadata

    metadata = {"published": MetadataValue.path(str(report.published))}
    if report.gate is not None:
        metadata.update(gate_metadata(report.gate))
    if report.history_entry is not None:
        metadata["previous_warehouse"] = MetadataValue.path(str(report.history_entry))
    with _instance() as instance:
        instance.report_runless_asset_event(
            AssetMaterialization(
                asset_key=PUBLISHED_KEY, description="published by nq57 build", metadata=metadata
            )
        )


TARGETS = ("duckdb", "postgres")


def add_target_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        choices=TARGETS,
        default="duckdb",
        help="duckdb: the warehouse file (default); postgres: the shared warehouse "
        "named by $NQ57_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/nq57)",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_argument(parser)
    parser.add_argument(
        "--warehouse",
        type=Path,
        metavar="PATH",
        help="published warehouse file (default: $NQ57_WAREHOUSE, else warehouse/nq57.duckdb)",
    )
    parser.add_argument(
        "--seeds",
        type=Path,
        metavar="DIR",
        help="directory holding the seed CSVs (default: seeds/)",
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
    from dagster_project.quality import QualityGateError

    from .dbt_project import DbtParseError
    from .gate import failure_lines, report_lines, warning_lines
    from .publish import BuildLockedError, PublishError

    if args.keep < 0:
        print("nq57 build: --keep must be 0 or more", file=sys.stderr)
        return 2
    if args.keep_reports < 1:
        print("nq57 build: --keep-reports must be 1 or more", file=sys.stderr)
        return 2
    if getattr(args, "target", "duckdb") == "postgres":
        from .postgres import build_main

        return build_main(args)
    try:
        report = run_build(
            published=args.warehouse,
            seeds_dir=args.seeds,
            keep=args.keep,
            report_dir=args.report_dir,
            keep_reports=args.keep_reports,
        )
    except BuildLockedError as error:
        print(f"nq57 build: {error}", file=sys.stderr)
        return 1
    except QualityGateError as blocked:
        result = blocked.result
        print(
            f"nq57 build: the quality gate refused to publish: "
            f"{len(result.blocking_failures)} error-severity check(s) failed:",
            file=sys.stderr,
        )
        for line in [
            *failure_lines(result),
            _unchanged(target_path(args.warehouse)),
            *report_lines(result),
        ]:
            print(line, file=sys.stderr)
        if result.report is not None:
            print(_reports_kept(result.report.folder.parent, args.keep_reports), file=sys.stderr)
        return 1
    except (BuildFailedError, DbtParseError, PublishError) as error:
        print(f"nq57 build failed:\n{error}", file=sys.stderr)
        print(_unchanged(target_path(args.warehouse)), file=sys.stderr)
        return 1
    print(f"published {report.published} in {report.seconds:.1f}s")
    if report.history_entry:
        print(f"previous warehouse kept as {report.history_entry}")
    width = max((len(name) for name in report.mart_rows), default=0)
    for name, rows in report.mart_rows.items():
        print(f"  marts.{name.ljust(width)}  {rows} rows")
    if report.gate is not None:
        print(report.gate.summary_line())
        for line in [*warning_lines(report.gate), *report_lines(report.gate)]:
            print(line)
    if report.report_dir is not None:
        print(_reports_kept(report.report_dir, args.keep_reports))
    return 0
