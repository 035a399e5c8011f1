"""The auditor's one-page summary of a gate run, written next to the GX Data Docs.

``summary.html`` is self-contained (inline CSS, no scripts, no external
files) so it can be mailed or archived on its own. Labels are Vietnamese with
the English after a slash. Every value from the warehouse or a document is
HTML-escaped: the documents are copies of web pages and may hold markup.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from dagster_project.extract.documents import SOURCE_DIR
from dagster_project.semantics.numbers import format_vn_number

from .results import PASSED, SKIPPED, CheckResult, GateResult
from .severity import ERROR

SUMMARY_FILE = "summary.html"
# Submission files with their row counts, and every refused row or file with its reason.
SUBMISSION_FILES_TABLE = "marts.fct_submission_files"
QUARANTINE_TABLE = "marts.fct_submission_quarantine"
# Files listed one by one in the report (those with anything refused, newest first).
MAX_LISTED_FILES = 200
PARSE_STATUS_COLUMN = "parse_status"
BUDGET_TABLE = "marts.fct_budget_lines"


@dataclass(frozen=True)
class Headline:
    """A published figure whose derivation the report spells out, root to source line."""

    label: str
    province_name: str
    fiscal_year: int
    stage: str


HEADLINES = (
    Headline(
        label="Tổng dự toán KH, CN, ĐMST và CĐS năm 2026 của Lạng Sơn / "
        "Lạng Sơn 2026 science, innovation and digital transformation budget estimate",
        province_name="Lạng Sơn",
        fiscal_year=2026,
        stage="estimate",
    ),
)


@dataclass(frozen=True)
class ReportInputs:
    """What the summary shows besides check results; frames are keyed by checked table name."""

    frames: Mapping[str, pd.DataFrame]
    previous_counts: Mapping[str, int] | None = None
    documents_dir: Path | None = None
    headlines: Sequence[Headline] = field(default=HEADLINES)


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:72rem;color:#1d2433;line-height:1.45;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;
border-bottom:2px solid #d8dde6;padding-bottom:.2rem}h3{font-size:1rem;margin:1.2rem 0 .3rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem;font-size:.88rem}
th,td{border:1px solid #d8dde6;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#f2f4f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
.verdict{display:inline-block;padding:.3rem .7rem;border-radius:4px;font-weight:600}
.pass{background:#e3f4e8;color:#17612f}.block{background:#fbe4e4;color:#8a1c1c}
.warn{background:#fff4d6;color:#7a5200}.skip{color:#69707d}
.muted{color:#69707d}code,.src{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em}
blockquote{margin:.2rem 0;padding:.2rem .6rem;border-left:3px solid #d8dde6;background:#fafbfc}
"""


def esc(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True)


def _table(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: set[int] = frozenset()
) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{esc(v)}</td>' if i in numeric else f"<td>{esc(v)}</td>"
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def _source_ref(file: Any, line: Any) -> str:
    if _missing(file):
        return "(không có tệp / no file)"
    return f"{file}:{'(không có dòng / no line)' if _missing(line) else int(line)}"


class SourceDocuments:
    """Lines of the copied source documents, read once each."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._lines: dict[str, list[str] | None] = {}

    def line(self, file_name: Any, line_number: Any) -> str | None:
        if file_name is None or line_number is None or pd.isna(line_number):
            return None
        name = str(file_name)
        # source_file is data: refuse anything that is not a plain file name.
        if Path(name).name != name or name in {"", ".", ".."}:
            return None
        if name not in self._lines:
            path = self.directory / name
            self._lines[name] = (
                path.read_text(encoding="utf-8").splitlines() if path.is_file() else None
            )
        lines = self._lines[name]
        number = int(line_number)
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]


# ---------------------------------------------------------------- sections


def _header(result: GateResult) -> str:
    if result.passed:
        verdict = '<span class="verdict pass">ĐẠT — được công bố / PASSED — may be published</span>'
    else:
        verdict = (
            '<span class="verdict block">KHÔNG ĐẠT — chặn công bố / '
            "BLOCKED — publication stopped</span>"
        )
    run = [r for r in result.results if r.status != SKIPPED]
    facts = [
        ("Thời điểm kiểm tra / Checked at (UTC)", result.checked_at.strftime("%Y-%m-%d %H:%M:%S")),
        ("Kho dữ liệu / Warehouse file", str(result.warehouse_path)),
        ("Số kiểm tra đã chạy / Checks run", len(run)),
        ("Lỗi chặn công bố / Blocking failures", len(result.blocking_failures)),
        ("Cảnh báo / Warnings", len(result.warnings)),
        ("Bỏ qua / Skipped", len(result.skipped)),
        (
            "Chuyển từ lần kiểm tra trước (bảng không đổi) / Carried over (table unchanged)",
            sum(r.carried_from != "" for r in run),
        ),
    ]
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in facts)
    return (
        "<h1>Báo cáo chất lượng dữ liệu nq57 / nq57 data quality report</h1>"
        f"<p>{verdict}</p><table>{rows}</table>"
        "<p>Chi tiết từng kỳ vọng / Every expectation in detail: "
        '<a href="data_docs/index.html">Great Expectations Data Docs</a></p>'
        '<p class="muted">Số tiền trong phần nguồn gốc viết theo kiểu Việt Nam (. ngăn nghìn, '
        ", thập phân); giá trị trong bảng mẫu lỗi là giá trị máy (. thập phân). / Amounts in "
        "the lineage section use the Vietnamese format; values in failing-row samples are "
        "machine values with a decimal point.</p>"
    )


def _row_counts(result: GateResult, previous: Mapping[str, int] | None) -> str:
    rows = []
    for table, count in result.row_counts.items():
        before = (previous or {}).get(table)
        if count is None:
            change = "bảng không có / table absent"
        elif before is None:
            change = "chưa có lần trước / no previous run"
        elif before == 0:
            change = "0" if count == 0 else "mới / new"
        else:
            change = f"{(count - before) / before:+.1%}"
        rows.append(
            (table, "" if count is None else count, "" if before is None else before, change)
        )
    return "<h2>Số dòng / Row count</h2>" + _table(
        ["Bảng / Table", "Số dòng / Rows", "Lần trước / Previous passing run", "Thay đổi / Change"],
        rows,
        numeric={1, 2, 3},
    )


def _check_totals(results: Sequence[CheckResult]) -> str:
    tables: dict[str, list[CheckResult]] = {}
    for r in results:
        tables.setdefault(r.table, []).append(r)
    rows = []
    for table, items in tables.items():
        rows.append(
            (
                table,
                sum(r.status != SKIPPED for r in items),
                sum(r.status == PASSED for r in items),
                sum(r.blocking for r in items),
                sum(r.failed and not r.blocking for r in items),
                sum(r.status == SKIPPED for r in items),
            )
        )
    return "<h2>Kiểm tra / Checks</h2>" + _table(
        [
            "Bảng / Table",
            "Đã chạy / Run",
            "Đạt / Passed",
            "Lỗi chặn / Blocking",
            "Cảnh báo / Warnings",
            "Bỏ qua / Skipped",
        ],
        rows,
        numeric={1, 2, 3, 4, 5},
    )


def _carried(result: GateResult) -> str:
    carried = result.carried_over
    if not carried:
        return ""
    rows = [
        (table, sum(r.table == table and r.status != SKIPPED for r in result.results), source)
        for table, source in carried.items()
    ]
    return (
        "<h2>Kết quả chuyển tiếp / Results carried over</h2>"
        "<p>Các bảng này giống hệt (cùng cột, cùng các dòng) bảng mà lần kiểm tra ghi bên cạnh "
        "đã kiểm tra với cùng bộ kiểm tra, nên kết quả của lần đó được dùng lại, không chạy lại. "
        "/ These tables are identical (same columns, same rows) to the tables the gate run "
        "named beside them checked with the same suites, so that run's results are reused "
        "here, not run again; its report folder holds its Data Docs.</p>"
        + _table(
            [
                "Bảng / Table",
                "Kiểm tra / Checks",
                "Lần kiểm tra gốc / Gate run (report folder, checked at)",
            ],
            rows,
            numeric={1},
        )
    )


def _samples(samples: Sequence[Mapping[str, Any]]) -> str:
    if not samples:
        return ""
    columns = list(dict.fromkeys(k for s in samples for k in s))
    headers = [c for c in columns if c not in ("source_file", "source_line")]
    rows = [
        [s.get(c) for c in headers] + [_source_ref(s.get("source_file"), s.get("source_line"))]
        for s in samples
    ]
    return _table([*headers, "Nguồn / Source (file:line)"], rows)


def _failures(results: Sequence[CheckResult]) -> str:
    failed = sorted(
        (r for r in results if r.failed), key=lambda r: (r.severity != ERROR, r.table, r.check)
    )
    if not failed:
        return "<h2>Kiểm tra không đạt / Failed checks</h2><p>Không có / None.</p>"
    parts = ["<h2>Kiểm tra không đạt / Failed checks</h2>"]
    for r in failed:
        badge = (
            '<span class="verdict block">lỗi / error</span>'
            if r.blocking
            else '<span class="verdict warn">cảnh báo / warn</span>'
        )
        facts = [
            ("Bảng / Table", r.table),
            ("Kỳ vọng / Expectation", r.expectation_type),
            ("Cột / Columns", ", ".join(r.columns)),
            ("Số dòng lỗi / Failing rows", r.unexpected_count),
            ("Giá trị quan sát / Observed", r.observed_value),
            ("Lý do quy tắc / Why the rule", r.why),
            ("Ghi chú / Note", r.note),
            ("Chuyển từ lần kiểm tra / Carried over from gate run", r.carried_from),
        ]
        rows = "".join(
            f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in facts if v not in (None, "")
        )
        parts.append(
            f"<h3>{badge} <code>{esc(r.check)}</code></h3><table>{rows}</table>"
            + _samples(r.samples)
        )
    return "".join(parts)


def _skipped(results: Sequence[CheckResult]) -> str:
    skipped = [r for r in results if r.status == SKIPPED]
    if not skipped:
        return ""
    groups: dict[tuple[str, str], list[str]] = {}
    for r in skipped:
        groups.setdefault((r.validation, r.note), []).append(r.check)
    rows = [(validation, note, ", ".join(checks)) for (validation, note), checks in groups.items()]
    return "<h2>Bỏ qua / Skipped</h2>" + _table(
        ["Nhóm kiểm tra / Validation", "Lý do / Reason", "Kiểm tra / Checks"], rows
    )


FILE_STATUS_HEADERS = (
    "Trạng thái / Status",
    "Tệp / Files",
    "Dòng vào / Rows in",
    "Đã nạp / Loaded",
    "Cách ly / Quarantined",
)
REFUSED_FILE_COLUMNS = (
    "source_file",
    "status",
    "file_reason_code",
    "rows_in",
    "rows_loaded",
    "rows_quarantined",
    "reason_codes",
)


def _quarantine(inputs: ReportInputs) -> str:
    """Submission files by status with their row balance, refused files, refusals by reason."""
    files = inputs.frames.get(SUBMISSION_FILES_TABLE)
    quarantine = inputs.frames.get(QUARANTINE_TABLE)
    parts = ["<h2>Cách ly / Quarantine</h2>"]
    if files is None and quarantine is None:
        parts.append(
            '<p class="muted">Chưa có bảng cách ly / quarantine tables absent '
            f"({esc(SUBMISSION_FILES_TABLE)}, {esc(QUARANTINE_TABLE)}).</p>"
        )
    if files is not None:
        parts.append(_submission_files(files))
    if quarantine is not None and not quarantine.empty:
        parts.append(_refusals_by_reason(quarantine))
    return "".join(parts)


def _submission_files(files: pd.DataFrame) -> str:
    if files.empty:
        return '<p class="muted">Chưa nhận tệp báo cáo nào / no submission file ingested yet.</p>'
    totals = (
        files.groupby("status", dropna=False)
        .agg(
            files=("file_sha256", "size"),
            rows_in=("rows_in", "sum"),
            rows_loaded=("rows_loaded", "sum"),
            rows_quarantined=("rows_quarantined", "sum"),
        )
        .reset_index()
    )
    parts = [
        "<h3>Tệp báo cáo / Submission files</h3>",
        _table(FILE_STATUS_HEADERS, totals.itertuples(index=False), numeric={1, 2, 3, 4}),
    ]
    refused = files[(files["status"] != "accepted") | (files["rows_quarantined"] > 0)]
    if refused.empty:
        return "".join(parts)
    shown = refused.sort_values("ingest_seq", ascending=False).head(MAX_LISTED_FILES)
    parts.append("<h3>Tệp có dòng hoặc tệp bị từ chối / Files with refusals</h3>")
    if len(refused) > len(shown):
        parts.append(
            f'<p class="muted">{len(shown)} tệp mới nhất trong {len(refused)} '
            f"/ the newest {len(shown)} of {len(refused)}; all are in "
            f"{esc(SUBMISSION_FILES_TABLE)}.</p>"
        )
    columns = list(REFUSED_FILE_COLUMNS)
    parts.append(_table(columns, shown[columns].itertuples(index=False), numeric={3, 4, 5}))
    return "".join(parts)


UNVERIFIED_FILE_COLUMNS = (
    "source_file",
    "province_id",
    "reporting_agency_id",
    "period",
    "status",
    "sender_method",
    "sender_reason_code",
    "received_at",
)


def _senders(inputs: ReportInputs) -> str:
    """Who sent the files: verified or not, by method, and the unverified files whose rows
    reached the marts (docs/security.md)."""
    files = inputs.frames.get(SUBMISSION_FILES_TABLE)
    parts = ["<h2>Đơn vị gửi / Senders</h2>"]
    if files is None or files.empty or "sender_verified" not in files.columns:
        parts.append(
            '<p class="muted">Chưa có thông tin xác thực đơn vị gửi / no sender '
            f"verification in {esc(SUBMISSION_FILES_TABLE)} yet.</p>"
        )
        return "".join(parts)
    truth = {True: True, False: False, "true": True, "false": False}

    def column(name: str, default: str) -> pd.Series:
        values = files[name] if name in files.columns else pd.Series(None, index=files.index)
        return values.astype(object).where(values.notna(), default)

    frame = files.assign(
        sender_verified=files["sender_verified"].map(truth).fillna(False).astype(bool),
        sender_method=column("sender_method", "legacy"),
        sender_reason_code=column("sender_reason_code", ""),
    )
    totals = (
        frame.groupby(["sender_verified", "sender_method", "sender_reason_code"], dropna=False)
        .agg(files=("file_sha256", "size"), rows_loaded=("rows_loaded", "sum"))
        .reset_index()
        .sort_values(["sender_verified", "files"], ascending=[False, False])
    )
    parts.append(
        _table(
            [
                "Đã xác thực / Verified",
                "Cách xác thực / Method",
                "Lý do / Reason",
                "Tệp / Files",
                "Dòng nạp / Rows loaded",
            ],
            totals.itertuples(index=False),
            numeric={3, 4},
        )
    )
    unverified = frame[(frame["status"] != "rejected") & ~frame["sender_verified"]]
    if unverified.empty:
        parts.append(
            "<p>Mọi tệp có số liệu trong kho đều do đơn vị gửi đã xác thực / every file with "
            "rows in the marts came from a verified sender.</p>"
        )
        return "".join(parts)
    shown = unverified.sort_values("ingest_seq", ascending=False).head(MAX_LISTED_FILES)
    parts.append(
        "<h3>Tệp chưa xác thực có số liệu trong kho / Unverified files with rows in the marts"
        f" ({len(unverified)})</h3><p>Không tính là đã nộp báo cáo và không thay thế báo cáo "
        "đã xác thực / not counted as the report received, and never replacing a verified "
        "report.</p>"
    )
    columns = [c for c in UNVERIFIED_FILE_COLUMNS if c in shown.columns]
    parts.append(_table(columns, shown[columns].itertuples(index=False)))
    return "".join(parts)


def _refusals_by_reason(quarantine: pd.DataFrame) -> str:
    counts = (
        quarantine.groupby("reason_code", dropna=False)
        .agg(
            entries=("reason_code", "size"),
            files=("file_sha256", "nunique"),
            example_en=("reason_en", "first"),
        )
        .reset_index()
        .sort_values(["entries", "reason_code"], ascending=[False, True])
    )
    return "<h3>Theo lý do / By reason</h3>" + _table(
        ["reason_code", "Mục / Entries", "Tệp / Files", "Ví dụ / Example"],
        counts.itertuples(index=False),
        numeric={1, 2},
    )


def _parse_status(inputs: ReportInputs) -> str:
    parts = ["<h2>Trạng thái phân tích / Parse status</h2>"]
    without = []
    for table, frame in inputs.frames.items():
        if PARSE_STATUS_COLUMN not in frame.columns:
            without.append(table)
            continue
        counts = frame[PARSE_STATUS_COLUMN].fillna("(null)").value_counts()
        parts.append(f"<h3>{esc(table)}</h3>")
        parts.append(_table(["parse_status", "Số dòng / Rows"], counts.items(), numeric={1}))
    if without:
        parts.append(
            '<p class="muted">Chưa có cột parse_status / no parse_status column in: '
            + esc(", ".join(without))
            + ".</p>"
        )
    return "".join(parts)


def _amount(value: Any) -> str:
    """Million VND written the way the documents write it (``.`` thousands, ``,`` decimals)."""
    if _missing(value):
        return ""
    return format_vn_number(Decimal(f"{float(value):.3f}").normalize())


def _lineage(inputs: ReportInputs) -> str:
    parts = ["<h2>Nguồn gốc số liệu chính / Lineage of headline figures</h2>"]
    lines = inputs.frames.get(BUDGET_TABLE)
    documents = SourceDocuments(inputs.documents_dir or SOURCE_DIR)
    for headline in inputs.headlines:
        parts.append(f"<h3>{esc(headline.label)}</h3>")
        if lines is None:
            parts.append(f'<p class="muted">Bảng {esc(BUDGET_TABLE)} không có / table absent.</p>')
            continue
        roots = lines[
            (lines["province_name"] == headline.province_name)
            & (lines["fiscal_year"] == headline.fiscal_year).fillna(False).astype(bool)
            & (lines["stage"] == headline.stage)
            & lines["parent_budget_line_id"].isna()
        ]
        if roots.empty:
            parts.append(
                '<p class="block">Không tìm thấy dòng gốc / no root budget line found for '
                f"{esc(headline.province_name)}, {esc(headline.fiscal_year)}, "
                f"{esc(headline.stage)}.</p>"
            )
            continue
        rows: list[str] = []
        for root in roots.itertuples(index=False):
            _lineage_rows(lines, root, 0, documents, rows, seen=set())
        parts.append(
            "<table><thead><tr><th>Dòng / Line</th><th>Số in / Printed</th>"
            "<th>Triệu đồng / Million VND</th><th>Tổng dòng con / Children sum</th>"
            "<th>Nguồn / Source (file:line)</th><th>Văn bản gốc / Source text</th></tr></thead>"
            "<tbody>" + "".join(rows) + "</tbody></table>"
        )
    return "".join(parts)


def _lineage_rows(
    lines: pd.DataFrame,
    node: Any,
    depth: int,
    documents: SourceDocuments,
    out: list[str],
    seen: set[str],
) -> None:
    if node.budget_line_id in seen:
        return
    seen.add(node.budget_line_id)
    children = lines[
        (lines["parent_budget_line_id"] == node.budget_line_id)
        & (lines["plan_id"] == node.plan_id)
        & (lines["stage"] == node.stage)
    ]
    children_sum = (
        pd.to_numeric(children["amount_million_vnd"], errors="coerce").sum()
        if not children.empty
        else None
    )
    text = documents.line(node.source_file, node.source_line)
    label = " ".join(
        str(p) for p in (node.line_code, node.line_name) if p is not None and not pd.isna(p)
    )
    indent = f'style="padding-left:{0.45 + 1.4 * depth:.2f}rem"'
    quoted = (
        f"<blockquote>{esc(text)}</blockquote>"
        if text is not None
        else '<span class="muted">không đọc được / not readable</span>'
    )
    out.append(
        f"<tr><td {indent}>{esc(label)}</td><td>{esc(node.amount_text)}</td>"
        f'<td class="num">{esc(_amount(node.amount_million_vnd))}</td>'
        f'<td class="num">{esc(_amount(children_sum))}</td>'
        f'<td class="src">{esc(_source_ref(node.source_file, node.source_line))}</td>'
        f"<td>{quoted}</td></tr>"
    )
    for child in children.sort_values("source_line").itertuples(index=False):
        _lineage_rows(lines, child, depth + 1, documents, out, seen)


def render_summary(result: GateResult, inputs: ReportInputs) -> str:
    body = "".join(
        [
            _header(result),
            _row_counts(result, inputs.previous_counts),
            _check_totals(result.results),
            _carried(result),
            _failures(result.results),
            _skipped(result.results),
            _quarantine(inputs),
            _senders(inputs),
            _parse_status(inputs),
            _lineage(inputs),
        ]
    )
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        "<title>nq57 — báo cáo chất lượng / quality report</title>"
        f"<style>{CSS}</style></head><body>{body}</body></html>\n"
    )


def write_summary(folder: Path, result: GateResult, inputs: ReportInputs) -> Path:
    path = Path(folder) / SUMMARY_FILE
    path.write_text(render_summary(result, inputs), encoding="utf-8")
    return path
