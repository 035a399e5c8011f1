"""The report's charts with matplotlib: inline SVG for HTML, PNG for Word.

Text in the SVG is drawn as paths (``svg.fonttype = path``), so Vietnamese
diacritics show the same in any browser without a font; the font is the
DejaVu Sans that matplotlib ships. Labels use Vietnamese number format. A
chart with no data says so instead of drawing zeros.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure as MplFigure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from dagster_project.semantics.display import MISSING, vn_auto, vn_number  # noqa: E402

from .figures import PROGRESS_VI, STATUS_ORDER, STATUS_VI, ReportData  # noqa: E402

plt.rcParams.update(
    {
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "svg.fonttype": "path",
        "svg.hashsalt": "nq57",
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)
STATUS_COLORS = {
    "completed_on_time": "#2e7d32",
    "completed_late": "#9ccc65",
    "not_done_within_deadline": "#fbc02d",
    "not_done_overdue": "#c62828",
    "deadline_unknown": "#9e9e9e",
}
VN_TICKS = FuncFormatter(lambda value, _: vn_auto(value, 1))


@dataclass
class Chart:
    key: str
    title: str
    figure: MplFigure
    _png: dict[int, bytes] = field(default_factory=dict, repr=False)

    def svg(self) -> str:
        buffer = io.StringIO()
        self.figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
        text = buffer.getvalue()
        return text[text.index("<svg") :]

    def png(self, dpi: int = 150) -> bytes:
        """The chart as PNG, drawn once per resolution (Word and the PDF share it)."""
        if dpi not in self._png:
            buffer = io.BytesIO()
            self.figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
            self._png[dpi] = buffer.getvalue()
        return self._png[dpi]

    def close(self) -> None:
        plt.close(self.figure)


def _empty(ax: Any, what: str) -> None:
    ax.figure.set_size_inches(7, 0.7)
    ax.set_axis_off()
    ax.text(0.5, 0.5, f"{what}: {MISSING}", ha="center", va="center", fontsize=11, color="#555")


def _short(text: Any, width: int = 38) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def task_status_chart(data: ReportData) -> MplFigure:
    fig, ax = plt.subplots(figsize=(7, 2.8))
    counts = {s: sum(r["derived_status"] == s for r in data.task_status) for s in STATUS_ORDER}
    if not data.task_status:
        _empty(ax, "Tình trạng nhiệm vụ")
        return fig
    labels = [STATUS_VI[s] for s in STATUS_ORDER]
    bars = ax.barh(
        labels, [counts[s] for s in STATUS_ORDER], color=[STATUS_COLORS[s] for s in STATUS_ORDER]
    )
    ax.invert_yaxis()
    ax.bar_label(bars, labels=[vn_number(counts[s]) for s in STATUS_ORDER], padding=3)
    ax.xaxis.set_major_formatter(VN_TICKS)
    ax.set_xlabel("Số nhiệm vụ (theo báo cáo mới nhất của cơ quan)")
    return fig


def status_by_agency_chart(data: ReportData) -> MplFigure:
    rows = data.status_by_agency
    fig, ax = plt.subplots(figsize=(7, max(2.4, 0.32 * len(rows) + 1)))
    if not rows:
        _empty(ax, "Tình trạng theo cơ quan")
        return fig
    names = [_short(data.agency_names.get(r["key"], r["key"])) for r in rows]
    left = [0] * len(rows)
    for status in STATUS_ORDER:
        values = [r[status] for r in rows]
        ax.barh(names, values, left=left, color=STATUS_COLORS[status], label=STATUS_VI[status])
        left = [a + b for a, b in zip(left, values)]
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(VN_TICKS)
    ax.legend(fontsize=7, loc="lower right", frameon=False)
    ax.set_xlabel("Số nhiệm vụ")
    return fig


def indicator_progress_chart(data: ReportData) -> MplFigure:
    fig, ax = plt.subplots(figsize=(7, 2.8))
    if not data.indicators:
        _empty(ax, "Tiến độ chỉ tiêu")
        return fig
    keys = list(PROGRESS_VI)
    counts = [sum(r["progress_status"] == k for r in data.indicators) for k in keys]
    colors = ["#2e7d32", "#fbc02d", "#ef6c00", "#c62828", "#9e9e9e"]
    bars = ax.barh([PROGRESS_VI[k] for k in keys], counts, color=colors)
    ax.invert_yaxis()
    ax.bar_label(bars, labels=[vn_number(c) for c in counts], padding=3)
    ax.xaxis.set_major_formatter(VN_TICKS)
    ax.set_xlabel("Số chỉ tiêu (giá trị mới nhất so với mục tiêu gần nhất)")
    return fig


def _period(row: dict[str, Any]) -> str:
    if row["fiscal_year"] is not None:
        return str(row["fiscal_year"])
    return f"{row['period_start_year']}-{row['period_end_year']}"


def budget_estimate_chart(data: ReportData) -> MplFigure:
    lines = [
        r
        for r in data.budget_lines
        if r["stage"] == "estimate"
        and r["parent_budget_line_id"]
        and r["amount_million_vnd"] is not None
    ]
    fig, ax = plt.subplots(figsize=(7, max(2.4, 0.3 * len(lines) + 1)))
    if not lines:
        _empty(ax, "Dự toán kinh phí")
        return fig
    names = [_short(f"{_period(r)}: {r['line_name']}", 48) for r in lines]
    values = [float(r["amount_million_vnd"]) for r in lines]
    bars = ax.barh(names, values, color="#1565c0")
    ax.invert_yaxis()
    ax.bar_label(bars, labels=[vn_number(v) for v in values], padding=3, fontsize=7)
    ax.xaxis.set_major_formatter(VN_TICKS)
    ax.set_xlabel("Triệu đồng (dự kiến theo kế hoạch)")
    return fig


def disbursement_chart(data: ReportData) -> MplFigure:
    rows = [r for r in data.budget_execution if r["allocated_million_vnd"] is not None]
    fig, ax = plt.subplots(figsize=(7, max(2.4, 0.45 * len(rows) + 1)))
    if not rows:
        _empty(ax, "Phân bổ và giải ngân")
        return fig
    names = [_short(r["project_name"] or r["budget_line_id"], 40) for r in rows]
    allocated = [float(r["allocated_million_vnd"]) for r in rows]
    disbursed = [float(r["disbursed_million_vnd"] or 0) for r in rows]
    positions = range(len(rows))
    ax.barh([p - 0.2 for p in positions], allocated, height=0.4, color="#90caf9", label="Phân bổ")
    bars = ax.barh(
        [p + 0.2 for p in positions], disbursed, height=0.4, color="#1565c0", label="Giải ngân"
    )
    labels = [
        MISSING
        if r["disbursed_million_vnd"] is None
        else f"{vn_auto(float(r['disbursement_rate']) * 100 if r['disbursement_rate'] is not None else None, 1)}%"
        for r in rows
    ]
    ax.bar_label(bars, labels=labels, padding=3, fontsize=7)
    ax.set_yticks(list(positions), names)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(VN_TICKS)
    ax.legend(fontsize=7, frameon=False)
    ax.set_xlabel("Triệu đồng")
    return fig


def compliance_chart(data: ReportData) -> MplFigure:
    rows = [r for r in data.compliance if r["is_expected"]]
    fig, ax = plt.subplots(figsize=(7, 2.6))
    if not rows:
        _empty(ax, "Chấp hành chế độ báo cáo")
        return fig
    expected = len(rows)
    received = sum(bool(r["is_received"]) for r in rows)
    on_time = sum(bool(r["is_on_time"]) for r in rows)
    labels = ["Phải báo cáo", "Đã nhận", "Đúng hạn"]
    bars = ax.bar(labels, [expected, received, on_time], color=["#9e9e9e", "#1565c0", "#2e7d32"])
    ax.bar_label(bars, labels=[vn_number(v) for v in (expected, received, on_time)], padding=2)
    ax.yaxis.set_major_formatter(VN_TICKS)
    ax.set_ylabel("Số báo cáo của cơ quan")
    return fig


def national_chart(data: ReportData) -> MplFigure:
    seen: dict[str, dict] = {}
    for row in data.national:
        key = f"{row['national_indicator_id']}/{row['figure_id'] or row['indicator_code']}"
        if (
            key not in seen
            and row["value"] is not None
            and row["national_target_value"] is not None
        ):
            seen[key] = row
    rows = list(seen.values())[:12]
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(rows) + 1.2))
    if not rows:
        _empty(ax, "So với mục tiêu quốc gia")
        return fig
    names = [_short(r["national_name_vi"] or r["national_indicator_id"], 40) for r in rows]
    values = [float(r["value"]) for r in rows]
    targets = [float(r["national_target_value"]) for r in rows]
    positions = list(range(len(rows)))
    bars = ax.barh(positions, values, height=0.5, color="#1565c0", label="Số liệu của tỉnh")
    ax.scatter(
        targets, positions, marker="|", s=400, color="#c62828", label="Mục tiêu quốc gia", zorder=3
    )
    units = ["%" if "percent" in str(r["national_unit"]) else "" for r in rows]
    ax.bar_label(
        bars, labels=[vn_auto(v) + u for v, u in zip(values, units)], padding=3, fontsize=7
    )
    ax.set_yticks(positions, names)
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.xaxis.set_major_formatter(VN_TICKS)
    ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=2)
    return fig


CHARTS: tuple[tuple[str, str, Callable[[ReportData], MplFigure]], ...] = (
    ("task-status", "Biểu đồ 1. Tình trạng thực hiện nhiệm vụ", task_status_chart),
    (
        "status-by-agency",
        "Biểu đồ 2. Tình trạng nhiệm vụ theo cơ quan báo cáo",
        status_by_agency_chart,
    ),
    ("indicator-progress", "Biểu đồ 3. Tiến độ các chỉ tiêu", indicator_progress_chart),
    (
        "national",
        "Biểu đồ 4. Số liệu của tỉnh so với mục tiêu quốc gia (Nghị quyết 57)",
        national_chart,
    ),
    ("budget-estimate", "Biểu đồ 5. Kinh phí dự kiến theo dòng ngân sách", budget_estimate_chart),
    ("disbursement", "Biểu đồ 6. Phân bổ và giải ngân theo dự án", disbursement_chart),
    ("compliance", "Biểu đồ 7. Chấp hành chế độ báo cáo trong kỳ", compliance_chart),
)


def build_charts(data: ReportData) -> list[Chart]:
    return [Chart(key, title, make(data)) for key, title, make in CHARTS]
