"""Ingest submission files into the submissions store.

One function, :func:`ingest_paths`, serves ``nq57 ingest`` and the Dagster
job; ``nq57 store rebuild`` replays archived files through the same stages
(:func:`evaluate` and :class:`Writer`). For each file:

1. **receive** (:mod:`.receive`): take its bytes from the landing folder
   without following links, and hash them; a sha256 already in the manifest
   is a no-op ("already ingested");
2. **read** (:func:`read_stage`, :mod:`.readers`): parse it safely; a file
   that cannot be read is rejected whole, with one quarantine row
   (``row_number`` NULL) saying why;
3. **verify** (:func:`verify_stage`): who sent it. Nothing is checked yet;
   it is the place where sender verification (signed templates) goes,
   between reading the file and trusting what it says;
4. **validate** (:func:`validate_stage`, :mod:`.validation`): check the
   metadata and every row; rows breaking a rule go to quarantine, one entry
   per failing column and rule, the others are loaded;
5. **store and receipt** (:class:`Writer`, the one writer of the store): in
   one transaction per file, number it, keep a content-addressed copy of the
   file and its record (what the file was called and when it was received,
   for ``nq57 store rebuild``), write the receipt, and insert the manifest
   row, the loaded rows and the quarantine rows, after checking rows in =
   rows loaded + rows quarantined against the tables themselves.

Stages 2-4 are a pure function of the file's bytes, the reference data and
the limits (:func:`evaluate`), so they can run anywhere; stage 5 runs under
the store's lock.

A file accepted (fully or partly) for a province, agency and period
supersedes the latest earlier one sharing a sheet kind with it; nothing is
ever deleted, and ``raw.submission_latest`` shows the current rows.

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
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from dagster_project.warehouse.paths import SEEDS_DIR
from dagster_project.warehouse.publish import pause_point

from . import spec
from .marking import marker_of
from .paths import archive_dir, receipts_dir, store_path
from .readers import FileRejected, Limits, ParsedFile, RawRow, read_data
from .reasons import Issue
from .receipts import (
    ReceiptRow,
    item_label,
    receipt_name,
    render_receipt,
    row_summary,
    write_receipt,
)
from .receive import Incoming, discover_files, receive, sha256_of, write_private
from .reference import ReferenceData, load_reference
from .store import (
    DEFAULT_LOCK_TIMEOUT_SECONDS,
    FILE_COLUMNS,
    PARSED_COLUMNS,
    QUARANTINE_COLUMNS,
    RECEIVED_AT_BASES,
    ROW_COLUMNS,
    TEXT_COLUMNS,
    file_counts,
    insert_sql,
    is_ingested,
    next_ingest_seq,
    open_store,
    previous_latest,
)
from .validation import FileContext, RowResult, check_metadata, normalize_id, validate_rows

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

# Vietnam has used UTC+7 without daylight saving since 1975; "received on"
# dates are local dates, as the senders and the reporting deadlines see them.
VIETNAM_UTC_OFFSET = timedelta(hours=7)
ALREADY_INGESTED = "already_ingested"
REFUSED_SYNTHETIC = "refused_synthetic"
# The whole row kept with each of its quarantine entries, cut past this many
# characters: a row of 50,000 columns must not be copied once per broken rule.
MAX_ROW_VALUES_CHARS = 4000
RECORD_SUFFIX = ".json"


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


@dataclass
class Evaluation:
    """A file read, verified and checked, ready to be written."""

    parsed: ParsedFile | None
    detected_format: str
    encoding: str | None
    marker: str | None = None
    context: FileContext | None = None
    file_issue: Issue | None = None
    results: list[RowResult] = field(default_factory=list)
    not_reported: list[RawRow] = field(default_factory=list)


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def received_on(received_at: datetime) -> date:
    """The Vietnamese calendar day of a UTC ``received_at``."""
    return (received_at + VIETNAM_UTC_OFFSET).date()


def read_stage(incoming: Incoming, limits: Limits) -> Evaluation:
    """Parse the file's bytes; a file that cannot be read carries its reason."""
    if incoming.not_regular is not None:
        issue = Issue("not_regular_file", detail=incoming.not_regular)
        return Evaluation(None, "not a regular file", None, file_issue=issue)
    try:
        parsed = read_data(incoming.name, incoming.size, incoming.head, incoming.data, limits)
    except FileRejected as rejected:
        return Evaluation(
            None, rejected.detected_format, rejected.encoding, file_issue=rejected.issue
        )
    return Evaluation(parsed, parsed.detected_format, parsed.encoding)


def verify_stage(incoming: Incoming, evaluation: Evaluation) -> None:
    """Who sent the file. Nothing is verified yet: every file is taken at its word.

    Sender verification (signed templates) belongs here: it sees the bytes
    and what they parsed to, before any row is trusted, and refuses a file
    by setting ``evaluation.file_issue``.
    """


def validate_stage(evaluation: Evaluation, reference: ReferenceData, received: date) -> None:
    """Check the metadata and every row of a read file (in place)."""
    parsed = evaluation.parsed
    if parsed is None or evaluation.file_issue is not None:
        return
    version = parsed.metadata["format_version"].strip()
    if version not in spec.SUPPORTED_FORMAT_VERSIONS:
        evaluation.file_issue = Issue(
            "unsupported_format_version",
            column_name="format_version",
            raw_value=version,
            detail=", ".join(sorted(spec.SUPPORTED_FORMAT_VERSIONS)),
        )
        return
    evaluation.context = check_metadata(parsed.metadata, reference, received)
    evaluation.results, evaluation.not_reported = validate_rows(
        parsed.rows, evaluation.context, reference
    )
    if not evaluation.results:
        evaluation.file_issue = Issue("no_data")


def evaluate(incoming: Incoming, reference: ReferenceData, limits: Limits) -> Evaluation:
    """Read, verify and validate one file; never raises for anything wrong with the file itself."""
    evaluation = read_stage(incoming, limits)
    evaluation.marker = marker_of(Path(incoming.name), evaluation.parsed)
    verify_stage(incoming, evaluation)
    validate_stage(evaluation, reference, received_on(incoming.received_at))
    return evaluation


def _row_values(row: RawRow) -> str:
    """The whole row as JSON, kept with each quarantine entry so nothing typed is lost.

    Past :data:`MAX_ROW_VALUES_CHARS` the JSON is cut and says so: the cells
    themselves stay in the archived copy of the file.
    """
    payload = {**row.values, **row.extra, **{f"meta:{k}": v for k, v in row.metadata.items()}}
    text = json.dumps({k: v for k, v in payload.items() if v != ""}, ensure_ascii=False)
    if len(text) <= MAX_ROW_VALUES_CHARS:
        return text
    return json.dumps(
        {
            "truncated": f"{len(text)} characters, {len(payload)} cells; the whole row is "
            "in the archived copy of the file",
            "head": text[:MAX_ROW_VALUES_CHARS],
        },
        ensure_ascii=False,
    )


def _quarantine_records(
    sha: str, file_name: str, issues: list[tuple[Issue, str | None]], at: datetime
) -> list[dict[str, object]]:
    return [
        {
            "file_sha256": sha,
            "file_name": file_name,
            "sheet": issue.sheet,
            "row_number": issue.row_number,
            "column_name": issue.column_name,
            "raw_value": issue.raw_value,
            "reason_code": issue.reason_code,
            "reason_vi": issue.reason_vi,
            "reason_en": issue.reason_en,
            "row_values": row_json,
            "quarantined_at": at,
        }
        for issue, row_json in issues
    ]


def _row_record(sha: str, result: RowResult, at: datetime) -> dict[str, object]:
    row = result.row
    record: dict[str, object] = {
        "file_sha256": sha,
        "sheet": row.sheet,
        "row_number": row.row_number,
    }
    for column in TEXT_COLUMNS:
        record[column] = row.values.get(column) if column in row.values else None
    record["extra_columns"] = json.dumps(row.extra, ensure_ascii=False) if row.extra else None
    for column in PARSED_COLUMNS:
        record[column] = result.parsed.get(column)
    record["loaded_at"] = at
    return record


def _insert_frame(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    records: list[dict[str, object]],
    casts: dict[str, str],
) -> None:
    """Bulk insert through a registered DataFrame: values never enter the SQL text."""
    if not records:
        return
    frame = pd.DataFrame.from_records(records, columns=list(columns))
    for column in columns:
        if column not in casts:
            frame[column] = frame[column].astype("string")
        elif casts[column] == "integer":
            # Nullable integers: a plain int column would turn NULLs into float NaN.
            frame[column] = frame[column].astype("Int64")
    con.register("incoming_frame", frame)
    try:
        select = ", ".join(
            f"cast({name} as {casts[name]}) as {name}" if name in casts else name
            for name in columns
        )
        con.execute(
            f"insert into {table} ({', '.join(columns)}) select {select} from incoming_frame"
        )
    finally:
        con.unregister("incoming_frame")


def archived_path(home: Path, sha: str, name: str) -> Path:
    """Where the copy of a file is kept: ``submission_files/<sha[:2]>/<sha><suffix>``."""
    return archive_dir(home) / sha[:2] / f"{sha}{Path(name).suffix.lower()}"


def record_path(home: Path, sha: str) -> Path:
    """The record of how a file was received, beside its copy (read by ``nq57 store rebuild``)."""
    return archive_dir(home) / sha[:2] / f"{sha}{RECORD_SUFFIX}"


def _archive(incoming: Incoming, home: Path) -> Path | None:
    if not incoming.data:
        return None
    target = archived_path(home, incoming.sha256, incoming.name)
    if not target.exists():
        write_private(target, incoming.data)
    return target


def write_record(
    incoming: Incoming, home: Path, ingest_seq: int, limits: Limits, allow_synthetic: bool
) -> None:
    """What replaying the file needs and its copy does not hold: its name, where and when
    it was received, the limits and options it was read with, and its place in order."""
    record = {
        "file_sha256": incoming.sha256,
        "file_name": incoming.name,
        "source_path": incoming.source_path,
        "size_bytes": incoming.size,
        "head_hex": incoming.head.hex(),
        "not_regular": incoming.not_regular,
        "received_at": incoming.received_at.isoformat(),
        "received_at_basis": incoming.received_at_basis,
        "allow_synthetic": allow_synthetic,
        "max_bytes": limits.max_bytes,
        "ingest_seq": ingest_seq,
        "recorded_at": _utc_now().isoformat(),
    }
    write_private(
        record_path(home, incoming.sha256),
        json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8"),
    )


def _status(loaded: int, quarantined: int, file_issue: Issue | None) -> str:
    if file_issue is not None or loaded == 0:
        return "rejected"
    return "accepted" if quarantined == 0 else "partially_accepted"


class Writer:
    """The one writer of a store: numbers, archives, receipts and commits files one by one.

    ``home`` is the store whose ``submission_files/`` and ``receipts/``
    folders are written; it is the store itself except while ``nq57 store
    rebuild`` fills a new file that will replace it.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        home: Path,
        limits: Limits,
        *,
        allow_synthetic: bool = False,
    ) -> None:
        self.con = con
        self.home = home
        self.limits = limits
        self.allow_synthetic = allow_synthetic
        self.written = 0

    def already(self, incoming: Incoming) -> FileOutcome | None:
        existing = is_ingested(self.con, incoming.sha256)
        if existing is None:
            return None
        receipt = Path(existing[1]) if existing[1] else None
        return FileOutcome(incoming.path, incoming.sha256, ALREADY_INGESTED, receipt_path=receipt)

    def write(self, incoming: Incoming, evaluation: Evaluation) -> FileOutcome:
        """Commit one evaluated file (or say it is already in, or refused as SYNTHETIC)."""
        existing = self.already(incoming)
        if existing is not None:
            return existing
        marker = evaluation.marker
        # Refused before anything is written: the store, the archive and the receipts stay as they were.
        if marker is not None and not self.allow_synthetic:
            return FileOutcome(
                incoming.path, incoming.sha256, REFUSED_SYNTHETIC, synthetic_marker=marker
            )

        sha = incoming.sha256
        file_issue = evaluation.file_issue
        results = evaluation.results if file_issue is None else []
        loaded = [r for r in results if not r.issues]
        quarantined = [r for r in results if r.issues]
        rows_in = len(loaded) + len(quarantined)
        status = _status(len(loaded), len(quarantined), file_issue)
        sheets = sorted({r.row.sheet for r in results})
        parsed, context = evaluation.parsed, evaluation.context
        metadata = parsed.metadata if parsed else {}
        province_id = context.province_id if context else _metadata_id(metadata, "province_id")
        agency_id = context.agency_id if context else _metadata_id(metadata, "agency_id")
        period_code = context.period_code if context else (metadata.get("period") or None)
        period = context.period if context else None
        receipt = receipts_dir(self.home) / receipt_name(sha, incoming.name)
        received_at = incoming.received_at

        issues: list[tuple[Issue, str | None]] = []
        if file_issue is not None:
            issues.append((file_issue, None))
        for result in quarantined:
            row_json = _row_values(result.row)
            issues.extend((issue, row_json) for issue in result.issues)

        con = self.con
        self.written += 1
        # Test-only points where the crash tests kill the process (``ingest:<stage>:<n>``).
        moment = f"ingest:{{}}:{self.written}".format
        con.execute("begin transaction")
        try:
            seq = next_ingest_seq(con)
            pause_point(moment("begun"))
            supersedes = None
            if status != "rejected" and province_id and agency_id and period_code:
                supersedes = previous_latest(con, province_id, agency_id, period_code, sheets)
            archived = _archive(incoming, self.home)
            write_record(incoming, self.home, seq, self.limits, self.allow_synthetic)
            pause_point(moment("archived"))
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
                "rows_loaded": len(loaded),
                "rows_quarantined": len(quarantined),
                "rows_not_reported": len(evaluation.not_reported),
                "file_reason_code": file_issue.reason_code if file_issue else None,
                "supersedes_file_sha256": supersedes,
                "receipt_path": str(receipt),
                "archived_path": str(archived) if archived else None,
                "received_at_basis": incoming.received_at_basis,
                "synthetic_marker": marker,
            }
            write_receipt(
                receipt,
                render_receipt(
                    file_row,
                    [file_issue] if file_issue else [],
                    [issue for issue, _ in issues if issue.row_number is not None],
                    [
                        ReceiptRow(
                            r.row.sheet, r.row.row_number, item_label(r.row), row_summary(r.row)
                        )
                        for r in loaded
                    ],
                    [
                        ReceiptRow(row.sheet, row.row_number, item_label(row))
                        for row in evaluation.not_reported
                    ],
                    parsed.ignored_sheets if parsed else (),
                ),
            )
            pause_point(moment("receipt"))
            con.execute(
                insert_sql("raw.submission_files", FILE_COLUMNS),
                [file_row[c] for c in FILE_COLUMNS],
            )
            _insert_frame(
                con,
                "raw.submission_rows",
                ROW_COLUMNS,
                [_row_record(sha, result, received_at) for result in loaded],
                {"row_number": "integer", "loaded_at": "timestamp", **PARSED_COLUMNS},
            )
            _insert_frame(
                con,
                "raw.submission_quarantine",
                QUARANTINE_COLUMNS,
                _quarantine_records(sha, incoming.name, issues, received_at),
                {"row_number": "integer", "quarantined_at": "timestamp"},
            )
            counted_loaded, counted_quarantined = file_counts(con, sha)
            if (counted_loaded, counted_quarantined) != (len(loaded), len(quarantined)) or (
                rows_in != counted_loaded + counted_quarantined
            ):
                raise RowBalanceError(
                    f"{incoming.path}: rows in {rows_in} != rows loaded {counted_loaded} + rows "
                    f"quarantined {counted_quarantined}; nothing from this file was committed"
                )
            pause_point(moment("inserted"))
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            receipt.unlink(missing_ok=True)
            raise
        pause_point(moment("committed"))

        return FileOutcome(
            incoming.path,
            sha,
            status,
            rows_in,
            len(loaded),
            len(quarantined),
            len(evaluation.not_reported),
            file_issue.reason_code if file_issue else None,
            receipt,
            supersedes,
            marker,
        )


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
) -> list[FileOutcome]:
    """Ingest files and folders into the store; returns one outcome per file.

    A file's own problems never stop the run (the file is rejected with a
    reason and the next one is read); a failure of the store or a broken
    row balance stops it, with everything committed so far kept.

    With ``on_outcome``, each outcome goes to it instead of the returned
    list (which stays empty), so memory does not grow with the number of
    files; ``progress_every`` prints a line every that many files.
    """
    if received_at_basis not in RECEIVED_AT_BASES:
        raise ValueError(f"received_at_basis {received_at_basis!r} not in {RECEIVED_AT_BASES}")
    files = discover_files(paths)
    store = store or store_path()
    reference = reference or load_reference(seeds_dir)
    outcomes: list[FileOutcome] = []
    with open_store(store, lock_timeout_seconds) as con:
        writer = Writer(con, store, limits, allow_synthetic=allow_synthetic)
        for number, path in enumerate(files, start=1):
            incoming = receive(path, limits.max_bytes, received_at_basis)
            outcome = writer.already(incoming)
            if outcome is None:
                if incoming.received_at is None:
                    incoming = dataclasses.replace(incoming, received_at=now())
                outcome = writer.write(incoming, evaluate(incoming, reference, limits))
            if on_outcome is None:
                outcomes.append(outcome)
            else:
                on_outcome(outcome)
            if progress_every == 1:
                progress(f"[{number}/{len(files)}] {describe(outcome)}")
            elif number % progress_every == 0 or number == len(files):
                progress(f"ingest: {number}/{len(files)} files")
    return outcomes
