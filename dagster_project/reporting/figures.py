"""The report's figures, read from the published warehouse's marts, each with its source.

Everything here reads the published DuckDB file read-only (a build writes a
separate file and swaps it in, so a build in progress never blocks a reader).
Every figure that appears in a report's text is a :class:`Figure`: its value,
the mart and row key it comes from, and the document line (``source_file:line``)
or the submission file and row behind it. The report's appendix lists them.

A value the marts do not have is ``None`` and is written as missing, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from dagster_project.semantics.display import vn_date
from dagster_project.submissions.periods import Period, PeriodError, parse_period

STATUS_ORDER = (
    "completed_on_time",
    "completed_late",
    "not_done_within_deadline",
    "not_done_overdue",
    "deadline_unknown",
)
STATUS_VI = {
    "completed_on_time": "Hoàn thành đúng hạn",
    "completed_late": "Hoàn thành quá hạn",
    "not_done_within_deadline": "Chưa hoàn thành, còn trong hạn",
    "not_done_overdue": "Chưa hoàn thành, quá hạn",
    "deadline_unknown": "Chưa xác định được thời hạn",
}
PROGRESS_VI = {
    "on_track": "Đúng tiến độ",
    "needs_acceleration": "Cần đẩy nhanh",
    "limited_progress": "Chậm tiến độ",
    "deterioration": "Đi xuống",
    None: "Chưa đủ số liệu để đánh giá",
}
STAGE_VI = {
    "estimate": "Dự kiến",
    "allocated": "Đã phân bổ",
    "allocated_to_date": "Lũy kế phân bổ",
    "disbursed": "Đã giải ngân",
}


# The plans of a province: its own, and those of the provinces merged into it in 2025.
PROVINCE_PLANS = """
    select plans.plan_id from marts.dim_plans as plans
    inner join marts.dim_provinces as provinces using (province_name)
    where ? in (provinces.province_id, provinces.current_province_id)
"""


class ReportInputError(ValueError):
    """A province, period or warehouse the report cannot be made for; the message says why."""


@dataclass
class Figure:
    """One number of the report with where it comes from."""

    ref: str
    label: str
    value: Any
    text: str
    mart: str
    row_key: str
    source: str


@dataclass
class ReportData:
    province_id: str
    province_name: str
    period: Period
    warehouse: Path
    published_at: datetime | None
    plans: list[dict[str, Any]]
    agency_names: dict[str, str]
    task_status: list[dict[str, Any]]
    status_by_agency: list[dict[str, Any]]
    status_by_group: list[dict[str, Any]]
    overdue: list[dict[str, Any]]
    due_next: list[dict[str, Any]]
    next_period: Period
    indicators: list[dict[str, Any]]
    national: list[dict[str, Any]]
    budget_lines: list[dict[str, Any]]
    budget_execution: list[dict[str, Any]]
    compliance: list[dict[str, Any]]
    files: dict[str, Any]
    quarantine_by_reason: list[dict[str, Any]]
    quality_report: Path | None
    figures: list[Figure] = field(default_factory=list)

    def figure(self, label: str, value: Any, text: str, mart: str, key: str, source: str) -> Figure:
        item = Figure(f"[{len(self.figures) + 1}]", label, value, text, mart, key, source)
        self.figures.append(item)
        return item

    @property
    def has_submissions(self) -> bool:
        return bool(self.files.get("files"))


def source_ref(file: Any, line: Any) -> str:
    if not file:
        return "chưa có nguồn"
    return f"{file}:{line}" if line is not None else str(file)


def submission_ref(file: Any, row: Any) -> str:
    if not file:
        return "chưa có nguồn"
    return f"{file}, dòng {row}" if row is not None else str(file)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """The published warehouse, read-only; a clear error when it is not there."""
    if not warehouse.is_file():
        raise ReportInputError(
            f"no published warehouse at {warehouse}: run `nq57 build` first "
            "(or set NQ57_WAREHOUSE to the published file)"
        )
    try:
        return duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as error:
        raise ReportInputError(f"cannot open the warehouse {warehouse}: {error}") from error


def check_period(text: str) -> Period:
    try:
        return parse_period(text)
    except PeriodError as error:
        raise ReportInputError(f"--period {error}") from error


def province_name(con: duckdb.DuckDBPyConnection, province_id: str) -> str:
    found = con.execute(
        "select province_name from marts.dim_provinces where province_id = ?", [province_id]
    ).fetchone()
    if found is None:
        known = [
            r[0]
            for r in con.execute(
                "select province_id from marts.dim_provinces where valid_to is null "
                "order by province_id"
            ).fetchall()
        ]
        raise ReportInputError(
            f"unknown province '{province_id}': not in marts.dim_provinces; "
            f"use one of: {', '.join(known)}"
        )
    return found[0]


def following_period(period: Period) -> Period:
    """The period of the same kind that follows ``period``."""
    year = period.end.year
    if period.kind == "year":
        return parse_period(str(year + 1))
    if period.kind == "half_year":
        return parse_period(f"{year}-H2" if period.end.month == 6 else f"{year + 1}-H1")
    if period.kind == "quarter":
        quarter = (period.end.month - 1) // 3 + 1
        return parse_period(f"{year}-Q{quarter + 1}" if quarter < 4 else f"{year + 1}-Q1")
    month = period.end.month
    return parse_period(f"{year}-{month + 1:02d}" if month < 12 else f"{year + 1}-01")


def latest_quality_report(warehouse: Path) -> Path | None:
    """The newest ``summary.html`` the quality gate wrote next to the warehouse.

    ``nq57 build`` writes ``reports/quality/<time>/summary.html`` beside the
    ``warehouse/`` folder; a build given its own report folder ``reports/``
    writes ``reports/<time>/summary.html``.
    """
    root = warehouse.parent.parent / "reports"
    candidates = [*root.glob("quality/*/summary.html"), *root.glob("*/summary.html")]
    return max(candidates, key=lambda p: p.stat().st_mtime) if candidates else None


def load_report_data(warehouse: Path, province_id: str, period_text: str) -> ReportData:
    period = check_period(period_text)
    with connect(warehouse) as con:
        name = province_name(con, province_id)
        return _load(con, warehouse, province_id, name, period)


def _load(
    con: duckdb.DuckDBPyConnection, warehouse: Path, province_id: str, name: str, period: Period
) -> ReportData:
    start, end = period.start, period.end
    nxt = following_period(period)
    plans = _rows(
        con,
        """
        select plan_id, document_number, issue_date, title, plan_kind, source_file, source_line
        from marts.dim_plans
        where plan_id in (PROVINCE_PLANS) order by issue_date, plan_id
        """.replace("PROVINCE_PLANS", PROVINCE_PLANS),
        [province_id],
    )
    agency_names = dict(
        con.execute(
            "select agency_id, any_value(agency_name) from marts.dim_agencies "
            "where province_id = ? group by 1",
            [province_id],
        ).fetchall()
    )
    # Indicators: the marts keep the latest value of each; an indicator is in the
    # report when it had a value by the period's end, shown with its latest value
    # and that value's date (a report is written after its period, from what is
    # published then).
    # The latest accepted status of every task reported for a period ending by the period's end.
    task_status = _rows(
        con,
        """
        select s.plan_id, s.task_key, s.reporting_agency_id, s.period, s.derived_status,
            s.reported_status_text, s.percent_complete, s.due_date, s.source_file, s.source_row,
            t.task_code, t.task_name, t.group_code, t.group_name, t.lead_agency_text,
            t.current_lead_agency_id, t.source_file as plan_file, t.source_line as plan_line
        from marts.fct_task_status as s
        left join marts.fct_tasks as t using (plan_id, task_key)
        where s.province_id = ? and s.is_latest and s.period_end <= ?
        qualify row_number() over (
            partition by s.plan_id, s.task_key, s.reporting_agency_id
            order by s.period_end desc, s.ingest_seq desc, s.source_row
        ) = 1
        order by s.plan_id, s.task_key, s.reporting_agency_id
        """,
        [province_id, end],
    )
    overdue = sorted(
        (r for r in task_status if r["derived_status"] == "not_done_overdue"),
        key=lambda r: (r["due_date"] or date.max, r["task_key"]),
    )
    due_next = _rows(
        con,
        """
        select t.plan_id, t.task_key, t.task_code, t.task_name, t.due_date, t.lead_agency_text,
            t.current_lead_agency_id, t.source_file, t.source_line
        from marts.fct_tasks as t
        where t.plan_id in (PROVINCE_PLANS) and t.due_date between ? and ?
        order by t.due_date, t.task_key
        """.replace("PROVINCE_PLANS", PROVINCE_PLANS),
        [province_id, nxt.start, nxt.end],
    )
    indicators = _rows(
        con,
        """
        select p.*, i.indicator_name
        from marts.mart_indicator_progress as p
        left join (
            select plan_id, indicator_code, any_value(indicator_name) as indicator_name
            from marts.fct_indicator_targets group by all
        ) as i using (plan_id, indicator_code)
        where p.province_id = ? and p.first_as_of_date <= ?
        order by p.plan_id, try_cast(p.indicator_code as integer) nulls last, p.indicator_code
        """,
        [province_id, end],
    )
    national = _rows(
        con,
        """
        select n.*, f.source_file as document_file, f.source_line as document_line,
            d.name_vi as national_name_vi
        from marts.mart_actuals_vs_national as n
        left join marts.fct_reported_figures as f using (figure_id)
        left join marts.dim_national_indicators as d using (national_indicator_id)
        where n.province_id = ?
        qualify min(n.as_of_date) over (
            partition by n.national_indicator_id, n.figure_id, n.indicator_code
        ) <= ?
        order by n.national_indicator_id, n.as_of_date desc, n.figure_id, n.indicator_code
        """,
        [province_id, end],
    )
    budget_lines = _rows(
        con,
        """
        select b.plan_id, b.budget_line_id, b.parent_budget_line_id, b.fiscal_year,
            b.period_start_year, b.period_end_year, b.stage, b.amount_million_vnd,
            b.source_file, b.source_line, b.line_name
        from marts.fct_budget_lines as b
        where b.plan_id in (PROVINCE_PLANS)
        order by b.fiscal_year nulls last, b.period_start_year, b.budget_line_id, b.stage
        """.replace("PROVINCE_PLANS", PROVINCE_PLANS),
        [province_id],
    )
    budget_execution = _rows(
        con,
        """
        select * from marts.fct_budget_execution
        where province_id = ? and as_of_date <= ?
        qualify row_number() over (
            partition by budget_key order by as_of_date desc, received_at desc
        ) = 1
        order by budget_line_id, project_name
        """,
        [province_id, end],
    )
    compliance = _rows(
        con,
        """
        select * from marts.mart_reporting_compliance
        where province_id = ? and period = ?
        order by agency_id
        """,
        [province_id, period.code],
    )
    files = _rows(
        con,
        """
        select count(*) as files, count(*) filter (where status = 'rejected') as rejected,
            sum(rows_in) as rows_in, sum(rows_loaded) as rows_loaded,
            sum(rows_quarantined) as rows_quarantined
        from marts.fct_submission_files
        where province_id = ? and period_end between ? and ?
        """,
        [province_id, start, end],
    )[0]
    quarantine = _rows(
        con,
        """
        select reason_code, any_value(reason_vi) as reason_vi, count(*) as entries
        from marts.fct_submission_quarantine
        where province_id = ? and period in (
            select period from marts.fct_submission_files
            where province_id = ? and period_end between ? and ?
        )
        group by 1 order by entries desc, reason_code
        """,
        [province_id, province_id, start, end],
    )
    published_at = datetime.fromtimestamp(warehouse.stat().st_mtime, tz=UTC)
    data = ReportData(
        province_id=province_id,
        province_name=name,
        period=period,
        warehouse=warehouse,
        published_at=published_at,
        plans=plans,
        agency_names=agency_names,
        task_status=task_status,
        status_by_agency=_count_by(task_status, "reporting_agency_id"),
        status_by_group=_count_by(task_status, "group_name"),
        overdue=overdue,
        due_next=due_next,
        next_period=nxt,
        indicators=indicators,
        national=national,
        budget_lines=budget_lines,
        budget_execution=budget_execution,
        compliance=compliance,
        files=files,
        quarantine_by_reason=quarantine,
        quality_report=latest_quality_report(warehouse),
    )
    return data


def _count_by(rows: list[dict[str, Any]], column: str) -> list[dict[str, Any]]:
    counts: dict[Any, dict[str, Any]] = {}
    for row in rows:
        key = row[column] or "(không rõ)"
        entry = counts.setdefault(key, {"key": key, **dict.fromkeys(STATUS_ORDER, 0), "total": 0})
        entry[row["derived_status"]] += 1
        entry["total"] += 1
    return sorted(counts.values(), key=lambda e: str(e["key"]))


def plan_label(plan: dict[str, Any]) -> str:
    return f"Kế hoạch số {plan['document_number']} ngày {vn_date(plan['issue_date'])}"
