"""Put a previously published warehouse back (``nq57 rollback``: ``commands.rollback``).

Every publish keeps the file it replaced in ``history/<stamp>/`` (``stamp``
is when it was replaced). A rollback copies one of those files into a build
file and publishes it under the build lock with the same atomic rename as a
build: readers see the old file or the restored one, never a mix, and no
build runs meanwhile. The warehouse it replaces goes into history like any
other, so a rollback is undone by another one. A rollback deletes no history;
the next build trims it to its ``--keep``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .publish import (
    WarehouseLayout,
    build_lock,
    clean_stale_builds,
    discard_build,
    new_build_file,
    publish,
)


class RollbackError(RuntimeError):
    """There is nothing (or nothing by that name) to roll back to."""


@dataclass(frozen=True)
class HistoryEntry:
    stamp: str
    path: Path

    @property
    def built_at(self) -> datetime:
        """When the file was last written: the end of the build that produced it."""
        return datetime.fromtimestamp(self.path.stat().st_mtime, UTC)


@dataclass(frozen=True)
class Restored:
    published: Path
    restored: HistoryEntry
    replaced_kept_as: Path | None


def history_entries(layout: WarehouseLayout) -> list[HistoryEntry]:
    """Restorable files in ``history/``, newest first."""
    if not layout.history_root.is_dir():
        return []
    entries = [
        HistoryEntry(entry.name, entry / layout.published.name)
        for entry in layout.history_root.iterdir()
        if (entry / layout.published.name).is_file()
    ]
    # Stamps are UTC times written so that their text order is time order.
    return sorted(entries, key=lambda e: e.stamp, reverse=True)


def find_entry(layout: WarehouseLayout, stamp: str | None) -> HistoryEntry:
    entries = history_entries(layout)
    if not entries:
        raise RollbackError(f"no earlier warehouse is kept in {layout.history_root}")
    if stamp is None:
        return entries[0]
    for entry in entries:
        if entry.stamp == stamp:
            return entry
    raise RollbackError(
        f"no history entry {stamp!r} in {layout.history_root}; "
        f"kept: {', '.join(e.stamp for e in entries)}"
    )


def mart_row_counts(database: Path) -> dict[str, int]:
    """Rows per mart table of a warehouse file, read without a write lock."""
    # lazy: duckdb and dbt cost seconds, and nq57 --help imports this module (start-up cost)
    import duckdb

    from .row_counts import MARTS_SCHEMA, count_rows, mart_tables

    with duckdb.connect(str(database), read_only=True) as con:
        counts = count_rows(con, [(MARTS_SCHEMA, table) for table in mart_tables(con)])
    return {table: rows for (_, table), rows in counts.items()}


def restore(published: Path, stamp: str | None = None) -> Restored:
    """Publish a copy of a history entry (default: the newest) in place of ``published``."""
    import duckdb  # lazy: nq57 --help imports this module (start-up cost)

    layout = WarehouseLayout(published)
    with build_lock(layout):
        entry = find_entry(layout, stamp)
        clean_stale_builds(layout)
        build_file = new_build_file(layout, source=entry.path)
        try:
            # Keep the entry's modification time: --list shows it as when it was built.
            shutil.copystat(entry.path, build_file)
            # A copy that DuckDB cannot open must not replace a working warehouse.
            duckdb.connect(str(build_file), read_only=True).close()
            kept_as, _ = publish(layout, build_file, keep=None)
        except BaseException:
            if build_file.parent.exists():
                discard_build(build_file)
            raise
    return Restored(published=layout.published, restored=entry, replaced_kept_as=kept_as)


def counts_summary(counts: dict[str, int]) -> str:
    return f"{sum(counts.values())} rows in {len(counts)} marts"


def _rows(count: int | None) -> str:
    if count is None:
        return "absent"
    return f"{count} row" if count == 1 else f"{count} rows"


def _differences(counts: dict[str, int], current: dict[str, int]) -> list[str]:
    """Marts whose row count differs from the published file's."""
    return [
        f"      marts.{table}: {_rows(counts.get(table))} here, "
        f"{_rows(current.get(table))} in the published file"
        for table in sorted(counts.keys() | current.keys())
        if counts.get(table) != current.get(table)
    ]


def list_history(layout: WarehouseLayout) -> list[str]:
    """The published file and each history entry with row counts, newest first."""
    lines = []
    current: dict[str, int] = {}
    if layout.published.exists():
        current = mart_row_counts(layout.published)
        built = datetime.fromtimestamp(layout.published.stat().st_mtime, UTC)
        lines.append(f"published {layout.published}")
        lines.append(f"  built {built:%Y-%m-%d %H:%M:%S} UTC, {counts_summary(current)}")
    else:
        lines.append(f"nothing is published at {layout.published}")
    entries = history_entries(layout)
    if not entries:
        lines.append(f"no earlier warehouse is kept in {layout.history_root}")
        return lines
    lines.append("history, newest first (`nq57 rollback --to STAMP` restores one):")
    for entry in entries:
        counts = mart_row_counts(entry.path)
        lines.append(
            f"  {entry.stamp}  built {entry.built_at:%Y-%m-%d %H:%M:%S} UTC, "
            f"{counts_summary(counts)}"
        )
        lines.extend(_differences(counts, current))
    return lines
