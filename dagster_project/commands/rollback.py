"""``nq57 rollback``: put a previously published warehouse back.

See ``warehouse.rollback`` for how (the DuckDB file) and ``commands.postgres``
for ``--target postgres``.

    nq57 rollback --list        # what could be restored, with row counts
    nq57 rollback               # restore the newest entry: the warehouse published before
    nq57 rollback --to STAMP    # restore a given entry
"""

from __future__ import annotations

import argparse
import sys

from dagster_project.config import add_warehouse_argument
from dagster_project.warehouse.build import target_path
from dagster_project.warehouse.publish import (
    BuildLockedError,
    PublishError,
    WarehouseLayout,
    build_lock,
)
from dagster_project.warehouse.rollback import (
    RollbackError,
    counts_summary,
    list_history,
    mart_row_counts,
    restore,
)

from .job import add_target_argument


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_argument(parser)
    add_warehouse_argument(parser)
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "--to",
        metavar="STAMP",
        help="history entry to restore, as --list shows it (default: the newest)",
    )
    action.add_argument(
        "--list",
        action="store_true",
        help="list the published warehouse and its history with row counts; change nothing",
    )


def main(args: argparse.Namespace) -> int:
    import duckdb  # lazy: nq57 --help imports this module (start-up cost)

    if getattr(args, "target", "duckdb") == "postgres":
        return postgres_main(args)
    layout = WarehouseLayout(target_path(args.warehouse))
    try:
        if args.list:
            for line in list_history(layout):
                print(line)
            return 0
        restored = restore(layout.published, args.to)
    except (BuildLockedError, PublishError, RollbackError, duckdb.Error) as error:
        print(f"nq57 rollback: {error}", file=sys.stderr)
        return 1
    counts = mart_row_counts(restored.published)
    print(f"restored {restored.restored.path} onto {restored.published} ({counts_summary(counts)})")
    if restored.replaced_kept_as is not None:
        print(f"the replaced warehouse is kept as {restored.replaced_kept_as}")
    return 0


def postgres_main(args: argparse.Namespace) -> int:
    """``nq57 rollback --target postgres``."""
    # lazy: psycopg, only for --target postgres (start-up cost)
    import psycopg

    from dagster_project.warehouse import postgres

    try:
        target = postgres.PostgresTarget.from_url()
        with postgres.connect(target, autocommit=True) as conn:
            if args.list:
                postgres.ensure_meta(conn)
                row = conn.execute(
                    f"select publication_id from {postgres.META_SCHEMA}.publications "
                    "where state = 'current'"
                ).fetchone()
                current = row[0] if row else None
                counts = postgres.mart_row_counts(conn) if current else {}
                print(
                    f"published: {current or '(none)'} on {target.label} "
                    f"({sum(counts.values())} mart rows in {len(counts)} marts)"
                )
                for publication, published_at, rows in postgres.kept_publications(conn):
                    total = sum(int(v) for v in rows.values())
                    print(
                        f"kept:      {publication} (published {published_at:%Y-%m-%d %H:%M:%S}, "
                        f"{total} mart rows)"
                    )
                return 0
            with build_lock(WarehouseLayout(target_path(None))):
                chosen, replaced = postgres.rollback(conn, args.to)
                counts = postgres.mart_row_counts(conn)
    except (postgres.PostgresTargetError, BuildLockedError) as error:
        print(f"nq57 rollback: {error}", file=sys.stderr)
        return 1
    except psycopg.Error as error:
        print(f"nq57 rollback: postgres: {error}".splitlines()[0], file=sys.stderr)
        return 1
    print(
        f"restored publication {chosen} on {target.label} "
        f"({sum(counts.values())} mart rows in {len(counts)} marts); "
        f"the replaced publication {replaced} is kept"
    )
    return 0
