"""``nq57 store check`` and ``nq57 store rebuild``: the way back for a damaged store.

The store is history, but not the only copy of it: every file ever received
is kept under ``<warehouse dir>/submission_files/`` (content-addressed, see
:func:`.ingest.archived_path`), and the journal ``received.jsonl`` beside
them records what each was called, where and when it was received, and the
limits and options it was read with (:class:`.ingest.Journal`). A store can therefore be made again by
replaying those files, in the order they were first ingested, through the
same stages as ``nq57 ingest``.

:func:`check_store` opens the store read-only and lists what is wrong, one
line each: the file does not open (a WAL DuckDB cannot replay), tables are
missing, a file's rows in differ from rows loaded + quarantined, rows belong
to no file, an archived copy is missing or differs from its sha256.

:func:`rebuild_store` replays every archived file into a new store beside
the old one, then swaps it in with a rename, keeping the old file (and its
WAL) aside as ``submissions.duckdb.<UTC time>.old``. The replay list is the
journal's records plus, for files ingested before records were kept, the old
store's manifest when it still opens (or its last checkpoint, read without
the WAL, when only that opens). Files are read again with today's code and
checked against today's seeds and registry: a rule or a reference table
changed since the first ingest can give a different result, which is the
point when the rule was wrong and worth a look otherwise (compare the
counts ``rebuild`` prints with ``store check``'s of the old file).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from .ingest import Writer, archived_path, evaluate, read_journal
from .paths import archive_dir
from .readers import Limits
from .receive import HEAD_BYTES, Incoming
from .reference import ReferenceData
from .senders import SenderPolicy
from .signing import load_keys
from .store import (
    DEFAULT_LOCK_TIMEOUT_SECONDS,
    TABLES,
    StoreCorrupt,
    connect_checked,
    ensure_schema,
    existing_tables,
    store_lock,
    table_counts,
    unbalanced_files,
)


class RebuildError(RuntimeError):
    """The archive cannot give back the store (a copy missing or altered); nothing was swapped."""


@dataclass(frozen=True)
class StoreReport:
    """What ``nq57 store check`` found: problems (empty when sound) and counts."""

    problems: list[str]
    counts: dict[str, int]
    archived_files: int = 0
    files_without_record: int = 0


def wal_of(store: Path) -> Path:
    return store.with_name(store.name + ".wal")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_tables(
    con: duckdb.DuckDBPyConnection, store: Path, problems: list[str], verify_archive: bool
) -> StoreReport:
    missing = [name for name in TABLES if name not in existing_tables(con)]
    if missing:
        problems.append("tables missing: " + ", ".join(f"raw.{name}" for name in missing))
        return StoreReport(problems, {})
    counts = table_counts(con)
    for row in unbalanced_files(con):
        problems.append(
            f"file {row['file_name']} (sha256 {str(row['file_sha256'])[:12]}): rows in "
            f"{row['rows_in']} != loaded {row['rows_loaded']} + quarantined {row['rows_quarantined']}"
        )
    for table in ("submission_rows", "submission_quarantine"):
        orphans = con.execute(
            f"""
            select count(*), min(file_sha256) from raw.{table}
            where file_sha256 not in (select file_sha256 from raw.submission_files)
            """
        ).fetchone()
        if orphans[0]:
            problems.append(
                f"raw.{table}: {orphans[0]} rows of no file in the manifest (e.g. sha256 {orphans[1][:12]})"
            )
    archived = 0
    without_record = 0
    recorded = {record.get("file_sha256") for record in read_journal(store)}
    for sha, name in con.execute(
        """
        select file_sha256, file_name from raw.submission_files
        where archived_path is not null order by ingest_seq
        """
    ).fetchall():
        archived += 1
        # Where the copy is beside this store (the recorded path is where it was then).
        copy = archived_path(store, sha, name)
        if not copy.is_file():
            problems.append(f"file {name} (sha256 {sha[:12]}): archived copy {copy} is missing")
            continue
        if verify_archive and _sha256_file(copy) != sha:
            problems.append(
                f"file {name} (sha256 {sha[:12]}): archived copy {copy} differs from its sha256"
            )
        if sha not in recorded:
            without_record += 1
    return StoreReport(problems, counts, archived, without_record)


def check_store(
    store: Path,
    *,
    verify_archive: bool = True,
    timeout_seconds: float = DEFAULT_LOCK_TIMEOUT_SECONDS,
) -> StoreReport:
    """Open the store read-only, under its lock, and list what is wrong with it."""
    if not store.exists():
        return StoreReport([f"no store at {store}"], {})
    with store_lock(store, timeout_seconds):
        try:
            con = connect_checked(store, read_only=True)
        except StoreCorrupt as error:
            return StoreReport([str(error)], {})
        try:
            return _check_tables(con, store, [], verify_archive)
        except duckdb.Error as error:
            return StoreReport([f"the store cannot be read: {str(error).splitlines()[0]}"], {})
        finally:
            con.close()


@dataclass(frozen=True)
class Entry:
    """One file to replay: what its record (or the old manifest) says about it."""

    sha256: str
    file_name: str
    source_path: str
    size_bytes: int
    head: bytes
    not_regular: str | None
    received_at: datetime
    received_at_basis: str
    allow_synthetic: bool
    max_bytes: int
    ingest_seq: int
    recorded_at: str
    # Files recorded before senders were verified are replayed as accepted unverified
    # (they were taken in without a code), not refused after the fact.
    accept_unverified: bool = True


def _records(store: Path) -> dict[str, Entry]:
    """The journal's entries, the last record of each file winning (its last attempt)."""
    entries: dict[str, Entry] = {}
    for record in read_journal(store):
        entries[record["file_sha256"]] = Entry(
            record["file_sha256"],
            record["file_name"],
            record["source_path"],
            int(record["size_bytes"]),
            bytes.fromhex(record["head_hex"]),
            record["not_regular"],
            datetime.fromisoformat(record["received_at"]),
            record["received_at_basis"],
            bool(record["allow_synthetic"]),
            int(record["max_bytes"]),
            int(record["ingest_seq"]),
            record["recorded_at"],
            bool(record.get("accept_unverified", True)),
        )
    return entries


def _manifest(store: Path, max_bytes: int, progress: Callable[[str], None]) -> dict[str, Entry]:
    """The old store's manifest as replay entries; from its last checkpoint if its WAL is broken."""
    if not store.exists():
        return {}
    rows = None
    with tempfile.TemporaryDirectory(prefix=".rebuild-", dir=store.parent) as scratch:
        for with_wal in (True, False):
            copy = Path(scratch) / f"{'with' if with_wal else 'without'}-wal.duckdb"
            shutil.copyfile(store, copy)
            if with_wal and wal_of(store).exists():
                shutil.copyfile(wal_of(store), wal_of(copy))
            try:
                with duckdb.connect(str(copy), read_only=True) as con:
                    rows = con.execute(
                        """
                        select file_sha256, file_name, source_path, size_bytes, received_at,
                            received_at_basis, synthetic_marker, ingest_seq
                        from raw.submission_files
                        """
                    ).fetchall()
                if not with_wal:
                    progress(
                        "rebuild: the store opens only without its WAL; files ingested after "
                        "its last checkpoint come from the archive's records alone"
                    )
                break
            except duckdb.Error as error:
                progress(f"rebuild: the old store does not open ({str(error).splitlines()[0]})")
    return {
        sha: Entry(
            sha,
            name,
            source,
            int(size),
            b"",
            None,
            received_at,
            basis or "ingest_time",
            marker is not None,
            max_bytes,
            int(seq),
            "",
        )  # fmt: skip
        for sha, name, source, size, received_at, basis, marker, seq in rows or []
    }


def _incoming(store: Path, entry: Entry) -> Incoming:
    """The file as it was received, from its archived copy (or its record, if never kept)."""
    data = None
    head = entry.head
    if entry.not_regular is None and 0 < entry.size_bytes <= entry.max_bytes:
        copy = archived_path(store, entry.sha256, entry.file_name)
        if not copy.is_file():
            raise RebuildError(
                f"{entry.file_name} (sha256 {entry.sha256[:12]}): archived copy {copy} is missing"
            )
        data = copy.read_bytes()
        if hashlib.sha256(data).hexdigest() != entry.sha256:
            raise RebuildError(f"{entry.file_name}: archived copy {copy} differs from its sha256")
        head = data[:HEAD_BYTES]
    return Incoming(
        Path(entry.source_path), entry.file_name, entry.source_path, entry.size_bytes,
        entry.sha256, entry.received_at, entry.received_at_basis, data, head, entry.not_regular,
    )  # fmt: skip


def rebuild_store(
    store: Path,
    reference: ReferenceData,
    *,
    max_bytes: int,
    progress: Callable[[str], None] = print,
    timeout_seconds: float = DEFAULT_LOCK_TIMEOUT_SECONDS,
) -> tuple[Path | None, dict[str, int]]:
    """Replay the archive into a new store and swap it in; returns (old store kept aside, counts)."""
    with store_lock(store, timeout_seconds):
        entries = _manifest(store, max_bytes, progress)
        entries.update(_records(store))
        order = sorted(entries.values(), key=lambda e: (e.ingest_seq, e.recorded_at, e.sha256))
        progress(f"rebuild: replaying {len(order)} files from {archive_dir(store)}")
        new = store.with_name(f".{store.name}.rebuild")
        for stale in (new, wal_of(new)):
            stale.unlink(missing_ok=True)
        con = duckdb.connect(str(new))
        writer: Writer | None = None
        try:
            ensure_schema(con)
            writer = Writer(con, store, Limits())
            keys = load_keys(store)
            for number, entry in enumerate(order, start=1):
                writer.limits = Limits(max_bytes=entry.max_bytes)
                writer.allow_synthetic = entry.allow_synthetic
                writer.accept_unverified = entry.accept_unverified
                incoming = _incoming(store, entry)
                policy = SenderPolicy(keys, entry.accept_unverified)
                writer.write(incoming, evaluate(incoming, reference, writer.limits, policy))
                if number % 500 == 0:
                    progress(f"rebuild: {number}/{len(order)} files")
            writer.flush()
            writer.close()
            counts = table_counts(con)
            con.execute("checkpoint")
        except BaseException:
            if writer is not None:
                writer.close()
            con.close()
            new.unlink(missing_ok=True)
            wal_of(new).unlink(missing_ok=True)
            raise
        con.close()
        aside = None
        if store.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            aside = store.with_name(f"{store.name}.{stamp}.old")
            os.link(store, aside)
            if wal_of(store).exists():
                # The old WAL must not be replayed onto the new file.
                os.replace(wal_of(store), wal_of(aside))
        os.replace(new, store)
        return aside, counts
