"""Ingest simulated files as if each arrived when the agency sent it.

``nq57 ingest`` stamps ``received_at`` with the time it runs. A simulation
spans months or years, so its files carry the simulated sending time as
their modification time (see :func:`.files.write_file`); ingesting them "now"
would call every future period ``period_in_future`` and hide which reports
were late. :func:`ingest_as_sent` runs the same per-file ingestion
(:func:`~dagster_project.submissions.ingest.ingest_file`, under the store's
lock, oldest file first) with ``received_at`` taken from each file's
modification time, and keeps only counts, so memory does not grow with the
number of files.

It is meant for stores the simulation owns (tests, benchmarks). It does not
refuse synthetic files; see :mod:`.marking` for what ``nq57 ingest`` should
do with them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dagster_project.submissions.ingest import discover_files, ingest_file
from dagster_project.submissions.readers import Limits
from dagster_project.submissions.reference import ReferenceData
from dagster_project.submissions.store import open_store


@dataclass
class IngestCounts:
    files: int = 0
    statuses: Counter = field(default_factory=Counter)
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0


def sent_at(path: Path) -> datetime:
    """The file's modification time as a naive UTC timestamp, like ``received_at``."""
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)


def ingest_as_sent(
    paths: Iterable[Path],
    *,
    store: Path,
    reference: ReferenceData,
    limits: Limits = Limits(),
    progress: Callable[[str], None] = print,
    every: int = 500,
) -> IngestCounts:
    counts = IngestCounts()
    files = discover_files(paths)
    with open_store(store) as con:
        for path in files:
            received = sent_at(path)
            outcome = ingest_file(
                con, path, store, reference, limits, lambda received=received: received
            )
            counts.files += 1
            counts.statuses[outcome.status] += 1
            counts.rows_in += outcome.rows_in
            counts.rows_loaded += outcome.rows_loaded
            counts.rows_quarantined += outcome.rows_quarantined
            if counts.files % every == 0:
                progress(f"ingest: {counts.files}/{len(files)} files")
    return counts
