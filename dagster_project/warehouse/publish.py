"""Write-audit-publish for the warehouse file.

Readers only ever see a complete warehouse. A build works on its own copy
under ``<warehouse dir>/.build/``; only after the build and every check pass is
that copy moved onto the published path with one ``os.replace``, which is
atomic on POSIX: a reader opens either the old file or the new one, never a
half-written one. The file that was published before is kept in
``<warehouse dir>/history/`` so a bad publish can be rolled back by copying it
back.

Build and history files sit in a directory of their own and keep the published
file's name, because DuckDB names the catalog after the file stem and dbt
writes that name into every view it creates: a view built in ``x.duckdb``
would not resolve once the file is renamed ``nq57.duckdb``.

The sequence is explicit in :func:`build_and_publish`::

    lock -> clean stale builds -> copy published -> build -> checks -> publish
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Generic, TypeVar

from dagster_project.locks import LockHeld, exclusive_lock, pause_point

BUILD_DIR_NAME = ".build"
RUN_DIR_NAME = "run"
HISTORY_DIR_NAME = "history"
LOCK_FILE_NAME = ".build.lock"
DEFAULT_KEEP = 3
# The published file is read-only on disk: BI tools and readers open it with
# duckdb.connect(path, read_only=True); nothing but a build replaces it.
PUBLISHED_MODE = 0o444

T = TypeVar("T")
Check = Callable[[Path], None]


class BuildLockedError(RuntimeError):
    """Another build holds the warehouse lock."""


class PublishError(RuntimeError):
    """The build file cannot be published safely."""


@dataclass(frozen=True)
class WarehouseLayout:
    """The files around one published warehouse path."""

    published: Path

    @property
    def directory(self) -> Path:
        return self.published.parent

    @property
    def build_root(self) -> Path:
        return self.directory / BUILD_DIR_NAME

    @property
    def history_root(self) -> Path:
        return self.directory / HISTORY_DIR_NAME

    @property
    def build_file(self) -> Path:
        """Where a build writes: one path for every build, since builds hold the lock in turn.

        Its file name is the published one: the database name dbt records in
        the manifest comes from it, so every build of this name reuses one
        parse, wherever the folder (see ``dbt_project.prepare_manifest``).
        """
        return self.build_root / RUN_DIR_NAME / self.published.name

    @property
    def lock_path(self) -> Path:
        return self.directory / LOCK_FILE_NAME


@dataclass(frozen=True)
class PublishResult(Generic[T]):
    """What a successful build-and-publish did."""

    published: Path
    build_outcome: T
    history_entry: Path | None
    removed_stale: list[Path] = field(default_factory=list)
    removed_history: list[Path] = field(default_factory=list)


def wal_path(database: Path) -> Path:
    """DuckDB's write-ahead log next to ``database``."""
    return database.with_name(database.name + ".wal")


def _utc_stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _fsync_path(path: Path) -> None:
    """Flush a file or a directory entry to disk (directories make renames durable)."""
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def build_lock(layout: WarehouseLayout) -> Iterator[None]:
    """Hold ``.build.lock`` for the duration of a build, or refuse at once."""
    layout.directory.mkdir(parents=True, exist_ok=True)
    with ExitStack() as held_lock:
        try:
            held_lock.enter_context(exclusive_lock(layout.lock_path))
        except LockHeld as held:
            raise BuildLockedError(
                f"another nq57 build (pid {held.holder}) is running on {layout.published}; "
                f"wait for it to finish (lock file {layout.lock_path})"
            ) from held
        yield


def refuse_if_building(layout: WarehouseLayout) -> None:
    """Raise :class:`BuildLockedError` now if another build holds ``layout``'s lock.

    ``nq57 build`` asks before the seconds it spends importing Dagster, dbt and
    Great Expectations and parsing the dbt project, so a refused build is told
    at once; its run takes the lock for itself later (and is refused there if
    another build started in between).
    """
    with build_lock(layout):
        pass


def clean_stale_builds(layout: WarehouseLayout) -> list[Path]:
    """Remove what killed builds left in ``.build/``; call only while holding the lock."""
    if not layout.build_root.exists():
        return []
    removed = []
    for entry in sorted(layout.build_root.iterdir()):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
        removed.append(entry)
    return removed


def new_build_file(
    layout: WarehouseLayout, source: Path | None = None, empty: bool = False
) -> Path:
    """A fresh build file holding a copy of ``source``, by default the published warehouse.

    With no ``source`` and nothing published yet, or ``empty``, the build file
    does not exist yet: the build starts from nothing but nq57's inputs.
    """
    _refuse_if_open_for_writing(layout)
    build_file = layout.build_file
    build_file.parent.mkdir(parents=True)
    source = layout.published if source is None else source
    if source.exists() and not empty:
        shutil.copyfile(source, build_file)
    return build_file


def holders(path: Path) -> list[str]:
    """``pid N (command)`` of every other process with ``path`` (or its WAL) open; Linux only."""
    targets = {str(path), str(wal_path(path))}
    found = []
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            opened = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
        except OSError:
            continue
        if opened & targets:
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
            except OSError:
                command = "?"
            found.append(f"pid {entry.name} ({command[:120] or '?'})")
    return sorted(found)


def _refuse_if_open_for_writing(layout: WarehouseLayout) -> None:
    """A WAL beside the published file means a writer has it open (or crashed in it).

    Copying the file without its log would lose that writer's changes, and
    replacing it would leave the log to be replayed onto the new file. The
    error names the processes holding the file, so the user knows what to close.
    """
    if wal_path(layout.published).exists():
        held_by = holders(layout.published)
        who = f"held by {', '.join(held_by)}" if held_by else "no process holds it now"
        raise PublishError(
            f"{layout.published} is open for writing ({wal_path(layout.published).name} "
            f"exists; {who}); close that connection (readers use "
            f"duckdb.connect(path, read_only=True)) and build again"
        )


def discard_build(build_file: Path) -> None:
    """Remove a build file and its run directory after a failed build."""
    shutil.rmtree(build_file.parent)


def _keep_in_history(layout: WarehouseLayout) -> Path:
    """Link (or copy) the currently published file into a new history entry."""
    stamp = _utc_stamp()
    entry = layout.history_root / stamp
    suffix = 0
    while entry.exists():
        suffix += 1
        entry = layout.history_root / f"{stamp}-{suffix}"
    entry.mkdir(parents=True)
    target = entry / layout.published.name
    try:
        os.link(layout.published, target)
    except OSError:
        # Some filesystems (and some container mounts) refuse hard links.
        shutil.copy2(layout.published, target)
    _fsync_path(entry)
    return target


def rotate_history(layout: WarehouseLayout, keep: int) -> list[Path]:
    """Delete history entries beyond the ``keep`` most recent ones."""
    if keep < 0:
        raise ValueError(f"keep must be 0 or more, got {keep}")
    if not layout.history_root.exists():
        return []
    entries = sorted(p for p in layout.history_root.iterdir() if p.is_dir())
    expired = entries[: max(len(entries) - keep, 0)]
    for entry in expired:
        shutil.rmtree(entry)
    return expired


def publish(
    layout: WarehouseLayout, build_file: Path, keep: int | None = DEFAULT_KEEP
) -> tuple[Path | None, list[Path]]:
    """Atomically replace the published file with ``build_file``.

    Returns the history entry holding the previously published file (None on
    the first publish) and the history entries rotated out; ``keep=None``
    rotates nothing (a rollback must not delete the history it restores from).
    """
    if wal_path(build_file).exists():
        raise PublishError(
            f"{build_file} still has a write-ahead log: a connection to it was not closed, "
            "so the file on disk is incomplete"
        )
    _refuse_if_open_for_writing(layout)
    os.chmod(build_file, PUBLISHED_MODE)
    _fsync_path(build_file)
    history_entry = _keep_in_history(layout) if layout.published.exists() else None
    pause_point("swap")
    os.replace(build_file, layout.published)
    _fsync_path(layout.directory)
    build_file.parent.rmdir()
    return history_entry, ([] if keep is None else rotate_history(layout, keep))


def build_and_publish(
    published: Path,
    build: Callable[[Path], T],
    checks: Sequence[Check] = (),
    keep: int = DEFAULT_KEEP,
) -> PublishResult[T]:
    """Build into a private copy, run the blocking checks, then publish.

    ``build`` receives the build file path and returns whatever the caller
    wants back (row counts, a run result). Each check receives the same path
    and raises to stop the publish. On any failure the build file is removed
    and the published file is left exactly as it was.
    """
    layout = WarehouseLayout(Path(published))
    with build_lock(layout):
        removed_stale = clean_stale_builds(layout)
        build_file = new_build_file(layout)
        try:
            outcome = build(build_file)
            for check in checks:
                check(build_file)
            history_entry, removed_history = publish(layout, build_file, keep)
        except BaseException:
            if build_file.parent.exists():
                discard_build(build_file)
            raise
    return PublishResult(
        published=layout.published,
        build_outcome=outcome,
        history_entry=history_entry,
        removed_stale=removed_stale,
        removed_history=removed_history,
    )
