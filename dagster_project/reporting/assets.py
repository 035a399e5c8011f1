"""Dagster: the ``reports`` asset group, one report per province × period, and its schedule.

``reports/periodic_report`` is downstream of ``published/warehouse`` and reads
only the published file (read-only, no build lock: a build in progress never
blocks it). Its partitions are the provinces that have a reporting calendar
(``seeds/reference/reporting_calendar.csv``, a merged province under the
calendar of the plan it took over) × the periods those calendars ask for.
``reports_schedule`` runs every morning (Vietnam time) and requests the
reports whose due date (``trước ngày ...``) is :data:`LEAD_DAYS` days away,
so the Sở has them to check before sending.

No ``from __future__ import annotations``: Dagster reads the resource
annotation of the asset function at definition time.
"""

import csv
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    ConfigurableResource,
    MaterializeResult,
    MetadataValue,
    MultiPartitionKey,
    MultiPartitionsDefinition,
    RunRequest,
    ScheduleEvaluationContext,
    StaticPartitionsDefinition,
    asset,
    define_asset_job,
    in_process_executor,
    schedule,
)
from pydantic import Field

from dagster_project.config import REPO_ROOT, SEEDS_DIR, warehouse_path
from dagster_project.semantics.display import ICT
from dagster_project.simulate.calendar import DueRule, load_calendar, periods_between

REPORTS_GROUP = "reports"
PUBLISHED_KEY = AssetKey(["published", "warehouse"])
DEFAULT_REPORTS_DIR = REPO_ROOT / "reports" / "periodic"
FIRST_YEAR, LAST_YEAR = 2025, 2030
LEAD_DAYS = 2


@dataclass(frozen=True)
class ProvinceCalendar:
    province_id: str
    plan_id: str
    rules: tuple[DueRule, ...]


def province_calendars(seeds_dir: Path = SEEDS_DIR) -> list[ProvinceCalendar]:
    """Each province with a calendar, under its earliest dated plan's calendar.

    A province merged in 2025 (Bắc Kạn) hands its plan to its successor
    (Thái Nguyên), as the submissions do.
    """
    calendar = load_calendar(seeds_dir / "reference" / "reporting_calendar.csv")
    with (seeds_dir / "reference" / "provinces.csv").open(encoding="utf-8", newline="") as handle:
        provinces = {row["province_name"]: row for row in csv.DictReader(handle)}
    with (seeds_dir / "plans.csv").open(encoding="utf-8", newline="") as handle:
        plans = [row for row in csv.DictReader(handle) if row["plan_id"] in calendar.rules]
    found: dict[str, ProvinceCalendar] = {}
    for plan in plans:
        province = provinces.get(plan["province_name"])
        if province is None:
            continue
        province_id = province["successor_province_id"] or province["province_id"]
        if province_id not in found:
            found[province_id] = ProvinceCalendar(
                province_id, plan["plan_id"], calendar.rules[plan["plan_id"]]
            )
    return sorted(found.values(), key=lambda c: c.province_id)


def report_periods(calendars: list[ProvinceCalendar]) -> list[str]:
    kinds = {rule.period_kind for c in calendars for rule in c.rules}
    periods = periods_between(date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31), kinds)
    return [p.code for p in periods]


CALENDARS = province_calendars()
REPORT_PARTITIONS = MultiPartitionsDefinition(
    {
        "province": StaticPartitionsDefinition([c.province_id for c in CALENDARS]),
        "period": StaticPartitionsDefinition(report_periods(CALENDARS)),
    }
)


def due_reports(day: date, calendars: list[ProvinceCalendar] = CALENDARS) -> list[tuple[str, str]]:
    """(province, period) of every report due ``LEAD_DAYS`` after ``day`` under its calendar."""
    due = []
    target = day + timedelta(days=LEAD_DAYS)
    for cal in calendars:
        kinds = {rule.period_kind for rule in cal.rules}
        for period in periods_between(day - timedelta(days=400), day + timedelta(days=400), kinds):
            for rule in cal.rules:
                if rule.applies_to(period) and rule.due_before(period) == target:
                    due.append((cal.province_id, period.code))
    return due


class PublishedReports(ConfigurableResource):
    """Where the reports read the published warehouse from and write to."""

    warehouse: str | None = Field(
        default=None, description="Published warehouse (default: $NQ57_WAREHOUSE)."
    )
    out_dir: str | None = Field(
        default=None, description="Report folder (default: reports/periodic/ in the repo)."
    )
    formats: str = Field(default="docx,pdf,html", description="Formats to write.")

    def published(self) -> Path:
        return Path(self.warehouse).resolve() if self.warehouse else warehouse_path()

    def folder(self, province_id: str) -> Path:
        return (Path(self.out_dir) if self.out_dir else DEFAULT_REPORTS_DIR) / province_id


@asset(
    key=AssetKey([REPORTS_GROUP, "periodic_report"]),
    group_name=REPORTS_GROUP,
    deps=[PUBLISHED_KEY],
    partitions_def=REPORT_PARTITIONS,
    description=(
        "The periodic report of a province to its People's Committee for one period "
        "(.docx, .pdf, .html), from the published warehouse."
    ),
)
def periodic_report(
    context: AssetExecutionContext, report_files: PublishedReports
) -> MaterializeResult:
    from .report import make_report, parse_formats  # lazy: matplotlib (start-up cost)

    key = context.partition_key.keys_by_dimension
    result = make_report(
        report_files.published(),
        key["province"],
        key["period"],
        report_files.folder(key["province"]),
        parse_formats(report_files.formats),
    )
    metadata = {
        f"{kind}_path": MetadataValue.path(str(path)) for kind, path in result.paths.items()
    }
    metadata["figures_traced"] = MetadataValue.int(len(result.data.figures))
    metadata["charts"] = MetadataValue.int(result.chart_count)
    metadata["submission_files"] = MetadataValue.int(int(result.data.files.get("files") or 0))
    return MaterializeResult(metadata=metadata)


reports_job = define_asset_job(
    "periodic_reports",
    selection=[periodic_report.key],
    executor_def=in_process_executor,
    description="Write the periodic reports of the provinces from the published warehouse.",
)


@schedule(
    job=reports_job,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Ho_Chi_Minh",
    description=(
        f"Every morning, the reports due in {LEAD_DAYS} days under each province's reporting "
        "calendar (seeds/reference/reporting_calendar.csv)."
    ),
)
def reports_schedule(context: ScheduleEvaluationContext):
    moment = context.scheduled_execution_time or datetime.now(ICT)
    day = moment.astimezone(ICT).date() if moment.tzinfo else moment.date()
    for province_id, period in due_reports(day):
        yield RunRequest(
            run_key=f"{province_id}|{period}|{day.isoformat()}",
            partition_key=MultiPartitionKey({"province": province_id, "period": period}),
            tags={"nq57/report_due": (day + timedelta(days=LEAD_DAYS)).isoformat()},
        )
