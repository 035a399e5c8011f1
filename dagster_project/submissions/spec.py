"""Submission format v1: the sheets, columns and codes a report file holds.

This module is the single source of truth for the layout; the template
writer, the readers, the validation and ``docs/submission_format.md`` all
follow it. A change of layout is a new ``FORMAT_VERSION``, never an edit of v1.
"""

from __future__ import annotations

from dataclasses import dataclass

FORMAT_VERSION = "1"
SUPPORTED_FORMAT_VERSIONS = frozenset({FORMAT_VERSION})

README_SHEET = "README"
TASK_PROGRESS = "task_progress"
INDICATOR_VALUES = "indicator_values"
BUDGET_EXECUTION = "budget_execution"
DATA_SHEETS: tuple[str, ...] = (TASK_PROGRESS, INDICATOR_VALUES, BUDGET_EXECUTION)

# README metadata: column A holds the key, column B the value. Keys are looked
# for in the first README_SCAN_ROWS rows so the instructions can move freely.
METADATA_KEYS: tuple[str, ...] = ("format_version", "province_id", "agency_id", "period")
README_SCAN_ROWS = 60
# Simulated files say so: a README row or CSV column of this name holding "true"
# (dagster_project.submissions.marking). Not a metadata key: real files omit it.
SYNTHETIC_KEY = "synthetic"
# The signed template's verification code (dagster_project.submissions.signing): a
# README row (column A key, column B value), or a CSV column or first-line comment.
# Not a metadata key: format v1 files without it stay readable (and are refused
# as sender_unverified unless ingested with --accept-unverified).
VERIFICATION_CODE_KEY = "verification_code"
# A CSV carries the metadata on every row, plus the sheet kind it holds.
CSV_METADATA_COLUMNS: tuple[str, ...] = METADATA_KEYS + ("sheet",)


@dataclass(frozen=True)
class Column:
    """One column of a data sheet.

    ``role`` is ``key`` (identifies the plan item; prefilled by the template),
    ``info`` (prefilled for the reader, ignored on ingest) or ``value`` (what
    the agency reports). ``required`` columns must appear in the header.
    """

    name: str
    label_vi: str
    label_en: str
    role: str
    required: bool

    @property
    def label(self) -> str:
        """The bilingual label written under the header in the template."""
        return f"{self.label_vi} / {self.label_en}"


SHEET_COLUMNS: dict[str, tuple[Column, ...]] = {
    TASK_PROGRESS: (
        Column("plan_id", "Mã kế hoạch", "Plan id", "key", False),
        Column("task_key", "Mã nhiệm vụ", "Task key", "key", True),
        Column("task_name", "Tên nhiệm vụ", "Task name", "info", False),
        Column("role", "Vai trò", "Role", "info", False),
        Column("deadline_text", "Thời hạn", "Deadline", "info", False),
        Column("status", "Tình trạng", "Status", "value", True),
        Column("percent_complete", "Tỷ lệ hoàn thành (%)", "Percent complete", "value", True),
        Column("output_document", "Sản phẩm / văn bản", "Output document", "value", False),
        Column(
            "completion_date",
            "Ngày hoàn thành (dd/mm/yyyy)",
            "Completion date (dd/mm/yyyy)",
            "value",
            True,
        ),
        Column("difficulties", "Khó khăn, vướng mắc", "Difficulties", "value", False),
    ),
    INDICATOR_VALUES: (
        Column("plan_id", "Mã kế hoạch", "Plan id", "key", False),
        Column("indicator_code", "Mã chỉ tiêu", "Indicator code", "key", True),
        Column("indicator_name", "Tên chỉ tiêu", "Indicator name", "info", False),
        Column("unit_text", "Đơn vị tính", "Unit", "info", False),
        Column("value_text", "Giá trị", "Value", "value", True),
        Column("as_of_date", "Số liệu tính đến ngày", "As of date", "value", True),
        Column("note", "Ghi chú", "Note", "value", False),
    ),
    BUDGET_EXECUTION: (
        Column("budget_line_id", "Mã dòng ngân sách", "Budget line id", "key", True),
        Column("project_name", "Tên dự án / nhiệm vụ", "Project name", "key", True),
        Column(
            "allocated_million_vnd",
            "Kế hoạch vốn đã bố trí (triệu đồng)",
            "Allocated (million VND)",
            "value",
            True,
        ),
        Column(
            "disbursed_million_vnd",
            "Đã giải ngân (triệu đồng)",
            "Disbursed (million VND)",
            "value",
            True,
        ),
        Column("as_of_date", "Số liệu tính đến ngày", "As of date", "value", True),
        Column("note", "Ghi chú", "Note", "value", False),
    ),
}

# Value columns holding numbers: an Excel number cell in them is written in
# Vietnamese format, like a number typed as text.
NUMBER_COLUMNS = frozenset(
    {"percent_complete", "value_text", "allocated_million_vnd", "disbursed_million_vnd"}
)


def column_names(sheet: str) -> tuple[str, ...]:
    return tuple(column.name for column in SHEET_COLUMNS[sheet])


def required_columns(sheet: str) -> tuple[str, ...]:
    return tuple(column.name for column in SHEET_COLUMNS[sheet] if column.required)


def columns_with_role(sheet: str, *roles: str) -> tuple[str, ...]:
    return tuple(column.name for column in SHEET_COLUMNS[sheet] if column.role in roles)


def all_data_columns() -> tuple[str, ...]:
    """Every data column of every sheet, each once, in sheet order."""
    seen: dict[str, None] = {}
    for sheet in DATA_SHEETS:
        for name in column_names(sheet):
            seen.setdefault(name, None)
    return tuple(seen)


@dataclass(frozen=True)
class Status:
    code: str
    label_vi: str
    label_en: str


STATUSES: tuple[Status, ...] = (
    Status("chua_thuc_hien", "Chưa thực hiện", "Not started"),
    Status("dang_thuc_hien", "Đang thực hiện", "In progress"),
    Status("hoan_thanh", "Hoàn thành", "Completed"),
)
STATUS_CODES: tuple[str, ...] = tuple(status.code for status in STATUSES)

# Yes/no answers for qualitative indicators ("Trung tâm an ninh mạng cấp tỉnh: Có").
YES_WORDS = frozenset({"có"})
NO_WORDS = frozenset({"không"})

# The role of the reporting agency on a task, as shown in the template.
ROLE_LABELS: dict[str, str] = {
    "lead": "Chủ trì / Lead",
    "coordinating": "Phối hợp / Coordinating",
}
