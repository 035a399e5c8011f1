"""Ingest simulated files as if each arrived when the agency sent it.

A simulation spans months or years, so its files carry the simulated sending
time as their modification time (see :func:`.files.write_file`); ingesting
them "now" would call every future period ``period_in_future`` and hide which
reports were late. :func:`ingest_as_sent` is ``nq57 ingest --allow-synthetic
--received-at file-mtime``: the same :func:`~dagster_project.submissions.ingest.ingest_paths`,
keeping only counts, so memory does not grow with the number of files.

It is meant for stores the simulation owns (tests, benchmarks, the README
demo); ``nq57 simulate --ingest-into`` refuses the real store.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dagster_project.submissions.ingest import FileOutcome, ingest_paths
from dagster_project.submissions.readers import Limits
from dagster_project.submissions.reference import ReferenceData


@dataclass
class IngestCounts:
    files: int = 0
    statuses: Counter = field(default_factory=Counter)
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0

    def add(self, outcome: FileOutcome) -> None:
        self.files += 1
        self.statuses[outcome.status] += 1
        self.rows_in += outcome.rows_in
        self.rows_loaded += outcome.rows_loaded
        self.rows_quarantined += outcome.rows_quarantined


def ingest_as_sent(
    paths: Iterable[Path],
    *,
    store: Path,
    reference: ReferenceData,
    limits: Limits = Limits(),
    progress: Callable[[str], None] = print,
    every: int = 500,
    jobs: int = 1,
) -> IngestCounts:
    counts = IngestCounts()
    ingest_paths(
        paths,
        store=store,
        reference=reference,
        limits=limits,
        progress=progress,
        received_at_basis="file_mtime",
        allow_synthetic=True,
        on_outcome=counts.add,
        progress_every=every,
        jobs=jobs,
    )
    return counts
