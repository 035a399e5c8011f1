"""summary.html: self-contained, escaped, and tracing the headline figure to its source line."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from test_quality_warehouse_fixture import BUDGET_FILE, budget_frame

from dagster_project.extract.documents import SOURCE_DIR
from dagster_project.quality.report import ReportInputs, SourceDocuments, render_summary
from dagster_project.quality.results import FAILED, PASSED, CheckResult, GateResult

BUDGET = "marts.fct_budget_lines"


def gate_result(*results: CheckResult) -> GateResult:
    return GateResult(
        warehouse_path=Path("warehouse/.build/run/nq57.duckdb"),
        checked_at=datetime(2026, 11, 21, 10, 0, tzinfo=UTC),
        duration_seconds=1.5,
        row_counts={BUDGET: 28},
        results=results,
    )


def failure(**overrides) -> CheckResult:
    values = dict(
        table=BUDGET,
        validation=BUDGET,
        check="fct_budget_lines.amount_non_negative",
        expectation_type="expect_column_values_to_be_between",
        columns=("amount_million_vnd",),
        severity="error",
        status=FAILED,
        unexpected_count=1,
        samples=({"budget_line_id": "x", "source_file": BUDGET_FILE, "source_line": 176},),
        why="Budget amounts are spending figures.",
    )
    return CheckResult(**{**values, **overrides})


def render(*results: CheckResult, frames: dict | None = None, **inputs) -> str:
    frames = {BUDGET: budget_frame()} if frames is None else frames
    return render_summary(gate_result(*results), ReportInputs(frames=frames, **inputs))


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_the_page_is_self_contained():
    html = render(failure())
    assert html.startswith("<!DOCTYPE html>")
    assert "<style>" in html
    for external in ("<script", "<link", "src=", "http://", "https://"):
        assert external not in html


def test_a_failed_check_is_named_with_its_source_location():
    html = render(failure())
    assert "BLOCKED" in html
    assert "fct_budget_lines.amount_non_negative" in html
    assert f"{BUDGET_FILE}:176" in html
    assert "Budget amounts are spending figures." in html


def test_warehouse_values_are_escaped():
    lines = budget_frame()
    lines.loc[lines["budget_line_id"] == "ls234-2026-tx-1", "line_name"] = "<b>Chi</b> & co"
    bad = failure(samples=({"budget_line_id": "<script>alert(1)</script>", "source_file": None},))
    html = render(bad, frames={BUDGET: lines})
    assert "<script>" not in html and "<b>Chi</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Chi&lt;/b&gt; &amp; co" in html
    assert "(không có tệp / no file)" in html


def test_the_2026_estimate_is_traced_to_its_children_and_source_lines():
    html = render(failure(status=PASSED))
    lineage = text_of(html[html.index("Lineage of headline figures") :])
    for amount, line in [("384.172", 172), ("60.100", 173), ("324.072", 174), ("75.000", 179)]:
        assert f"{BUDGET_FILE}:{line}" in lineage
        assert f"{amount} triệu đồng" in lineage
    # Children come after their parent, in document order.
    assert (
        lineage.index(":172")
        < lineage.index(":173")
        < lineage.index(":174")
        < lineage.index(":175")
    )
    assert "Tổng kinh phí dự toán 2026: 384.172 triệu đồng." in lineage


def test_a_missing_headline_says_so():
    lines = budget_frame()
    html = render(frames={BUDGET: lines[lines["fiscal_year"] != 2026]})
    assert "no root budget line found for Lạng Sơn, 2026, estimate" in html


def test_parse_status_counts_appear_when_the_column_exists():
    lines = budget_frame()
    lines["parse_status"] = ["parsed"] * (len(lines) - 2) + ["ambiguous", None]
    html = render(frames={BUDGET: lines, "marts.fct_tasks": pd.DataFrame({"task_key": ["1"]})})
    section = html[html.index("Parse status") : html.index("Lineage of headline")]
    assert re.search(r"<td>parsed</td><td class=\"num\">26</td>", section)
    assert re.search(r"<td>ambiguous</td><td class=\"num\">1</td>", section)
    assert "(null)" in section
    assert "no parse_status column in: marts.fct_tasks" in section


def test_source_documents_refuse_paths_and_unknown_lines():
    documents = SourceDocuments(SOURCE_DIR)
    assert documents.line(BUDGET_FILE, 172) == "Tổng kinh phí dự toán 2026: 384.172 triệu đồng."
    assert documents.line(BUDGET_FILE, 0) is None
    assert documents.line(BUDGET_FILE, 10_000) is None
    assert documents.line(f"../source_documents/{BUDGET_FILE}", 172) is None
    assert documents.line("missing.txt", 1) is None
    assert documents.line(BUDGET_FILE, pd.NA) is None
