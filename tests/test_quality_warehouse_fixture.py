"""A small warehouse built from the real source documents, for the quality-gate tests.

Other ``test_quality_*`` and ``test_expectations_*`` modules import the
builders from here. Plans, indicator targets and tasks come from the project's
own extractor; the budget lines and reported figures are transcribed from
Lạng Sơn's 234/KH-UBND (``004_c38ba8cad11c4ac1.txt``) with their line numbers,
and the tests in this module prove each transcribed figure is printed on the
line it cites.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from dagster_project.extract.appendix import extract_appendices
from dagster_project.extract.documents import SOURCE_DIR, load_documents
from dagster_project.extract.parsed import amount_in_unit
from dagster_project.extract.plans import extract_plan
from dagster_project.extract.schema import SEED_TABLES
from dagster_project.semantics.numbers import parse_vn_number

BUDGET_FILE = "004_c38ba8cad11c4ac1.txt"
BUDGET_PLAN = "lang-son-234-2025"
# The seed columns of budget_lines that are the same on every line of 234/KH-UBND.
BUDGET_SEED_FIXED = {
    "plan_id": BUDGET_PLAN,
    "amount_unit": "triệu đồng",
    "flags": "",
    "source_file": BUDGET_FILE,
}
# The seed column extraction parses from amount_text (extract/parsed.py).
BUDGET_SEED_PARSED = "amount_in_unit"
# The others, in the seed's order, are the columns of BUDGET_TEXT:
# budget_line_id | parent | fiscal_year | stage | line_code | line_name | amount_text | source_line
BUDGET_TEXT_COLUMNS = tuple(
    c for c in SEED_TABLES["budget_lines"] if c not in {*BUDGET_SEED_FIXED, BUDGET_SEED_PARSED}
)

# Budget lines of 234/KH-UBND, one per line.
BUDGET_TEXT = """
ls234-2026-tong |  | 2026 | estimate |  | Tổng kinh phí dự toán 2026 | 384.172 | 172
ls234-2026-dtpt | ls234-2026-tong | 2026 | estimate | 1 | Kinh phí chi đầu tư phát triển | 60.100 | 173
ls234-2026-tx | ls234-2026-tong | 2026 | estimate | 2 | Kinh phí chi thường xuyên | 324.072 | 174
ls234-2026-tx-1 | ls234-2026-tx | 2026 | estimate | - | Chi nhiệm vụ KH&CN, ĐMST và chuyển đổi số | 205.106 | 175
ls234-2026-tx-2 | ls234-2026-tx | 2026 | estimate | - | Chi hoạt động KH&CN phục vụ quản lý nhà nước | 4.118 | 176
ls234-2026-tx-3 | ls234-2026-tx | 2026 | estimate | - | Chi các đơn vị sự nghiệp | 11.370 | 177
ls234-2026-tx-4 | ls234-2026-tx | 2026 | estimate | - | Chi hoạt động KH&CN, ĐMST và chuyển đổi số cấp xã | 28.478 | 178
ls234-2026-tx-5 | ls234-2026-tx | 2026 | estimate | - | Chi nhiệm vụ triển khai theo Nghị quyết số 57-NQ/TW | 75.000 | 179
ls234-2025-tx |  | 2025 | allocated | 2 | Kinh phí chi thường xuyên năm 2025 | 52.111 | 148
ls234-2025-tx-1 | ls234-2025-tx | 2025 | allocated | - | Chi nhiệm vụ KH&CN | 11.520 | 149
ls234-2025-tx-2 | ls234-2025-tx | 2025 | allocated | - | Chi hỗ trợ lương + hoạt động bộ máy | 13.291 | 150
ls234-2025-tx-3 | ls234-2025-tx | 2025 | allocated | - | Chi hoạt động KH&CN phục vụ quản lý nhà nước | 2.985 | 151
ls234-2025-tx-4 | ls234-2025-tx | 2025 | allocated | - | Chi các đơn vị sự nghiệp | 9.170 | 152
ls234-2025-tx-5 | ls234-2025-tx | 2025 | allocated | - | Chi sự nghiệp kinh tế khác | 14.697 | 153
ls234-2025-tx-6 | ls234-2025-tx | 2025 | allocated | - | Chi sự nghiệp đào tạo | 118 | 154
ls234-2025-tx-7 | ls234-2025-tx | 2025 | allocated | - | Chi hoạt động KH&CN cấp xã | 330 | 155
ls234-2025-dtpt |  | 2025 | allocated | 1 | Năm 2025 tổng kinh phí được giao | 56.016,1 | 120
ls234-2025-da-1.1 | ls234-2025-dtpt | 2025 | total_investment | 1.1 | Đầu tư hạ tầng trang thiết bị CNTT, các phần mềm nền tảng | 200.200 | 122
ls234-2025-da-1.1 | ls234-2025-dtpt | 2025 | allocated_to_date | 1.1 | Đầu tư hạ tầng trang thiết bị CNTT, các phần mềm nền tảng | 195.662 | 123
ls234-2025-da-1.1 | ls234-2025-dtpt | 2025 | disbursed | 1.1 | Đầu tư hạ tầng trang thiết bị CNTT, các phần mềm nền tảng | 155.673,2 | 124
ls234-2025-da-1.2 | ls234-2025-dtpt | 2025 | total_investment | 1.2 | Cải tạo, nâng cấp trung tâm tích hợp dữ liệu tỉnh Lạng Sơn | 8.624 | 127
ls234-2025-da-1.2 | ls234-2025-dtpt | 2025 | allocated_to_date | 1.2 | Cải tạo, nâng cấp trung tâm tích hợp dữ liệu tỉnh Lạng Sơn | 8.624 | 128
ls234-2025-da-1.2 | ls234-2025-dtpt | 2025 | disbursed | 1.2 | Cải tạo, nâng cấp trung tâm tích hợp dữ liệu tỉnh Lạng Sơn | 7.976,478 | 129
ls234-2025-da-1.3a | ls234-2025-dtpt | 2025 | total_investment | 1.3 | Hỗ trợ thiết lập các điểm hỗ trợ đồng bào dân tộc thiểu số ứng dụng CNTT | 10.626 | 133
ls234-2025-da-1.3a | ls234-2025-dtpt | 2025 | allocated_to_date | 1.3 | Hỗ trợ thiết lập các điểm hỗ trợ đồng bào dân tộc thiểu số ứng dụng CNTT | 10.626 | 134
ls234-2025-da-1.3a | ls234-2025-dtpt | 2025 | disbursed | 1.3 | Hỗ trợ thiết lập các điểm hỗ trợ đồng bào dân tộc thiểu số ứng dụng CNTT | 9.566,7 | 135
ls234-2025-da-1.3b | ls234-2025-dtpt | 2025 | total_investment | 1.3 | Đầu tư xây dựng mới phòng họp trực tuyến Ban Dân tộc | 2.660,0 | 138
ls234-2025-da-1.3b | ls234-2025-dtpt | 2025 | allocated_to_date | 1.3 | Đầu tư xây dựng mới phòng họp trực tuyến Ban Dân tộc | 2.655 | 139
"""

# Project 1.4 as printed: 14.119 allocated against a "tổng vốn thực hiện" of
# 14.118,065, a real inconsistency in the source that the stage-order check
# must catch. Kept out of the clean warehouse and added by the tests that need it.
PROJECT_1_4_TEXT = """
ls234-2025-da-1.4 | ls234-2025-dtpt | 2025 | total_investment | 1.4 | Đầu tư trang thiết bị Trạm Quan trắc và cảnh báo phóng xạ môi trường | 14.118,065 | 143
ls234-2025-da-1.4 | ls234-2025-dtpt | 2025 | allocated_to_date | 1.4 | Đầu tư trang thiết bị Trạm Quan trắc và cảnh báo phóng xạ môi trường | 14.119 | 144
ls234-2025-da-1.4 | ls234-2025-dtpt | 2025 | disbursed | 1.4 | Đầu tư trang thiết bị Trạm Quan trắc và cảnh báo phóng xạ môi trường | 3.875,4 | 145
"""

# figure_id | metric | value_text | unit | period_text | source_line
FIGURE_TEXT = """
ls234-email-accounts | tài khoản thư điện tử đã cấp | 37.179 | tài khoản | 2021-2025 | 100
ls234-dvctt | dịch vụ công trực tuyến cung cấp | 1.426 | DVCTT | 2021-2025 | 101
ls234-digitized-records | hồ sơ TTHC đã số hóa | 1.217.463 | hồ sơ | 2021-2025 | 102
ls234-digital-certificates | chứng thư số, chữ ký số đã cấp | 30.663 | chứng thư | 2021-2025 | 103
"""


def _rows(text: str, int_columns: tuple[int, ...]) -> list[tuple]:
    """Rows of a ``|``-separated block; empty cells are None, listed columns are ints."""
    rows = []
    for line in text.strip().splitlines():
        cells = [cell.strip() or None for cell in line.split("|")]
        rows.append(
            tuple(int(c) if i in int_columns and c is not None else c for i, c in enumerate(cells))
        )
    return rows


BUDGET_ROWS = _rows(BUDGET_TEXT, (2, 7))
PROJECT_1_4_ROWS = _rows(PROJECT_1_4_TEXT, (2, 7))
FIGURE_ROWS = _rows(FIGURE_TEXT, (5,))

# fct_budget_lines: the printed columns, the province and the parsed amount.
BUDGET_COLUMNS = [
    "plan_id",
    "province_name",
    *BUDGET_TEXT_COLUMNS,
    "amount_million_vnd",
    "source_file",
    "flags",
]

# The columns of the submission rows (SUBMISSION_FILES, SUBMISSION_QUARANTINE below),
# with their mart types.
SUBMISSION_FILE_COLUMNS = {
    "file_sha256": "VARCHAR",
    "ingest_seq": "BIGINT",
    "source_file": "VARCHAR",
    "status": "VARCHAR",
    "file_reason_code": "VARCHAR",
    "rows_in": "INTEGER",
    "rows_loaded": "INTEGER",
    "rows_quarantined": "INTEGER",
    "reason_codes": "VARCHAR",
}
SUBMISSION_QUARANTINE_COLUMNS = {
    "file_sha256": "VARCHAR",
    "ingest_seq": "BIGINT",
    "source_file": "VARCHAR",
    "sheet": "VARCHAR",
    "source_row": "INTEGER",
    "column_name": "VARCHAR",
    "raw_value": "VARCHAR",
    "reason_code": "VARCHAR",
    "reason_vi": "VARCHAR",
    "reason_en": "VARCHAR",
}

# DuckDB types of the marts, as the dbt models declare them.
TABLE_TYPES: dict[str, dict[str, str]] = {
    "marts.fct_budget_lines": {
        "fiscal_year": "INTEGER",
        "amount_million_vnd": "DECIMAL(18,3)",
        "source_line": "INTEGER",
    },
    "raw.budget_lines": {"source_line": "INTEGER"},
    "marts.fct_submission_files": {**SUBMISSION_FILE_COLUMNS, "sender_verified": "BOOLEAN"},
    "marts.fct_submission_quarantine": SUBMISSION_QUARANTINE_COLUMNS,
}


# Three submissions as ingestion books them: the real Lạng Sơn figures
# (every row loaded), a report with one row refused, a renamed PDF refused whole.
SUBMISSION_FILES = [
    (
        "a" * 64,
        1,
        "nq57_lang-son_so-khcn_2025-Q3_20250905.xlsx",
        "accepted",
        None,
        122,
        122,
        0,
        None,
    ),
    (
        "b" * 64,
        2,
        "nq57_nghe-an_so-khcn_2026-Q1.csv",
        "partially_accepted",
        None,
        12,
        11,
        1,
        "percent_out_of_range",
    ),
    ("c" * 64, 3, "bao_cao_quy_1.xlsx", "rejected", "not_xlsx", 0, 0, 0, "not_xlsx"),
]
SUBMISSION_QUARANTINE = [
    (
        "b" * 64,
        2,
        "nq57_nghe-an_so-khcn_2026-Q1.csv",
        "task_progress",
        5,
        "percent_complete",
        "120",
        "percent_out_of_range",
        "Tỷ lệ '120' phải nằm trong khoảng 0 đến 100.",
        "Percentage '120' must be between 0 and 100.",
    ),
    (
        "c" * 64,
        3,
        "bao_cao_quy_1.xlsx",
        None,
        None,
        None,
        None,
        "not_xlsx",
        "Tệp có đuôi .xlsx nhưng không phải tệp Excel .xlsx (PDF).",
        "The file is named .xlsx but is not an Excel .xlsx workbook (PDF).",
    ),
]


def budget_frame(rows: list[tuple] = BUDGET_ROWS) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=BUDGET_TEXT_COLUMNS)
    frame["plan_id"] = BUDGET_PLAN
    frame["province_name"] = "Lạng Sơn"
    frame["source_file"] = BUDGET_FILE
    frame["flags"] = ""
    frame["amount_million_vnd"] = [float(parse_vn_number(t)) for t in frame["amount_text"]]
    frame["fiscal_year"] = frame["fiscal_year"].astype("Int64")
    return frame[BUDGET_COLUMNS]


def raw_budget_frame(budget: pd.DataFrame) -> pd.DataFrame:
    """The seed-shaped raw table: text as printed with extraction's parsed amount, no province."""
    raw = budget.assign(amount_unit=BUDGET_SEED_FIXED["amount_unit"])
    raw[BUDGET_SEED_PARSED] = [amount_in_unit(row)[0] for row in raw.to_dict("records")]
    raw["fiscal_year"] = raw["fiscal_year"].astype(str)
    return raw[list(SEED_TABLES["budget_lines"])]


def figures_frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        FIGURE_ROWS,
        columns=["figure_id", "metric", "value_text", "unit", "period_text", "source_line"],
    )
    frame["plan_id"] = BUDGET_PLAN
    frame["source_file"] = BUDGET_FILE
    frame["flags"] = ""
    return frame


def extracted_frames() -> dict[str, pd.DataFrame]:
    """Plans, indicator targets and tasks as the project's extractor reads them."""
    plans, targets, tasks = [], [], []
    for doc in load_documents(SOURCE_DIR):
        plan = extract_plan(doc)
        plans.append(plan)
        rows, _ = extract_appendices(doc, plan["plan_id"])
        targets += rows.get("indicator_targets", [])
        tasks += rows.get("tasks", [])
    return {
        "marts.dim_plans": pd.DataFrame(plans),
        "marts.fct_indicator_targets": pd.DataFrame(targets),
        "marts.fct_tasks": pd.DataFrame(tasks),
    }


_EXTRACTED: dict[str, pd.DataFrame] = {}


def good_frames(
    *, with_parse_status: bool = True, with_quarantine: bool = True
) -> dict[str, pd.DataFrame]:
    """Every checked table, clean. Copies, so a test may damage its own."""
    if not _EXTRACTED:
        _EXTRACTED.update(extracted_frames())
    frames = {name: frame.copy() for name, frame in _EXTRACTED.items()}
    budget = budget_frame()
    frames["marts.fct_budget_lines"] = budget
    frames["raw.budget_lines"] = raw_budget_frame(budget)
    frames["marts.fct_reported_figures"] = figures_frame()
    for frame in frames.values():
        frame["flags"] = frame["flags"].fillna("")
    if with_parse_status:
        for name in (
            "marts.fct_budget_lines",
            "marts.fct_indicator_targets",
            "marts.fct_reported_figures",
        ):
            frames[name]["parse_status"] = "parsed"
        frames["marts.fct_tasks"]["deadline_parse_status"] = "parsed"
    if with_quarantine:
        frames["marts.fct_submission_files"] = pd.DataFrame(
            SUBMISSION_FILES, columns=list(SUBMISSION_FILE_COLUMNS)
        )
        frames["marts.fct_submission_files"]["sender_verified"] = True
        frames["marts.fct_submission_files"]["sender_method"] = "signed_template"
        frames["marts.fct_submission_files"]["sender_reason_code"] = None
        frames["marts.fct_submission_quarantine"] = pd.DataFrame(
            SUBMISSION_QUARANTINE, columns=list(SUBMISSION_QUARANTINE_COLUMNS)
        )
    return frames


def write_warehouse(path: Path, frames: dict[str, pd.DataFrame]) -> Path:
    """A DuckDB file holding ``frames`` as ``schema.table`` tables with the marts' types."""
    with duckdb.connect(str(path)) as con:
        for name, frame in frames.items():
            schema, table = name.split(".")
            con.execute(f'create schema if not exists "{schema}"')
            types = TABLE_TYPES.get(name, {})
            columns = ", ".join(
                f'"{c}" {types.get(c, "INTEGER" if c == "source_line" else "VARCHAR")}'
                for c in frame.columns
            )
            con.execute(f'create table "{schema}"."{table}" ({columns})')
            if not frame.empty:
                con.register("incoming", frame)
                con.execute(f'insert into "{schema}"."{table}" select * from incoming')
                con.unregister("incoming")
    return path


def _document_lines(name: str) -> list[str]:
    return (SOURCE_DIR / name).read_text(encoding="utf-8").splitlines()


def test_every_transcribed_budget_amount_is_printed_on_its_source_line():
    lines = _document_lines(BUDGET_FILE)
    for row in BUDGET_ROWS + PROJECT_1_4_ROWS:
        amount_text, source_line = row[6], row[7]
        assert f"{amount_text} triệu đồng" in lines[source_line - 1], row


def test_every_transcribed_figure_is_printed_on_its_source_line():
    lines = _document_lines(BUDGET_FILE)
    for figure_id, _, value_text, *_, source_line in FIGURE_ROWS:
        assert value_text in lines[source_line - 1], figure_id


def test_the_clean_budget_tree_sums_as_the_domain_brief_says():
    budget = budget_frame().set_index("budget_line_id")
    assert budget.loc["ls234-2026-tong", "amount_million_vnd"] == 384172
    assert budget.loc["ls234-2026-tx", "amount_million_vnd"] == 324072
