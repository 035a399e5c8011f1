"""``nq57 ingest``: load agency submission files into the submissions store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="files or folders to ingest (default: $NQ57_LANDING or <repo>/landing)",
    )
    parser.add_argument(
        "--store",
        type=Path,
        default=None,
        help="submissions store file (default: <warehouse dir>/submissions.duckdb)",
    )
    parser.add_argument(
        "--seeds",
        type=Path,
        default=None,
        help="seeds folder with plans/tasks/indicators CSVs and reference/ (default: <repo>/seeds)",
    )
    parser.add_argument(
        "--max-bytes",
        type=int,
        default=None,
        help="reject files larger than this many bytes (default: 20 MB)",
    )


def main(args: argparse.Namespace) -> int:
    from dagster_project.warehouse.paths import SEEDS_DIR

    from .ingest import IngestError, ingest_paths
    from .paths import landing_dir
    from .readers import DEFAULT_MAX_BYTES, Limits
    from .reference import ReferenceError
    from .store import StoreLockTimeout

    paths = list(args.paths) or [landing_dir()]
    limits = Limits(max_bytes=args.max_bytes or DEFAULT_MAX_BYTES)
    try:
        outcomes = ingest_paths(
            paths, store=args.store, seeds_dir=args.seeds or SEEDS_DIR, limits=limits
        )
    except (FileNotFoundError, ReferenceError, StoreLockTimeout, IngestError) as error:
        print(f"nq57 ingest: {error}", file=sys.stderr)
        return 2
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    summary = ", ".join(f"{status} {count}" for status, count in sorted(counts.items()))
    print(f"{len(outcomes)} files: {summary or 'nothing to ingest'}")
    return 0
