"""How a simulated file says it is SYNTHETIC, and how ingestion tells.

Format v1 has four metadata keys and keeps what else a file carries, so the
marker lives where a reader (and ingestion) can see it without a new format
version:

- .xlsx: a README row ``synthetic`` | ``true`` (column A key, column B value,
  in the first 60 rows, like the metadata keys);
- CSV: a ``synthetic`` column holding ``true`` on every row; ingestion keeps
  it in ``raw.submission_rows.extra_columns``;
- the file name starts with ``synthetic_``. The simulator names every file so,
  including the broken ones (a PDF renamed .xlsx carries no README), so the
  name counts as a marker too.

``nq57 ingest`` and the landing sensor refuse a marked file (outcome status
``refused_synthetic``) unless run with
``--allow-synthetic``: nothing of it is written to the store, the file stays
where it is, and the command exits 1 naming it. A simulation written into
``landing/`` by mistake therefore never reaches the real store. A file
ingested with ``--allow-synthetic`` keeps its marker in
``raw.submission_files.synthetic_marker``.

:func:`synthetic_marker` is the check. Ingestion reads the content marker
from the file it has already read (:attr:`.readers.ParsedFile.synthetic_marker`,
so the file is opened once, with the reader's zip and XML safety checks) and
the name marker from :func:`name_marker`.
"""

from __future__ import annotations

from pathlib import Path

from .readers import FileRejected, Limits, ParsedFile, read_submission

SYNTHETIC_NAME_PREFIX = "synthetic_"


def name_marker(path: Path) -> str | None:
    if path.name.casefold().startswith(SYNTHETIC_NAME_PREFIX):
        return f"file name starts with {SYNTHETIC_NAME_PREFIX}"
    return None


def marker_of(path: Path, parsed: ParsedFile | None) -> str | None:
    """The file's marker: its content's when it was read, else its name's."""
    content = parsed.synthetic_marker if parsed is not None else None
    return content or name_marker(path)


def synthetic_marker(path: Path, limits: Limits = Limits()) -> str | None:
    """Where ``path`` says it is synthetic, or None (unmarked).

    The file's contents are looked at first; an unreadable file can still be
    marked by its name. An unmarked unreadable file is ingestion's to reject
    for its own reason.
    """
    try:
        parsed = read_submission(path, limits)
    except FileRejected:
        parsed = None
    return marker_of(path, parsed)
