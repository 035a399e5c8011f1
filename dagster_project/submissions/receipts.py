"""The HTML receipt sent back to the agency for every file.

It lists, in Vietnamese and English, what was accepted, what was rejected and
why (sheet, row, column, value, reason), and which template rows were left
empty. Everything the sender wrote is escaped: a cell is shown, never run.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, Template, select_autoescape
from markupsafe import Markup

from dagster_project.semantics.display import utc_text, vn_time

from . import spec
from .readers import RawRow
from .reasons import Issue
from .receive import write_private

STATUS_TEXT = {
    "accepted": ("Đã chấp nhận toàn bộ", "Accepted"),
    "partially_accepted": ("Chấp nhận một phần", "Partially accepted"),
    "rejected": ("Bị từ chối", "Rejected"),
}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ReceiptRow:
    sheet: str
    row_number: int
    item: str
    summary: str = ""


def item_label(row: RawRow) -> str:
    """The plan item a row is about, for the receipt."""
    for column in ("task_key", "indicator_code", "budget_line_id", "project_name"):
        value = row.values.get(column, "").strip()
        if value:
            return value
    return ""


# The columns a sender fills in, per sheet, shown for each accepted row.
_VALUE_COLUMNS = {sheet: spec.columns_with_role(sheet, "value") for sheet in spec.DATA_SHEETS}


def row_summary(row: RawRow) -> str:
    values = _VALUE_COLUMNS[row.sheet]
    return "; ".join(f"{name}: {row.values[name]}" for name in values if row.values[name].strip())


def receipt_name(file_sha256: str, file_name: str) -> str:
    """``<sha256[:12]>-<name>.html`` with the name reduced to safe ASCII."""
    ascii_name = (
        unicodedata.normalize("NFKD", file_name.replace("đ", "d").replace("Đ", "D"))
        .encode("ascii", "ignore")
        .decode("ascii")
    )
    safe = _UNSAFE.sub("_", ascii_name).strip("._") or "file"
    return f"{file_sha256[:12]}-{safe[:100]}.html"


RECEIPT_TEMPLATE = "receipt.html.j2"
RECEIPT_ROWS_TEMPLATE = "receipt_rows.html.j2"
# A receipt lists at most this many entries per section and shows at most this
# many characters of a value; a line past each section says how many more there
# are (all of them are in the store). Its size is bounded whatever the file.
MAX_LISTED = 1000
MAX_VALUE_CHARS = 500


@functools.lru_cache(maxsize=1)
def _environment() -> Environment:
    """One Jinja2 environment per process, so the template is compiled once.

    A new environment for every file recompiled the template each time: about
    a fifth of ingest time. The templates are part of the package and do not
    change while a process runs, so they are not reloaded (``auto_reload``
    checked each template file's time on every render: two ``stat`` calls per
    file ingested); rendering keeps no state in the environment.
    """
    return Environment(
        loader=PackageLoader("dagster_project.submissions", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True,
        auto_reload=False,
    )


@functools.lru_cache(maxsize=4)
def _template(name: str) -> Template:
    """A compiled template of :func:`_environment`, looked up once per process."""
    return _environment().get_template(name)


def render_receipt_rows(
    file: dict[str, Any],
    file_issues: list[Issue],
    rejected: list[Issue],
    accepted: list[ReceiptRow],
    not_reported: list[ReceiptRow],
    ignored_sheets: tuple[str, ...] = (),
) -> Markup:
    """The receipt's sections after its summary: why the file or its rows were refused,
    the accepted rows and the rows left empty (``file`` needs ``rows_loaded`` and
    ``rows_quarantined``). They depend on the file alone, not on the store, so the
    reading processes render them (:mod:`.evaluate`)."""
    ordered = sorted(
        rejected, key=lambda i: (i.sheet or "", i.row_number or 0, i.column_name or "")
    )
    return Markup(
        _template(RECEIPT_ROWS_TEMPLATE).render(
            file=file,
            file_issues=file_issues,
            rejected=ordered[:MAX_LISTED],
            rejected_more=max(len(ordered) - MAX_LISTED, 0),
            accepted=accepted[:MAX_LISTED],
            accepted_more=max(len(accepted) - MAX_LISTED, 0),
            not_reported=not_reported[:MAX_LISTED],
            not_reported_more=max(len(not_reported) - MAX_LISTED, 0),
            ignored_sheets=ignored_sheets,
            max_value_chars=MAX_VALUE_CHARS,
        )
    )


def render_receipt(
    file: dict[str, Any],
    rows: Markup,
    sender_note: Issue | None = None,
    kept_behind: str | None = None,
) -> str:
    """The receipt: its summary of ``file``, then the ``rows`` sections
    :func:`render_receipt_rows` rendered; ``sender_note`` is why a file taken in with
    ``--accept-unverified`` is not verified, ``kept_behind`` the verified report it does
    not replace."""
    status_vi, status_en = STATUS_TEXT[file["status"]]
    received_at = file.get("received_at")
    return _template(RECEIPT_TEMPLATE).render(
        file=file,
        received_ict=vn_time(received_at) if received_at else "-",
        received_utc=utc_text(received_at) if received_at else "-",
        status_vi=status_vi,
        status_en=status_en,
        sender_note=sender_note,
        kept_behind=kept_behind,
        rows=rows,
    )


def write_receipt(path: Path, html: str, *, folder_made: bool = False) -> None:
    """Write atomically (a reader never opens half a receipt), mode 0640 (see :mod:`.receive`)."""
    write_private(path, html.encode("utf-8"), folder_made=folder_made)
