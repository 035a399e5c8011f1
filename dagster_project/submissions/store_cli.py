"""``nq57 store check`` and ``nq57 store rebuild``: check the submissions store, or make it
again from the archived files (see :mod:`dagster_project.submissions.recovery`)."""

from __future__ import annotations

import argparse
import sys

from dagster_project.config import SEEDS_DIR

from .ingest_cli import add_action_argument, add_store_and_seeds
from .paths import store_path
from .readers import DEFAULT_MAX_BYTES
from .recovery import RebuildError, check_store, rebuild_store
from .reference import ReferenceError, load_reference
from .store import StoreCorrupt, StoreLockTimeout

ACTIONS = {
    "check": "open the store read-only and list what is wrong (exit 2 if anything)",
    "rebuild": "replay the archived files (<store dir>/submission_files/) in the order they "
    "were first ingested into a new store, swap it in, and keep the old one aside as "
    "submissions.duckdb.<time>.old",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_action_argument(parser, ACTIONS)
    add_store_and_seeds(
        parser, "rebuild: seeds folder the files are checked against (default: <repo>/seeds)"
    )
    parser.add_argument(
        "--max-bytes",
        type=int,
        default=None,
        help="rebuild: size limit for files ingested before the archive kept their records "
        "(default: 20 MB); later files keep the limit they were read with",
    )
    parser.add_argument(
        "--no-verify-archive",
        action="store_true",
        help="check: do not hash the archived copies against their sha256 (faster)",
    )


def main(args: argparse.Namespace) -> int:
    store = (args.store or store_path()).absolute()
    try:
        if args.action == "check":
            report = check_store(store, verify_archive=not args.no_verify_archive)
            for problem in report.problems:
                print(f"nq57 store check: {problem}", file=sys.stderr)
            if report.problems:
                print(
                    f"nq57 store check: {len(report.problems)} problem(s) in {store}; "
                    f"`nq57 store rebuild --store {store}` replays the archived files into a new store",
                    file=sys.stderr,
                )
                return 2
            counts = ", ".join(f"{table} {count}" for table, count in report.counts.items())
            print(
                f"{store}: sound ({counts}; {report.archived_files} archived copies checked, "
                f"{report.files_without_record} of them ingested before records were kept)"
            )
            return 0
        reference = load_reference(args.seeds or SEEDS_DIR)
        aside, counts = rebuild_store(
            store, reference, max_bytes=args.max_bytes or DEFAULT_MAX_BYTES
        )
    except (ReferenceError, StoreLockTimeout, StoreCorrupt, RebuildError) as error:
        print(f"nq57 store {args.action}: {error}", file=sys.stderr)
        return 2
    summary = ", ".join(f"{table} {count}" for table, count in counts.items())
    print(f"rebuilt {store} ({summary})")
    if aside is not None:
        print(f"the old store is kept as {aside}")
    return 0
