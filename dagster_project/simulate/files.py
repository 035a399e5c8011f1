"""Rendering a simulated report into the bytes of a format v1 file.

The .xlsx files are the real template (:func:`~dagster_project.submissions.
template.build_workbook`) filled in the way an agency fills it: value cells
of the prefilled rows, extra rows typed below them, untouched rows left
blank (not reported). The CSV files carry the metadata columns on every row,
in the encodings and delimiters Vietnamese offices produce.

Every file says it is synthetic where format v1 has room for more than the
four metadata keys: a ``synthetic`` row (and ``submitted_at``) in the README
sheet, a ``synthetic`` (and ``submitted_at``) column in a CSV, whose cells
ingest keeps in ``extra_columns``. See :mod:`.marking`.

Every file is signed (:mod:`dagster_project.submissions.signing`) like a
template made by ``nq57 template`` for the metadata it carries, with the keys
of the store the simulation is for; an .xlsx carries the code in its README,
a CSV in a ``verification_code`` column, or (tab-separated files) in a
first-line comment. The ``sender_unverified`` and ``code_mismatch`` defects
leave it out or take another period's.

Bytes are deterministic: openpyxl stamps the save time into
``docProps/core.xml`` and every zip entry, so the workbook is re-zipped with
the simulated timestamps. The same seed gives byte-identical files.
"""

from __future__ import annotations

import calendar
import csv
import io
import os
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl.xml.functions import tostring

from dagster_project.semantics.numbers import format_vn_number
from dagster_project.submissions import spec
from dagster_project.submissions.periods import format_date
from dagster_project.submissions.reference import ReferenceData
from dagster_project.submissions.signing import KeyRing
from dagster_project.submissions.template import TemplateContent, build_workbook

SYNTHETIC_KEY = spec.SYNTHETIC_KEY
SUBMITTED_AT_KEY = "submitted_at"
CSV_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1258")
CSV_DELIMITERS = (",", ";", "\t")
CORE_PROPERTIES = "docProps/core.xml"
# Where the template's README lists its metadata: rows start at 3 (see template._write_readme).
README_FIRST_METADATA_ROW = 3


@dataclass
class Draft:
    """One file about to be written: what the sender typed, and how it is saved.

    ``metadata`` holds the four format v1 keys as typed (a value may be empty
    or a formula). ``rows`` holds, per sheet, the reported rows as column ->
    cell value (text, or a number for an Excel number cell). ``csv_sheet`` is
    the one sheet a CSV carries. ``row_metadata`` overrides a CSV row's
    metadata cells by index. The ``drop_*`` and ``duplicate_column`` fields
    and ``transform`` (applied to the rendered bytes) are how defects break a
    file; ``raw`` replaces the rendering altogether.
    """

    fmt: str
    metadata: dict[str, str]
    rows: dict[str, list[dict[str, object]]]
    content: TemplateContent
    submitted_at: datetime
    generated_at: datetime
    synthetic: bool = True
    csv_sheet: str | None = None
    csv_encoding: str = "utf-8"
    csv_delimiter: str = ","
    suffix: str | None = None
    row_metadata: dict[int, dict[str, str]] = field(default_factory=dict)
    drop_sheets: set[str] = field(default_factory=set)
    drop_columns: dict[str, set[str]] = field(default_factory=dict)
    duplicate_column: tuple[str, str] | None = None
    untouched: bool = False
    transform: Callable[[bytes], bytes] | None = None
    raw: bytes | None = None
    # Signed unless ``sign`` is False; ``code_for`` overrides the metadata the code is made for.
    sign: bool = True
    code_for: dict[str, str] = field(default_factory=dict)
    verification_code: str | None = None

    @property
    def file_suffix(self) -> str:
        return self.suffix or (".xlsx" if self.fmt == "xlsx" else ".csv")


def utc_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- xlsx -------------------------------------------------------------------


def _template_rows(content: TemplateContent) -> dict[str, dict[tuple[str, str], int]]:
    """Row number of each prefilled item in the template (rows from 3, in content order)."""
    return {
        spec.TASK_PROGRESS: {
            (task.plan_id, task.task_key.casefold()): 3 + index
            for index, (task, _, _) in enumerate(content.tasks)
        },
        spec.INDICATOR_VALUES: {
            (indicator.plan_id, indicator.indicator_code.casefold()): 3 + index
            for index, (indicator, _) in enumerate(content.indicators)
        },
        spec.BUDGET_EXECUTION: {},
    }


def _item_key(sheet: str, row: dict[str, object]) -> tuple[str, str] | None:
    key_column = {spec.TASK_PROGRESS: "task_key", spec.INDICATOR_VALUES: "indicator_code"}.get(
        sheet
    )
    if key_column is None:
        return None
    return (str(row.get("plan_id") or ""), str(row.get(key_column) or "").casefold())


def _fill_readme(sheet, draft: Draft) -> None:
    """Metadata as typed, the simulated generation time, and the synthetic marker."""
    marker_row = README_FIRST_METADATA_ROW + len(spec.METADATA_KEYS) + 4
    for row in range(README_FIRST_METADATA_ROW, spec.README_SCAN_ROWS + 1):
        key = sheet.cell(row=row, column=1).value
        if key in spec.METADATA_KEYS:
            value = draft.metadata.get(key, "")
            # Assigned, not passed to cell(): cell() ignores a None value.
            sheet.cell(row=row, column=2).value = value if value != "" else None
        elif key == "generated_at":
            sheet.cell(row=row, column=2, value=draft.generated_at.strftime("%d/%m/%Y %H:%M UTC"))
            marker_row = row + 1
    sheet.insert_rows(marker_row, amount=2)
    lines = [(SUBMITTED_AT_KEY, utc_text(draft.submitted_at), "Thời điểm gửi", "Submitted at")]
    if draft.synthetic:
        lines.insert(
            0,
            (
                SYNTHETIC_KEY,
                "true",
                "Dữ liệu mô phỏng, không phải báo cáo thật",
                "Synthetic data, not a real report",
            ),
        )
    for offset, (key, value, label_vi, label_en) in enumerate(lines):
        for column, text in enumerate((key, value, label_vi, label_en), start=1):
            sheet.cell(row=marker_row + offset, column=column, value=text)


def _fill_sheet(sheet, kind: str, rows: list[dict[str, object]], prefilled: dict) -> None:
    columns = spec.column_names(kind)
    used: set[int] = set()
    next_free = 3 + len(prefilled)
    for values in rows:
        key = _item_key(kind, values)
        target = prefilled.get(key) if key else None
        if target is None or target in used:
            target = next_free
            next_free += 1
        used.add(target)
        for index, column in enumerate(columns, start=1):
            if column in values:
                sheet.cell(row=target, column=index, value=values[column])


def sign_draft(draft: Draft, keys: KeyRing) -> None:
    """Give the draft the code a template made for its metadata (or ``code_for``) carries."""
    if not draft.sign or draft.verification_code is not None:
        return
    metadata = {**draft.metadata, **draft.code_for}
    draft.verification_code = keys.sign(
        metadata.get("format_version", ""),
        metadata.get("province_id", ""),
        metadata.get("agency_id", ""),
        metadata.get("period", ""),
    )


def render_xlsx(draft: Draft, reference: ReferenceData) -> bytes:
    workbook = build_workbook(draft.content, reference, draft.verification_code)
    _fill_readme(workbook[spec.README_SHEET], draft)
    prefilled = _template_rows(draft.content)
    if not draft.untouched:
        for kind in spec.DATA_SHEETS:
            _fill_sheet(workbook[kind], kind, draft.rows.get(kind, []), prefilled[kind])
    for kind, dropped in draft.drop_columns.items():
        names = spec.column_names(kind)
        for name in sorted(dropped, key=names.index, reverse=True):
            workbook[kind].delete_cols(names.index(name) + 1)
    if draft.duplicate_column is not None:
        kind, name = draft.duplicate_column
        sheet = workbook[kind]
        sheet.cell(row=1, column=sheet.max_column + 1, value=name)
    for kind in draft.drop_sheets:
        del workbook[kind]
    workbook.properties.creator = "nq57 simulate" if draft.synthetic else "nq57"
    workbook.properties.title = "SYNTHETIC" if draft.synthetic else None
    workbook.properties.created = draft.generated_at
    buffer = io.BytesIO()
    workbook.save(buffer)
    workbook.properties.modified = draft.submitted_at
    core = tostring(workbook.properties.to_tree())
    return stable_zip(buffer.getvalue(), draft.submitted_at, {CORE_PROPERTIES: core})


def stable_zip(
    data: bytes,
    moment: datetime,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
) -> bytes:
    """Re-zip ``data`` with every entry dated ``moment`` (some replaced, some added)."""
    replace = replace or {}
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = item.external_attr
            target.writestr(info, replace.get(item.filename, source.read(item)))
        for name, payload in (add or {}).items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, payload)
    return out.getvalue()


# --- CSV ----------------------------------------------------------------------


def csv_columns(draft: Draft) -> list[str]:
    sheet = draft.csv_sheet or spec.TASK_PROGRESS
    dropped = draft.drop_columns.get(sheet, set())
    columns = [
        *spec.CSV_METADATA_COLUMNS,
        *(c for c in spec.column_names(sheet) if c not in dropped),
    ]
    if draft.duplicate_column is not None and draft.duplicate_column[0] == sheet:
        columns.append(draft.duplicate_column[1])
    columns.append(SUBMITTED_AT_KEY)
    if draft.verification_code and not _code_in_comment(draft):
        columns.append(spec.VERIFICATION_CODE_KEY)
    if draft.synthetic:
        columns.append(SYNTHETIC_KEY)
    return columns


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    # A CSV has no typed cells: the sender's tool writes what the cell shows.
    if isinstance(value, datetime | date):
        return format_date(value)
    return format_vn_number(Decimal(str(value)))


def _code_in_comment(draft: Draft) -> bool:
    """Tab-separated files carry the code in a first-line comment, the others in a column."""
    return draft.csv_delimiter == "\t"


def render_csv_text(draft: Draft) -> str:
    sheet = draft.csv_sheet or spec.TASK_PROGRESS
    columns = csv_columns(draft)
    buffer = io.StringIO(newline="")
    if draft.verification_code and _code_in_comment(draft):
        buffer.write(f"# {spec.VERIFICATION_CODE_KEY}: {draft.verification_code}\r\n")
    writer = csv.writer(buffer, delimiter=draft.csv_delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for index, values in enumerate(draft.rows.get(sheet, [])):
        row = {
            **draft.metadata,
            "sheet": sheet,
            SUBMITTED_AT_KEY: utc_text(draft.submitted_at),
            SYNTHETIC_KEY: "true",
            spec.VERIFICATION_CODE_KEY: draft.verification_code or "",
            **{k: _csv_cell(v) for k, v in values.items()},
            **draft.row_metadata.get(index, {}),
        }
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue()


def encode_text(text: str, encoding: str) -> bytes:
    """Encode like the sender's tool: UTF-16 with a BOM, Windows-1258 with combining tones."""
    if encoding == "cp1258":
        return to_cp1258(text)
    return text.encode(encoding)


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows tools write it.

    The code page has no precomposed toned letters ('ệ'): they are written as
    the base letter it has ('ê') plus a combining tone mark. Characters the
    code page lacks entirely ('≥') become '?', as Windows' converter does.
    """
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", char)
        for mark in list(marks):
            combined = unicodedata.normalize("NFC", base + mark)
            if len(combined) == 1 and combined.encode("cp1258", "ignore"):
                base = combined
                marks.remove(mark)
        out += (base + "".join(marks)).encode("cp1258", errors="replace")
    return bytes(out)


def render(draft: Draft, reference: ReferenceData) -> bytes:
    if draft.raw is not None:
        return draft.raw
    if draft.fmt == "xlsx":
        data = render_xlsx(draft, reference)
    else:
        data = encode_text(render_csv_text(draft), draft.csv_encoding)
    if draft.transform is not None:
        data = draft.transform(data)
    return data


def write_file(path: Path, data: bytes, moment: datetime) -> None:
    """Write ``data`` and date the file ``moment`` (UTC): the time the agency sent it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Hidden while being written, so an ingest running meanwhile skips it.
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_bytes(data)
    temporary.replace(path)
    epoch = calendar.timegm(moment.timetuple())
    os.utime(path, (epoch, epoch))
