"""The public progress site: static pages from the published warehouse, readable offline.

``index.html`` lists the provinces; ``tinh/<province>.html`` shows a province's
task status, budget and reporting compliance; ``chi-tieu/<plan>--<code>.html``
shows an indicator's actuals against each horizon's target and the national
target, with the source of every value. Every table links to its column
documentation in the dbt docs written beside the site (``dbt-docs/``). No
script, font or image is fetched at view time: the style sheet is one local
file and the charts are inline SVG.
"""

from __future__ import annotations

import functools
import re
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from dagster_project.semantics.display import MISSING, TEMPLATE_FILTERS, vn_auto, vn_date

from .figures import (
    PROGRESS_VI,
    STAGE_VI,
    STATUS_ORDER,
    STATUS_VI,
    connect,
    source_ref,
    submission_ref,
)
from .render import atomic_write
from .svg import bar_chart, line_chart

STATUS_COLORS = ("#2e7d32", "#9ccc65", "#fbc02d", "#c62828", "#9e9e9e")
DBT_DOCS_DIR = "dbt-docs"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def docs_link(model: str, prefix: str) -> str:
    """The dbt docs page of a mart (its columns and lineage)."""
    return f"{prefix}{DBT_DOCS_DIR}/index.html#!/model/model.nq57.{model}"


def indicator_page(plan_id: str, code: str) -> str:
    return f"chi-tieu/{_UNSAFE.sub('_', plan_id)}--{_UNSAFE.sub('_', code)}.html"


@functools.lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("dagster_project.reporting", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True,
    )
    env.filters.update(
        TEMPLATE_FILTERS,
        source_ref=lambda row: source_ref(row.get("source_file"), row.get("source_line")),
        submission_ref=lambda row: submission_ref(row.get("source_file"), row.get("source_row")),
    )
    env.globals.update(
        MISSING=MISSING,
        STATUS_VI=STATUS_VI,
        STATUS_ORDER=STATUS_ORDER,
        PROGRESS_VI=PROGRESS_VI,
        STAGE_VI=STAGE_VI,
        docs_link=docs_link,
    )
    return env


def _rows(con: Any, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _group(rows: list[dict[str, Any]], *keys: str) -> dict[Any, list[dict[str, Any]]]:
    grouped: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys)].append(row)
    return grouped


@dataclass
class SiteResult:
    out: Path
    provinces: int
    indicators: int
    pages: int
    dbt_docs: Path | None


def load_site_data(warehouse: Path) -> dict[str, Any]:
    with connect(warehouse) as con:
        return {
            "provinces": _rows(
                con,
                """
                select province_id, province_name, province_kind from marts.dim_provinces
                where valid_to is null order by province_name""",
            ),
            "plans": _rows(
                con,
                """
                select coalesce(v.current_province_id, v.province_id) as province_id, p.*
                from marts.dim_plans as p
                inner join marts.dim_provinces as v using (province_name)
                order by p.issue_date, p.plan_id""",
            ),
            "agencies": dict(
                con.execute(
                    "select agency_id, any_value(agency_name) from marts.dim_agencies group by 1"
                ).fetchall()
            ),
            "status": _rows(
                con,
                """
                select province_id, reporting_agency_id, derived_status
                from marts.fct_task_status where is_latest
                qualify row_number() over (
                    partition by plan_id, task_key, reporting_agency_id
                    order by period_end desc, ingest_seq desc, source_row) = 1""",
            ),
            "budget": _rows(
                con,
                """
                select coalesce(v.current_province_id, v.province_id) as province_id, b.*
                from marts.fct_budget_lines as b
                inner join marts.dim_plans as p using (plan_id)
                inner join marts.dim_provinces as v on v.province_name = p.province_name
                where b.stage = 'estimate'
                order by b.fiscal_year nulls last, b.budget_line_id""",
            ),
            "execution": _rows(
                con,
                """
                select * from marts.fct_budget_execution
                qualify row_number() over (
                    partition by budget_key order by as_of_date desc, received_at desc) = 1
                order by province_id, budget_line_id""",
            ),
            "compliance": _rows(
                con,
                """
                select province_id, agency_id, count(*) filter (where is_expected) as expected,
                    count(*) filter (where is_expected and is_received) as received,
                    count(*) filter (where is_expected and is_on_time) as on_time
                from marts.mart_reporting_compliance group by all order by 1, 2""",
            ),
            "indicators": _rows(
                con,
                """
                select coalesce(v.current_province_id, v.province_id) as province_id, i.*,
                    n.name_vi as national_name, n.target_year as national_year,
                    n.comparator as national_comparator, n.target_value as national_value,
                    n.unit as national_unit
                from marts.dim_indicators as i
                inner join marts.dim_plans as p using (plan_id)
                inner join marts.dim_provinces as v on v.province_name = p.province_name
                left join marts.dim_national_indicators as n using (national_indicator_id)
                order by i.plan_id, i.indicator_code""",
            ),
            "targets": _rows(
                con,
                """
                select plan_id, indicator_code, target_year, target_text, comparator,
                    target_low, unit, parse_status, source_file, source_line
                from marts.fct_indicator_targets order by plan_id, indicator_code, target_year""",
            ),
            "actuals": _rows(
                con,
                """
                select plan_id, indicator_code, reporting_agency_id, period, as_of_date,
                    value_text, value, source_file, source_row
                from marts.fct_indicator_actuals
                where is_latest and item_kind = 'plan_indicator'
                order by plan_id, indicator_code, as_of_date""",
            ),
            "progress": _rows(con, "select * from marts.mart_indicator_progress"),
        }


def _status_chart(rows: list[dict[str, Any]], title: str) -> str:
    counts = [sum(r["derived_status"] == s for r in rows) for s in STATUS_ORDER]
    return bar_chart([STATUS_VI[s] for s in STATUS_ORDER], counts, list(STATUS_COLORS), title)


def _year_fraction(day: Any) -> float:
    if isinstance(day, datetime):
        day = day.date()
    return day.year + (day.timetuple().tm_yday - 1) / 366


def write_site(warehouse: Path, out: Path, *, dbt_docs: bool = True) -> SiteResult:
    data = load_site_data(warehouse)
    env = environment()
    published = datetime.fromtimestamp(warehouse.stat().st_mtime, tz=UTC)
    out.mkdir(parents=True, exist_ok=True)
    (out / "tinh").mkdir(exist_ok=True)
    (out / "chi-tieu").mkdir(exist_ok=True)
    shutil.copyfile(Path(__file__).with_name("templates") / "site.css", out / "site.css")
    common = {"published": published, "warehouse": warehouse.name}
    pages = 0

    plans = _group(data["plans"], "province_id")
    status = _group(data["status"], "province_id")
    budget = _group(data["budget"], "province_id")
    execution = _group(data["execution"], "province_id")
    compliance = _group(data["compliance"], "province_id")
    indicators = _group(data["indicators"], "province_id")
    targets = _group(data["targets"], "plan_id", "indicator_code")
    actuals = _group(data["actuals"], "plan_id", "indicator_code")
    progress = _group(data["progress"], "plan_id", "indicator_code")

    summaries = []
    for province in data["provinces"]:
        pid = province["province_id"]
        p_status = status.get(pid, [])
        p_budget = budget.get(pid, [])
        ids = {r["budget_line_id"] for r in p_budget}
        top_lines = [r for r in p_budget if r["parent_budget_line_id"] not in ids]
        p_compliance = compliance.get(pid, [])
        expected = sum(r["expected"] for r in p_compliance)
        summary = {
            **province,
            "plans": plans.get(pid, []),
            "tasks_reported": len(p_status) if p_status else None,
            "overdue": sum(r["derived_status"] == "not_done_overdue" for r in p_status)
            if p_status
            else None,
            "expected": expected or None,
            "received": sum(r["received"] for r in p_compliance) if expected else None,
            "on_time": sum(r["on_time"] for r in p_compliance) if expected else None,
            "indicators": len(indicators.get(pid, [])),
        }
        summaries.append(summary)
        p_execution = execution.get(pid, [])
        page = env.get_template("site_province.html.j2").render(
            **common,
            prefix="../",
            province=summary,
            status_chart=_status_chart(
                p_status, f"Tình trạng nhiệm vụ - {province['province_name']}"
            ),
            status_rows=p_status,
            by_agency=_count_by_agency(p_status, data["agencies"]),
            budget=p_budget,
            top_lines=top_lines,
            execution=p_execution,
            compliance=[
                {**r, "agency_name": data["agencies"].get(r["agency_id"], r["agency_id"])}
                for r in p_compliance
            ],
            indicators=[
                {**i, "page": "../" + indicator_page(i["plan_id"], i["indicator_code"])}
                for i in indicators.get(pid, [])
            ],
        )
        atomic_write(out / "tinh" / f"{pid}.html", page.encode("utf-8"))
        pages += 1

    indicator_count = 0
    for indicator in data["indicators"]:
        key = (indicator["plan_id"], indicator["indicator_code"])
        values = [a for a in actuals.get(key, []) if a["value"] is not None]
        horizon = [t for t in targets.get(key, []) if t["target_low"] is not None]
        series = [
            (
                _year_fraction(a["as_of_date"]),
                float(a["value"]),
                f"{a['value_text']} ({vn_date(a['as_of_date'])}) - {submission_ref(a['source_file'], a['source_row'])}",
            )
            for a in values
        ]
        marks = [
            (
                float(t["target_year"]),
                float(t["target_low"]),
                f"{t['target_text']} ({t['target_year']}) - {source_ref(t['source_file'], t['source_line'])}",
            )
            for t in horizon
            if str(t["target_year"]).isdigit()
        ]
        national = None
        if indicator["national_value"] is not None and indicator["national_year"]:
            national = (
                float(indicator["national_year"]),
                float(indicator["national_value"]),
                f"{indicator['national_comparator']} {vn_auto(indicator['national_value'])} ({indicator['national_year']}) - Nghị quyết 57-NQ/TW",
            )
        page = env.get_template("site_indicator.html.j2").render(
            **common,
            prefix="../",
            indicator=indicator,
            province_name=next(
                (
                    p["province_name"]
                    for p in data["provinces"]
                    if p["province_id"] == indicator["province_id"]
                ),
                indicator["province_id"],
            ),
            chart=line_chart(
                series,
                marks,
                national,
                f"{indicator['indicator_code']}. {indicator['indicator_name']}",
            ),
            targets=targets.get(key, []),
            actuals=actuals.get(key, []),
            progress=progress.get(key, []),
            agencies=data["agencies"],
        )
        atomic_write(out / indicator_page(*key), page.encode("utf-8"))
        indicator_count += 1
        pages += 1

    docs_index = write_dbt_docs(warehouse, out / DBT_DOCS_DIR) if dbt_docs else None
    index = env.get_template("site_index.html.j2").render(
        **common, prefix="", provinces=summaries, dbt_docs=docs_index is not None
    )
    atomic_write(out / "index.html", index.encode("utf-8"))
    pages += 1
    return SiteResult(out, len(summaries), indicator_count, pages, docs_index)


def _count_by_agency(rows: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    counts: dict[str, dict[str, Any]] = {}
    for row in rows:
        agency = row["reporting_agency_id"]
        entry = counts.setdefault(
            agency,
            {
                "agency_id": agency,
                "agency_name": names.get(agency, agency),
                **dict.fromkeys(STATUS_ORDER, 0),
                "total": 0,
            },
        )
        entry[row["derived_status"]] += 1
        entry["total"] += 1
    return sorted(counts.values(), key=lambda e: e["agency_name"])


class DbtDocsError(RuntimeError):
    """``dbt docs generate`` failed; the message has dbt's output."""


def write_dbt_docs(warehouse: Path, out: Path) -> Path:
    """``dbt docs generate --static`` for the published warehouse, as ``out/index.html``.

    dbt opens its database for writing, so it runs on a copy of the published
    file in a temporary folder (same file name: dbt records the database name
    from it), never on the published file, and writes its target there too.
    It runs in this process with the manifest the builds parsed, so it
    neither starts an interpreter nor parses the project.
    """
    # Imported here: dbt and dagster-dbt cost seconds of start-up the other site steps do not need.
    from dagster_project.warehouse.dbt_project import DbtParseError, run_dbt_on

    with tempfile.TemporaryDirectory(prefix="nq57-dbt-docs-") as scratch:
        copy = Path(scratch) / "warehouse" / warehouse.name
        copy.parent.mkdir()
        shutil.copyfile(warehouse, copy)
        target = Path(scratch) / "target"
        try:
            run_dbt_on(copy, "docs", "generate", "--static", "--target-path", str(target))
        except DbtParseError as error:
            raise DbtDocsError(f"dbt docs generate --static failed:\n{error}") from error
        static = target / "static_index.html"
        if not static.is_file():
            raise DbtDocsError(f"dbt docs generate --static wrote no {static.name} in {target}")
        out.mkdir(parents=True, exist_ok=True)
        atomic_write(out / "index.html", offline_safe(static.read_text(encoding="utf-8")).encode())
    return out / "index.html"


def offline_safe(page: str) -> str:
    """dbt's page with its menu icons bound the Angular way, so ``file://`` loads no bad URL.

    dbt-docs writes ``<use xlink:href="{{ getIcon(...) }}">`` in its templates;
    the browser fetches the literal ``{{ ... }}`` URL before Angular fills it
    in, which from ``file://`` is a refused load and a console error on every
    page. ``ng-attr-xlink:href`` sets the attribute only once it is filled in.
    Its favicon link is a webpack expression left unexpanded
    (``${require(...)}``), a missing file; it becomes an empty data URL.
    """
    page = page.replace('xlink:href="{{ getIcon(', 'ng-attr-xlink:href="{{ getIcon(')
    return page.replace("href=\"${require('./assets/favicons/favicon.ico')}\"", 'href="data:,"')
