"""The prefilled .xlsx report template (format v1) for one agency and period.

The template lists the tasks the agency holds on the last day of the period
(following the 2025 reorganization, see :mod:`.reference`) and the indicators
it monitors. It includes tasks the agency leads (by name or as a member of a
leading group such as "Các sở, ban, ngành, địa phương") or coordinates by
name; tasks where it is only one of a coordinating group are left out to
keep the sheet usable, but a row for them is still accepted if added.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from . import spec
from .periods import HORIZON_END, Period, format_date
from .readers import FORMULA_PREFIXES
from .reference import Holder, Indicator, ReferenceData, Task
from .signing import KeyRing
from .validation import check_metadata, normalize_id

# Rows below the prefilled ones that keep the dropdown and formats, for items
# the agency adds by hand.
SPARE_ROWS = 200
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
LABEL_FONT = Font(italic=True, color="555555")
PREFILLED_FILL = PatternFill("solid", fgColor="F2F2F2")
COLUMN_WIDTHS = {
    "plan_id": 20,
    "task_key": 10,
    "task_name": 60,
    "role": 26,
    "deadline_text": 22,
    "status": 18,
    "percent_complete": 14,
    "output_document": 36,
    "completion_date": 16,
    "difficulties": 40,
    "indicator_code": 10,
    "indicator_name": 60,
    "unit_text": 12,
    "value_text": 14,
    "as_of_date": 16,
    "note": 40,
    "budget_line_id": 40,
    "project_name": 50,
    "allocated_million_vnd": 18,
    "disbursed_million_vnd": 18,
}
TEXT_FORMAT_COLUMNS = frozenset(
    {"completion_date", "as_of_date", "task_key", "indicator_code", "value_text"}
)


class TemplateError(ValueError):
    """The province, agency or period cannot have a template."""


@dataclass(frozen=True)
class TemplateContent:
    """What goes into one template."""

    province_id: str
    agency_id: str
    period: Period
    tasks: list[tuple[Task, str, Holder]]
    indicators: list[tuple[Indicator, Holder]]


def template_content(
    reference: ReferenceData, province_id: str, agency_id: str, period_text: str
) -> TemplateContent:
    """The tasks and indicators of one agency, checked like a submission's metadata."""
    metadata = {
        "province_id": province_id,
        "agency_id": agency_id,
        "period": period_text,
        "format_version": spec.FORMAT_VERSION,
    }
    # Templates are made ahead of the period, so "not started yet" is no objection.
    context = check_metadata(metadata, reference, HORIZON_END)
    if context.metadata_issues or context.period is None:
        raise TemplateError(" ".join(issue.reason_en for issue in context.metadata_issues))
    as_of = context.period.end
    tasks = [
        entry
        for entry in reference.agency_tasks(context.agency_id, context.province_id, as_of)
        if not (entry[1] == "coordinating" and entry[2].group_id is not None)
    ]
    indicators = reference.agency_indicators(context.agency_id, context.province_id, as_of)
    return TemplateContent(
        context.province_id, context.agency_id, context.period, tasks, indicators
    )


def role_label(role: str, holder: Holder) -> str:
    label = spec.ROLE_LABELS[role]
    if holder.group_id is not None:
        return f"{label} (nhóm / group: {holder.via_text})"
    return label


def _write_header(sheet: Worksheet, kind: str) -> None:
    columns = spec.SHEET_COLUMNS[kind]
    for index, column in enumerate(columns, start=1):
        header = sheet.cell(row=1, column=index, value=column.name)
        header.font = Font(bold=True)
        header.fill = HEADER_FILL
        label = sheet.cell(row=2, column=index, value=column.label)
        label.font = LABEL_FONT
        label.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(index)].width = COLUMN_WIDTHS.get(column.name, 16)
    sheet.freeze_panes = "A3"


def _write_rows(sheet: Worksheet, kind: str, rows: list[dict[str, str]]) -> int:
    """Prefill rows from row 3; returns the last row that keeps formats and validations."""
    columns = spec.SHEET_COLUMNS[kind]
    last = 2 + len(rows) + SPARE_ROWS
    for offset, values in enumerate(rows):
        for index, column in enumerate(columns, start=1):
            if column.name in values:
                cell = sheet.cell(row=3 + offset, column=index, value=values[column.name])
                cell.fill = PREFILLED_FILL
                cell.alignment = Alignment(wrap_text=column.name.endswith("_name"), vertical="top")
    for index, column in enumerate(columns, start=1):
        if column.name in TEXT_FORMAT_COLUMNS:
            # Text format keeps "31/03/2026" and "II.3" as typed instead of
            # letting Excel turn them into dates or numbers.
            for row in range(3, last + 1):
                sheet.cell(row=row, column=index).number_format = "@"
    return last


def _column_range(kind: str, name: str, last: int) -> str:
    letter = get_column_letter(spec.column_names(kind).index(name) + 1)
    return f"{letter}3:{letter}{last}"


def _add_validations(sheet: Worksheet, last: int) -> None:
    labels = ",".join(status.label_vi for status in spec.STATUSES)
    status = DataValidation(
        type="list",
        formula1=f'"{labels}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Tình trạng / Status",
        error="Chọn trong danh sách / Choose from the list: " + labels,
        promptTitle="Tình trạng / Status",
        prompt=labels,
        showInputMessage=True,
    )
    status.add(_column_range(spec.TASK_PROGRESS, "status", last))
    percent = DataValidation(
        type="decimal",
        operator="between",
        formula1="0",
        formula2="100",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Tỷ lệ / Percent",
        error="Nhập số từ 0 đến 100 / Enter a number from 0 to 100",
    )
    percent.add(_column_range(spec.TASK_PROGRESS, "percent_complete", last))
    sheet.add_data_validation(status)
    sheet.add_data_validation(percent)


README_LINES_VI = (
    "HƯỚNG DẪN",
    "1. Không sửa các ô thông tin ở cột B phía trên (mã tỉnh, mã cơ quan, kỳ báo cáo, phiên bản mẫu, "
    "mã xác thực). Mã xác thực chứng nhận mẫu này được cấp cho cơ quan và kỳ báo cáo ghi ở trên: tệp "
    "bị sửa các ô đó, hoặc không có mã, sẽ bị từ chối. Không chuyển mẫu này cho đơn vị khác.",
    "2. Trang task_progress: mỗi dòng là một nhiệm vụ của cơ quan. Chọn Tình trạng trong danh sách "
    "(Chưa thực hiện / Đang thực hiện / Hoàn thành), nhập tỷ lệ hoàn thành (0-100), văn bản/sản phẩm, "
    "ngày hoàn thành (dd/mm/yyyy, bắt buộc khi Hoàn thành) và khó khăn, vướng mắc.",
    "3. Trang indicator_values: nhập giá trị chỉ tiêu theo định dạng số Việt Nam (1.234,5) hoặc Có/Không, "
    "và ngày số liệu (dd/mm/yyyy).",
    "4. Trang budget_execution: mỗi dòng là một dự án/nhiệm vụ; ghi mã dòng ngân sách (nếu có) hoặc tên dự án, "
    "kế hoạch vốn đã bố trí và số đã giải ngân (triệu đồng), ngày số liệu.",
    "5. Dòng để trống phần số liệu được coi là chưa báo cáo. Không nhập công thức (ô bắt đầu bằng '=').",
    "6. Muốn sửa, hãy gửi lại toàn bộ tệp: tệp gửi sau thay thế tệp trước cho cùng cơ quan và kỳ báo cáo.",
)
README_LINES_EN = (
    "INSTRUCTIONS",
    "1. Do not change the metadata cells in column B above (province id, agency id, period, format version, "
    "verification code). The verification code certifies that this template was issued to the agency "
    "and period above: a file with those cells changed, or without the code, is refused. Do not pass "
    "this template on to another body.",
    "2. Sheet task_progress: one row per task of the agency. Pick the Status from the list, enter percent "
    "complete (0-100), the output document, the completion date (dd/mm/yyyy, required when Completed) and "
    "difficulties.",
    "3. Sheet indicator_values: enter the value in Vietnamese number format (1.234,5) or Có/Không (yes/no), "
    "and the as-of date (dd/mm/yyyy).",
    "4. Sheet budget_execution: one row per project or task; the budget line id (if any) or the project name, "
    "the capital allocated and the amount disbursed (million VND), and the as-of date.",
    "5. A row whose value cells are empty counts as not reported. Do not enter formulas (cells starting with '=').",
    "6. To correct a report, send the whole file again: a later file replaces the earlier one for the same "
    "agency and period.",
)


def _write_readme(
    sheet: Worksheet,
    content: TemplateContent,
    reference: ReferenceData,
    verification_code: str | None,
) -> None:
    sheet["A1"] = (
        "Báo cáo thực hiện Nghị quyết 57-NQ/TW / Resolution 57-NQ/TW implementation report"
    )
    sheet["A1"].font = Font(bold=True, size=14)
    agency = reference.registry.agencies[content.agency_id]
    metadata = (
        ("format_version", spec.FORMAT_VERSION, "Phiên bản mẫu", "Format version"),
        ("province_id", content.province_id, "Mã tỉnh", "Province id"),
        ("agency_id", content.agency_id, "Mã cơ quan", "Agency id"),
        ("period", content.period.code, "Kỳ báo cáo", "Reporting period"),
    )
    if verification_code is not None:
        metadata += (
            (
                spec.VERIFICATION_CODE_KEY,
                verification_code,
                "Mã xác thực (không sửa)",
                "Verification code (do not change)",
            ),
        )
    info = (
        (
            "province_name",
            reference.provinces[content.province_id].province_name,
            "Tỉnh",
            "Province",
        ),
        ("agency_name", agency.agency_name, "Cơ quan", "Agency"),
        (
            "period_dates",
            f"{format_date(content.period.start)} - {format_date(content.period.end)}",
            "Từ ngày - đến ngày",
            "From - to",
        ),
        (
            "generated_at",
            datetime.now(UTC).strftime("%d/%m/%Y %H:%M UTC"),
            "Ngày tạo mẫu",
            "Template generated",
        ),
    )
    row = 3
    for key, value, label_vi, label_en in (*metadata, *info):
        sheet.cell(row=row, column=1, value=key).font = Font(bold=key in spec.METADATA_KEYS)
        cell = sheet.cell(row=row, column=2, value=value)
        cell.number_format = "@"
        if key in spec.METADATA_KEYS or key == spec.VERIFICATION_CODE_KEY:
            cell.fill = HEADER_FILL
        sheet.cell(row=row, column=3, value=label_vi)
        sheet.cell(row=row, column=4, value=label_en)
        row += 1
    row += 1
    for text_vi, text_en in zip(README_LINES_VI, README_LINES_EN):
        sheet.cell(row=row, column=3, value=text_vi)
        sheet.cell(row=row, column=4, value=text_en)
        row += 1
    row += 1
    sheet.cell(row=row, column=3, value="Tình trạng").font = Font(bold=True)
    sheet.cell(row=row, column=4, value="Status").font = Font(bold=True)
    sheet.cell(row=row, column=2, value="code").font = Font(bold=True)
    for status in spec.STATUSES:
        row += 1
        sheet.cell(row=row, column=2, value=status.code)
        sheet.cell(row=row, column=3, value=status.label_vi)
        sheet.cell(row=row, column=4, value=status.label_en)
    for letter, width in (("A", 16), ("B", 28), ("C", 70), ("D", 70)):
        sheet.column_dimensions[letter].width = width


def keep_text_as_text(workbook: Workbook) -> Workbook:
    """Every text cell written as text, never as a formula; call it before saving any workbook.

    openpyxl stores a string starting with ``=`` as a formula, so a plan text
    such as ``=50% kế hoạch`` would become a live formula in the file sent to
    agencies. Such a cell is turned back into text, and every text starting
    with ``=``, ``+``, ``-``, ``@``, a tab or a CR gets Excel's quote prefix
    (shown as typed; editing it does not turn it into a formula either).

    Only the cells written are visited: ``iter_rows`` would create every empty
    cell of the sheet's rectangle (three in four of a template's cells), which
    the file would then carry as empty ``<c>`` elements, to no reader's use.
    """
    for sheet in workbook.worksheets:
        for cell in sheet._cells.values():
            if cell.data_type == "f":
                cell.data_type = "s"
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES):
                cell.quotePrefix = True
    return workbook


def build_workbook(
    content: TemplateContent, reference: ReferenceData, verification_code: str | None = None
) -> Workbook:
    """The template workbook; with ``verification_code`` (:func:`sign_content`), a signed one:
    the code is a README metadata row and is printed in every sheet's page header."""
    workbook = Workbook()
    readme = workbook.active
    readme.title = spec.README_SHEET
    _write_readme(readme, content, reference, verification_code)

    tasks = workbook.create_sheet(spec.TASK_PROGRESS)
    _write_header(tasks, spec.TASK_PROGRESS)
    last = _write_rows(
        tasks,
        spec.TASK_PROGRESS,
        [
            {
                "plan_id": task.plan_id,
                "task_key": task.task_key,
                "task_name": task.task_name,
                "role": role_label(role, holder),
                "deadline_text": task.deadline_text,
            }
            for task, role, holder in content.tasks
        ],
    )
    _add_validations(tasks, last)

    indicators = workbook.create_sheet(spec.INDICATOR_VALUES)
    _write_header(indicators, spec.INDICATOR_VALUES)
    _write_rows(
        indicators,
        spec.INDICATOR_VALUES,
        [
            {
                "plan_id": indicator.plan_id,
                "indicator_code": indicator.indicator_code,
                "indicator_name": indicator.indicator_name,
                "unit_text": indicator.unit_text,
            }
            for indicator, _ in content.indicators
        ],
    )

    budget = workbook.create_sheet(spec.BUDGET_EXECUTION)
    _write_header(budget, spec.BUDGET_EXECUTION)
    _write_rows(budget, spec.BUDGET_EXECUTION, [])
    if verification_code is not None:
        for sheet in workbook.worksheets:
            sheet.oddHeader.right.text = f"{spec.VERIFICATION_CODE_KEY}: {verification_code}"
    return keep_text_as_text(workbook)


def sign_content(content: TemplateContent, keys: KeyRing) -> str:
    """The verification code of a template: its format version, province, agency and period."""
    return keys.sign(
        spec.FORMAT_VERSION, content.province_id, content.agency_id, content.period.code
    )


def template_file_name(province_id: str, agency_id: str, period: Period) -> str:
    """``nq57_<province>_<agency slug>_<period>.xlsx``: no ':' (not allowed in Windows names)."""
    slug = agency_id.split(":", 1)[-1]
    return f"nq57_{province_id}_{slug}_{period.code}.xlsx"


def write_template(
    reference: ReferenceData,
    province_id: str,
    agency_id: str,
    period_text: str,
    out_dir: Path,
    keys: KeyRing,
) -> tuple[Path, TemplateContent, str]:
    """Write the signed template into ``out_dir``; returns its path, what it lists and its code."""
    content = template_content(
        reference, normalize_id(province_id), normalize_id(agency_id), period_text
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / template_file_name(content.province_id, content.agency_id, content.period)
    code = sign_content(content, keys)
    build_workbook(content, reference, code).save(path)
    return path, content, code
