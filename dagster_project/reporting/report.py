"""Make one province-period report: read the figures, draw the charts, write the files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from dagster_project.semantics.display import ICT

from .charts import build_charts
from .document import Document, build_document
from .figures import ReportData, ReportInputError, connect, load_report_data
from .render import FORMATS, atomic_write, render_docx, render_html, render_pdf


@dataclass
class ReportResult:
    data: ReportData
    document: Document
    paths: dict[str, Path]
    chart_count: int


def report_stem(province_id: str, period_code: str) -> str:
    return f"bao-cao_{province_id}_{period_code}"


def parse_formats(text: str) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise ReportInputError(
            f"--format {text!r}: write one or more of {', '.join(FORMATS)} separated by commas"
        )
    return wanted


def today_ict() -> date:
    return datetime.now(ICT).date()


def province_kind(warehouse: Path, province_id: str) -> str:
    with connect(warehouse) as con:
        found = con.execute(
            "select province_kind from marts.dim_provinces where province_id = ?", [province_id]
        ).fetchone()
    return found[0] if found else "province"


def make_report(
    warehouse: Path,
    province_id: str,
    period: str,
    out_dir: Path,
    formats: tuple[str, ...] = FORMATS,
    report_date: date | None = None,
) -> ReportResult:
    data = load_report_data(warehouse, province_id, period)
    document = build_document(
        data, province_kind(warehouse, province_id), report_date or today_ict()
    )
    charts = build_charts(data)
    try:
        stem = out_dir / report_stem(province_id, data.period.code)
        paths: dict[str, Path] = {}
        if "html" in formats:
            paths["html"] = stem.with_suffix(".html")
            atomic_write(paths["html"], render_html(document, charts).encode("utf-8"))
        if "docx" in formats:
            paths["docx"] = stem.with_suffix(".docx")
            atomic_write(paths["docx"], render_docx(document, charts))
        if "pdf" in formats:
            paths["pdf"] = stem.with_suffix(".pdf")
            atomic_write(paths["pdf"], render_pdf(render_html(document, charts, for_print=True)))
    finally:
        for chart in charts:
            chart.close()
    return ReportResult(data, document, paths, len(charts))
