"""Stages 2-4 of ingest (read, verify, validate): a pure function of a file's bytes.

:func:`evaluate` reads a file, checks who sent it and checks every row, then
reduces the result to what the writer (:class:`.ingest.Writer`) stores and
reports: the loaded rows as records of ``raw.submission_rows``, the
quarantine entries as records of ``raw.submission_quarantine``, and the
lines of the receipt. Everything that does not depend on the store's state
(numbering, which file a new one supersedes) is done here, so that it can run
in the reading processes of ``nq57 ingest --jobs`` while the one writer only
numbers, archives, writes the receipt and inserts.

This module imports neither pandas nor the store's writing side: a reading
process starts in a fraction of a second.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from markupsafe import Markup

from . import spec
from .marking import marker_of
from .readers import FileRejected, Limits, ParsedFile, RawRow, read_data
from .reasons import Issue
from .receipts import ReceiptRow, item_label, render_receipt_rows, row_summary
from .receive import Incoming
from .reference import ReferenceData
from .senders import SenderCheck, SenderPolicy, check_sender
from .signing import METHOD_NONE, KeyRing
from .tables import PARSED_COLUMNS, TEXT_COLUMNS
from .validation import FileContext, RowResult, check_metadata, validate_rows

# Vietnam has used UTC+7 without daylight saving since 1975; "received on"
# dates are local dates, as the senders and the reporting deadlines see them.
VIETNAM_UTC_OFFSET = timedelta(hours=7)
# The whole row kept with each of its quarantine entries, cut past this many
# characters: a row of 50,000 columns must not be copied once per broken rule.
MAX_ROW_VALUES_CHARS = 4000


@dataclass
class Evaluation:
    """A file read, verified and checked, reduced to what the writer needs.

    ``parsed`` keeps the file's metadata, sheets and options but not its rows:
    those are in ``rows`` (loaded, as ``raw.submission_rows`` records),
    ``quarantine`` (``raw.submission_quarantine`` records, the file's own
    entry first) and ``receipt_rows`` (the receipt's sections listing them,
    :func:`.receipts.render_receipt_rows`).
    """

    parsed: ParsedFile | None
    detected_format: str
    encoding: str | None
    marker: str | None = None
    context: FileContext | None = None
    file_issue: Issue | None = None
    sender: SenderCheck = SenderCheck(False, METHOD_NONE)
    sheets: list[str] = field(default_factory=list)
    rows: list[tuple[object, ...]] = field(default_factory=list)
    rows_quarantined: int = 0
    rows_not_reported: int = 0
    quarantine: list[tuple[object, ...]] = field(default_factory=list)
    receipt_rows: Markup = Markup()


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


def verify_stage(
    incoming: Incoming, evaluation: Evaluation, reference: ReferenceData, policy: SenderPolicy
) -> None:
    """Who sent the file (:mod:`.senders`): refuses it by setting ``evaluation.file_issue``,
    unless the policy accepts unverified files and the reason allows it."""
    if evaluation.parsed is None or evaluation.file_issue is not None:
        return
    sender = check_sender(incoming.source_path, evaluation.parsed, reference, policy)
    evaluation.sender = sender
    if sender.issue is not None and (sender.always_refused or not policy.accept_unverified):
        evaluation.file_issue = sender.issue


def validate_stage(
    evaluation: Evaluation, reference: ReferenceData, received: date
) -> tuple[list[RowResult], list[RawRow]]:
    """Check the metadata and every row of a read file: (row results, rows not reported)."""
    parsed = evaluation.parsed
    if parsed is None or evaluation.file_issue is not None:
        return [], []
    version = parsed.metadata["format_version"].strip()
    if version not in spec.SUPPORTED_FORMAT_VERSIONS:
        evaluation.file_issue = Issue(
            "unsupported_format_version",
            column_name="format_version",
            raw_value=version,
            detail=", ".join(sorted(spec.SUPPORTED_FORMAT_VERSIONS)),
        )
        return [], []
    evaluation.context = check_metadata(parsed.metadata, reference, received)
    results, not_reported = validate_rows(parsed.rows, evaluation.context, reference)
    if not results:
        evaluation.file_issue = Issue("no_data")
    return results, not_reported


def evaluate(
    incoming: Incoming,
    reference: ReferenceData,
    limits: Limits,
    policy: SenderPolicy = SenderPolicy(KeyRing(())),
) -> Evaluation:
    """Read, verify and validate one file; never raises for anything wrong with the file itself.

    The default policy has no key: every file is refused as unverified.
    ``incoming.received_at`` must be set (it dates the rows and the checks)."""
    assert incoming.received_at is not None
    evaluation = read_stage(incoming, limits)
    evaluation.marker = marker_of(Path(incoming.name), evaluation.parsed)
    verify_stage(incoming, evaluation, reference, policy)
    results, not_reported = validate_stage(evaluation, reference, received_on(incoming.received_at))
    _settle(evaluation, incoming, results, not_reported)
    return evaluation


def _settle(
    evaluation: Evaluation,
    incoming: Incoming,
    results: list[RowResult],
    not_reported: list[RawRow],
) -> None:
    """Turn the rows into the store's records and the receipt's lines; drop the parsed rows."""
    sha, at = incoming.sha256, incoming.received_at
    file_issue = evaluation.file_issue
    if file_issue is not None:
        results = []
    loaded = [result for result in results if not result.issues]
    quarantined = [result for result in results if result.issues]
    evaluation.sheets = sorted({result.row.sheet for result in results})
    evaluation.rows = [_row_record(sha, result, at) for result in loaded]
    evaluation.rows_quarantined = len(quarantined)
    issues: list[tuple[Issue, str | None]] = []
    if file_issue is not None:
        issues.append((file_issue, None))
    for result in quarantined:
        row_json = _row_values(result.row)
        issues.extend((issue, row_json) for issue in result.issues)
    evaluation.quarantine = [
        (
            sha,
            incoming.name,
            issue.sheet,
            issue.row_number,
            issue.column_name,
            issue.raw_value,
            issue.reason_code,
            issue.reason_vi,
            issue.reason_en,
            row_json,
            at,
        )
        for issue, row_json in issues
    ]
    evaluation.rows_not_reported = len(not_reported)
    evaluation.receipt_rows = render_receipt_rows(
        {"rows_loaded": len(loaded), "rows_quarantined": len(quarantined)},
        [file_issue] if file_issue else [],
        [issue for issue, _ in issues if issue.row_number is not None],
        [
            ReceiptRow(r.row.sheet, r.row.row_number, item_label(r.row), row_summary(r.row))
            for r in loaded
        ],
        [ReceiptRow(row.sheet, row.row_number, item_label(row)) for row in not_reported],
        evaluation.parsed.ignored_sheets if evaluation.parsed else (),
    )
    if evaluation.parsed is not None:
        evaluation.parsed = dataclasses.replace(evaluation.parsed, rows=[])


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


def _row_record(sha: str, result: RowResult, at: datetime | None) -> tuple[object, ...]:
    """One ``raw.submission_rows`` record, in :data:`.tables.ROW_COLUMNS` order."""
    row, parsed = result.row, result.parsed
    values = row.values
    return (
        sha,
        row.sheet,
        row.row_number,
        *[values.get(column) for column in TEXT_COLUMNS],
        json.dumps(row.extra, ensure_ascii=False) if row.extra else None,
        *[parsed.get(column) for column in PARSED_COLUMNS],
        at,
    )


_WORKER: dict[str, object] = {}


def worker_setup(reference: ReferenceData, limits: Limits, policy: SenderPolicy) -> None:
    """What :func:`evaluate_here` evaluates with, in this process."""
    _WORKER["reference"], _WORKER["limits"], _WORKER["policy"] = reference, limits, policy


def evaluate_here(incoming: Incoming) -> Evaluation:
    """:func:`evaluate` with the reference data, limits and sender policy of this process."""
    return evaluate(incoming, _WORKER["reference"], _WORKER["limits"], _WORKER["policy"])
