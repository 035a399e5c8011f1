"""The report as a format-neutral document: header, sections of paragraphs, tables and charts.

The HTML and Word renderers draw the same :class:`Document`, so the three
formats say the same thing. The layout follows Nghị định 30/2020/NĐ-CP
(Phụ lục I, mẫu 1.3 for a báo cáo): the issuing body and its superior at the
top left, the national motto at the top right, the number, the place and
date, the title, sections numbered I, II, ... and 1, 2, ..., "Nơi nhận" and
the signature block. Every number in the text carries its reference
(``[n]``) to the traceability appendix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dagster_project.semantics.display import (
    MISSING,
    is_missing,
    vn_auto,
    vn_date,
    vn_datetime,
    vn_number,
    vn_percent,
)

from .figures import (
    PROGRESS_VI,
    STAGE_VI,
    STATUS_ORDER,
    STATUS_VI,
    Figure,
    ReportData,
    plan_label,
    source_ref,
    submission_ref,
)

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
KIND_WORD = {"province": "tỉnh", "city": "thành phố"}
DIRECTION_VI = {"higher_is_better": "càng cao càng tốt", "lower_is_better": "càng thấp càng tốt"}
MAX_LISTED = 40


@dataclass
class Paragraph:
    text: str


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass
class ChartRef:
    key: str


@dataclass
class Section:
    title: str
    blocks: list[Any] = field(default_factory=list)


@dataclass
class Document:
    superior: str
    issuer: str
    number: str
    place_date: str
    title: str
    subtitle: str
    sections: list[Section]
    recipients: list[str]
    signer_title: str
    appendix: Table
    figures: list[Figure]
    province_id: str
    period_code: str


def period_words(data: ReportData) -> str:
    period = data.period
    year = period.end.year
    if period.kind == "quarter":
        quarter = (period.end.month - 1) // 3
        return f"quý {ROMAN[quarter]} năm {year}"
    if period.kind == "half_year":
        return f"6 tháng {'đầu' if period.end.month == 6 else 'cuối'} năm {year}"
    if period.kind == "month":
        return f"tháng {period.end.month} năm {year}"
    return f"năm {year}"


def _fig(
    data: ReportData, label: str, value: Any, text: str, mart: str, key: str, source: str
) -> str:
    item = data.figure(label, value, text, mart, key, source)
    return f"{text} {item.ref}"


def _number(data: ReportData, label: str, value: Any, mart: str, key: str, source: str) -> str:
    """A figure written as a Vietnamese number, with its reference."""
    return _fig(data, label, value, vn_number(value), mart, key, source)


def _missing(section: Section, heading: str, chart: str) -> None:
    """``heading: -`` where the warehouse has no rows for it; its chart keeps its place."""
    section.blocks.append(Paragraph(f"{heading}: {MISSING}."))
    section.blocks.append(ChartRef(chart))


def _agency(data: ReportData, agency_id: Any) -> str:
    if not agency_id:
        return MISSING
    name = data.agency_names.get(agency_id)
    return f"{name} ({agency_id})" if name else str(agency_id)


def build_document(data: ReportData, province_kind: str, report_date: date) -> Document:
    kind = KIND_WORD.get(province_kind, "tỉnh")
    sections = [
        _overview(data),
        _tasks(data),
        _indicators(data),
        _budget(data),
        _compliance(data),
        _quality(data),
    ]
    for number, section in enumerate(sections):
        section.title = f"{ROMAN[number]}. {section.title}"
    appendix = Table(
        ["Số", "Số liệu", "Giá trị", "Bảng (mart)", "Khóa dòng", "Nguồn"],
        [[f.ref, f.label, f.text, f"marts.{f.mart}", f.row_key, f.source] for f in data.figures],
        "Phụ lục. Nguồn của từng số liệu trong báo cáo",
    )
    day = report_date
    return Document(
        superior=f"UBND {kind.upper()} {data.province_name.upper()}",
        issuer="SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        number="Số: ....../BC-SKHCN",
        place_date=f"{data.province_name}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}",
        title="BÁO CÁO",
        subtitle=(
            "Kết quả thực hiện Nghị quyết số 57-NQ/TW về đột phá phát triển khoa học, công nghệ, "
            f"đổi mới sáng tạo và chuyển đổi số quốc gia {period_words(data)}"
        ),
        sections=sections,
        recipients=[
            f"UBND {kind} {data.province_name} (để báo cáo);",
            "Bộ Khoa học và Công nghệ (để báo cáo);",
            "Các sở, ban, ngành có liên quan;",
            "Lưu: VT.",
        ],
        signer_title="GIÁM ĐỐC",
        appendix=appendix,
        figures=data.figures,
        province_id=data.province_id,
        period_code=data.period.code,
    )


def _overview(data: ReportData) -> Section:
    section = Section("TỔNG QUAN")
    if data.plans:
        names = "; ".join(
            f"{plan_label(p)} ({source_ref(p['source_file'], p['source_line'])})"
            for p in data.plans
        )
        section.blocks.append(
            Paragraph(f"Báo cáo theo các kế hoạch của {data.province_name}: {names}.")
        )
    else:
        section.blocks.append(
            Paragraph(f"Chưa có kế hoạch nào của {data.province_name} trong kho dữ liệu.")
        )
    files = data.files
    if data.has_submissions:
        received = _number(
            data,
            "Số tệp báo cáo nhận được trong kỳ",
            files["files"],
            "fct_submission_files",
            f"province_id={data.province_id}, period_end trong {data.period.code}",
            "các tệp báo cáo của cơ quan (xem mục VI)",
        )
        section.blocks.append(
            Paragraph(
                f"Trong {period_words(data)} ({vn_date(data.period.start)} - {vn_date(data.period.end)}), "
                f"Sở Khoa học và Công nghệ đã nhận {received} tệp báo cáo của các cơ quan."
            )
        )
    else:
        section.blocks.append(
            Paragraph(
                f"Trong {period_words(data)} chưa nhận được báo cáo nào của các cơ quan: "
                "các số liệu về tình trạng nhiệm vụ, chỉ tiêu, giải ngân và chấp hành chế độ báo cáo "
                f"của kỳ này ghi là \u201c{MISSING}\u201d."
            )
        )
    section.blocks.append(
        Paragraph(
            f"Số liệu lấy từ kho dữ liệu đã công bố ({data.warehouse.name}, công bố lúc "
            f"{vn_datetime(data.published_at)}); mỗi số liệu có số tham chiếu [n] tới Phụ lục, "
            "ghi bảng, khóa dòng và dòng tài liệu nguồn hoặc tệp báo cáo và dòng."
        )
    )
    return section


def _tasks(data: ReportData) -> Section:
    section = Section("TÌNH HÌNH THỰC HIỆN NHIỆM VỤ")
    rows = data.task_status
    if not rows:
        _missing(section, f"1. Tình trạng nhiệm vụ đến hết {period_words(data)}", "task-status")
    else:
        parts = []
        for status in STATUS_ORDER:
            count = sum(r["derived_status"] == status for r in rows)
            if count or status != "deadline_unknown":
                parts.append(
                    STATUS_VI[status].lower()
                    + ": "
                    + _number(
                        data,
                        f"Số nhiệm vụ {STATUS_VI[status].lower()}",
                        count,
                        "fct_task_status",
                        f"province_id={data.province_id}, is_latest, derived_status={status}",
                        "các dòng task_progress của tệp báo cáo (Phụ lục bảng nhiệm vụ)",
                    )
                )
        total = _number(
            data,
            "Số nhiệm vụ có báo cáo tình trạng",
            len(rows),
            "fct_task_status",
            f"province_id={data.province_id}, is_latest, period_end <= {vn_date(data.period.end)}",
            "các dòng task_progress của tệp báo cáo",
        )
        section.blocks.append(
            Paragraph(
                f"1. Đến hết {period_words(data)}, theo báo cáo mới nhất của từng cơ quan, "
                f"có {total} lượt nhiệm vụ được báo cáo; trong đó {'; '.join(parts)}."
            )
        )
        section.blocks.append(ChartRef("task-status"))
        section.blocks.append(
            Table(
                ["Cơ quan báo cáo", *[STATUS_VI[s] for s in STATUS_ORDER], "Tổng"],
                [
                    [
                        _agency(data, r["key"]),
                        *[vn_number(r[s]) for s in STATUS_ORDER],
                        vn_number(r["total"]),
                    ]
                    for r in data.status_by_agency
                ],
                "Bảng 1. Tình trạng nhiệm vụ theo cơ quan",
            )
        )
        section.blocks.append(ChartRef("status-by-agency"))
        section.blocks.append(
            Table(
                ["Nhóm nhiệm vụ", *[STATUS_VI[s] for s in STATUS_ORDER], "Tổng"],
                [
                    [str(r["key"]), *[vn_number(r[s]) for s in STATUS_ORDER], vn_number(r["total"])]
                    for r in data.status_by_group
                ],
                "Bảng 2. Tình trạng nhiệm vụ theo nhóm",
            )
        )
    overdue = data.overdue
    section.blocks.append(
        Paragraph(
            "2. Nhiệm vụ chưa hoàn thành, quá hạn: "
            + (
                _number(
                    data,
                    "Số nhiệm vụ quá hạn",
                    len(overdue),
                    "fct_task_status",
                    f"province_id={data.province_id}, derived_status=not_done_overdue",
                    "các dòng task_progress của tệp báo cáo",
                )
                if rows
                else MISSING
            )
            + "."
        )
    )
    if overdue:
        section.blocks.append(
            Table(
                ["Mã", "Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn", "Báo cáo bởi", "Nguồn"],
                [
                    [
                        str(r["task_code"] or r["task_key"]),
                        str(r["task_name"] or MISSING),
                        _agency(data, r["current_lead_agency_id"])
                        if r["current_lead_agency_id"]
                        else str(r["lead_agency_text"] or MISSING),
                        vn_date(r["due_date"]),
                        _agency(data, r["reporting_agency_id"]),
                        submission_ref(r["source_file"], r["source_row"]),
                    ]
                    for r in overdue[:MAX_LISTED]
                ],
                "Bảng 3. Nhiệm vụ quá hạn"
                + (
                    f" ({MAX_LISTED} đầu tiên trên {vn_number(len(overdue))})"
                    if len(overdue) > MAX_LISTED
                    else ""
                ),
            )
        )
    nxt = data.next_period
    section.blocks.append(
        Paragraph(
            f"3. Cảnh báo sớm: nhiệm vụ đến hạn trong kỳ tới ({vn_date(nxt.start)} - {vn_date(nxt.end)}): "
            + _number(
                data,
                "Số nhiệm vụ đến hạn kỳ tới",
                len(data.due_next),
                "fct_tasks",
                f"plan của {data.province_id}, due_date trong {nxt.code}",
                "cột thời hạn của kế hoạch (từng dòng trong bảng)",
            )
            + "."
        )
    )
    if data.due_next:
        section.blocks.append(
            Table(
                ["Mã", "Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn", "Nguồn"],
                [
                    [
                        str(r["task_code"] or r["task_key"]),
                        str(r["task_name"]),
                        _agency(data, r["current_lead_agency_id"])
                        if r["current_lead_agency_id"]
                        else str(r["lead_agency_text"] or MISSING),
                        vn_date(r["due_date"]),
                        source_ref(r["source_file"], r["source_line"]),
                    ]
                    for r in data.due_next[:MAX_LISTED]
                ],
                "Bảng 4. Nhiệm vụ đến hạn kỳ tới",
            )
        )
    return section


UNIT_VI = {
    "percent": "%",
    "percent_gdp": "% GDP",
    "percent_grdp": "% GRDP",
    "count": "",
    "per_10000_people": "trên 1 vạn dân",
    "per_100000_people": "trên 100.000 dân",
    "percent_population": "% dân số",
    "percent_per_year": "%/năm",
    "percent_state_budget": "% ngân sách nhà nước",
    "index": "điểm",
    "rank": "(thứ hạng)",
    "yes_no": "(có = 1)",
    "million_vnd": "triệu đồng",
    "billion_vnd": "tỷ đồng",
}


def _value(value: Any, unit: Any) -> str:
    if is_missing(value):
        return MISSING
    text = vn_auto(value)
    suffix = UNIT_VI.get(unit, unit or "") if unit else ""
    return f"{text}{suffix}" if suffix.startswith("%") else f"{text} {suffix}".strip()


def _indicators(data: ReportData) -> Section:
    section = Section("KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU")
    rows = data.indicators
    if not rows:
        _missing(section, "1. Tiến độ các chỉ tiêu", "indicator-progress")
    else:
        counts = {k: sum(r["progress_status"] == k for r in rows) for k in PROGRESS_VI}
        text = "; ".join(
            f"{label.lower()}: "
            + _number(
                data,
                f"Số chỉ tiêu {label.lower()}",
                counts[key],
                "mart_indicator_progress",
                f"province_id={data.province_id}, progress_status={key}",
                "giá trị báo cáo mới nhất (Bảng 5)",
            )
            for key, label in PROGRESS_VI.items()
            if counts[key]
        )
        section.blocks.append(
            Paragraph(
                f"1. Có {vn_number(len(rows))} chỉ tiêu có số liệu thực hiện đến hết kỳ; theo giá trị "
                f"mới nhất đã công bố (đến ngày {vn_date(max(r['latest_as_of_date'] for r in rows))}, "
                f"ngày của từng giá trị ghi trong Bảng 5): {text}."
            )
        )
        section.blocks.append(ChartRef("indicator-progress"))
        table_rows = []
        for r in rows[:MAX_LISTED]:
            actual = _fig(
                data,
                f"Chỉ tiêu {r['indicator_code']}: giá trị mới nhất",
                r["latest_value"],
                _value(r["latest_value"], r["unit"]),
                "mart_indicator_progress",
                f"{r['plan_id']} / {r['indicator_code']} / {r['reporting_agency_id']}",
                submission_ref(r["latest_source_file"], r["latest_source_row"]),
            )
            table_rows.append(
                [
                    f"{r['indicator_code']}. {r['indicator_name'] or ''}".strip(),
                    DIRECTION_VI.get(r["direction"], str(r["direction"] or MISSING)),
                    f"{actual} ({vn_date(r['latest_as_of_date'])})",
                    f"{r['target_comparator'] or ''} {_value(r['target_value'], r['unit'])} ({r['target_year'] or MISSING})".strip(),
                    vn_auto(r["actual_rate_per_year"]),
                    vn_auto(r["required_rate_per_year"]),
                    PROGRESS_VI.get(r["progress_status"], str(r["progress_status"])),
                ]
            )
        section.blocks.append(
            Table(
                [
                    "Chỉ tiêu",
                    "Chiều",
                    "Thực hiện mới nhất",
                    "Mục tiêu kế tiếp",
                    "Tốc độ đạt được/năm",
                    "Tốc độ cần/năm",
                    "Đánh giá",
                ],
                table_rows,
                "Bảng 5. Thực hiện so với mục tiêu (tốc độ tính theo chiều của chỉ tiêu)",
            )
        )
    national = data.national
    if not national:
        _missing(section, "2. So sánh với mục tiêu quốc gia của Nghị quyết 57", "national")
    else:
        lines = []
        seen: set[str] = set()
        for r in national:
            key = f"{r['national_indicator_id']}/{r['figure_id'] or r['indicator_code']}"
            if key in seen:
                continue
            seen.add(key)
            value = _fig(
                data,
                f"So với mục tiêu quốc gia {r['national_indicator_id']}",
                r["value"],
                str(r["value_text"]) if r["value_text"] else _value(r["value"], r["national_unit"]),
                "mart_actuals_vs_national",
                f"{r['national_indicator_id']} / {r['figure_id'] or r['indicator_code']} / {r['reporting_agency_id']}",
                submission_ref(r["source_file"], r["source_row"])
                + (
                    f"; tài liệu {source_ref(r['document_file'], r['document_line'])}"
                    if r["document_file"]
                    else ""
                ),
            )
            meets = {True: "đạt", False: "chưa đạt", None: MISSING}[r["meets_national_target"]]
            lines.append(
                [
                    f"{r['national_name_vi'] or r['national_indicator_name_en'] or r['national_indicator_id']}",
                    f"{r['national_comparator'] or ''} {_value(r['national_target_value'], r['national_unit'])} ({r['national_target_year']})",
                    f"{value} ({vn_date(r['as_of_date'])})",
                    meets,
                ]
            )
        section.blocks.append(
            Paragraph(
                f"2. {vn_number(len(lines))} số liệu của tỉnh được đặt cạnh mục tiêu quốc gia của Nghị quyết 57 (Bảng 6)."
            )
        )
        section.blocks.append(
            Table(
                ["Mục tiêu quốc gia", "Mục tiêu", "Số liệu của tỉnh", "Đánh giá"],
                lines[:MAX_LISTED],
                "Bảng 6. So với mục tiêu quốc gia",
            )
        )
        section.blocks.append(ChartRef("national"))
    return section


def _budget_period(row: dict[str, Any]) -> str:
    if row["fiscal_year"] is not None:
        return f"năm {row['fiscal_year']}"
    return f"giai đoạn {row['period_start_year']} - {row['period_end_year']}"


def _budget(data: ReportData) -> Section:
    section = Section("KINH PHÍ THỰC HIỆN")
    estimates = [r for r in data.budget_lines if r["stage"] == "estimate"]
    if not estimates:
        _missing(section, "1. Dự toán kinh phí theo kế hoạch", "budget-estimate")
    by_id = {r["budget_line_id"]: r for r in estimates}
    for top in [r for r in estimates if r["parent_budget_line_id"] not in by_id]:
        children = [r for r in estimates if r["parent_budget_line_id"] == top["budget_line_id"]]

        def money(row: dict[str, Any]) -> str:
            return _number(
                data,
                f"{row['line_name']} ({_budget_period(row)})",
                row["amount_million_vnd"],
                "fct_budget_lines",
                f"{row['budget_line_id']} / {row['stage']}",
                source_ref(row["source_file"], row["source_line"]),
            )

        total = money(top)
        parts = " + ".join(f"{money(c)} ({c['line_name'].lower()})" for c in children)
        section.blocks.append(
            Paragraph(
                f"1. {top['line_name']} ({_budget_period(top)}): {total} triệu đồng"
                + (f" = {parts}." if parts else ".")
            )
        )
    if estimates:
        section.blocks.append(ChartRef("budget-estimate"))
        section.blocks.append(
            Table(
                ["Dòng ngân sách", "Kỳ", "Giai đoạn", "Triệu đồng", "Nguồn"],
                [
                    [
                        str(r["line_name"]),
                        _budget_period(r),
                        STAGE_VI.get(r["stage"], r["stage"]),
                        vn_number(
                            r["amount_million_vnd"],
                            0
                            if r["amount_million_vnd"] is None
                            or float(r["amount_million_vnd"]).is_integer()
                            else 3,
                        ),
                        source_ref(r["source_file"], r["source_line"]),
                    ]
                    for r in estimates[:MAX_LISTED]
                ],
                "Bảng 7. Dự toán kinh phí theo kế hoạch",
            )
        )
    execution = data.budget_execution
    if not execution:
        _missing(section, "2. Phân bổ và giải ngân đến hết kỳ", "disbursement")
    else:
        allocated = sum(float(r["allocated_million_vnd"] or 0) for r in execution)
        disbursed_rows = [r for r in execution if r["disbursed_million_vnd"] is not None]
        disbursed = sum(float(r["disbursed_million_vnd"]) for r in disbursed_rows)
        rate = disbursed / allocated if allocated else None
        section.blocks.append(
            Paragraph(
                "2. Phân bổ và giải ngân (số liệu mới nhất đến hết kỳ): đã phân bổ "
                + _fig(
                    data,
                    "Tổng phân bổ",
                    allocated,
                    vn_auto(allocated, 1),
                    "fct_budget_execution",
                    f"province_id={data.province_id}, dòng mới nhất mỗi budget_key",
                    "các dòng budget_execution (Bảng 8)",
                )
                + " triệu đồng, đã giải ngân "
                + _fig(
                    data,
                    "Tổng giải ngân",
                    disbursed,
                    vn_auto(disbursed, 1),
                    "fct_budget_execution",
                    f"province_id={data.province_id}, dòng mới nhất mỗi budget_key",
                    "các dòng budget_execution (Bảng 8)",
                )
                + " triệu đồng, tỷ lệ giải ngân "
                + _fig(
                    data,
                    "Tỷ lệ giải ngân",
                    rate,
                    vn_percent(rate),
                    "fct_budget_execution",
                    "tổng giải ngân / tổng phân bổ",
                    "Bảng 8",
                )
                + "."
            )
        )
        section.blocks.append(ChartRef("disbursement"))
        section.blocks.append(
            Table(
                [
                    "Dự án / dòng",
                    "Đến ngày",
                    "Phân bổ (triệu đồng)",
                    "Giải ngân (triệu đồng)",
                    "Tỷ lệ",
                    "Báo cáo bởi",
                    "Nguồn",
                ],
                [
                    [
                        str(r["project_name"] or r["budget_line_id"]),
                        vn_date(r["as_of_date"]),
                        vn_auto(r["allocated_million_vnd"], 3),
                        vn_auto(r["disbursed_million_vnd"], 3),
                        vn_percent(r["disbursement_rate"]),
                        _agency(data, r["reporting_agency_id"]),
                        submission_ref(r["source_file"], r["source_row"]),
                    ]
                    for r in execution[:MAX_LISTED]
                ],
                "Bảng 8. Phân bổ và giải ngân",
            )
        )
    return section


def _compliance(data: ReportData) -> Section:
    section = Section("CHẤP HÀNH CHẾ ĐỘ BÁO CÁO")
    rows = [r for r in data.compliance if r["is_expected"]]
    unscheduled = [r for r in data.compliance if not r["is_expected"] and r["is_received"]]
    if unscheduled:
        section.blocks.append(
            Paragraph(
                "Báo cáo nhận được ngoài lịch báo cáo của kỳ: "
                + _number(
                    data,
                    "Số báo cáo nhận ngoài lịch",
                    len(unscheduled),
                    "mart_reporting_compliance",
                    f"province_id={data.province_id}, period={data.period.code}, not is_expected",
                    "fct_submission_files",
                )
                + " ("
                + "; ".join(_agency(data, r["agency_id"]) for r in unscheduled)
                + ")."
            )
        )
    if not rows:
        section.blocks.append(
            Paragraph(
                f"Số báo cáo phải gửi trong kỳ {data.period.code}: {MISSING} (lịch báo cáo không có kỳ này hoặc chưa có cơ quan phải báo cáo)."
            )
        )
        section.blocks.append(ChartRef("compliance"))
        return section
    key = f"province_id={data.province_id}, period={data.period.code}, is_expected"
    expected, received, on_time = (
        _number(data, label, count, "mart_reporting_compliance", key + condition, source)
        for label, count, condition, source in (
            (
                "Số báo cáo phải gửi",
                len(rows),
                "",
                "lịch báo cáo seeds/reference/reporting_calendar.csv",
            ),
            (
                "Số báo cáo đã nhận",
                sum(bool(r["is_received"]) for r in rows),
                ", is_received",
                "fct_submission_files",
            ),
            (
                "Số báo cáo đúng hạn",
                sum(bool(r["is_on_time"]) for r in rows),
                ", is_on_time",
                "fct_submission_files",
            ),
        )
    )
    section.blocks.append(
        Paragraph(
            f"Trong kỳ có {expected} báo cáo phải gửi; đã nhận {received}, trong đó đúng hạn {on_time}."
        )
    )
    section.blocks.append(ChartRef("compliance"))
    section.blocks.append(
        Table(
            ["Cơ quan", "Hạn gửi", "Đã nhận", "Đúng hạn", "Nhận lần đầu", "Tệp bị từ chối"],
            [
                [
                    _agency(data, r["agency_id"]),
                    vn_date(r["due_before"]),
                    "có" if r["is_received"] else "chưa",
                    "có" if r["is_on_time"] else ("không" if r["is_received"] else MISSING),
                    vn_datetime(r["first_received_at"]) if r["first_received_at"] else MISSING,
                    vn_number(r["files_rejected"]),
                ]
                for r in rows
            ],
            "Bảng 9. Chấp hành chế độ báo cáo theo cơ quan",
        )
    )
    return section


def _quality(data: ReportData) -> Section:
    section = Section("GHI CHÚ VỀ CHẤT LƯỢNG DỮ LIỆU")
    files = data.files
    if not data.has_submissions:
        section.blocks.append(Paragraph(f"Tệp báo cáo trong kỳ: {MISSING}."))
    else:
        key = f"province_id={data.province_id}, period_end trong {data.period.code}"
        section.blocks.append(
            Paragraph(
                "Trong kỳ nhận "
                + _number(
                    data,
                    "Số tệp",
                    files["files"],
                    "fct_submission_files",
                    key,
                    "fct_submission_files.source_file",
                )
                + " tệp (bị từ chối cả tệp: "
                + _number(
                    data,
                    "Số tệp bị từ chối",
                    files["rejected"],
                    "fct_submission_files",
                    key + ", status=rejected",
                    "fct_submission_files.source_file",
                )
                + "); "
                + _number(
                    data,
                    "Số dòng đọc vào",
                    files["rows_in"],
                    "fct_submission_files",
                    key,
                    "rows_in của từng tệp",
                )
                + " dòng đọc vào = "
                + _number(
                    data,
                    "Số dòng đã nạp",
                    files["rows_loaded"],
                    "fct_submission_files",
                    key,
                    "rows_loaded của từng tệp",
                )
                + " dòng đã nạp + "
                + _number(
                    data,
                    "Số dòng cách ly",
                    files["rows_quarantined"],
                    "fct_submission_files",
                    key,
                    "rows_quarantined; chi tiết trong fct_submission_quarantine",
                )
                + " dòng cách ly."
            )
        )
        if data.quarantine_by_reason:
            section.blocks.append(
                Table(
                    ["Lý do", "Mã", "Số mục"],
                    [
                        [str(r["reason_vi"]), str(r["reason_code"]), vn_number(r["entries"])]
                        for r in data.quarantine_by_reason
                    ],
                    "Bảng 10. Dòng và tệp bị cách ly theo lý do",
                )
            )
    where = str(data.quality_report) if data.quality_report else MISSING
    section.blocks.append(Paragraph(f"Báo cáo chất lượng dữ liệu của lần công bố: {where}."))
    return section
