"""The plan-semantics suites: pass on the built warehouse, fail on the fault made for each.

The frames come from the session's real build (``dagster_build`` in
conftest.py). ``clean_frames`` removes the three document oddities the real
data carries on purpose (Nghệ An 4's two-values cells, Nghệ An 1's 5G-to-6G
drop, Bắc Kạn 70's cut-off year); the real-data test below shows the warn
checks reporting exactly those. ``FAULTS`` maps every check name to the
damage that must trip it, and a coverage test fails when a check has none.

No ``from __future__ import annotations``: Dagster reads the ``context``
annotation of the test asset at definition time.
"""

import dataclasses
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
from fixtures.documents import source_documents
from fixtures.faults import Fault, Frames, checks_by_name, rows, set_first, set_where, table_faults

from dagster_project.extract.schema import SEED_TABLES
from dagster_project.plans.checks import plan_asset_checks, read_relation, validate_relation
from dagster_project.plans.lineage import seed_lineage
from dagster_project.quality.results import FAILED, PASSED
from dagster_project.warehouse.loading import read_seed_csv
from dagster_project.warehouse.paths import SEEDS_DIR
from dagster_project.warehouse.resources import DuckDBWarehouse
from expectations import fct_tasks_owners
from expectations.base import TableChecks
from expectations.plan_semantics import PLAN_TABLE_CHECKS

TARGETS = "parsed.indicator_targets"
DEADLINES = "parsed.task_deadlines"
QUARANTINE = "parsed.agency_quarantine"
TASKS = "marts.fct_tasks"
INDICATORS = "marts.dim_indicators"
AGENCIES = "marts.dim_agencies"
BRIDGE = "marts.bridge_task_agencies"
NATIONAL = "marts.mart_targets_vs_national"
LINEAGE = "parsed.seed_lineage"
PREFIX = {
    LINEAGE: "parsed_seed_lineage",
    TARGETS: "parsed_indicator_targets",
    DEADLINES: "parsed_task_deadlines",
    QUARANTINE: "parsed_agency_quarantine",
    TASKS: "fct_tasks",
    INDICATORS: "dim_indicators",
    AGENCIES: "dim_agencies",
    BRIDGE: "bridge_task_agencies",
    NATIONAL: "mart_targets_vs_national",
}
NGHE_AN = "nghe-an-348-2025"
BAC_KAN = "bac-kan-131-2025"


@pytest.fixture(scope="module")
def real_frames(dagster_build) -> Frames:
    assert dagster_build.result.success, "the session's build_warehouse run failed"
    return {c.table: read_relation(dagster_build.published, c.table) for c in PLAN_TABLE_CHECKS}


def clean(real: Frames) -> Frames:
    frames = {table: frame.copy() for table, frame in real.items()}
    targets = frames[TARGETS]
    odd = (targets["parse_status"] == "ambiguous") | (
        (targets["plan_id"] == NGHE_AN) & (targets["indicator_code"] == "1")
    )
    frames[TARGETS] = targets[~odd].reset_index(drop=True)
    deadlines = frames[DEADLINES]
    frames[DEADLINES] = deadlines[deadlines["parse_status"] != "invalid"].reset_index(drop=True)
    return frames


def quarantined(**overrides) -> Fault:
    """A quarantined name (the real quarantine is empty), optionally with a defect."""

    def fault(frames: Frames) -> None:
        row = {
            "plan_id": NGHE_AN,
            "row_kind": "task",
            "row_key": "I.2",
            "column_name": "lead_agency_text",
            "cell_text": "Sở Du hành Vũ trụ",
            "fragment": "Sở Du hành Vũ trụ",
            "reason_code": "unknown_name",
            "reason_vi": "Không có trong danh sách tên cơ quan",
            "reason_en": "not in the agency alias list",
            "source_file": "002_47b38050f79059a8.txt",
            "source_line": 887,
            **overrides,
        }
        frames[QUARANTINE] = pd.DataFrame([row], columns=frames[QUARANTINE].columns)

    return fault


def generic_faults() -> dict[str, Fault]:
    faults: dict[str, Fault] = {}
    for checks in PLAN_TABLE_CHECKS:
        table, prefix = checks.table, PREFIX[checks.table]
        faults.update(table_faults(prefix, table, checks.key_columns))
    for table in (TARGETS, DEADLINES):
        prefix = PREFIX[table]
        faults[f"{prefix}.parse_status_present"] = set_first(table, "parse_status", None)
        faults[f"{prefix}.parse_status_accepted"] = set_first(table, "parse_status", "unparsed")
        faults[f"{prefix}.needs_review"] = set_first(table, "parse_status", "ambiguous")
    for column in ("source_file", "source_line", "cell_text", "fragment", "reason_vi", "reason_en"):
        faults[f"parsed_agency_quarantine.{column}_present"] = quarantined(**{column: None})
    faults["parsed_agency_quarantine.source_line_positive"] = quarantined(source_line=0)
    return faults


def targets_fall_in_2040(frames: Frames) -> None:
    """Nghệ An's DTI target for 2040 read as 0.5, below the 0.85 of 2035."""
    mask = rows(frames, TARGETS, plan_id=NGHE_AN, indicator_code="38", target_year=2040)
    frames[TARGETS].loc[mask, ["target_low", "target_high"]] = 0.5


def bounds_reversed(frames: Frames) -> None:
    mask = rows(frames, TARGETS, plan_id=NGHE_AN, indicator_code="38", target_year=2030)
    frames[TARGETS].loc[mask, ["target_low", "target_high"]] = [0.9, 0.7]


def percent_read_as_thousands(frames: Frames) -> None:
    """'384.172%' is what a thousands/decimal mix-up would give; no share exceeds 100."""
    mask = rows(frames, TARGETS, plan_id=NGHE_AN, indicator_code="2", target_year=2030)
    frames[TARGETS].loc[mask, ["target_low", "target_high"]] = 384172


def due_before_start(frames: Frames) -> None:
    mask = rows(frames, DEADLINES, plan_id=BAC_KAN, recurrence="once")
    frame = frames[DEADLINES]
    first = mask[mask].index[0]
    frame.loc[first, "start_date"] = pd.Timestamp("2031-01-01")


def due_in_2052(frames: Frames) -> None:
    """A misprinted year (2052 for 2025): outside the plan's 2025-2045 horizon."""
    mask = rows(frames, DEADLINES, plan_id=NGHE_AN, task_key="I.2")
    frames[DEADLINES].loc[mask, "due_date"] = pd.Timestamp("2052-12-31")


def target_moved_to_a_bar_line(frames: Frames) -> None:
    """The issue's case: a seed row's source_line moved to a line that prints only '|'."""
    seeds = {table: read_seed_csv(SEEDS_DIR / f"{table}.csv", table) for table in SEED_TABLES}
    documents = source_documents()
    targets = seeds["indicator_targets"]
    first = targets.index[(targets["plan_id"] == NGHE_AN) & (targets["target_text"] != "")][0]
    doc = documents[targets.at[first, "source_file"]]
    bar = next(n for n in range(targets.at[first, "source_line"], 0, -1) if doc.line(n) == "|")
    targets.at[first, "source_line"] = bar
    frames[LINEAGE] = seed_lineage(seeds, documents)


SPECIFIC_FAULTS: dict[str, Fault] = {
    "parsed_seed_lineage.holds_present": set_first(LINEAGE, "holds", None),
    "parsed_seed_lineage.line_holds_the_claimed_text": target_moved_to_a_bar_line,
    "parsed_indicator_targets.target_text_present": set_first(TARGETS, "target_text", None),
    "parsed_indicator_targets.comparator_accepted": set_where(
        TARGETS, "comparator", "≥", parse_status="parsed"
    ),
    "parsed_indicator_targets.direction_accepted": set_first(TARGETS, "direction", "up"),
    "parsed_indicator_targets.direction_present": set_first(TARGETS, "direction", None),
    "parsed_indicator_targets.bounds_consistent": bounds_reversed,
    "parsed_indicator_targets.percent_within_0_100": percent_read_as_thousands,
    "parsed_indicator_targets.targets_do_not_fall": targets_fall_in_2040,
    "parsed_task_deadlines.deadline_text_present": set_first(DEADLINES, "deadline_text", None),
    "parsed_task_deadlines.recurrence_accepted": set_first(DEADLINES, "recurrence", "weekly"),
    "parsed_task_deadlines.dates_consistent": due_before_start,
    "parsed_task_deadlines.due_within_plan_horizon": due_in_2052,
    "parsed_agency_quarantine.reason_code_accepted": quarantined(reason_code="typo"),
    "parsed_agency_quarantine.no_unmatched_names": quarantined(),
    "fct_tasks.every_task_has_a_lead": set_first(TASKS, "lead_assignment_count", 0),
    "fct_tasks.lead_has_current_holder": set_where(
        TASKS, "current_lead_agency_id", None, task_key="IV.39", plan_id=BAC_KAN
    ),
    "dim_indicators.ranks_are_lower_is_better": set_where(
        INDICATORS, "direction", "higher_is_better", plan_id=BAC_KAN, indicator_code="5"
    ),
    "dim_agencies.validity_ordered": set_where(
        AGENCIES, "valid_from", pd.Timestamp("2025-07-01"), agency_id="bac-kan:so-khcn"
    ),
    "dim_agencies.ended_agency_has_successor": set_where(
        AGENCIES, "successor_agency_id", None, agency_id="nghe-an:so-tttt"
    ),
    "dim_agencies.successor_exists": set_where(
        AGENCIES, "successor_agency_id", "nghe-an:so-khoa-hoc", agency_id="nghe-an:so-tttt"
    ),
    "bridge_task_agencies.agency_has_current_holder": set_where(
        BRIDGE, "current_agency_id", None, agency_id="bac-kan:so-tttt"
    ),
    "mart_targets_vs_national.parsed_targets_in_national_unit": set_where(
        NATIONAL, "is_unit_comparable", False, parse_status="parsed"
    ),
}


CHECKS = checks_by_name(PLAN_TABLE_CHECKS)
FAULTS = {
    name: fault for name, fault in {**generic_faults(), **SPECIFIC_FAULTS}.items() if name in CHECKS
}


def results_on(frames: Frames, checks: TableChecks) -> dict[str, object]:
    return {r.check: r for r in validate_relation(checks, frames[checks.table])}


@pytest.fixture(scope="module")
def clean_results(real_frames) -> dict[str, str]:
    frames = clean(real_frames)
    return {
        check: result.status
        for checks in PLAN_TABLE_CHECKS
        for check, result in results_on(frames, checks).items()
    }


def test_every_check_has_a_fault_that_must_trip_it():
    assert sorted(set(CHECKS) - set(FAULTS)) == []
    assert sorted(set(SPECIFIC_FAULTS) - set(CHECKS)) == []


def test_every_check_name_starts_with_its_table():
    for name, (checks, _) in CHECKS.items():
        assert name.startswith(PREFIX[checks.table] + "."), name


def test_the_clean_warehouse_passes_every_check(clean_results):
    assert {c: s for c, s in clean_results.items() if s != PASSED} == {}
    assert set(CHECKS) <= set(clean_results)


@pytest.mark.parametrize("check", sorted(FAULTS))
def test_check_fails_on_its_fault(check: str, clean_results, real_frames):
    assert clean_results[check] == PASSED
    checks, validation = CHECKS[check]
    frames = clean(real_frames)
    FAULTS[check](frames)
    only = dataclasses.replace(checks, validations=(validation,))
    result = results_on(frames, only)[check]
    assert result.status == FAILED, result
    # Failed on the data, not because GX could not evaluate the expectation.
    assert result.note == "", result.note


def test_the_real_documents_trip_only_the_review_warnings(real_frames):
    """Real data: every blocking check passes; the warnings name the cells to review."""
    failed = {
        check: result
        for checks in PLAN_TABLE_CHECKS
        for check, result in results_on(real_frames, checks).items()
        if result.status == FAILED
    }

    assert sorted(failed) == [
        "parsed_indicator_targets.needs_review",
        "parsed_indicator_targets.targets_do_not_fall",
        "parsed_task_deadlines.needs_review",
    ]
    assert not any(r.blocking for r in failed.values())
    ambiguous = failed["parsed_indicator_targets.needs_review"]
    assert ambiguous.unexpected_count == 3
    assert {s["indicator_code"] for s in ambiguous.samples} == {"4"}
    (fall,) = failed["parsed_indicator_targets.targets_do_not_fall"].samples
    assert (fall["indicator_code"], fall["target_year"], fall["target_text"]) == (
        "1",
        2035,
        "6G (50%)",
    )
    assert fall["previous_target_text"] == "100%"
    (invalid,) = failed["parsed_task_deadlines.needs_review"].samples
    assert (invalid["task_key"], invalid["source_file"]) == ("VI.70", "003_9cd07b915d35755a.txt")


def check_evaluations(result) -> dict[tuple[str, str], object]:
    return {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }


def run_plan_checks_alone(published: Path, tmp_path: Path):
    """The plan_semantics asset checks, run on their own (the build's gate repeats them
    inside the publish step) against a writable copy of the published warehouse."""
    copy = tmp_path / "nq57.duckdb"
    copy.write_bytes(published.read_bytes())
    checks = plan_asset_checks()
    job = dg.define_asset_job("plan_checks_alone", selection=dg.AssetSelection.checks(*checks))
    defs = dg.Definitions(
        asset_checks=checks,
        jobs=[job],
        resources={"warehouse": DuckDBWarehouse(path=str(copy))},
    )
    return defs.resolve_job_def("plan_checks_alone").execute_in_process(raise_on_error=False)


def test_parse_status_counts_are_check_metadata_in_the_real_run(dagster_build, tmp_path):
    evaluations = check_evaluations(run_plan_checks_alone(dagster_build.published, tmp_path))

    targets = evaluations[("parsed/indicator_targets", "plan_semantics")]
    deadlines = evaluations[("parsed/task_deadlines", "plan_semantics")]
    assert targets.metadata["parse_status_counts"].value == {
        "parsed": 288,
        "qualitative": 19,
        "empty": 62,
        "ambiguous": 3,
        "invalid": 0,
    }
    assert (targets.metadata["ambiguous"].value, targets.metadata["invalid"].value) == (3, 0)
    assert (deadlines.metadata["ambiguous"].value, deadlines.metadata["invalid"].value) == (0, 1)
    # Reported, not blocking: the documents say these things.
    assert targets.severity == dg.AssetCheckSeverity.WARN
    assert not targets.passed
    owners = evaluations[("marts/fct_tasks", "plan_semantics")]
    assert owners.passed


TASKS_KEY = dg.AssetKey(["marts", "fct_tasks"])


def task_assets(frame: pd.DataFrame):
    """The tasks mart written by an asset, and a report built from it downstream."""

    @dg.asset(key=TASKS_KEY, required_resource_keys={"warehouse"})
    def tasks(context: dg.AssetExecutionContext) -> None:
        path = context.resources.warehouse.resolved_path()
        with duckdb.connect(str(path)) as con:
            con.execute("create schema marts")
            con.register("frame", frame)
            con.execute("create table marts.fct_tasks as from frame")

    @dg.asset(deps=[TASKS_KEY])
    def task_report() -> None:
        """Stands for anything that must not count tasks whose owner is unknown."""

    return tasks, task_report


def test_a_task_without_a_lead_blocks_what_is_downstream(real_frames, tmp_path: Path):
    frame = real_frames[TASKS].copy()
    frame.loc[0, "lead_assignment_count"] = 0

    result = dg.materialize(
        [*task_assets(frame), *plan_asset_checks([fct_tasks_owners.CHECKS])],
        resources={"warehouse": DuckDBWarehouse(path=str(tmp_path / "nq57.duckdb"))},
        raise_on_error=False,
    )

    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert "fct_tasks.every_task_has_a_lead" in evaluation.metadata["failures"].value
    materialized = {
        e.event_specific_data.materialization.asset_key
        for e in result.get_asset_materialization_events()
    }
    assert dg.AssetKey("task_report") not in materialized


def test_a_row_pointing_at_a_bar_line_blocks_with_its_line_its_text_and_what_to_do(real_frames):
    frames = clean(real_frames)
    target_moved_to_a_bar_line(frames)
    lineage = next(c for c in PLAN_TABLE_CHECKS if c.table == LINEAGE)
    result = results_on(frames, lineage)["parsed_seed_lineage.line_holds_the_claimed_text"]
    assert result.blocking and result.unexpected_count == 1
    explained = result.describe()
    assert "002_47b38050f79059a8.txt:" in explained
    assert "line_text=''" in explained and "does not print" in explained
    assert "what to do: A seed CSV edited by hand: run `nq57 extract`" in explained
