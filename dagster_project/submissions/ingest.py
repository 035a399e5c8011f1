"""Ingest submission files into the submissions store.

One function, :func:`ingest_paths`, serves ``nq57 ingest`` and the Dagster
job. For each file, in order:

1. hash it; a sha256 already in the manifest is a no-op ("already ingested");
2. read it safely (:mod:`.readers`); a file that cannot be read is rejected
   whole, with one quarantine row (``row_number`` NULL) saying why;
3. check the metadata and every row (:mod:`.validation`); rows breaking a
   rule go to quarantine, one entry per failing column and rule, the others
   are loaded;
4. keep a content-addressed copy of the file, write the receipt, and commit
   the manifest row, the loaded rows and the quarantine rows in one
   transaction, after checking rows in = rows loaded + rows quarantined
   against the tables themselves.

A file accepted (fully or partly) for a province, agency and period
supersedes the latest earlier one sharing a sheet kind with it; nothing is
ever deleted, and ``raw.submission_latest`` shows the current rows.

Before step 2, a file marked SYNTHETIC (:mod:`.marking`) is refused unless
``allow_synthetic``: nothing is written, the file is left where it is, and
the outcome's status is ``refused_synthetic``.

``received_at`` is the clock at ingest by default (``ingest_time``), or the
file's modification time (``file_mtime``), for files kept with the time they
were sent (a simulation, or an archive of e-mailed reports copied with their
dates). Either way the basis is recorded with the file.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from dagster_project.warehouse.paths import SEEDS_DIR

from . import spec
from .marking import marker_of
from .paths import archive_dir, receipts_dir, store_path
from .readers import FileRejected, Limits, ParsedFile, RawRow, read_submission
from .reasons import Issue
from .receipts import (
    ReceiptRow,
    item_label,
    receipt_name,
    render_receipt,
    row_summary,
    write_receipt,
)
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

# Vietnam has used UTC+7 without daylight saving since 1975; "received on"
# dates are local dates, as the senders and the reporting deadlines see them.
VIETNAM_UTC_OFFSET = timedelta(hours=7)
ALREADY_INGESTED = "already_ingested"
REFUSED_SYNTHETIC = "refused_synthetic"


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
class _Evaluation:
    """A file read and checked, ready to be written."""

    parsed: ParsedFile | None
    detected_format: str
    encoding: str | None
    context: FileContext | None = None
    file_issue: Issue | None = None
    results: list[RowResult] = field(default_factory=list)
    not_reported: list[RawRow] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def discover_files(paths: Iterable[Path]) -> list[Path]:
    """Files named directly keep their order; a folder's files come oldest first.

    Oldest first (modification time, then name) so that a correction dropped
    after the original is ingested after it and supersedes it. Hidden files
    (``.name``) are skipped: they are not submissions (``.DS_Store``, editor
    swap files).
    """
    found: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        if path.is_dir():
            entries = [
                entry
                for entry in path.rglob("*")
                if entry.is_file()
                and not any(part.startswith(".") for part in entry.relative_to(path).parts)
            ]
            entries.sort(key=lambda entry: (entry.stat().st_mtime_ns, str(entry)))
        else:
            entries = [path]
        for entry in entries:
            resolved = entry.resolve()
            if resolved not in seen:
                seen.add(resolved)
                found.append(entry)
    return found


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def file_mtime_utc(path: Path) -> datetime:
    """The file's modification time as a naive UTC timestamp, like ``received_at``."""
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)


def received_on(received_at: datetime) -> date:
    """The Vietnamese calendar day of a UTC ``received_at``."""
    return (received_at + VIETNAM_UTC_OFFSET).date()


def evaluate_file(
    path: Path, reference: ReferenceData, limits: Limits, received: date
) -> _Evaluation:
    """Read and check one file; never raises for anything wrong with the file itself."""
    try:
        parsed = read_submission(path, limits)
    except FileRejected as rejected:
        return _Evaluation(
            None, rejected.detected_format, rejected.encoding, file_issue=rejected.issue
        )
    evaluation = _Evaluation(parsed, parsed.detected_format, parsed.encoding)
    version = parsed.metadata["format_version"].strip()
    if version not in spec.SUPPORTED_FORMAT_VERSIONS:
        evaluation.file_issue = Issue(
            "unsupported_format_version",
            column_name="format_version",
            raw_value=version,
            detail=", ".join(sorted(spec.SUPPORTED_FORMAT_VERSIONS)),
        )
        return evaluation
    evaluation.context = check_metadata(parsed.metadata, reference, received)
    evaluation.results, evaluation.not_reported = validate_rows(
        parsed.rows, evaluation.context, reference
    )
    if not evaluation.results:
        evaluation.file_issue = Issue("no_data")
    return evaluation


def _row_values(row: RawRow) -> str:
    """The whole row as JSON, kept with each quarantine entry so nothing typed is lost."""
    payload = {**row.values, **row.extra, **{f"meta:{k}": v for k, v in row.metadata.items()}}
    return json.dumps({k: v for k, v in payload.items() if v != ""}, ensure_ascii=False)


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


def _archive(path: Path, sha: str, store: Path) -> Path:
    target = archive_dir(store) / sha[:2] / f"{sha}{path.suffix.lower()}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(target.name + ".part")
        shutil.copyfile(path, temporary)
        temporary.replace(target)
    return target


def _status(loaded: int, quarantined: int, file_issue: Issue | None) -> str:
    if file_issue is not None or loaded == 0:
        return "rejected"
    return "accepted" if quarantined == 0 else "partially_accepted"


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    store: Path,
    reference: ReferenceData,
    limits: Limits,
    now: Callable[[], datetime],
    *,
    received_at_basis: str = "ingest_time",
    allow_synthetic: bool = False,
) -> FileOutcome:
    """Ingest one file on an open store connection (the caller holds the lock)."""
    if received_at_basis not in RECEIVED_AT_BASES:
        raise ValueError(f"received_at_basis {received_at_basis!r} not in {RECEIVED_AT_BASES}")
    sha = sha256_of(path)
    existing = is_ingested(con, sha)
    if existing is not None:
        receipt = Path(existing[1]) if existing[1] else None
        return FileOutcome(path, sha, ALREADY_INGESTED, receipt_path=receipt)

    size = path.stat().st_size
    received_at = file_mtime_utc(path) if received_at_basis == "file_mtime" else now()
    evaluation = evaluate_file(path, reference, limits, received_on(received_at))
    context = evaluation.context
    parsed = evaluation.parsed

    # Refused before anything is written: the store, the archive and the receipts stay as they were.
    marker = marker_of(path, parsed)
    if marker is not None and not allow_synthetic:
        return FileOutcome(path, sha, REFUSED_SYNTHETIC, synthetic_marker=marker)

    loaded = [r for r in evaluation.results if not r.issues] if not evaluation.file_issue else []
    quarantined = [r for r in evaluation.results if r.issues] if not evaluation.file_issue else []
    rows_in = len(loaded) + len(quarantined)
    status = _status(len(loaded), len(quarantined), evaluation.file_issue)
    sheets = sorted({r.row.sheet for r in evaluation.results}) if not evaluation.file_issue else []

    metadata = parsed.metadata if parsed else {}
    province_id = (
        context.province_id
        if context
        else (normalize_id(metadata["province_id"]) if metadata else None)
    )
    agency_id = (
        context.agency_id
        if context
        else (normalize_id(metadata["agency_id"]) if metadata else None)
    )
    period_code = context.period_code if context else (metadata.get("period") or None)
    period = context.period if context else None

    supersedes = None
    if status != "rejected" and province_id and agency_id and period_code:
        supersedes = previous_latest(con, province_id, agency_id, period_code, sheets)

    archived = _archive(path, sha, store) if 0 < size <= limits.max_bytes else None
    receipt = receipts_dir(store) / receipt_name(sha, path.name)
    file_row: dict[str, object] = {
        "file_sha256": sha,
        "ingest_seq": next_ingest_seq(con),
        "file_name": path.name,
        "source_path": str(path.resolve()),
        "size_bytes": size,
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
        "file_reason_code": evaluation.file_issue.reason_code if evaluation.file_issue else None,
        "supersedes_file_sha256": supersedes,
        "receipt_path": str(receipt),
        "archived_path": str(archived) if archived else None,
        "received_at_basis": received_at_basis,
        "synthetic_marker": marker,
    }

    issues: list[tuple[Issue, str | None]] = []
    if evaluation.file_issue is not None:
        issues.append((evaluation.file_issue, None))
    for result in quarantined:
        row_json = _row_values(result.row)
        issues.extend((issue, row_json) for issue in result.issues)

    html = render_receipt(
        file_row,
        [evaluation.file_issue] if evaluation.file_issue else [],
        [issue for issue, _ in issues if issue.row_number is not None],
        [
            ReceiptRow(r.row.sheet, r.row.row_number, item_label(r.row), row_summary(r.row))
            for r in loaded
        ],
        [ReceiptRow(row.sheet, row.row_number, item_label(row)) for row in evaluation.not_reported],
        parsed.ignored_sheets if parsed else (),
    )
    write_receipt(receipt, html)

    con.execute("begin transaction")
    try:
        con.execute(
            insert_sql("raw.submission_files", FILE_COLUMNS), [file_row[c] for c in FILE_COLUMNS]
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
            _quarantine_records(sha, path.name, issues, received_at),
            {"row_number": "integer", "quarantined_at": "timestamp"},
        )
        counted_loaded, counted_quarantined = file_counts(con, sha)
        if (counted_loaded, counted_quarantined) != (len(loaded), len(quarantined)) or (
            rows_in != counted_loaded + counted_quarantined
        ):
            raise RowBalanceError(
                f"{path}: rows in {rows_in} != rows loaded {counted_loaded} + rows quarantined "
                f"{counted_quarantined}; nothing from this file was committed"
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        receipt.unlink(missing_ok=True)
        raise

    return FileOutcome(
        path,
        sha,
        status,
        rows_in,
        len(loaded),
        len(quarantined),
        len(evaluation.not_reported),
        evaluation.file_issue.reason_code if evaluation.file_issue else None,
        receipt,
        supersedes,
        marker,
    )


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
    files = discover_files(paths)
    store = store or store_path()
    reference = reference or load_reference(seeds_dir)
    outcomes: list[FileOutcome] = []
    with open_store(store, lock_timeout_seconds) as con:
        for number, path in enumerate(files, start=1):
            outcome = ingest_file(
                con,
                path,
                store,
                reference,
                limits,
                now,
                received_at_basis=received_at_basis,
                allow_synthetic=allow_synthetic,
            )
            if on_outcome is None:
                outcomes.append(outcome)
            else:
                on_outcome(outcome)
            if progress_every == 1:
                progress(f"[{number}/{len(files)}] {describe(outcome)}")
            elif number % progress_every == 0 or number == len(files):
                progress(f"ingest: {number}/{len(files)} files")
    return outcomes
