"""``nq57 build``: run the ``build_warehouse`` job, the one path that builds and publishes.

The command is a thin caller of the job ``dagster dev`` shows (see ``jobs``):
the run builds into a private copy of the warehouse (``DuckDBWarehouse``), dbt
builds and tests the models, and the last asset, ``published/warehouse``, runs
the quality gate and swaps the build file onto the published path. The
published file changes only if every step and every check succeeded; every
run of the gate (including one started because dbt's tests failed) leaves a
report whose path the command prints, passed or not.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from dagster_project.config import add_warehouse_argument

from .gate import DEFAULT_KEEP_REPORTS
from .paths import DOCUMENTS_DIR
from .publish import DEFAULT_KEEP, BuildLockedError, PublishError, WarehouseLayout

if TYPE_CHECKING:
    from .inputs import BuildPlan

PROGRESS_LOGGER = "nq57_progress"
MARTS_SCHEMA = "marts"


class BuildFailedError(RuntimeError):
    """The build job failed; nothing was published."""


class BuildRefusedError(BuildFailedError):
    """A check (dbt's tests or the quality gate) refused the build; the report says why."""

    def __init__(
        self,
        failures: int,
        failure_lines: list[str],
        report_lines: list[str],
        report_folder: Path | None,
    ):
        self.failures = failures
        self.failure_lines = failure_lines
        self.report_lines = report_lines
        self.report_folder = report_folder
        super().__init__("\n".join([f"{failures} error-severity check(s) failed:", *failure_lines]))


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


def _innermost(error):
    # Dagster wraps the user's exception; the innermost cause says what went wrong.
    while error is not None and error.cause is not None:
        error = error.cause
    return error


def _chain(error):
    while error is not None:
        yield error
        error = error.cause


def _failure_events(result):
    for event in result.all_events:
        data = event.event_specific_data
        if event.is_step_failure or event.event_type_value == "RESOURCE_INIT_FAILURE":
            yield event, data


def _raise_for_failure(result) -> None:
    """Turn a failed run into the exception the command reports to the user."""
    from .gate import report_page_lines
    from .publication import FAILURE_LINES_KEY

    lines = []
    for event, data in _failure_events(result):
        user_failure = getattr(data, "user_failure_data", None)
        metadata = user_failure.metadata if user_failure is not None else {}
        if FAILURE_LINES_KEY in metadata:
            summary = Path(metadata["quality_report"].value)
            raise BuildRefusedError(
                failures=metadata["blocking_failures"].value,
                failure_lines=metadata[FAILURE_LINES_KEY].value.splitlines(),
                report_lines=report_page_lines(summary, Path(metadata["data_docs"].value)),
                report_folder=summary.parent,
            )
        for known in _chain(data.error):
            # What the user must act on (a lock, a writer), in the build's own words.
            for kind in (BuildLockedError, PublishError):
                if known.cls_name == kind.__name__:
                    raise kind(known.message.strip().split(": ", 1)[-1])
        error = _innermost(data.error)
        message = error.message.strip() if error else "unknown error"
        where = f"step {event.step_key}" if event.step_key else "the run"
        lines.append(f"{where} failed: {message}")
    raise BuildFailedError("\n".join(lines) or "the build_warehouse run did not succeed")


def _instance():
    """The Dagster instance under ``$DAGSTER_HOME`` when set, so runs show in ``dagster dev``.

    Without it, an in-memory instance: the build needs no run history to work.
    """
    from dagster import DagsterInstance

    if os.environ.get("DAGSTER_HOME"):
        return DagsterInstance.get()
    return DagsterInstance.ephemeral()


def mart_row_counts(result) -> dict[str, int]:
    """Row counts of the marts, from the materializations the run recorded."""
    from .row_counts import ROW_COUNT_KEY

    counts = {}
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        schema, *rest = materialization.asset_key.path
        if schema == MARTS_SCHEMA and ROW_COUNT_KEY in materialization.metadata:
            counts[rest[-1]] = materialization.metadata[ROW_COUNT_KEY].value
    return dict(sorted(counts.items()))


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
    ``_raise_for_failure``); return the publish asset's metadata and the run's figures.

    ``warehouse`` is the run's :class:`DuckDBWarehouse` (it holds the one build
    lock); ``run_config`` adds to the progress logger's (e.g. the target).
    """
    from .gate import report_page_lines
    from .publication import PUBLISHED_KEY, WARNING_LINES_KEY, QualityReports
    from .resources import SourceFiles

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
        _raise_for_failure(result)
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


def documents_for(seeds_dir: Path | None) -> Path | None:
    """The documents that go with ``--seeds DIR``: ``DIR/source_documents`` when it exists.

    None means the repository's own documents (``seeds/source_documents/``).
    """
    if seeds_dir is None:
        return None
    candidate = Path(seeds_dir) / DOCUMENTS_DIR.name
    return candidate.resolve() if candidate.is_dir() else None


def target_path(published: Path | None) -> Path:
    """The published file a build replaces: ``published``, else ``$NQ57_WAREHOUSE`` or the default."""
    from .paths import warehouse_path

    return Path(published).expanduser().resolve() if published else warehouse_path()


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
    from dagster_project.quality.runner import DEFAULT_REPORT_DIR

    from .dbt_project import prepare_manifest
    from .jobs import BUILD_WAREHOUSE_JOB, subset_build_job
    from .progress import progress_logger
    from .resources import DuckDBWarehouse

    stream = out or sys.stdout
    target = target_path(published)
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
    # The dbt assets are built from the manifest when the definitions are imported.
    # Parsed against the path the build will write, so dbt build reuses the parse.
    prepare_manifest(WarehouseLayout(target).build_file)
    from dagster_project.definitions import defs

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


def build_plan(
    target: Path, seeds_dir: Path | None, documents_dir: Path | None, full_refresh: bool
) -> BuildPlan:
    """Full, incremental or nothing: the inputs on disk against those ``target`` records."""
    from dagster_project.submissions.paths import STORE_FILE_NAME

    from . import inputs
    from .paths import SEEDS_DIR

    if full_refresh:
        return inputs.BuildPlan(True, (), "--full-refresh")
    current = inputs.file_fingerprints(
        Path(seeds_dir) if seeds_dir else SEEDS_DIR, documents_dir or DOCUMENTS_DIR
    )
    # The store beside the published file, as the build's dbt plugin finds it.
    current[inputs.SUBMISSIONS] = inputs.store_high_water_mark(target.parent / STORE_FILE_NAME)
    return inputs.plan(current, inputs.recorded(target))


def incremental_selection(defs, changed) -> list:
    """The job's assets downstream of the changed inputs, the publish asset among them."""
    from dagster import AssetKey, AssetSelection

    from . import inputs
    from .jobs import BUILD_WAREHOUSE_JOB, SUBMISSIONS_GROUP
    from .loading import RAW_SCHEMA

    in_job = defs.resolve_job_def(BUILD_WAREHOUSE_JOB).asset_layer.selected_asset_keys
    # The reference tables, seeds/reference/*.csv, load into raw.ref_<name>.
    reference_keys = {
        key for key in in_job if key.path[0] == RAW_SCHEMA and key.path[-1].startswith("ref_")
    }
    roots = set()
    selection = AssetSelection.keys()
    for name in changed:
        if name.startswith(inputs.SEED_PREFIX):
            roots.add(AssetKey([RAW_SCHEMA, name.removeprefix(inputs.SEED_PREFIX)]))
        elif name == inputs.REFERENCE:
            roots |= reference_keys
        elif name == inputs.SUBMISSIONS:
            # The store's tables are the assets the ingest job materializes.
            selection = selection | AssetSelection.groups(SUBMISSIONS_GROUP)
    graph = defs.resolve_asset_graph()
    selected = (selection | AssetSelection.keys(*roots)).downstream().resolve(graph)
    # A multi-asset that cannot run in part (one Python step writing two tables)
    # runs whole, and what is downstream of its other tables too.
    while True:
        whole = {
            key
            for selected_key in selected
            if selected_key in in_job and not graph.get(selected_key).assets_def.can_subset
            for key in graph.get(selected_key).assets_def.keys
        }
        if whole <= selected:
            break
        selected = AssetSelection.keys(*(selected | whole)).downstream().resolve(graph)
    return sorted(selected & in_job, key=lambda key: key.to_user_string())


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
    from .dbt_project import DbtParseError

    if args.keep < 0:
        print("nq57 build: --keep must be 0 or more", file=sys.stderr)
        return 2
    if args.keep_reports < 1:
        print("nq57 build: --keep-reports must be 1 or more", file=sys.stderr)
        return 2
    if getattr(args, "target", "duckdb") == "postgres":
        from .postgres_cli import build_main

        return build_main(args)
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
        print(
            f"nq57 build: the quality gate refused to publish: "
            f"{refused.failures} error-severity check(s) failed:",
            file=sys.stderr,
        )
        for line in [
            *refused.failure_lines,
            _unchanged(target_path(args.warehouse)),
            *refused.report_lines,
        ]:
            print(line, file=sys.stderr)
        if refused.report_folder is not None:
            print(_reports_kept(refused.report_folder.parent, args.keep_reports), file=sys.stderr)
        return 1
    except (BuildFailedError, DbtParseError, PublishError) as error:
        print(f"nq57 build failed:\n{error}", file=sys.stderr)
        print(_unchanged(target_path(args.warehouse)), file=sys.stderr)
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
