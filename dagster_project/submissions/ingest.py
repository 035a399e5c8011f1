"""Ingest submission files into the submissions store.

One function, :func:`ingest_paths`, serves ``nq57 ingest`` and the Dagster
job; ``nq57 store rebuild`` replays archived files through the same stages
(:func:`evaluate` and :class:`Writer`). For each file:

1. **receive** (:mod:`.receive`): take its bytes from the landing folder
   without following links, and hash them; a sha256 already in the manifest
   is a no-op ("already ingested");
2. **read** (:func:`.evaluate.read_stage`, :mod:`.readers`): parse it safely; a file
   that cannot be read is rejected whole, with one quarantine row
   (``row_number`` NULL) saying why;
3. **verify** (:func:`.evaluate.verify_stage`, :mod:`.senders`): who sent it: the
   agency folder it came from (if any) and the signed template's
   verification code; a file that fails is refused whole (or, with
   ``accept_unverified``, taken in as unverified);
4. **validate** (:func:`.evaluate.validate_stage`, :mod:`.validation`): check the
   metadata and every row; rows breaking a rule go to quarantine, one entry
   per failing column and rule, the others are loaded;
5. **store and receipt** (:class:`Writer`, the one writer of the store):
   number the file, keep a content-addressed copy of it and its record (what
   the file was called and when it was received, for ``nq57 store
   rebuild``), write the receipt, and insert the manifest row, the loaded
   rows and the quarantine rows, after checking rows in = rows loaded + rows
   quarantined against the tables themselves. Whole files are committed
   ``batch_files`` to a transaction; the copies, receipts and records of a
   transaction's files are written before it commits.

Stages 2-4 are a pure function of the file's bytes, the reference data and
the limits (:func:`.evaluate.evaluate`, which also builds the rows' records and
the receipt's lines), so they can run in other processes (``jobs``); stage 5
runs here, under the store's lock.

A file accepted (fully or partly) for a province, agency and period
supersedes the latest earlier one sharing a sheet kind with it; nothing is
ever deleted, and ``raw.submission_latest`` shows the current rows. A file
whose sender is not verified (``accept_unverified``) never supersedes a
verified one: verified files rank first, then the latest.

A file marked SYNTHETIC (:mod:`.marking`) is refused unless
``allow_synthetic``: nothing is written, the file is left where it is, and
the outcome's status is ``refused_synthetic``.

``received_at`` is the clock at ingest by default (``ingest_time``), or the
file's modification time (``file_mtime``), for files kept with the time they
were sent (a simulation, or an archive of e-mailed reports copied with their
dates). Either way the basis is recorded with the file.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from dagster_project.config import SEEDS_DIR
from dagster_project.locks import pause_point

from .evaluate import Evaluation, evaluate, evaluate_here, worker_setup
from .paths import archive_dir, receipts_dir, store_path
from .readers import Limits
from .reasons import Issue
from .receipts import receipt_name, render_receipt, write_receipt
from .receive import (
    FILE_MODE,
    Incoming,
    discover_files,
    make_dirs,
    receive,
    sha256_of,
    write_private,
)
from .reference import ReferenceData, load_reference
from .senders import SenderPolicy
from .signing import KeyRing, load_keys
from .store import (
    DEFAULT_LOCK_TIMEOUT_SECONDS,
    FILE_CASTS,
    RECEIVED_AT_BASES,
    files_counts,
    latest_by_report,
    next_ingest_seq,
    open_store,
)
from .tables import FILE_COLUMNS, PARSED_COLUMNS, QUARANTINE_COLUMNS, ROW_COLUMNS
from .validation import normalize_id

__all__ = [
    "ALREADY_INGESTED",
    "REFUSED_SYNTHETIC",
    "Evaluation",
    "FileOutcome",
    "IngestError",
    "RowBalanceError",
    "Writer",
    "describe",
    "discover_files",
    "evaluate",
    "ingest_paths",
    "sha256_of",
]

ALREADY_INGESTED = "already_ingested"
REFUSED_SYNTHETIC = "refused_synthetic"
JOURNAL_NAME = "received.jsonl"


class IngestError(RuntimeError):
    """Ingestion stopped on a file for a reason that is not the file's fault."""


class RowBalanceError(IngestError):
    """Rows in != rows loaded + rows quarantined for a file: nothing was committed."""


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file."""

    path: Path
    file_sha256: str
    status: str
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_not_reported: int = 0
    reason_code: str | None = None
    receipt_path: Path | None = None
    supersedes_file_sha256: str | None = None
    synthetic_marker: str | None = None
    sender_verified: bool | None = None
    # An unverified file's verified report of the same agency and period, which stays latest.
    kept_behind_sha256: str | None = None


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _insert_records(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    records: Sequence[Sequence[object]],
    casts: dict[str, str],
    *,
    analyze: bool = True,
) -> None:
    """Bulk insert through a registered DataFrame: values never enter the SQL text.

    The frame is built column by column from the records (tuples in ``columns``
    order) as object arrays, and DuckDB casts what is not text as it inserts.
    With ``analyze=False`` DuckDB does not sample each object column for its
    type (1,000 values per column and insert: about 0.3 of the 0.8 CPU
    seconds the inserts of the ``bench_ingest`` history took) and reads the
    columns as text: only for records whose values are text, None, or a
    value whose text its cast in ``casts`` reads back (integers, datetimes).
    """
    if not records:
        return
    frame = pd.DataFrame(
        {name: _object_array(values) for name, values in zip(columns, zip(*records))},
        copy=False,
    )
    # Set before the frame is registered: registering samples the object columns too
    # (about 25 ms for 3,000 rows of 35 columns against 4 ms unsampled).
    if not analyze:
        con.execute("set pandas_analyze_sample = 0")
    try:
        con.register("incoming_frame", frame)
        select = ", ".join(
            f"cast({name} as {casts[name]}) as {name}" if name in casts else name
            for name in columns
        )
        con.execute(
            f"insert into {table} ({', '.join(columns)}) select {select} from incoming_frame"
        )
    finally:
        con.unregister("incoming_frame")
        if not analyze:
            con.execute("reset pandas_analyze_sample")


def _object_array(values: tuple[object, ...]) -> np.ndarray:
    """A one-dimensional object array, even of lists (``sheets``)."""
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def archived_path(home: Path, sha: str, name: str) -> Path:
    """Where the copy of a file is kept: ``submission_files/<sha[:2]>/<sha><suffix>``."""
    return archive_dir(home) / sha[:2] / f"{sha}{Path(name).suffix.lower()}"


def journal_path(home: Path) -> Path:
    """The records of how each file was received (read by ``nq57 store rebuild``)."""
    return archive_dir(home) / JOURNAL_NAME


def _archive_target(incoming: Incoming, home: Path) -> Path | None:
    """Where the file's copy goes (None: no bytes were kept, nothing is copied)."""
    return archived_path(home, incoming.sha256, incoming.name) if incoming.data else None


class _Copies:
    """Writes the archived copies (unless already there) and the receipts, each atomically.

    Used by the writer's one copying thread only. Each folder is made (or
    found) once per run rather than looked up before every file.
    """

    def __init__(self) -> None:
        self.folders: set[Path] = set()

    def _folder(self, path: Path) -> None:
        if path.parent not in self.folders:
            make_dirs(path.parent)
            self.folders.add(path.parent)

    def write(self, data: bytes | None, archived: Path | None, receipt: Path, html: str) -> None:
        if archived is not None and data is not None and not archived.exists():
            self._folder(archived)
            write_private(archived, data, folder_made=True)
        self._folder(receipt)
        write_receipt(receipt, html, folder_made=True)


def receipt_record(
    incoming: Incoming,
    ingest_seq: int,
    limits: Limits,
    allow_synthetic: bool,
    accept_unverified: bool = False,
) -> dict[str, object]:
    """What replaying the file needs and its copy does not hold: its name, where and when
    it was received, the limits and options it was read with, and its place in order."""
    return {
        "file_sha256": incoming.sha256,
        "file_name": incoming.name,
        "source_path": incoming.source_path,
        "size_bytes": incoming.size,
        "head_hex": incoming.head.hex(),
        "not_regular": incoming.not_regular,
        "received_at": incoming.received_at.isoformat(),
        "received_at_basis": incoming.received_at_basis,
        "allow_synthetic": allow_synthetic,
        "accept_unverified": accept_unverified,
        "max_bytes": limits.max_bytes,
        "ingest_seq": ingest_seq,
        "recorded_at": _utc_now().isoformat(),
    }


class Journal:
    """``submission_files/received.jsonl``: one JSON line per file received, appended.

    One file for all records (a new file per record cost as much as the copy
    of the file itself). The records of a transaction's files are kept in
    memory and written whole, in one ``O_APPEND`` write, then synced, just
    before the store commits them; a line cut by a kill is ended before the
    next one is written, and skipped when read.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None
        self.pending: list[bytes] = []

    def append(self, record: dict[str, object]) -> None:
        self.pending.append(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")

    def discard(self) -> None:
        """Forget the records not written yet (their transaction was rolled back)."""
        self.pending = []

    def sync(self) -> None:
        """Write the pending records and make them durable."""
        if not self.pending:
            return
        if self.fd is None:
            make_dirs(self.path.parent)
            self.fd = os.open(
                self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, FILE_MODE
            )
            os.fchmod(self.fd, FILE_MODE)
            size = os.fstat(self.fd).st_size
            if size and os.pread(self.fd, 1, size - 1) != b"\n":
                os.write(self.fd, b"\n")
        data = memoryview(b"".join(self.pending))
        while data:
            data = data[os.write(self.fd, data) :]
        self.pending = []
        os.fsync(self.fd)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def read_journal(home: Path) -> list[dict[str, object]]:
    """The journal's records in order, skipping a line a kill cut short."""
    path = journal_path(home)
    if not path.exists():
        return []
    records = []
    for line in path.read_bytes().splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records


def _status(loaded: int, quarantined: int, file_issue: Issue | None) -> str:
    if file_issue is not None or loaded == 0:
        return "rejected"
    return "accepted" if quarantined == 0 else "partially_accepted"


# Files per transaction by default: each file is wholly in or wholly out of a
# transaction, and a transaction commits up to this many whole files. A DuckDB
# commit costs milliseconds whatever it holds, so one per file would cost more
# than reading the file; a kill loses only the uncommitted files, which stay
# in the landing folder for the next run.
DEFAULT_BATCH_FILES = 200


@dataclass
class _Prepared:
    """A file numbered, archived and given its receipt, waiting for its transaction."""

    outcome: FileOutcome
    file_row: dict[str, object]
    rows: list[tuple[object, ...]]
    quarantine: list[tuple[object, ...]]


class Writer:
    """The one writer of a store: numbers, archives, receipts and commits whole files.

    Files are committed in transactions of up to ``batch_files`` whole files
    (``1``: one transaction per file); outcomes come back from :meth:`flush`
    once they are committed, in the order the files were given. The store's
    numbering, the files already in and the latest file of each report are
    read once and kept up to date in memory (the writer holds the store's
    lock, so nothing else changes them).

    ``home`` is the store whose ``submission_files/`` and ``receipts/``
    folders are written; it is the store itself except while ``nq57 store
    rebuild`` fills a new file that will replace it. The writer sets its
    connection to one DuckDB thread.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        home: Path,
        limits: Limits,
        *,
        allow_synthetic: bool = False,
        batch_files: int = DEFAULT_BATCH_FILES,
        accept_unverified: bool = False,
    ) -> None:
        self.con = con
        self.home = home
        self.limits = limits
        self.allow_synthetic = allow_synthetic
        self.accept_unverified = accept_unverified
        self.batch_files = max(batch_files, 1)
        self.written = 0
        self.queue: list[FileOutcome | _Prepared] = []
        self.journal = Journal(journal_path(home))
        # The archived copies and receipts are written by one thread while this one
        # goes on (file creation waits on the disk); every write of a transaction's
        # files is done before it commits.
        self.copier = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nq57-copies")
        self.copies = _Copies()
        self.writes: list[Future[None]] = []
        # A transaction inserts a few thousand rows: DuckDB's worker threads cost more
        # CPU to hand them out than they save (about 40% more for the inserts of the
        # bench_ingest history). The connection is the writer's, and stays so set.
        con.execute("set threads = 1")
        self._load_state()

    def _load_state(self) -> None:
        self.receipts: dict[str, str | None] = dict(
            self.con.execute(
                "select file_sha256, receipt_path from raw.submission_files"
            ).fetchall()
        )
        self.next_seq = next_ingest_seq(self.con)
        self.latest = latest_by_report(self.con)

    def already(self, incoming: Incoming) -> FileOutcome | None:
        if incoming.sha256 not in self.receipts:
            return None
        receipt = self.receipts[incoming.sha256]
        return FileOutcome(
            incoming.path,
            incoming.sha256,
            ALREADY_INGESTED,
            receipt_path=Path(receipt) if receipt else None,
        )

    def note(self, outcome: FileOutcome) -> list[FileOutcome]:
        """Queue an outcome that writes nothing (already ingested), in file order."""
        self.queue.append(outcome)
        return self.flush() if not self._pending() else []

    def _pending(self) -> int:
        return sum(isinstance(item, _Prepared) for item in self.queue)

    def _previous_latest(
        self, province: str, agency: str, period: str, sheets: list[str], verified: bool
    ) -> tuple[str | None, str | None]:
        """(the file a new one supersedes, the verified file that stays latest instead).

        Latest ranks verified files first, then by ``ingest_seq``: an
        unverified file supersedes only unverified ones."""
        found = [self.latest.get((province, agency, period, sheet)) for sheet in sheets]
        found = [entry for entry in found if entry is not None]
        below = [entry for entry in found if entry[0] <= verified]
        above = [entry for entry in found if entry[0] > verified]
        return (max(below)[2] if below else None, max(above)[2] if above else None)

    def write(self, incoming: Incoming, evaluation: Evaluation) -> list[FileOutcome]:
        """Queue one evaluated file; returns the outcomes committed by this call (if any)."""
        existing = self.already(incoming)
        if existing is not None:
            return self.note(existing)
        marker = evaluation.marker
        # Refused before anything is written: the store, the archive and the receipts stay as they were.
        if marker is not None and not self.allow_synthetic:
            return self.note(
                FileOutcome(
                    incoming.path, incoming.sha256, REFUSED_SYNTHETIC, synthetic_marker=marker
                )
            )
        self.written += 1
        prepared = self._prepare(incoming, evaluation)
        pause_point(f"ingest:prepared:{self.written}")
        self.queue.append(prepared)
        if self._pending() >= self.batch_files:
            return self.flush()
        return []

    def _prepare(self, incoming: Incoming, evaluation: Evaluation) -> _Prepared:
        sha = incoming.sha256
        file_issue = evaluation.file_issue
        rows_loaded, rows_quarantined = len(evaluation.rows), evaluation.rows_quarantined
        rows_in = rows_loaded + rows_quarantined
        status = _status(rows_loaded, rows_quarantined, file_issue)
        sheets = evaluation.sheets
        parsed, context = evaluation.parsed, evaluation.context
        metadata = parsed.metadata if parsed else {}
        province_id = context.province_id if context else _metadata_id(metadata, "province_id")
        agency_id = context.agency_id if context else _metadata_id(metadata, "agency_id")
        period_code = context.period_code if context else (metadata.get("period") or None)
        period = context.period if context else None
        receipt = receipts_dir(self.home) / receipt_name(sha, incoming.name)
        received_at = incoming.received_at
        seq = self.next_seq
        sender = evaluation.sender
        verified = sender.verified
        supersedes = kept_behind = None
        if status != "rejected" and province_id and agency_id and period_code:
            supersedes, kept_behind = self._previous_latest(
                province_id, agency_id, period_code, sheets, verified
            )

        archived = _archive_target(incoming, self.home)
        self.journal.append(
            receipt_record(incoming, seq, self.limits, self.allow_synthetic, self.accept_unverified)
        )
        file_row: dict[str, object] = {
            "file_sha256": sha,
            "ingest_seq": seq,
            "file_name": incoming.name,
            "source_path": incoming.source_path,
            "size_bytes": incoming.size,
            "detected_format": evaluation.detected_format,
            "encoding": evaluation.encoding,
            "csv_delimiter": parsed.csv_delimiter if parsed else None,
            "province_id": province_id,
            "agency_id": agency_id,
            "period": period_code,
            "period_start": period.start if period else None,
            "period_end": period.end if period else None,
            "format_version": metadata.get("format_version") or None,
            "sheets": sheets,
            "ignored_sheets": list(parsed.ignored_sheets) if parsed else [],
            "received_at": received_at,
            "status": status,
            "rows_in": rows_in,
            "rows_loaded": rows_loaded,
            "rows_quarantined": rows_quarantined,
            "rows_not_reported": evaluation.rows_not_reported,
            "file_reason_code": file_issue.reason_code if file_issue else None,
            "supersedes_file_sha256": supersedes,
            "receipt_path": str(receipt),
            "archived_path": str(archived) if archived else None,
            "received_at_basis": incoming.received_at_basis,
            "synthetic_marker": evaluation.marker,
            "sender_verified": verified,
            "sender_method": sender.method,
            "sender_key_id": sender.key_id,
            "sender_reason_code": sender.issue.reason_code if sender.issue else None,
        }
        html = render_receipt(
            {
                **file_row,
                "province_name": context.province_name if context else None,
                "agency_name": context.agency_name if context else None,
            },
            evaluation.receipt_rows,
            sender_note=sender.issue if file_issue is None else None,
            kept_behind=kept_behind,
        )
        # Written meanwhile by the writer's thread; the transaction waits for them.
        self.writes.append(
            self.copier.submit(self.copies.write, incoming.data, archived, receipt, html)
        )
        # The store as it will be once this file commits.
        self.next_seq += 1
        self.receipts[sha] = str(receipt)
        if status != "rejected" and province_id and agency_id and period_code:
            for sheet in sheets:
                key = (province_id, agency_id, period_code, sheet)
                if self.latest.get(key, (False,))[0] <= verified:
                    self.latest[key] = (verified, seq, sha)
        outcome = FileOutcome(
            incoming.path,
            sha,
            status,
            rows_in,
            rows_loaded,
            rows_quarantined,
            evaluation.rows_not_reported,
            file_issue.reason_code if file_issue else None,
            receipt,
            supersedes,
            evaluation.marker,
            verified,
            kept_behind,
        )
        return _Prepared(outcome, file_row, evaluation.rows, evaluation.quarantine)

    def close(self) -> None:
        self.copier.shutdown(wait=True)
        self.journal.close()

    def _wait_for_writes(self) -> None:
        """Every archived copy and receipt queued so far written (the first failure raised)."""
        writes, self.writes = self.writes, []
        failure = None
        for write in writes:
            error = write.exception()
            failure = failure or error
        if failure is not None:
            raise failure

    def flush(self) -> list[FileOutcome]:
        """Commit the queued files in one transaction; their outcomes, in order."""
        prepared = [item for item in self.queue if isinstance(item, _Prepared)]
        if prepared:
            self._commit(prepared)
        outcomes = [item.outcome if isinstance(item, _Prepared) else item for item in self.queue]
        self.queue = []
        return outcomes

    def _commit(self, prepared: list[_Prepared]) -> None:
        con = self.con
        con.execute("begin transaction")
        try:
            _insert_records(
                con,
                "raw.submission_files",
                FILE_COLUMNS,
                [tuple(item.file_row[name] for name in FILE_COLUMNS) for item in prepared],
                FILE_CASTS,
            )
            _insert_records(
                con,
                "raw.submission_rows",
                ROW_COLUMNS,
                [row for item in prepared for row in item.rows],
                {"row_number": "integer", "loaded_at": "timestamp", **PARSED_COLUMNS},
                analyze=False,
            )
            _insert_records(
                con,
                "raw.submission_quarantine",
                QUARANTINE_COLUMNS,
                [entry for item in prepared for entry in item.quarantine],
                {"row_number": "integer", "quarantined_at": "timestamp"},
                analyze=False,
            )
            counted = files_counts(con, [item.outcome.file_sha256 for item in prepared])
            for item in prepared:
                outcome = item.outcome
                loaded, quarantined = counted.get(outcome.file_sha256, (0, 0))
                if (loaded, quarantined) != (outcome.rows_loaded, outcome.rows_quarantined) or (
                    outcome.rows_in != loaded + quarantined
                ):
                    raise RowBalanceError(
                        f"{outcome.path}: rows in {outcome.rows_in} != rows loaded {loaded} + "
                        f"rows quarantined {quarantined}; nothing from this file (nor the "
                        f"{len(prepared) - 1} others of its transaction) was committed"
                    )
            self._wait_for_writes()
            pause_point(f"ingest:inserted:{self.written}")
            self.journal.sync()
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            self.journal.discard()
            for write in self.writes:
                write.exception()
            self.writes = []
            for item in prepared:
                if item.outcome.receipt_path is not None:
                    item.outcome.receipt_path.unlink(missing_ok=True)
            self.queue = []
            self._load_state()
            raise
        pause_point(f"ingest:committed:{self.written}")


def _metadata_id(metadata: dict[str, str], key: str) -> str | None:
    return normalize_id(metadata[key]) if metadata else None


def describe(outcome: FileOutcome) -> str:
    """One progress line for a file."""
    if outcome.status == ALREADY_INGESTED:
        where = f"; receipt: {outcome.receipt_path}" if outcome.receipt_path else ""
        return f"{outcome.path.name}: already ingested (sha256 {outcome.file_sha256[:12]}){where}"
    if outcome.status == REFUSED_SYNTHETIC:
        return (
            f"{outcome.path.name}: refused, SYNTHETIC data ({outcome.synthetic_marker}); "
            "nothing written, file left in place (use --allow-synthetic for a store of "
            "simulated data)"
        )
    parts = [
        f"{outcome.path.name}: {outcome.status}",
        f"rows in {outcome.rows_in} = loaded {outcome.rows_loaded} + quarantined {outcome.rows_quarantined}",
    ]
    if outcome.rows_not_reported:
        parts.append(f"not reported {outcome.rows_not_reported}")
    if outcome.reason_code:
        parts.append(f"reason {outcome.reason_code}")
    if outcome.supersedes_file_sha256:
        parts.append(f"supersedes {outcome.supersedes_file_sha256[:12]}")
    if outcome.sender_verified is False and outcome.status != "rejected":
        parts.append("sender NOT verified")
    if outcome.kept_behind_sha256:
        parts.append(f"verified report {outcome.kept_behind_sha256[:12]} stays latest")
    if outcome.synthetic_marker:
        parts.append(f"SYNTHETIC ({outcome.synthetic_marker})")
    parts.append(f"receipt: {outcome.receipt_path}")
    return "; ".join(parts)


def ingest_paths(
    paths: Iterable[Path],
    *,
    store: Path | None = None,
    reference: ReferenceData | None = None,
    seeds_dir: Path = SEEDS_DIR,
    limits: Limits = Limits(),
    now: Callable[[], datetime] = _utc_now,
    progress: Callable[[str], None] = print,
    lock_timeout_seconds: float = DEFAULT_LOCK_TIMEOUT_SECONDS,
    received_at_basis: str = "ingest_time",
    allow_synthetic: bool = False,
    on_outcome: Callable[[FileOutcome], None] | None = None,
    progress_every: int = 1,
    batch_files: int = DEFAULT_BATCH_FILES,
    jobs: int = 1,
    accept_unverified: bool = False,
    keys: KeyRing | None = None,
) -> list[FileOutcome]:
    """Ingest files and folders into the store; returns one outcome per file.

    A file's own problems never stop the run (the file is rejected with a
    reason and the next one is read); a failure of the store or a broken
    row balance stops it, with everything committed so far kept.

    With ``on_outcome``, each outcome goes to it instead of the returned
    list (which stays empty), so memory does not grow with the number of
    files; ``progress_every`` prints a line every that many files. Outcomes
    are reported once committed, ``batch_files`` files per transaction.
    With ``jobs`` > 1, files are read and validated in that many processes
    while this one writes (the store has one writer).

    Senders are verified with ``keys`` (default: the store's,
    ``<store dir>/secrets/template.key``, made on first use); with
    ``accept_unverified`` files without a valid code are taken in, marked
    ``sender_verified = false`` (see :mod:`.senders`).
    """
    if received_at_basis not in RECEIVED_AT_BASES:
        raise ValueError(f"received_at_basis {received_at_basis!r} not in {RECEIVED_AT_BASES}")
    files = discover_files(paths)
    store = store or store_path()
    reference = reference or load_reference(seeds_dir)
    policy = SenderPolicy(keys or load_keys(store), accept_unverified)
    outcomes: list[FileOutcome] = []
    done = 0

    def report(finished: list[FileOutcome]) -> None:
        nonlocal done
        for outcome in finished:
            done += 1
            if on_outcome is None:
                outcomes.append(outcome)
            else:
                on_outcome(outcome)
            if progress_every == 1:
                progress(f"[{done}/{len(files)}] {describe(outcome)}")
            elif done % progress_every == 0 or done == len(files):
                progress(f"ingest: {done}/{len(files)} files")

    with (
        _long_lived_frozen(),
        open_store(store, lock_timeout_seconds) as con,
        _evaluator(jobs, reference, limits, policy) as pool,
    ):
        writer = Writer(
            con,
            store,
            limits,
            allow_synthetic=allow_synthetic,
            batch_files=batch_files,
            accept_unverified=accept_unverified,
        )
        # Files read and evaluated ahead (in the pool), written in order by the one writer.
        ahead: deque[tuple[Incoming, Future[Evaluation] | None]] = deque()

        def write_oldest() -> None:
            incoming, future = ahead.popleft()
            if future is None:
                existing = writer.already(incoming)
                assert existing is not None
                report(writer.note(existing))
            else:
                report(writer.write(incoming, future.result()))

        try:
            for path in files:
                incoming = receive(path, limits.max_bytes, received_at_basis)
                if writer.already(incoming) is not None:
                    ahead.append((incoming, None))
                else:
                    if incoming.received_at is None:
                        incoming = dataclasses.replace(incoming, received_at=now())
                    ahead.append((incoming, pool.submit(evaluate_here, incoming)))
                while len(ahead) > max(jobs, 1) * READ_AHEAD_PER_JOB:
                    write_oldest()
            while ahead:
                write_oldest()
            report(writer.flush())
        finally:
            writer.close()
    return outcomes


@contextmanager
def _long_lived_frozen() -> Iterator[None]:
    """The objects alive when ingest starts (imported modules, the reference data) left out
    of the cyclic collector's full collections meanwhile (``gc.freeze``).

    Each full collection traversed them all again: 0.20 of about 4.5 CPU seconds for
    the 1,033 files of the ``bench_ingest`` history (two full collections), 0.08 with
    them frozen. Reference counting frees objects as before; cycles already garbage
    when ingest starts wait for the first collection after it. When something froze
    objects already (``warehouse.build.heavy_imports`` does, for good), nothing is
    frozen or unfrozen here: ``gc.unfreeze`` would undo that too.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


# Files in flight per reading process: enough to keep them busy while the writer commits.
READ_AHEAD_PER_JOB = 8


class _InProcess:
    """The pool's interface, evaluating in this process (``jobs=1``): no copies, no start-up."""

    def submit(self, function: Callable[[Incoming], Evaluation], incoming: Incoming) -> Future:
        future: Future[Evaluation] = Future()
        future.set_result(function(incoming))
        return future


@contextmanager
def _evaluator(
    jobs: int, reference: ReferenceData, limits: Limits, policy: SenderPolicy
) -> Iterator[object]:
    """Where files are read, verified and validated: here, or ``jobs`` reading processes.

    The processes are started with ``spawn``, not ``fork``: the parent holds a
    DuckDB connection and its threads, which a forked child must not inherit.
    They import only :mod:`.evaluate` and what it needs (no pandas, no DuckDB
    connection), so each starts in a fraction of a second.
    """
    worker_setup(reference, limits, policy)
    if jobs <= 1:
        yield _InProcess()
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=context,
        initializer=worker_setup,
        initargs=(reference, limits, policy),
    ) as pool:
        yield pool
