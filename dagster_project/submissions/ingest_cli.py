"""``nq57 ingest``: load agency submission files into the submissions store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dagster_project.config import SEEDS_DIR

from .ingest import DEFAULT_BATCH_FILES, REFUSED_SYNTHETIC, IngestError, ingest_paths
from .paths import landing_dir
from .readers import DEFAULT_MAX_BYTES, Limits
from .reference import ReferenceError
from .signing import KeyFileError
from .store import StoreCorrupt, StoreLockTimeout

STORE_HELP = "submissions store file (default: <warehouse dir>/submissions.duckdb)"
SEEDS_HELP = "seeds folder with plans/tasks/indicators CSVs and reference/ (default: <repo>/seeds)"


def add_action_argument(parser: argparse.ArgumentParser, actions: dict[str, str]) -> None:
    """The command's first argument: one of ``actions`` (name: what it does)."""
    parser.add_argument(
        "action",
        choices=tuple(actions),
        help="; ".join(f"{name}: {does}" for name, does in actions.items()),
    )


def add_store_argument(parser: argparse.ArgumentParser, store_help: str = STORE_HELP) -> None:
    """``--store``, as every command that opens the submissions store takes it."""
    parser.add_argument("--store", type=Path, default=None, help=store_help)


def add_store_and_seeds(
    parser: argparse.ArgumentParser, seeds_help: str = SEEDS_HELP, store_help: str = STORE_HELP
) -> None:
    """``--store`` and ``--seeds``, as ``nq57 ingest``, ``nq57 store`` and ``nq57 template``
    take them."""
    add_store_argument(parser, store_help)
    parser.add_argument("--seeds", type=Path, default=None, help=seeds_help)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="files or folders to ingest (default: $NQ57_LANDING or <repo>/landing)",
    )
    add_store_and_seeds(parser)
    parser.add_argument(
        "--max-bytes",
        type=int,
        default=None,
        help="reject files larger than this many bytes (default: 20 MB)",
    )
    parser.add_argument(
        "--received-at",
        choices=("ingest-time", "file-mtime"),
        default="ingest-time",
        help="when each file counts as received, for deadlines and 'date in the future' checks: "
        "the time of this run (default), or the file's modification time (files kept with "
        "their sending time, e.g. simulated ones); recorded per file as received_at_basis",
    )
    parser.add_argument(
        "--files-per-commit",
        type=int,
        default=None,
        help="whole files per store transaction (default 200; 1: a commit per file). A kill "
        "leaves each file wholly in or out; files not yet committed are ingested by the next run",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="processes that read and validate files while this one writes the store "
        "(default 1: all in this process; more pays off for hundreds of files on idle cores)",
    )
    parser.add_argument(
        "--allow-synthetic",
        action="store_true",
        help="ingest files marked SYNTHETIC (simulated); without it they are refused, nothing "
        "is written and the command exits 1. Use only for a store of simulated data",
    )
    parser.add_argument(
        "--accept-unverified",
        action="store_true",
        help="take in files whose sender cannot be verified (no verification code, or one that "
        "does not match: legacy files sent before templates were signed), each stored with "
        "sender_verified = false and its reason; such a file never replaces a verified report of "
        "the same agency and period. Without it they are refused whole (sender_unverified, "
        "code_mismatch). Applies to files not ingested before",
    )


def main(args: argparse.Namespace) -> int:
    paths = list(args.paths) or [landing_dir()]
    limits = Limits(max_bytes=args.max_bytes or DEFAULT_MAX_BYTES)
    try:
        outcomes = ingest_paths(
            paths,
            store=args.store,
            seeds_dir=args.seeds or SEEDS_DIR,
            limits=limits,
            received_at_basis=args.received_at.replace("-", "_"),
            allow_synthetic=args.allow_synthetic,
            batch_files=args.files_per_commit or DEFAULT_BATCH_FILES,
            jobs=args.jobs,
            accept_unverified=args.accept_unverified,
        )
    except (
        FileNotFoundError,
        ReferenceError,
        StoreLockTimeout,
        StoreCorrupt,
        IngestError,
        KeyFileError,
    ) as error:
        print(f"nq57 ingest: {error}", file=sys.stderr)
        return 2
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    summary = ", ".join(f"{status} {count}" for status, count in sorted(counts.items()))
    print(f"{len(outcomes)} files: {summary or 'nothing to ingest'}")
    refused = [o for o in outcomes if o.status == REFUSED_SYNTHETIC]
    if refused:
        print(
            f"nq57 ingest: refused {len(refused)} SYNTHETIC file(s), left in place and not "
            "written to the store (simulated data belongs in a store of its own: "
            "--store <path> --allow-synthetic)",
            file=sys.stderr,
        )
        return 1
    return 0
