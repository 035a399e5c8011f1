"""``nq57 build``: run the ``build_warehouse`` job into a build file, then publish it.

The job runs in this process against a private copy of the warehouse (see
``publish``); the published file changes only if every step and every check
succeeded.
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
from typing import TextIO

from .publish import DEFAULT_KEEP, Check

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
    from .jobs import BUILD_WAREHOUSE_JOB
    from .progress import progress_logger
    from .resources import DuckDBWarehouse, SourceFiles

    # Parsed against the build file so that dbt build finds the same profile
    # and can reuse the parse.
    prepare_manifest(build_file)
    # Imported after the parse: the dbt assets are built from the manifest on import.
    from dagster_project.definitions import defs

    job = defs.resolve_job_def(BUILD_WAREHOUSE_JOB).with_logger_defs(
        {PROGRESS_LOGGER: progress_logger(stream)}
    )
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


def run_build(
    published: Path | None = None,
    seeds_dir: Path | None = None,
    keep: int = DEFAULT_KEEP,
    checks: Sequence[Check] = (),
    out: TextIO | None = None,
) -> BuildReport:
    """Build the warehouse into a build file, run ``checks`` on it, publish it.

    ``checks`` are callables taking the build file path and raising to block
    the publish (the quality gate goes here).
    """
    from .paths import warehouse_path
    from .publish import build_and_publish

    stream = out or sys.stdout
    target = Path(published).expanduser().resolve() if published else warehouse_path()
    started = time.monotonic()
    outcome = build_and_publish(
        target,
        lambda build_file: run_job(build_file, seeds_dir, stream),
        checks=checks,
        keep=keep,
    )
    return BuildReport(
        published=outcome.published,
        mart_rows=outcome.build_outcome,
        history_entry=outcome.history_entry,
        seconds=time.monotonic() - started,
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
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
        help=f"previously published files kept in history/ for rollback (default: {DEFAULT_KEEP})",
    )


def main(args: argparse.Namespace) -> int:
    from .dbt_project import DbtParseError
    from .publish import BuildLockedError, PublishError

    if args.keep < 0:
        print("nq57 build: --keep must be 0 or more", file=sys.stderr)
        return 2
    try:
        report = run_build(published=args.warehouse, seeds_dir=args.seeds, keep=args.keep)
    except BuildLockedError as error:
        print(f"nq57 build: {error}", file=sys.stderr)
        return 1
    except (BuildFailedError, DbtParseError, PublishError) as error:
        print(f"nq57 build failed:\n{error}", file=sys.stderr)
        print("nq57 build: the published warehouse was left unchanged.", file=sys.stderr)
        return 1
    print(f"published {report.published} in {report.seconds:.1f}s")
    if report.history_entry:
        print(f"previous warehouse kept as {report.history_entry}")
    width = max((len(name) for name in report.mart_rows), default=0)
    for name, rows in report.mart_rows.items():
        print(f"  marts.{name.ljust(width)}  {rows} rows")
    return 0
