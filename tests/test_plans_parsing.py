"""The plans package on whole seed tables: nothing lost, nothing invented, merged cells marked.

The cell-level parsers are tested in tests/test_semantics_*.py; here the
tables built from them are: one parsed row per seed row with the printed text
kept, directions per indicator, plan horizons, agency assignments and the
quarantine of names the registry does not know.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dagster_project.plans.frames import PARSED_SCHEMA, read_raw, value_counts, write_parsed
from dagster_project.plans.indicator_targets import (
    DIRECTION_COLUMNS,
    TARGET_COLUMNS,
    indicator_unit,
    merged_cell_note,
    parse_indicator_targets,
)
from dagster_project.plans.reference import (
    REFERENCE_TABLES,
    load_reference_table,
    raw_table_name,
    reference_dir,
)
from dagster_project.plans.task_agencies import (
    QUARANTINE_COLUMNS,
    plan_provinces,
    resolve_plan_agencies,
)
from dagster_project.plans.task_deadlines import parse_task_deadlines, plan_horizons
from dagster_project.semantics.agencies import load_registry
from dagster_project.semantics.reference_tables import reference_rows
from dagster_project.semantics.targets import parse_target
from dagster_project.warehouse.loading import SeedFormatError, read_seed_csv
from dagster_project.warehouse.paths import SEEDS_DIR

NGHE_AN = "nghe-an-348-2025"
BAC_KAN = "bac-kan-131-2025"


def seed(table: str) -> pd.DataFrame:
    """A seed table as the raw loader stores it (text, source_line an integer)."""
    return read_seed_csv(SEEDS_DIR / f"{table}.csv", table)


@pytest.fixture(scope="module")
def registry():
    return load_registry(reference_dir(SEEDS_DIR))


@pytest.fixture(scope="module")
def parsed_targets():
    return parse_indicator_targets(seed("indicators"), seed("indicator_targets"))


def indicator_rows(**overrides) -> pd.DataFrame:
    row = {
        "plan_id": "p",
        "indicator_code": "1",
        "indicator_name": "Tỷ lệ phủ sóng 5G",
        "unit_text": "",
        "source_file": "f.txt",
        "source_line": 10,
    }
    return pd.DataFrame([{**row, **overrides}])


def target_rows(cells: list[tuple[str, str, str]], code: str = "1") -> pd.DataFrame:
    """Target seed rows from (year, text, flags)."""
    return pd.DataFrame(
        [
            {
                "plan_id": "p",
                "indicator_code": code,
                "target_year": year,
                "column_label": f"Năm {year}",
                "target_text": text,
                "flags": flags,
                "source_file": "f.txt",
                "source_line": 11 + position,
            }
            for position, (year, text, flags) in enumerate(cells)
        ]
    )


# --- indicator targets -----------------------------------------------------------


def test_every_target_cell_of_the_seeds_has_one_parsed_row_with_its_text(parsed_targets):
    targets, _ = parsed_targets
    raw = seed("indicator_targets")

    assert len(targets) == len(raw)
    kept = targets.set_index(["plan_id", "indicator_code", "column_label"])["target_text"]
    printed = raw.set_index(["plan_id", "indicator_code", "column_label"])["target_text"]
    assert kept.sort_index().equals(printed.sort_index())
    assert list(targets.columns) == list(TARGET_COLUMNS)


def test_nghe_an_dti_targets_read_as_index_bounds(parsed_targets):
    targets, _ = parsed_targets
    dti = targets[(targets["plan_id"] == NGHE_AN) & (targets["indicator_code"] == "38")]

    read = list(dti.sort_values("target_year")[["comparator", "target_low"]].itertuples(False))
    assert [tuple(r) for r in read] == [
        (">=", "0.6"),
        (">=", "0.75"),
        (">=", "0.85"),
        (">=", "0.92"),
        ("=", "1"),
    ]
    assert set(dti["unit"]) == {"index"}


def test_bac_kan_rank_below_55_is_lower_is_better(parsed_targets):
    targets, directions = parsed_targets
    direction = directions.set_index(["plan_id", "indicator_code"])["direction"]

    assert direction[(BAC_KAN, "5")] == "lower_is_better"
    assert direction[(NGHE_AN, "65")] == "lower_is_better"  # Top 20 / Top 15
    assert direction[(NGHE_AN, "38")] == "higher_is_better"
    rank_targets = targets[(targets["plan_id"] == BAC_KAN) & (targets["indicator_code"] == "5")]
    assert set(rank_targets["direction"]) == {"lower_is_better"}


def test_two_values_in_one_cell_stay_ambiguous_with_their_text(parsed_targets):
    targets, _ = parsed_targets
    ambiguous = targets[targets["parse_status"] == "ambiguous"]

    assert set(ambiguous["target_text"]) == {"≥ 2% 3%GRDP", "≥ 2,5% 3%GRDP", "≥ 3% 3%GRDP"}
    assert ambiguous["target_low"].isna().all()
    assert ambiguous["parse_note"].str.contains("several values").all()


def test_a_merged_cell_is_marked_on_every_year_it_spans():
    flag = "merged_cell: one value printed across the columns Năm 2025, Năm 2030"
    targets, _ = parse_indicator_targets(
        indicator_rows(), target_rows([("2025", "≥ 50%", flag), ("2030", "≥ 50%", flag)])
    )

    assert targets["is_merged_cell"].tolist() == [True, True]
    assert targets["parse_note"].str.contains("merged cell: one value printed across").all()
    assert targets["target_low"].tolist() == ["50", "50"]


def test_a_cell_printed_per_column_is_not_merged():
    targets, _ = parse_indicator_targets(
        indicator_rows(), target_rows([("2025", "≥ 50%", "truncated_cell: text cut off")])
    )

    assert targets["is_merged_cell"].tolist() == [False]
    assert "merged" not in targets["parse_note"].iloc[0]


def test_merged_cell_note_reads_only_the_merged_cell_flag():
    flags = "truncated_cell: cut | merged_cell: one value across Năm 2025, Năm 2030"

    assert merged_cell_note(flags) == "merged cell: one value across Năm 2025, Năm 2030"
    assert merged_cell_note("missing_cell: no cell printed") == ""
    assert merged_cell_note("") == ""


def test_a_target_without_its_indicator_row_keeps_its_row_and_gets_no_direction():
    targets, directions = parse_indicator_targets(
        indicator_rows(indicator_code="2"), target_rows([("2030", "100%", "")], code="1")
    )

    assert targets["direction"].isna().all()
    assert targets["parse_status"].tolist() == ["parsed"]
    assert directions["indicator_code"].tolist() == ["2"]


def test_indicator_unit_prefers_the_unit_column_then_the_most_common_cell_unit():
    percent = parse_target("≥ 50%")
    generation = parse_target("6G")

    assert indicator_unit("Thứ bậc", [(2030, parse_target("<=55", "Thứ bậc"))]) == ("rank", "")
    unit, note = indicator_unit("", [(2025, percent), (2030, percent), (2035, generation)])
    assert unit == "percent"
    assert note == "targets read in several units: generation, percent"
    assert indicator_unit("", [(2030, parse_target("Có thể"))]) == ("", "no target could be read")


def test_directions_cover_every_indicator(parsed_targets):
    _, directions = parsed_targets

    assert len(directions) == len(seed("indicators"))
    assert list(directions.columns) == list(DIRECTION_COLUMNS)
    assert set(directions["direction"]) == {"higher_is_better", "lower_is_better"}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=6))
def test_any_target_text_gives_one_row_that_keeps_it(texts):
    cells = [(str(2025 + 5 * i), text, "") for i, text in enumerate(texts)]

    targets, directions = parse_indicator_targets(indicator_rows(), target_rows(cells))

    assert targets["target_text"].tolist() == texts
    assert targets["parse_status"].notna().all()
    assert len(directions) == 1


# --- deadlines -----------------------------------------------------------------------


def test_every_task_deadline_is_parsed_next_to_its_text():
    tasks = seed("tasks")
    deadlines = parse_task_deadlines(tasks, seed("plans"), seed("indicator_targets"))

    assert len(deadlines) == len(tasks)
    assert deadlines["deadline_text"].tolist() == tasks["deadline_text"].tolist()
    assert value_counts(deadlines, "parse_status") == {"invalid": 1, "parsed": 131}


def test_bac_kan_task_70_cut_off_year_is_invalid_and_undated():
    deadlines = parse_task_deadlines(seed("tasks"), seed("plans"), seed("indicator_targets"))
    row = deadlines.set_index(["plan_id", "task_key"]).loc[(BAC_KAN, "VI.70")]

    assert row["deadline_text"] == "Tháng 11/202"
    assert row["parse_status"] == "invalid"
    assert row["due_date"] is None
    assert "not four digits" in row["parse_note"]


def test_plan_horizon_runs_from_the_issue_year_to_the_last_target_year():
    horizons = plan_horizons(seed("plans"), seed("indicator_targets"))

    assert horizons[NGHE_AN] == (date(2025, 1, 1), date(2045, 12, 31))
    assert horizons[BAC_KAN] == (date(2025, 1, 1), date(2045, 12, 31))
    # The budget plan sets no indicator targets: its horizon has no known end.
    assert horizons["lang-son-234-2025"] == (date(2025, 1, 1), None)


def test_a_month_without_a_year_takes_the_plan_issue_year():
    tasks = pd.DataFrame(
        [
            {
                "plan_id": "p",
                "task_key": "I.1",
                "deadline_text": "Tháng 6",
                "source_file": "f.txt",
                "source_line": 5,
            }
        ]
    )
    plans = pd.DataFrame([{"plan_id": "p", "issue_date_text": "ngày 14 tháng 5 năm 2025"}])

    deadlines = parse_task_deadlines(tasks, plans, target_rows([("2030", "1", "")]))

    assert deadlines["due_date"].tolist() == ["2025-06-30"]
    assert "plan year 2025" in deadlines["parse_note"].iloc[0]
    assert deadlines["plan_horizon_end"].tolist() == ["2030-12-31"]


# --- agencies ------------------------------------------------------------------------


def task_row(lead: str, coordinating: str = "", plan_id: str = NGHE_AN) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "plan_id": plan_id,
                "task_key": "I.1",
                "lead_agency_text": lead,
                "coordinating_agency_text": coordinating,
                "source_file": "f.txt",
                "source_line": 7,
            }
        ]
    )


NO_INDICATORS = pd.DataFrame(columns=["plan_id", "indicator_code", "monitoring_agency_text"])


def test_every_task_of_the_seeds_has_a_lead_and_no_name_is_quarantined(registry):
    tasks = seed("tasks")

    resolved = resolve_plan_agencies(tasks, seed("indicators"), seed("plans"), registry)

    leads = resolved.task_agencies[resolved.task_agencies["role"] == "lead"]
    assert set(zip(leads["plan_id"], leads["task_key"])) == set(
        zip(tasks["plan_id"], tasks["task_key"])
    )
    assert resolved.quarantine.empty
    assert list(resolved.quarantine.columns) == list(QUARANTINE_COLUMNS)


def test_a_task_of_so_thong_tin_truyen_thong_is_assigned_to_that_agency(registry):
    resolved = resolve_plan_agencies(
        seed("tasks"), seed("indicators"), seed("plans"), registry
    ).task_agencies

    tttt = resolved[resolved["fragment"] == "Sở Thông tin và Truyền thông"]
    assert set(tttt["agency_id"]) == {"bac-kan:so-tttt"}


def test_an_unknown_name_is_quarantined_with_reasons_and_never_assigned(registry):
    plans = pd.DataFrame([{"plan_id": NGHE_AN, "province_name": "Nghệ An"}])

    resolved = resolve_plan_agencies(
        task_row("Sở Khoa học và Công nghệ; Sở Du hành Vũ trụ"), NO_INDICATORS, plans, registry
    )

    assert resolved.task_agencies["agency_id"].tolist() == ["nghe-an:so-khcn"]
    (row,) = resolved.quarantine.to_dict("records")
    assert row["fragment"] == "Sở Du hành Vũ trụ"
    assert row["reason_code"] == "unknown_name"
    assert row["reason_vi"] and row["reason_en"]
    assert (row["column_name"], row["source_line"]) == ("lead_agency_text", 7)


def test_a_monitoring_agency_name_is_checked_too(registry):
    plans = pd.DataFrame([{"plan_id": NGHE_AN, "province_name": "Nghệ An"}])
    indicators = pd.DataFrame(
        [
            {
                "plan_id": NGHE_AN,
                "indicator_code": "9",
                "monitoring_agency_text": "Sở Khoa hoc",
                "source_file": "f.txt",
                "source_line": 30,
            }
        ]
    )

    resolved = resolve_plan_agencies(task_row("Sở Nội vụ"), indicators, plans, registry)

    (row,) = resolved.quarantine.to_dict("records")
    assert (row["row_kind"], row["row_key"], row["column_name"]) == (
        "indicator",
        "9",
        "monitoring_agency_text",
    )


def test_a_plan_whose_province_is_unknown_quarantines_its_cells(registry):
    plans = pd.DataFrame([{"plan_id": "x-1-2025", "province_name": "Tỉnh Không Có"}])

    resolved = resolve_plan_agencies(
        task_row("Sở Nội vụ", plan_id="x-1-2025"), NO_INDICATORS, plans, registry
    )

    assert resolved.task_agencies.empty
    assert resolved.quarantine["reason_code"].tolist() == ["unknown_province"]
    assert plan_provinces(plans, registry) == {"x-1-2025": None}


def test_one_body_named_twice_in_a_cell_is_one_assignment(registry):
    plans = pd.DataFrame([{"plan_id": NGHE_AN, "province_name": "Nghệ An"}])

    resolved = resolve_plan_agencies(
        task_row("Sở Khoa học và Công nghệ; Sở KH&CN", "Sở Nội vụ"), NO_INDICATORS, plans, registry
    ).task_agencies

    assert resolved[["role", "position", "agency_id"]].values.tolist() == [
        ["lead", 1, "nghe-an:so-khcn"],
        ["coordinating", 1, "nghe-an:so-noi-vu"],
    ]


def test_a_group_is_assigned_as_a_group(registry):
    plans = pd.DataFrame([{"plan_id": NGHE_AN, "province_name": "Nghệ An"}])

    resolved = resolve_plan_agencies(
        task_row("Các sở, ngành, UBND các huyện, thành phố"), NO_INDICATORS, plans, registry
    ).task_agencies

    assert resolved[["group_id", "agency_id"]].values.tolist() == [
        ["so-ban-nganh", None],
        [None, "nghe-an:ubnd-cap-huyen"],
    ]


# --- loading into the warehouse ------------------------------------------------------------


def test_reference_tables_land_in_raw_with_every_row(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        for name in REFERENCE_TABLES:
            loaded = load_reference_table(con, SEEDS_DIR, name)
            # The agency tables land with the template expanded for every province.
            assert loaded.row_count == len(reference_rows(reference_dir(SEEDS_DIR), name))
            assert loaded.table == raw_table_name(name)
        agencies = read_raw(con, "ref_agencies")
    assert agencies.loc[agencies["agency_id"] == "bac-kan:so-tttt", "valid_to"].item() == (
        "2025-02-28"
    )
    # A province with no hand-written row has its standard bodies.
    assert agencies.loc[agencies["agency_id"] == "quang-tri:so-khcn", "agency_name"].item() == (
        "Sở Khoa học và Công nghệ"
    )


def test_a_reference_table_with_another_header_is_refused(tmp_path: Path):
    seeds = tmp_path / "seeds"
    shutil.copytree(reference_dir(SEEDS_DIR), reference_dir(seeds))
    path = reference_dir(seeds) / "provinces.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("province_name", "name", 1))

    with (
        duckdb.connect(str(tmp_path / "w.duckdb")) as con,
        pytest.raises(SeedFormatError, match="header is"),
    ):
        load_reference_table(con, seeds, "provinces")


def test_parsed_tables_are_typed_and_an_empty_quarantine_is_a_table(tmp_path: Path, registry):
    targets, _ = parse_indicator_targets(seed("indicators"), seed("indicator_targets"))
    empty = pd.DataFrame(columns=list(QUARANTINE_COLUMNS))

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert write_parsed(con, "indicator_targets", TARGET_COLUMNS, targets) == len(targets)
        assert write_parsed(con, "agency_quarantine", QUARANTINE_COLUMNS, empty) == 0
        types = dict(
            con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ?",
                [PARSED_SCHEMA, "indicator_targets"],
            ).fetchall()
        )
        dti = con.execute(
            "select target_low from parsed.indicator_targets "
            "where plan_id = ? and indicator_code = ? and target_year = ?",
            [NGHE_AN, "38", 2045],
        ).fetchone()[0]
    assert types["target_low"] == "DECIMAL(18,6)"
    assert types["target_year"] == "INTEGER"
    assert types["is_merged_cell"] == "BOOLEAN"
    assert str(dti) == "1.000000"
