"""The reporting calendar: which reports a plan asks for and when each is due.

The plans say it in their "Tổ chức thực hiện" section (see ``docs/DOMAIN.md``,
*Reporting calendar*); the reference seed ``seeds/reference/reporting_calendar.csv``
holds those sentences as rows, with the source file and line of each (its
review rule is in ``seeds/reference/README.md``; the warehouse reads the same
file as ``raw.ref_reporting_calendar``). A province
reports under the calendar of its implementation plan: Thái Nguyên, which
took over the Bắc Kạn plan on 2025-07-01, under Bắc Kạn's.

"Before the 20th" (``trước ngày 20``) is read literally: a report is on time
when it is received on a day *before* ``due_before``; received on that day
or later it is late.

A period kind the plan does not ask for (a monthly report in Bắc Kạn) is not
expected; when a simulation is told to produce it anyway, it is given the
deadline of the same kind in the most detailed calendar (Nghệ An 348 /
Lạng Sơn 145), and the second half year, which no plan dates, the 10th of
December by symmetry with the first half's 10th of June.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dagster_project.extract.schema import read_csv_rows
from dagster_project.plans.reference import REFERENCE_TABLES, reference_dir
from dagster_project.submissions.periods import Period, parse_period
from dagster_project.submissions.reference import Plan
from dagster_project.warehouse.paths import SEEDS_DIR

CALENDAR_TABLE = "reporting_calendar"
CALENDAR_FILE = reference_dir(SEEDS_DIR) / f"{CALENDAR_TABLE}.csv"
# The layout the warehouse loads into raw.ref_reporting_calendar: one definition for both.
CALENDAR_COLUMNS = REFERENCE_TABLES[CALENDAR_TABLE]
PERIOD_KINDS = ("month", "quarter", "half_year", "year")
# What `nq57 simulate --periods` accepts, and the period kind each means.
PERIOD_CHOICES: dict[str, str] = {
    "monthly": "month",
    "quarterly": "quarter",
    "6-monthly": "half_year",
    "annual": "year",
}


@dataclass(frozen=True)
class DueRule:
    """One sentence of a plan's calendar: a kind of report and the day it is due before.

    ``due_month`` None means the period's own last month (``trước ngày 20 hàng
    tháng``, ``trước ngày 10 tháng cuối Quý``). ``period_part`` narrows a half
    year rule to ``H1`` or ``H2``.
    """

    plan_id: str
    period_kind: str
    period_part: str | None
    due_month: int | None
    due_day: int
    source: str

    def applies_to(self, period: Period) -> bool:
        if period.kind != self.period_kind:
            return False
        return self.period_part is None or period.code.endswith(self.period_part)

    def due_before(self, period: Period) -> date:
        month = self.due_month or period.end.month
        return date(period.end.year, month, self.due_day)


# The fallback for kinds a plan does not ask for; see the module docstring.
_FALLBACK: tuple[DueRule, ...] = (
    DueRule("(fallback)", "month", None, None, 20, "Nghệ An 348 / Lạng Sơn 145"),
    DueRule("(fallback)", "quarter", None, None, 10, "Nghệ An 348 / Lạng Sơn 145"),
    DueRule("(fallback)", "half_year", "H1", 6, 10, "Nghệ An 348 / Lạng Sơn 145"),
    DueRule("(fallback)", "half_year", "H2", 12, 10, "symmetry with H1 (10/6)"),
    DueRule("(fallback)", "year", None, 11, 30, "Nghệ An 348 / Lạng Sơn 145"),
)


@dataclass(frozen=True)
class ReportingCalendar:
    """Due rules per plan id."""

    rules: dict[str, tuple[DueRule, ...]]

    def plan_rules(self, plans: Iterable[Plan]) -> tuple[DueRule, ...]:
        """The calendar a province reports under: its earliest implementation plan that has one."""
        ordered = sorted(
            (plan for plan in plans if plan.plan_id in self.rules),
            key=lambda plan: (plan.issue_date or date.max, plan.plan_id),
        )
        return self.rules[ordered[0].plan_id] if ordered else ()

    def rule_for(self, plans: Iterable[Plan], period: Period) -> tuple[DueRule, bool]:
        """(the rule dating this report, whether the plan asks for it at all)."""
        for rule in self.plan_rules(plans):
            if rule.applies_to(period):
                return rule, True
        return next(rule for rule in _FALLBACK if rule.applies_to(period)), False


def calendar_file(seeds_dir: Path) -> Path:
    """``<seeds_dir>/reference/reporting_calendar.csv``."""
    return reference_dir(seeds_dir) / f"{CALENDAR_TABLE}.csv"


def read_calendar_rows(path: Path = CALENDAR_FILE) -> list[dict[str, str]]:
    """The calendar's rows, refusing a header the warehouse would refuse too."""
    return read_csv_rows(path, CALENDAR_COLUMNS, f"{CALENDAR_TABLE} reference")


def load_calendar(path: Path = CALENDAR_FILE) -> ReportingCalendar:
    rules: dict[str, list[DueRule]] = {}
    for row in read_calendar_rows(path):
        if row["period_kind"] not in PERIOD_KINDS:
            raise ValueError(f"{path}: unknown period_kind {row['period_kind']!r}")
        rules.setdefault(row["plan_id"], []).append(
            DueRule(
                row["plan_id"],
                row["period_kind"],
                row["period_part"] or None,
                int(row["due_month"]) if row["due_month"] else None,
                int(row["due_day"]),
                f"{row['source_file']}:{row['source_line']}",
            )
        )
    return ReportingCalendar({plan_id: tuple(found) for plan_id, found in rules.items()})


def periods_between(start: date, end: date, kinds: Iterable[str]) -> Iterator[Period]:
    """Every period of the given kinds that overlaps [start, end], in order of end date.

    Ordered by end date, then by length (a month before the quarter ending the
    same day), so files come out in the order agencies would send them.
    """
    wanted = set(kinds)
    found: list[Period] = []
    for year in range(start.year, end.year + 1):
        candidates = [f"{year}"] + [f"{year}-H{h}" for h in (1, 2)]
        candidates += [f"{year}-Q{q}" for q in range(1, 5)]
        candidates += [f"{year}-{m:02d}" for m in range(1, 13)]
        for code in candidates:
            period = parse_period(code)
            if period.kind in wanted and period.end >= start and period.start <= end:
                found.append(period)
    yield from sorted(found, key=lambda p: (p.end, p.end - p.start, p.code))
