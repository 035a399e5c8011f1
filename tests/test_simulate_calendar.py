"""The reporting calendar read from the plans: when each report is due, which are expected."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dagster_project.plans.reference import REFERENCE_TABLES, reference_dir
from dagster_project.simulate.calendar import (
    CALENDAR_FILE,
    calendar_file,
    load_calendar,
    periods_between,
)
from dagster_project.simulate.provinces import provinces_2025
from dagster_project.submissions.periods import parse_period
from dagster_project.submissions.reference import Plan
from dagster_project.warehouse.paths import SEEDS_DIR

NGHE_AN = Plan("nghe-an-348-2025", "nghe-an", date(2025, 5, 14), "implementation_plan")
LAI_CHAU = Plan("lai-chau-khong-so-2025", "lai-chau", date(2025, 2, 14), "implementation_plan")
BAC_KAN = Plan("bac-kan-131-2025", "bac-kan", date(2025, 2, 28), "implementation_plan")
LANG_SON_BUDGET = Plan("lang-son-234-2025", "lang-son", date(2025, 9, 5), "budget_plan")
LANG_SON = Plan("lang-son-145-2025", "lang-son", date(2025, 5, 28), "implementation_plan")


@pytest.mark.parametrize(
    ("plans", "period", "due_before", "expected"),
    [
        ([NGHE_AN], "2026-03", date(2026, 3, 20), True),
        ([NGHE_AN], "2026-Q1", date(2026, 3, 10), True),
        ([NGHE_AN], "2026-H1", date(2026, 6, 10), True),
        ([NGHE_AN], "2026", date(2026, 11, 30), True),
        ([LAI_CHAU], "2026-H1", date(2026, 6, 15), True),
        ([LAI_CHAU], "2026-H2", date(2026, 12, 1), True),
        ([BAC_KAN], "2026-H1", date(2026, 6, 1), True),
        ([BAC_KAN], "2026", date(2026, 11, 15), True),
        # Bắc Kạn asks for no monthly report: the fallback dates it, but it is not expected.
        ([BAC_KAN], "2026-03", date(2026, 3, 20), False),
        ([NGHE_AN], "2026-H2", date(2026, 12, 10), False),
        # A province reports under its implementation plan's calendar, not its budget plan's.
        ([LANG_SON_BUDGET, LANG_SON], "2025-10", date(2025, 10, 20), True),
    ],
)
def test_due_date_follows_the_plan_calendar(plans, period, due_before, expected):
    rule, is_expected = load_calendar().rule_for(plans, parse_period(period))
    assert rule.due_before(parse_period(period)) == due_before
    assert is_expected is expected


def test_every_calendar_rule_cites_its_source_line():
    calendar = load_calendar()
    rules = [rule for found in calendar.rules.values() for rule in found]
    assert len(rules) == 12
    assert all(rule.source.split(":")[1].isdigit() for rule in rules)


def test_the_calendar_is_the_reference_seed_the_warehouse_loads():
    # One file: the simulator dates reports by what raw.ref_reporting_calendar holds.
    assert calendar_file(SEEDS_DIR) == CALENDAR_FILE
    assert CALENDAR_FILE.parent == reference_dir(SEEDS_DIR)
    assert CALENDAR_FILE.stem in REFERENCE_TABLES


def test_a_calendar_with_another_header_is_refused(tmp_path: Path):
    path = tmp_path / "reporting_calendar.csv"
    text = CALENDAR_FILE.read_text(encoding="utf-8")
    path.write_text(text.replace("due_day", "day", 1), encoding="utf-8")
    with pytest.raises(ValueError, match="header is"):
        load_calendar(path)


def test_periods_between_come_in_sending_order():
    codes = [
        p.code for p in periods_between(date(2026, 2, 1), date(2026, 3, 31), ["month", "quarter"])
    ]
    assert codes == ["2026-02", "2026-03", "2026-Q1"]


def test_the_34_provinces_of_2025_are_listed_once():
    ids = [province.province_id for province in provinces_2025()]
    assert len(ids) == 34 == len(set(ids))
    unchanged = [p for p in provinces_2025() if p.formed_from == (p.province_name,)]
    assert len(unchanged) == 11
