"""Issue 3's done-when facts, queried in the session's real build (``dagster_build``).

The warehouse is the one ``build_warehouse`` published from the committed
seeds; owners "today" are resolved for the day of the build (dbt var
``as_of_date`` unset). A second dbt run on a copy shows the same tasks
resolved for an earlier day, and one on a doctored copy shows the dbt tests
on the new marts failing.
"""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from fixtures.marts import REFERENCE_MARTS

from dagster_project.warehouse.dbt_project import parsed_manifest
from dagster_project.warehouse.dbt_runner import run_dbt
from dagster_project.warehouse.paths import DBT_PROJECT_DIR, warehouse_env
from dagster_project.warehouse.row_counts import mart_tables

NGHE_AN = "nghe-an-348-2025"
BAC_KAN = "bac-kan-131-2025"


@pytest.fixture(scope="module")
def published(dagster_build) -> Path:
    assert dagster_build.result.success, "the session's build_warehouse run failed"
    return dagster_build.published


@pytest.fixture
def warehouse(published):
    con = duckdb.connect(str(published), read_only=True)
    yield con
    con.close()


def test_the_new_marts_are_published_with_rows(warehouse):
    assert set(mart_tables(warehouse)) >= REFERENCE_MARTS
    for mart in REFERENCE_MARTS:
        assert warehouse.execute(f'select count(*) from marts."{mart}"').fetchone()[0] > 0, mart


def test_nghe_an_dti_targets_are_read_year_by_year(warehouse):
    targets = warehouse.execute(
        "select target_year, target_text, comparator, target_low, target_high, parse_status "
        "from marts.fct_indicator_targets where plan_id = ? and indicator_code = ? "
        "order by target_year",
        [NGHE_AN, "38"],
    ).fetchall()

    assert [(year, comparator, low) for year, _, comparator, low, _, _ in targets] == [
        (2025, ">=", Decimal("0.6")),
        (2030, ">=", Decimal("0.75")),
        (2035, ">=", Decimal("0.85")),
        (2040, ">=", Decimal("0.92")),
        (2045, "=", Decimal("1")),
    ]
    assert [text for _, text, *_ in targets] == ["≥ 0.60", "≥ 0.75", "≥ 0.85", "≥ 0.92", "1,0"]
    assert all(low == high and status == "parsed" for _, _, _, low, high, status in targets)


def test_bac_kan_5_at_most_55_is_lower_is_better(warehouse):
    direction, unit, target_text, comparator, bound = warehouse.execute(
        "select i.direction, i.unit, t.target_text, t.comparator, t.target_high "
        "from marts.dim_indicators as i join marts.fct_indicator_targets as t "
        "using (plan_id, indicator_code) where plan_id = ? and indicator_code = ?",
        [BAC_KAN, "5"],
    ).fetchone()

    assert (direction, unit) == ("lower_is_better", "rank")
    assert (target_text, comparator, bound) == ("<=55", "<=", Decimal("55"))


def test_bac_kan_task_70_cut_off_deadline_is_invalid_and_kept(warehouse):
    task = warehouse.execute(
        "select deadline_text, deadline_parse_status, due_date, recurrence "
        "from marts.fct_tasks where plan_id = ? and task_code = ?",
        [BAC_KAN, "70"],
    ).fetchone()

    assert task == ("Tháng 11/202", "invalid", None, None)


def test_a_so_thong_tin_truyen_thong_task_is_now_so_khoa_hoc_cong_nghe(warehouse):
    owners = warehouse.execute(
        "select t.lead_agency_id, t.current_lead_agency_id, a.agency_name, "
        "t.current_lead_as_of_date "
        "from marts.fct_tasks as t "
        "join marts.bridge_task_agencies as b using (plan_id, task_key) "
        "join marts.dim_agencies as a on a.agency_id = t.current_lead_agency_id "
        "where b.role = 'lead' and b.fragment = ?",
        ["Sở Thông tin và Truyền thông"],
    ).fetchall()

    assert owners, "no task is led by Sở Thông tin và Truyền thông"
    for lead, current, name, as_of in owners:
        assert lead.endswith(":so-tttt")
        assert current.endswith(":so-khcn")
        assert name == "Sở Khoa học và Công nghệ"
        # The build day (dbt's current_date); a run across midnight may be a day behind.
        assert 0 <= (date.today() - as_of).days <= 1


def test_bac_kan_tasks_now_belong_to_thai_nguyen_agencies(warehouse):
    provinces = warehouse.execute(
        "select distinct a.province_id from marts.fct_tasks as t "
        "join marts.dim_agencies as a on a.agency_id = t.current_lead_agency_id "
        "where t.plan_id = ?",
        [BAC_KAN],
    ).fetchall()
    holders = warehouse.execute(
        "select distinct a.province_id from marts.bridge_task_agencies as b "
        "join marts.dim_agencies as a on a.agency_id = b.current_agency_id "
        "where b.plan_id = ?",
        [BAC_KAN],
    ).fetchall()
    group_led = warehouse.execute(
        "select task_key, lead_agency_text from marts.fct_tasks "
        "where plan_id = ? and current_lead_agency_id is null",
        [BAC_KAN],
    ).fetchall()

    assert provinces == [("thai-nguyen",)]
    assert holders == [("thai-nguyen",)]
    # Tasks led by a group ("Các sở, ngành") have no single owner to move.
    assert group_led and all(text == "Các sở, ngành" for _, text in group_led)


def test_bac_kan_is_absorbed_by_thai_nguyen(warehouse):
    row = warehouse.execute(
        "select valid_to, successor_province_id, current_province_id "
        "from marts.dim_provinces where province_id = 'bac-kan'"
    ).fetchone()

    assert row == (date(2025, 6, 30), "thai-nguyen", "thai-nguyen")


def test_printed_text_sits_next_to_every_parsed_value(warehouse):
    counts = warehouse.execute(
        "select "
        "(select count(*) from marts.fct_indicator_targets), "
        "(select count(*) from raw.indicator_targets), "
        "(select count(*) from marts.fct_indicator_targets "
        " where target_text is null or parse_status is null), "
        "(select count(*) from marts.fct_tasks), "
        "(select count(*) from raw.tasks), "
        "(select count(*) from marts.fct_tasks "
        " where deadline_text is null or deadline_parse_status is null)"
    ).fetchone()

    targets, raw_targets, targets_unpaired, tasks, raw_tasks, tasks_unpaired = counts
    assert (targets, tasks) == (raw_targets, raw_tasks)
    assert (targets_unpaired, tasks_unpaired) == (0, 0)


def test_no_agency_name_of_the_seeds_is_quarantined(warehouse):
    assert warehouse.execute("select count(*) from parsed.agency_quarantine").fetchone() == (0,)
    unled = warehouse.execute(
        "select count(*) from marts.fct_tasks where lead_assignment_count = 0"
    ).fetchone()
    assert unled == (0,)


def test_digital_economy_targets_sit_next_to_the_national_30_percent(warehouse):
    rows = warehouse.execute(
        "select plan_id, target_text, unit, national_unit, target_low_minus_national "
        "from marts.mart_targets_vs_national "
        "where national_indicator_id = 'digital-economy-gdp-2030' and is_same_target_year "
        "order by plan_id"
    ).fetchall()

    assert rows == [
        (BAC_KAN, "≥ 20", "percent_grdp", "percent_gdp", Decimal("-10")),
        (NGHE_AN, "20% GRDP", "percent_grdp", "percent_gdp", Decimal("-10")),
    ]


def test_nghe_an_62_maps_to_both_national_horizons(warehouse):
    national, count = warehouse.execute(
        "select national_indicator_id, national_indicator_count from marts.dim_indicators "
        "where plan_id = ? and indicator_code = ?",
        [NGHE_AN, "62"],
    ).fetchone()

    assert (national, count) == ("digital-economy-gdp-2030", 2)


def copy_warehouse(published: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy" / published.name
    copy.parent.mkdir()
    shutil.copyfile(published, copy)
    return copy


def dbt_build(warehouse: Path, target: Path, *args: str) -> dict[tuple[str, str], str]:
    """``dbt build`` on ``warehouse``; the status of each node by (type, name).

    In this process with the manifest parsed for builds (``parsed_manifest``), as
    ``nq57 build``'s dbt step runs it: no dbt process to start, no parse of its own.
    """
    command = [
        "build",
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(target),
        "--quiet",
    ]
    manifest = parsed_manifest(warehouse)
    with warehouse_env(warehouse):
        outcome = run_dbt(command, manifest_object=manifest)
    assert outcome.result is not None, outcome.exception
    statuses = {}
    for result in outcome.result.results:
        resource_type, _, name = result.node.unique_id.split(".")[:3]
        statuses[(resource_type, name)] = str(result.status.value)
    return statuses


def test_owners_resolve_for_any_as_of_date(published, tmp_path: Path):
    copy = copy_warehouse(published, tmp_path)

    statuses = dbt_build(
        copy,
        tmp_path / "dbt-target",
        "--select",
        "int_agencies_succeeded+",
        "--vars",
        "{as_of_date: '2025-03-15'}",
    )

    assert statuses[("model", "fct_tasks")] == "success"
    with duckdb.connect(str(copy), read_only=True) as con:
        owner = con.execute(
            "select current_lead_agency_id, current_lead_as_of_date from marts.fct_tasks "
            "where plan_id = ? and task_key = ?",
            [BAC_KAN, "IV.39"],
        ).fetchone()
    # In March 2025 the merged department's task was Bắc Kạn's Sở KH&CN's, not yet Thái Nguyên's.
    assert owner == ("bac-kan:so-khcn", date(2025, 3, 15))


def test_broken_lineage_and_bridge_rows_fail_dbt_tests(published, tmp_path: Path):
    copy = copy_warehouse(published, tmp_path)
    with duckdb.connect(str(copy)) as con:
        # A merged department whose successor agency_lineage.csv does not confirm.
        con.execute(
            "update raw.ref_agencies set successor_agency_id = ? where agency_id = ?",
            ["nghe-an:so-noi-vu", "nghe-an:so-tttt"],
        )
        # An assignment naming both an agency and a group, for a task that does not exist.
        con.execute(
            "update parsed.task_agencies set group_id = ?, task_key = ? "
            "where plan_id = ? and task_key = ? and role = 'lead'",
            ["so-ban-nganh", "IX.99", NGHE_AN, "I.2"],
        )
        # A target the parser never saw: its parse columns come out null.
        con.execute(
            "delete from parsed.indicator_targets where plan_id = ? and indicator_code = ?",
            [NGHE_AN, "38"],
        )

    # What the three edited tables feed, and its tests: the rest of the copy is as published.
    statuses = dbt_build(
        copy,
        tmp_path / "dbt-target",
        "--select",
        "source:reference.ref_agencies+ source:parsed.task_agencies+"
        " source:parsed.indicator_targets+",
    )

    assert statuses[("test", "assert_agency_successors_follow_the_lineage")] == "fail"
    assert statuses[("test", "assert_bridge_rows_name_one_agency_or_one_group")] == "fail"
    assert statuses[("test", "assert_bridge_task_agencies_name_a_task")] == "fail"
    assert statuses[("test", "not_null_fct_indicator_targets_parse_status")] == "fail"
    assert statuses[("model", "bridge_task_agencies")] == "success"
