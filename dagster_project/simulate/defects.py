"""Broken submissions: one kind per quarantine reason ingestion can give.

Each :class:`DefectKind` is named after the ``reason_code``
(:data:`~dagster_project.submissions.reasons.REASONS`) ingestion must record
for it, and breaks a :class:`~.files.Draft` the way senders do: a PDF renamed
``.xlsx``, a truncated upload, a CSV saved as UTF-16 without a BOM, a
percentage of 120, a task key from another plan, a report for a department
merged away months ago. File-level kinds reject the whole file; row-level
kinds quarantine rows (all rows, for a wrong identity).

``UNREACHABLE`` lists the reason codes no input can produce with the current
validator, with why; a test keeps this catalogue and ``REASONS`` in step.

A kind may not fit the report it is applied to (no second plan in the
province for ``key_ambiguous``): :meth:`DefectKind.apply` then returns False
and the simulator tries the next kind, keeping the skipped one first in line.
"""

from __future__ import annotations

import io
import zipfile
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from dagster_project.submissions import spec
from dagster_project.submissions.periods import Period, format_date
from dagster_project.submissions.reference import ReferenceData, Task, item_key

from .files import Draft, stable_zip

# Reason codes no file an agency sends can produce, with why; every other
# code is a defect kind below.
UNREACHABLE: dict[str, str] = {
    "not_regular_file": "a symbolic link or special file made in the landing folder itself, "
    "not a file an agency sends (tests/test_submissions_files.py makes one)",
    "agency_folder_mismatch": "the simulator writes one folder per province and period, not "
    "per agency (tests/test_submissions_senders.py puts a file in another agency's folder)",
}


def pdf_bytes(draft: Draft) -> bytes:
    """A minimal PDF naming the report, so that two scans are two different files."""
    title = f"{draft.metadata.get('agency_id', '')} {draft.metadata.get('period', '')}"
    return (
        b"%PDF-1.7\n1 0 obj << /Type /Catalog /Title ("
        + title.encode("ascii", "replace")
        + b") >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )


# The first bytes of an OLE2 compound file: what an old .xls starts with.
OLE2_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol3;</workbook>'
)
# Python's csv module refuses a field longer than this (csv.field_size_limit()).
CSV_FIELD_LIMIT = 131_072


@dataclass
class DefectContext:
    """What a defect may use: the report's identity and the plans around it."""

    reference: ReferenceData
    province_id: str
    agency_id: str
    period: Period
    received_on: date
    max_bytes: int
    rng: object
    task_row: Callable[[Task], dict[str, object]]
    budget_rows: Callable[[str], list[dict[str, object]]]
    assignment_date: date
    plans: list = field(default_factory=list)

    def province_tasks(self) -> list[Task]:
        plan_ids = {plan.plan_id for plan in self.plans}
        return [task for (plan_id, _), task in self.reference.tasks.items() if plan_id in plan_ids]

    def province_indicators(self) -> list:
        plan_ids = {plan.plan_id for plan in self.plans}
        return [i for (plan_id, _), i in self.reference.indicators.items() if plan_id in plan_ids]


def _first_row(draft: Draft, sheet: str, context: DefectContext) -> dict[str, object] | None:
    """A reported row of ``sheet`` to break, adding one for a province task if needed."""
    rows = draft.rows.setdefault(sheet, [])
    if rows:
        return rows[0]
    if sheet == spec.TASK_PROGRESS:
        tasks = context.province_tasks()
        if not tasks:
            return None
        rows.append(context.task_row(tasks[0]))
        return rows[0]
    if sheet == spec.BUDGET_EXECUTION:
        rows.extend(context.budget_rows(context.province_id)[:1])
        return rows[0] if rows else None
    return None


def _for_sheet(draft: Draft, sheet: str) -> None:
    """A CSV carries one sheet: make it the broken one."""
    if draft.fmt == "csv":
        draft.csv_sheet = sheet


def _sheet_with_rows(draft: Draft) -> str | None:
    return next((sheet for sheet in spec.DATA_SHEETS if draft.rows.get(sheet)), None)


def _as_csv_of(draft: Draft, sheet: str | None) -> bool:
    """Send the report as a CSV of ``sheet``; False if there is no such sheet to break."""
    if sheet is None:
        return False
    draft.fmt = "csv"
    _for_sheet(draft, sheet)
    return True


def _utf8_csv_task_row(draft: Draft, context: DefectContext) -> dict[str, object] | None:
    """The task row of a UTF-8 CSV of the task sheet, to break; None if there is none."""
    row = _first_row(draft, spec.TASK_PROGRESS, context)
    if row is not None:
        _as_csv_of(draft, spec.TASK_PROGRESS)
        draft.csv_encoding = "utf-8"
    return row


def _province_agencies(context: DefectContext) -> list:
    """The agencies (not groups) of the report's province."""
    return [
        agency
        for agency in context.reference.registry.agencies.values()
        if agency.province_id == context.province_id and not agency.is_group
    ]


def _shift_year(period: Period, years: int) -> str:
    code = period.code
    return f"{int(code[:4]) + years}{code[4:]}"


# --- whole-file defects ----------------------------------------------------------------


def empty_file(draft: Draft, context: DefectContext) -> bool:
    draft.raw = b""
    return True


def file_too_large(draft: Draft, context: DefectContext) -> bool:
    """A CSV whose difficulties cell holds a pasted report: over the size limit."""
    row = _utf8_csv_task_row(draft, context)
    if row is None:
        return False
    paragraph = "Khó khăn: thiếu kinh phí, thiếu nhân lực chuyên môn về chuyển đổi số. "
    repeats = context.max_bytes // len(paragraph.encode("utf-8")) + 1
    row["difficulties"] = paragraph * repeats
    return True


def unsupported_file_type(draft: Draft, context: DefectContext) -> bool:
    """The report sent as a PDF scan, a Word file or an old .xls."""
    choice = context.rng.choice(("pdf", "docx", "xls"))
    if choice == "pdf":
        draft.raw, draft.suffix = pdf_bytes(draft), ".pdf"
    elif choice == "xls":
        draft.raw, draft.suffix = OLE2_HEADER + pdf_bytes(draft), ".xls"
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("word/document.xml", f"<document>{draft.metadata}</document>")
        draft.raw, draft.suffix = stable_zip(buffer.getvalue(), draft.submitted_at), ".docx"
    return True


def not_xlsx(draft: Draft, context: DefectContext) -> bool:
    draft.fmt = "xlsx"
    draft.raw = pdf_bytes(draft)
    return True


def zip_bomb(draft: Draft, context: DefectContext) -> bool:
    """An xlsx-shaped archive whose sheet inflates 1000:1."""
    draft.fmt = "xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (8 * 1024 * 1024))
    draft.raw = stable_zip(buffer.getvalue(), draft.submitted_at)
    return True


def unsafe_xml(draft: Draft, context: DefectContext) -> bool:
    """The real workbook with nested entity declarations in workbook.xml."""
    draft.fmt = "xlsx"
    draft.transform = lambda data: stable_zip(
        data, draft.submitted_at, {"xl/workbook.xml": BILLION_LAUGHS}
    )
    return True


def _add_parts(draft: Draft, parts: dict[str, bytes]) -> bool:
    """The rendered workbook with ``parts`` added, dated like its other entries."""
    draft.fmt = "xlsx"
    draft.transform = lambda data: stable_zip(data, draft.submitted_at, add=parts)
    return True


def macro_content(draft: Draft, context: DefectContext) -> bool:
    """A macro-enabled workbook saved as .xlsx: it carries a VBA project."""
    return _add_parts(draft, {"xl/vbaProject.bin": OLE2_HEADER})


def external_link(draft: Draft, context: DefectContext) -> bool:
    """A workbook whose cells are linked to another workbook on a share."""
    return _add_parts(draft, {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"})


def embedded_object(draft: Draft, context: DefectContext) -> bool:
    """A workbook with a document embedded in a sheet (an OLE object)."""
    return _add_parts(draft, {"xl/embeddings/oleObject1.bin": OLE2_HEADER})


def corrupt_xlsx(draft: Draft, context: DefectContext) -> bool:
    """An upload cut off half way."""
    draft.fmt = "xlsx"
    draft.transform = lambda data: data[: len(data) // 2]
    return True


def unreadable_encoding(draft: Draft, context: DefectContext) -> bool:
    """UTF-16 without a byte order mark: NUL bytes between the letters."""
    if not _as_csv_of(draft, _sheet_with_rows(draft)):
        return False
    draft.csv_encoding = "utf-16-le"
    return True


def corrupt_csv(draft: Draft, context: DefectContext) -> bool:
    """A quoted cell longer than the CSV parser's field limit (a pasted document)."""
    if context.max_bytes < 2 * CSV_FIELD_LIMIT:
        return False
    row = _utf8_csv_task_row(draft, context)
    if row is None:
        return False
    row["difficulties"] = "x" * (CSV_FIELD_LIMIT + 10)
    return True


def missing_sheet(draft: Draft, context: DefectContext) -> bool:
    draft.fmt = "xlsx"
    draft.drop_sheets.add(spec.BUDGET_EXECUTION)
    return True


def missing_columns(draft: Draft, context: DefectContext) -> bool:
    """The status column deleted (a sender tidying the sheet)."""
    if draft.fmt == "csv":
        _for_sheet(draft, spec.TASK_PROGRESS)
        if _first_row(draft, spec.TASK_PROGRESS, context) is None:
            return False
    draft.drop_columns.setdefault(spec.TASK_PROGRESS, set()).add("status")
    return True


def duplicate_columns(draft: Draft, context: DefectContext) -> bool:
    sheet = _sheet_with_rows(draft)
    if sheet is None:
        return False
    _for_sheet(draft, sheet)
    draft.duplicate_column = (sheet, "note" if sheet != spec.TASK_PROGRESS else "difficulties")
    return True


def missing_metadata(draft: Draft, context: DefectContext) -> bool:
    draft.fmt = "xlsx"
    draft.metadata["period"] = ""
    return True


def formula_in_metadata(draft: Draft, context: DefectContext) -> bool:
    draft.fmt = "xlsx"
    agency = draft.metadata["agency_id"]
    draft.metadata["agency_id"] = f'=HYPERLINK("https://example.invalid/{agency}","{agency}")'
    return True


def unsupported_format_version(draft: Draft, context: DefectContext) -> bool:
    """A file from a template of a future layout."""
    if draft.fmt == "csv" and not _with_rows(draft):
        return False
    draft.metadata["format_version"] = "2"
    return True


def unknown_sheet_kind(draft: Draft, context: DefectContext) -> bool:
    sheet = _sheet_with_rows(draft)
    if not _as_csv_of(draft, sheet):
        return False
    for index in range(len(draft.rows[sheet])):
        draft.row_metadata.setdefault(index, {})["sheet"] = "nhiem_vu"
    return True


def sender_unverified(draft: Draft, context: DefectContext) -> bool:
    """A file made by hand (or an old unsigned template): no verification code."""
    draft.sign = False
    return True


def code_mismatch(draft: Draft, context: DefectContext) -> bool:
    """Last year's template sent again with its period cell retyped: its code is last year's."""
    draft.code_for = {"period": _shift_year(context.period, -1)}
    return True


def no_data(draft: Draft, context: DefectContext) -> bool:
    """The template sent back untouched."""
    draft.fmt = "xlsx"
    draft.untouched = True
    return True


# --- wrong identity: every row is quarantined ---------------------------------------------


def _with_rows(draft: Draft) -> bool:
    sheet = _sheet_with_rows(draft)
    if sheet is not None:
        _for_sheet(draft, sheet)
    return sheet is not None


def _send_as(draft: Draft, **metadata: str | None) -> bool:
    """The report's rows sent under the wrong ``metadata``; False when a value is None
    (nothing of that kind fits this report)."""
    if any(value is None for value in metadata.values()):
        return False
    draft.metadata.update(metadata)
    return _with_rows(draft)


def province_unknown(draft: Draft, context: DefectContext) -> bool:
    # Hà Tây was merged into Hà Nội in 2008; old forms still carry it.
    return _send_as(draft, province_id="ha-tay")


def province_not_current(draft: Draft, context: DefectContext) -> bool:
    ended = (
        p.province_id
        for p in context.reference.provinces.values()
        if p.valid_to is not None
        and p.valid_to < context.period.end
        and p.successor_province_id == context.province_id
    )
    return _send_as(draft, province_id=next(ended, None))


def agency_unknown(draft: Draft, context: DefectContext) -> bool:
    return _send_as(draft, agency_id=f"{context.province_id}:so-kh-cn")


def agency_not_in_province(draft: Draft, context: DefectContext) -> bool:
    slug = context.agency_id.split(":", 1)[1]
    other = min(
        (
            agency.agency_id
            for agency in context.reference.registry.agencies.values()
            if agency.province_id != context.province_id
            and agency.agency_id.endswith(":" + slug)
            and not agency.is_group
        ),
        default=None,
    )
    return _send_as(draft, agency_id=other)


def agency_not_current(draft: Draft, context: DefectContext) -> bool:
    """A report still sent in the name of a department merged away."""
    merged = min(
        (
            agency.agency_id
            for agency in _province_agencies(context)
            if agency.valid_to is not None and agency.valid_to < context.period.end
        ),
        default=None,
    )
    return _send_as(draft, agency_id=merged)


def agency_not_yet_existing(draft: Draft, context: DefectContext) -> bool:
    """A report dated before the agency was formed (a typo in the period)."""
    founded = sorted(
        (agency.valid_from, agency.agency_id)
        for agency in _province_agencies(context)
        if agency.valid_from is not None and agency.valid_from > date(2000, 2, 1)
    )
    if not founded:
        return False
    valid_from, agency_id = founded[0]
    before = valid_from - timedelta(days=1)
    return _send_as(draft, agency_id=agency_id, period=f"{before.year}-{before.month:02d}")


def agency_is_group(draft: Draft, context: DefectContext) -> bool:
    group = f"{context.province_id}:ubnd-cap-xa"
    agency = context.reference.registry.agencies.get(group)
    if agency is None or not agency.is_group:
        return False
    return _send_as(draft, agency_id=group)


def period_invalid(draft: Draft, context: DefectContext) -> bool:
    """The period written the Vietnamese way instead of the format's way."""
    end = context.period.end
    return _send_as(draft, period=f"Tháng {end.month}/{end.year}")


def period_in_future(draft: Draft, context: DefectContext) -> bool:
    """Next year's period typed by mistake."""
    return _send_as(draft, period=_shift_year(context.period, 1))


def period_outside_plan_horizon(draft: Draft, context: DefectContext) -> bool:
    """The same period of 2024: before any Resolution 57 plan was issued."""
    return _send_as(draft, period=_shift_year(context.period, 2024 - context.period.end.year))


def metadata_mismatch(draft: Draft, context: DefectContext) -> bool:
    """A CSV assembled from two reports: one row carries another period."""
    sheet = next((s for s in spec.DATA_SHEETS if len(draft.rows.get(s, [])) >= 2), None)
    if not _as_csv_of(draft, sheet):
        return False
    draft.row_metadata.setdefault(1, {})["period"] = _shift_year(context.period, -1)
    return True


# --- wrong plan items ----------------------------------------------------------------------


def period_before_plan(draft: Draft, context: DefectContext) -> bool:
    """A row of a plan issued after the period: the budget plan reported too early."""
    issued = sorted(
        (plan.issue_date, plan.plan_id) for plan in context.plans if plan.issue_date is not None
    )
    if len(issued) < 2:
        return False
    first = issued[0][0]
    for issue_date, plan_id in issued[1:]:
        month_before = issue_date.replace(day=1) - timedelta(days=1)
        if month_before < first:
            continue
        rows = context.budget_rows(plan_id)
        tasks = [t for t in context.province_tasks() if t.plan_id == plan_id]
        if rows:
            sheet, row = spec.BUDGET_EXECUTION, rows[0]
        elif tasks:
            sheet, row = spec.TASK_PROGRESS, context.task_row(tasks[0])
        else:
            continue
        draft.metadata["period"] = f"{month_before.year}-{month_before.month:02d}"
        draft.rows[sheet] = [row]
        _for_sheet(draft, sheet)
        return True
    return False


def _add_row(draft: Draft, sheet: str, row: dict[str, object]) -> bool:
    """Append ``row`` to ``sheet``, the sheet a CSV of this report carries."""
    draft.rows.setdefault(sheet, []).append(row)
    _for_sheet(draft, sheet)
    return True


def _add_task_row(draft: Draft, row: dict[str, object]) -> bool:
    return _add_row(draft, spec.TASK_PROGRESS, row)


def _break_task(draft: Draft, context: DefectContext, **values: object) -> bool:
    row = _first_row(draft, spec.TASK_PROGRESS, context)
    if row is None:
        return False
    _for_sheet(draft, spec.TASK_PROGRESS)
    row.update(values)
    return True


def key_missing(draft: Draft, context: DefectContext) -> bool:
    return _break_task(draft, context, task_key="")


def plan_unknown(draft: Draft, context: DefectContext) -> bool:
    return _break_task(draft, context, plan_id=f"{context.province_id}-999-2025")


def task_unknown(draft: Draft, context: DefectContext) -> bool:
    row = _first_row(draft, spec.TASK_PROGRESS, context)
    if row is None:
        return False
    return _add_task_row(draft, {**row, "task_key": "IX.99", "task_name": ""})


def indicator_unknown(draft: Draft, context: DefectContext) -> bool:
    return _add_row(
        draft,
        spec.INDICATOR_VALUES,
        {
            "plan_id": "",
            "indicator_code": "99.9",
            "value_text": "12,5",
            "as_of_date": format_date(context.received_on),
        },
    )


def key_ambiguous(draft: Draft, context: DefectContext) -> bool:
    """A task key printed in two of the province's plans, sent without plan_id."""
    seen: dict[str, Task] = {}
    for task in sorted(context.province_tasks(), key=lambda t: (t.plan_id, t.task_key)):
        key = item_key(task.task_key)
        if key in seen and seen[key].plan_id != task.plan_id:
            return _add_task_row(draft, {**context.task_row(task), "plan_id": ""})
        seen.setdefault(key, task)
    return False


def task_not_assigned(draft: Draft, context: DefectContext) -> bool:
    for task in context.province_tasks():
        if context.reference.task_role(task, context.agency_id, context.assignment_date) is None:
            return _add_task_row(draft, context.task_row(task))
    return False


def _add_indicator_row(
    draft: Draft,
    context: DefectContext,
    value_text: str,
    *,
    monitored: bool,
    fraction_scale_only: bool = False,
) -> bool:
    """A row for the first province indicator the agency monitors (or not), with ``value_text``."""
    for indicator in context.province_indicators():
        if fraction_scale_only and not indicator.fraction_scale:
            continue
        holder = context.reference.monitors_indicator(
            indicator, context.agency_id, context.assignment_date
        )
        if (holder is not None) == monitored:
            return _add_row(
                draft,
                spec.INDICATOR_VALUES,
                {
                    "plan_id": indicator.plan_id,
                    "indicator_code": indicator.indicator_code,
                    "value_text": value_text,
                    "as_of_date": format_date(context.received_on),
                },
            )
    return False


def indicator_not_assigned(draft: Draft, context: DefectContext) -> bool:
    return _add_indicator_row(draft, context, "10", monitored=False)


def budget_line_unknown(draft: Draft, context: DefectContext) -> bool:
    return _add_row(
        draft,
        spec.BUDGET_EXECUTION,
        {
            "budget_line_id": f"{context.province_id}-ngan-sach-khong-co",
            "project_name": "Dự án không có trong kế hoạch",
            "allocated_million_vnd": "1.000",
            "disbursed_million_vnd": "250",
            "as_of_date": format_date(context.received_on),
        },
    )


def too_many_issues(draft: Draft, context: DefectContext) -> bool:
    """A task row followed by 25 formulas under headers of the sender's own (a CSV)."""
    if not draft.rows.get(spec.TASK_PROGRESS):
        return False
    draft.fmt = "csv"
    _for_sheet(draft, spec.TASK_PROGRESS)
    draft.csv_encoding, draft.csv_delimiter = "utf-8", ","
    extra = range(1, 26)

    def add(data: bytes) -> bytes:
        lines = data.decode("utf-8").split("\r\n")
        lines[0] += "," + ",".join(f"cot_{n}" for n in extra)
        lines[1] += "," + ",".join(f"=A{n}*2" for n in extra)
        return "\r\n".join(lines).encode("utf-8")

    draft.transform = add
    return True


def duplicate_key(draft: Draft, context: DefectContext) -> bool:
    sheet = _sheet_with_rows(draft)
    if sheet is None:
        return False
    draft.rows[sheet].append(dict(draft.rows[sheet][0]))
    _for_sheet(draft, sheet)
    return True


# --- wrong values ----------------------------------------------------------------------------


def formula_cell(draft: Draft, context: DefectContext) -> bool:
    return _break_task(
        draft,
        context,
        output_document='=HYPERLINK("https://example.invalid/qd","Quyết định 123/QĐ-UBND")',
    )


def value_missing(draft: Draft, context: DefectContext) -> bool:
    return _break_task(draft, context, status="", percent_complete="40")


def status_invalid(draft: Draft, context: DefectContext) -> bool:
    return _break_task(draft, context, status="Đã xong")


def number_invalid(draft: Draft, context: DefectContext) -> bool:
    return _break_task(
        draft, context, status="Đang thực hiện", percent_complete="khoảng 50", completion_date=""
    )


def number_ambiguous(draft: Draft, context: DefectContext) -> bool:
    """An index in 0..1 (provincial DTI, HDI) typed "1.000": one thousand, or one?"""
    return _add_indicator_row(draft, context, "1.000", monitored=True, fraction_scale_only=True)


def number_out_of_range(draft: Draft, context: DefectContext) -> bool:
    """A percentage pasted from a calculator with twelve decimals."""
    return _break_task(
        draft,
        context,
        status="Đang thực hiện",
        percent_complete="33,333333333333",
        completion_date="",
    )


def percent_out_of_range(draft: Draft, context: DefectContext) -> bool:
    return _break_task(
        draft, context, status="Đang thực hiện", percent_complete="120", completion_date=""
    )


def status_percent_inconsistent(draft: Draft, context: DefectContext) -> bool:
    return _break_task(
        draft,
        context,
        status="Hoàn thành",
        percent_complete="60",
        completion_date=format_date(context.received_on - timedelta(days=3)),
    )


def date_invalid(draft: Draft, context: DefectContext) -> bool:
    return _break_task(
        draft,
        context,
        status="Hoàn thành",
        percent_complete="100",
        completion_date=f"31/02/{context.received_on.year}",
    )


def date_in_future(draft: Draft, context: DefectContext) -> bool:
    return _break_task(
        draft,
        context,
        status="Hoàn thành",
        percent_complete="100",
        completion_date=format_date(context.received_on + timedelta(days=15)),
    )


def _break_budget(draft: Draft, context: DefectContext, **values: object) -> bool:
    rows = draft.rows.setdefault(spec.BUDGET_EXECUTION, [])
    if not rows:
        rows.append(
            {
                "project_name": "Dự án hạ tầng số",
                "allocated_million_vnd": "1.200",
                "disbursed_million_vnd": "300",
                "as_of_date": format_date(context.received_on),
            }
        )
    rows[0].update(values)
    _for_sheet(draft, spec.BUDGET_EXECUTION)
    return True


def amount_negative(draft: Draft, context: DefectContext) -> bool:
    return _break_budget(draft, context, disbursed_million_vnd="-150")


def disbursed_exceeds_allocated(draft: Draft, context: DefectContext) -> bool:
    return _break_budget(
        draft, context, allocated_million_vnd="1.000", disbursed_million_vnd="1.250,5"
    )


@dataclass(frozen=True)
class DefectKind:
    """A way to break a report; ``name`` is the reason code ingestion must record."""

    name: str
    level: str
    apply: Callable[[Draft, DefectContext], bool]


_FILE_LEVEL = (
    empty_file,
    file_too_large,
    unsupported_file_type,
    not_xlsx,
    zip_bomb,
    unsafe_xml,
    macro_content,
    external_link,
    embedded_object,
    corrupt_xlsx,
    unreadable_encoding,
    corrupt_csv,
    missing_sheet,
    missing_columns,
    duplicate_columns,
    missing_metadata,
    formula_in_metadata,
    unsupported_format_version,
    unknown_sheet_kind,
    sender_unverified,
    code_mismatch,
    no_data,
)
_ROW_LEVEL = (
    province_unknown,
    province_not_current,
    agency_unknown,
    agency_not_in_province,
    agency_not_current,
    agency_not_yet_existing,
    agency_is_group,
    period_invalid,
    period_in_future,
    period_outside_plan_horizon,
    period_before_plan,
    metadata_mismatch,
    key_missing,
    plan_unknown,
    task_unknown,
    indicator_unknown,
    key_ambiguous,
    task_not_assigned,
    indicator_not_assigned,
    budget_line_unknown,
    duplicate_key,
    too_many_issues,
    formula_cell,
    value_missing,
    status_invalid,
    number_invalid,
    number_ambiguous,
    number_out_of_range,
    percent_out_of_range,
    status_percent_inconsistent,
    date_invalid,
    date_in_future,
    amount_negative,
    disbursed_exceeds_allocated,
)
DEFECT_KINDS: dict[str, DefectKind] = {
    **{f.__name__: DefectKind(f.__name__, "file", f) for f in _FILE_LEVEL},
    **{f.__name__: DefectKind(f.__name__, "row", f) for f in _ROW_LEVEL},
}


class DefectQueue:
    """Which kind the next broken report gets: every kind in turn, skipped ones first.

    A kind that does not fit a report stays at the front of the queue, so it
    is tried first on the next broken report; the queue never grows.
    """

    def __init__(self, kinds: Iterable[str], rng) -> None:
        order = list(kinds)
        rng.shuffle(order)
        self._queue = deque(order)

    def choose(self, attempt: Callable[[DefectKind], bool]) -> DefectKind | None:
        for name in list(self._queue):
            kind = DEFECT_KINDS[name]
            if attempt(kind):
                self._queue.remove(name)
                self._queue.append(name)
                return kind
        return None
