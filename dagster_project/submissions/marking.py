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

:func:`synthetic_marker` is the check, safe on untrusted files: the zip
directory is checked before anything is inflated, XML is read through
defusedxml (openpyxl's), and only the README's first rows or the CSV's
header and first row are looked at.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException

from . import spec
from .readers import FileRejected, Limits, check_zip_safety, decode_csv_bytes, nfc

SYNTHETIC_KEY = spec.SYNTHETIC_KEY
SYNTHETIC_NAME_PREFIX = "synthetic_"

TRUE_WORDS = frozenset({"true", "1", "yes", "có"})
# What reading a damaged or hostile file raises; such a file is the reader's to reject.
_UNREADABLE: tuple[type[BaseException], ...] = (
    FileRejected,
    OSError,
    ValueError,
    KeyError,
    EOFError,
    zipfile.BadZipFile,
    zlib.error,
    ParseError,
    DefusedXmlException,
    csv.Error,
)


def _is_true(value: object) -> bool:
    return nfc(str(value or "")).strip().casefold() in TRUE_WORDS


def _xlsx_marker(path: Path, limits: Limits) -> str | None:
    import openpyxl

    check_zip_safety(path, limits)
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
    try:
        if spec.README_SHEET not in workbook.sheetnames:
            return None
        rows = workbook[spec.README_SHEET].iter_rows(
            max_row=spec.README_SCAN_ROWS, max_col=2, values_only=True
        )
        for row in rows:
            if len(row) >= 2 and row[0] == SYNTHETIC_KEY and _is_true(row[1]):
                return f"README {SYNTHETIC_KEY}={row[1]}"
    finally:
        workbook.close()
    return None


def _csv_marker(path: Path, limits: Limits) -> str | None:
    if path.stat().st_size > limits.max_bytes:
        return None
    text, _ = decode_csv_bytes(path.read_bytes())
    lines = text.splitlines()[:2]
    if len(lines) < 2:
        return None
    for delimiter in (",", ";", "\t"):
        header, first = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))[:2]
        names = [name.strip().casefold() for name in header]
        if SYNTHETIC_KEY in names:
            position = names.index(SYNTHETIC_KEY)
            if position < len(first) and _is_true(first[position]):
                return f"CSV column {SYNTHETIC_KEY}={first[position]}"
    return None


def synthetic_marker(path: Path, limits: Limits = Limits()) -> str | None:
    """Where ``path`` says it is synthetic, or None (unmarked).

    The file's contents are looked at first; an unreadable file can still be
    marked by its name. An unmarked unreadable file is ingestion's to reject
    for its own reason.
    """
    if path.name.casefold().startswith(SYNTHETIC_NAME_PREFIX):
        return f"file name starts with {SYNTHETIC_NAME_PREFIX}"
    try:
        if path.suffix.lower() == ".xlsx":
            return _xlsx_marker(path, limits)
        if path.suffix.lower() == ".csv":
            return _csv_marker(path, limits)
    except _UNREADABLE:
        return None
    return None
