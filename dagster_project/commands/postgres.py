"""``nq57 build --target postgres`` (``nq57 rollback --target postgres`` is in ``rollback``).

The build is a thin caller of the ``build_warehouse`` job, as ``nq57 build``
is for the DuckDB file: the same run, with the ``warehouse_target`` resource
set to ``postgres`` in its run config (see ``warehouse.postgres``), always a
full build (the PostgreSQL schemas are rebuilt from the inputs each time).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from dagster_project.warehouse.build import (
    PROGRESS_LOGGER,
    BuildFailedError,
    BuildRefusedError,
    DbtParseError,
    documents_for,
    heavy_imports,
    target_path,
)
from dagster_project.warehouse.gate import DEFAULT_KEEP_REPORTS
from dagster_project.warehouse.postgres import (
    DEFAULT_KEEP,
    PostgresTarget,
    PostgresTargetError,
    ensure_database,
)
from dagster_project.warehouse.publish import (
    BuildLockedError,
    WarehouseLayout,
    refuse_if_building,
)

from .job import definitions_for, print_failed, print_mart_rows, print_refused, run_job


@dataclass(frozen=True)
class PostgresBuildReport:
    target: PostgresTarget
    publication: str
    replaced: str | None
    mart_rows: dict[str, int]
    seconds: float
    publish_seconds: float
    gate_summary: str | None = None
    warning_lines: list[str] = field(default_factory=list)
    report_lines: list[str] = field(default_factory=list)


def _announce(stream: TextIO, line: str) -> None:
    stream.write(line + "\n")
    stream.flush()


def run_postgres_build(
    target: PostgresTarget,
    seeds_dir: Path | None = None,
    keep: int = DEFAULT_KEEP,
    out: TextIO | None = None,
    report_dir: Path | None = None,
    keep_reports: int = DEFAULT_KEEP_REPORTS,
) -> PostgresBuildReport:
    """Run ``build_warehouse`` with the postgres target; return what it published.

    Raises :class:`PostgresTargetError` when the server cannot be reached
    (before the run starts), and what ``nq57 build`` raises otherwise
    (:class:`BuildRefusedError`, :class:`BuildLockedError`, :class:`BuildFailedError`).
    """
    stream = out or sys.stdout
    started = time.monotonic()
    # Said in one line before the run starts: a server that is down or refuses us.
    created = ensure_database(target)
    _announce(
        stream, f"{'created' if created else 'using'} database {target.dbname} ({target.label})"
    )
    published = target_path(None)
    # Another build holding the one build lock: said before the imports, too.
    refuse_if_building(WarehouseLayout(published))
    # lazy: Dagster, dbt and Great Expectations cost seconds to import, after the
    # server answered (a wrong URL or a server down is said without them)
    with heavy_imports():
        from dagster_project.quality.runner import DEFAULT_REPORT_DIR
        from dagster_project.warehouse.jobs import BUILD_WAREHOUSE_JOB
        from dagster_project.warehouse.progress import progress_logger
        from dagster_project.warehouse.publication import PUBLICATION_KEY
        from dagster_project.warehouse.resources import DuckDBWarehouse

    documents_dir = documents_for(seeds_dir)
    reports = Path(report_dir).expanduser().resolve() if report_dir else DEFAULT_REPORT_DIR
    defs = definitions_for(WarehouseLayout(published).build_file)
    job = defs.resolve_job_def(BUILD_WAREHOUSE_JOB).with_logger_defs(
        {PROGRESS_LOGGER: progress_logger(stream)}
    )
    _announce(stream, f"full build for {target.label}; published only if every check passes")
    outcome = run_job(
        job,
        # Holds the one build lock; its private file carries the loaded inputs
        # and is never published on this target.
        DuckDBWarehouse(published_path=str(published), full_refresh=True),
        seeds_dir=seeds_dir,
        documents_dir=documents_dir,
        reports=reports,
        keep_reports=keep_reports,
        # The target is the run's choice, as in the launchpad of dagster dev.
        run_config={
            "resources": {
                "warehouse_target": {
                    "config": {"kind": "postgres", "postgres_url": target.url, "keep": keep}
                }
            }
        },
    )
    metadata = outcome.metadata
    previous = metadata.get("previous_publication")
    return PostgresBuildReport(
        target=target,
        publication=metadata[PUBLICATION_KEY].value,
        replaced=previous.value if previous is not None else None,
        mart_rows=outcome.mart_rows,
        seconds=time.monotonic() - started,
        publish_seconds=metadata["publish_seconds"].value,
        gate_summary=metadata["quality_gate"].value,
        warning_lines=outcome.warning_lines,
        report_lines=outcome.report_lines,
    )


UNCHANGED = "nq57 build: the published PostgreSQL schemas were left unchanged"


def build_main(args) -> int:
    """``nq57 build --target postgres``."""
    try:
        target = PostgresTarget.from_url()
        report = run_postgres_build(
            target,
            seeds_dir=args.seeds,
            keep=args.keep,
            report_dir=args.report_dir,
            keep_reports=args.keep_reports,
        )
    except (PostgresTargetError, BuildLockedError) as error:
        print(f"nq57 build: {error}", file=sys.stderr)
        return 1
    except BuildRefusedError as refused:
        print_refused(refused, " to postgres", UNCHANGED)
        return 1
    except (BuildFailedError, DbtParseError) as error:
        print_failed(error, UNCHANGED)
        return 1
    print(
        f"published {report.target.label} as publication {report.publication} "
        f"in {report.seconds:.1f}s (the swap took {report.publish_seconds * 1000:.0f} ms)"
    )
    if report.replaced:
        print(f"previous publication kept as {report.replaced}")
    print_mart_rows(report.mart_rows)
    if report.gate_summary is not None:
        print(report.gate_summary)
    for line in [*report.warning_lines, *report.report_lines]:
        print(line)
    return 0
