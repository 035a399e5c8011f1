"""Integrity of the hand-maintained tables in seeds/reference.

Each check is a function from the tables to a list of problems. It runs once on
the committed tables (expecting no problems) and once on a crafted copy with
one defect (expecting that defect to be named), so a check that cannot fail
shows up here.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache, partial

import pytest
from fixtures.documents import source_documents
from fixtures.rows import one_row

from dagster_project.extract.appendix import extract_appendices
from dagster_project.plans.reference import REFERENCE_TABLES
from dagster_project.semantics.agencies import (
    AGENCY_KINDS,
    REFERENCE_DIR,
    normalize_agency_name,
    read_reference_csv,
)
from dagster_project.semantics.reference_tables import reference_rows
from dagster_project.simulate.calendar import PERIOD_KINDS

Tables = dict[str, list[dict[str, str]]]

# The layout the pipeline loads into raw.ref_*: one definition for both.
COLUMNS = REFERENCE_TABLES
GROUP_KINDS = {
    "departments",
    "departments_and_localities",
    "people_committees_all_levels",
    "universities_colleges",
    "research_and_training_institutions",
    "enterprises",
    "industrial_clusters",
    "non_executive_bodies",
}
UNITS = {"percent", "percent_gdp", "percent_state_budget", "per_10000_people", "index"}
COMPARATORS = {">", ">=", "<", "<=", "="}
LEGAL_ACTS = {"Nghị định 45/2025/NĐ-CP", "Luật 72/2025/QH15", "Nghị quyết 202/2025/QH15"}
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
# The source documents of the plans that have appendices the crosswalk can point into.
PLAN_DOCUMENTS = {
    "nghe-an-348-2025": "002_47b38050f79059a8.txt",
    "bac-kan-131-2025": "003_9cd07b915d35755a.txt",
}
# What the printed unit, name or target of a provincial indicator must mention for
# it to be in the national unit; the crosswalk only joins like with like.
UNIT_EVIDENCE = {
    "percent": ("%",),
    "percent_gdp": ("GRDP", "GDP"),
    "percent_state_budget": ("NSNN", "ngân sách"),
    "per_10000_people": ("vạn dân",),
    "index": ("HDI", "Chỉ số"),
}
SEEDS = REFERENCE_DIR.parent
# Half-year rules may date one half only; other kinds have no part.
PERIOD_PARTS = {"half_year": {"", "H1", "H2"}}
# "trước ngày 10/6", "trước ngày 15 tháng 6", "trước ngày 20 hàng tháng": the day, then the month.
DUE_DAY_TEXT = re.compile(r"ngày (\d{1,2})(?:/(\d{1,2})| tháng (\d{1,2}))?")
# Which national units a figure's printed unit can stand for, with no conversion.
FIGURE_UNITS = {"%": lambda unit: unit == "percent" or unit.startswith("percent_")}


def load_tables() -> Tables:
    """The tables as the pipeline loads them: the agency tables with the template expanded."""
    return {name: reference_rows(REFERENCE_DIR, name) for name in COLUMNS}


@pytest.fixture(scope="module")
def tables() -> Tables:
    return load_tables()


@cache
def appendix_indicators() -> dict[tuple[str, str], dict[str, str]]:
    """(plan_id, indicator_code) -> extracted indicator row, with its printed targets."""
    documents = source_documents()
    rows = {}
    for plan_id, source_file in PLAN_DOCUMENTS.items():
        extracted, _ = extract_appendices(documents[source_file], plan_id)
        targets: dict[str, list[str]] = {}
        for target in extracted["indicator_targets"]:
            targets.setdefault(target["indicator_code"], []).append(target["target_text"])
        for row in extracted["indicators"]:
            evidence = " ".join(
                [row["unit_text"], row["indicator_name"], *targets.get(row["indicator_code"], [])]
            )
            rows[(plan_id, row["indicator_code"])] = {**row, "evidence": evidence}
    return rows


@cache
def seed_plans() -> dict[str, dict[str, str]]:
    return {row["plan_id"]: row for row in read_reference_csv(SEEDS / "plans.csv")}


@cache
def reported_figures() -> dict[tuple[str, str], dict[str, str]]:
    """(plan_id, figure_id) -> the extracted figure of seeds/reported_figures.csv."""
    rows = read_reference_csv(SEEDS / "reported_figures.csv")
    return {(row["plan_id"], row["figure_id"]): row for row in rows}


def _same_text(a: str, b: str) -> bool:
    """Equal after NFC and whitespace collapsing: how the guard compares metric texts."""
    return " ".join(unicodedata.normalize("NFC", a).split()) == " ".join(
        unicodedata.normalize("NFC", b).split()
    )


def _date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def _by_id(rows: list[dict[str, str]], key: str) -> dict[str, dict[str, str]]:
    return {row[key]: row for row in rows}


# -- checks ----------------------------------------------------------------------------


def check_columns(t: Tables) -> list[str]:
    problems = []
    for name, expected in COLUMNS.items():
        found = tuple(t[name][0].keys()) if t[name] else ()
        if found != expected:
            problems.append(f"{name}: columns {found} != {expected}")
    return problems


def check_nfc_and_trimmed(t: Tables) -> list[str]:
    problems = []
    for name, rows in t.items():
        for n, row in enumerate(rows, start=2):
            for column, value in row.items():
                if unicodedata.normalize("NFC", value) != value:
                    problems.append(f"{name} line {n} {column}: not NFC")
                if value != value.strip():
                    problems.append(f"{name} line {n} {column}: surrounding whitespace")
    return problems


def check_unique_keys(t: Tables) -> list[str]:
    keys = {
        "provinces": lambda r: r["province_id"],
        "agencies": lambda r: r["agency_id"],
        "agency_lineage": lambda r: (r["predecessor_agency_id"], r["successor_agency_id"]),
        "agency_aliases": lambda r: (normalize_agency_name(r["alias_text"]), r["province_id"]),
        "agency_groups": lambda r: (normalize_agency_name(r["group_name_alias"]), r["province_id"]),
        "national_indicators": lambda r: r["national_indicator_id"],
        "indicator_crosswalk": lambda r: (
            r["plan_id"],
            r["indicator_code"],
            r["national_indicator_id"],
        ),
        "figure_crosswalk": lambda r: (r["plan_id"], r["figure_id"], r["national_indicator_id"]),
        "reporting_calendar": lambda r: (r["plan_id"], r["period_kind"], r["period_part"]),
    }
    problems = []
    for name, key in keys.items():
        seen = set()
        for row in t[name]:
            k = key(row)
            if k in seen:
                problems.append(f"{name}: duplicate key {k}")
            seen.add(k)
    # A predecessor has one successor: current_agency must not have to choose.
    predecessors = [r["predecessor_agency_id"] for r in t["agency_lineage"]]
    problems += [
        f"agency_lineage: {p} has two successors"
        for p in set(predecessors)
        if predecessors.count(p) > 1
    ]
    return problems


def check_ids_are_slugs(t: Tables) -> list[str]:
    problems = []
    for row in t["provinces"]:
        if not SLUG.fullmatch(row["province_id"]):
            problems.append(f"provinces: {row['province_id']!r} is not a slug")
    for row in t["agencies"]:
        province, _, local = row["agency_id"].partition(":")
        if province != row["province_id"] or not SLUG.fullmatch(local):
            problems.append(f"agencies: {row['agency_id']!r} is not '<province_id>:<slug>'")
    for row in t["agency_groups"]:
        if not SLUG.fullmatch(row["group_id"]):
            problems.append(f"agency_groups: {row['group_id']!r} is not a slug")
    for row in t["national_indicators"]:
        if not SLUG.fullmatch(row["national_indicator_id"]):
            problems.append(f"national_indicators: {row['national_indicator_id']!r} is not a slug")
    return problems


def check_references(t: Tables) -> list[str]:
    provinces = _by_id(t["provinces"], "province_id")
    agencies = _by_id(t["agencies"], "agency_id")
    national = _by_id(t["national_indicators"], "national_indicator_id")
    problems = []
    for row in t["provinces"]:
        if row["successor_province_id"] and row["successor_province_id"] not in provinces:
            problems.append(
                f"provinces {row['province_id']}: successor {row['successor_province_id']} missing"
            )
    for row in t["agencies"]:
        if row["province_id"] not in provinces:
            problems.append(f"agencies {row['agency_id']}: province {row['province_id']} missing")
        if row["successor_agency_id"] and row["successor_agency_id"] not in agencies:
            problems.append(
                f"agencies {row['agency_id']}: successor {row['successor_agency_id']} missing"
            )
    for row in t["agency_lineage"]:
        for column in ("predecessor_agency_id", "successor_agency_id"):
            if row[column] not in agencies:
                problems.append(f"agency_lineage: {column} {row[column]} missing")
    for row in t["agency_aliases"]:
        agency = agencies.get(row["agency_id"])
        if agency is None:
            problems.append(
                f"agency_aliases {row['alias_text']!r}: agency {row['agency_id']} missing"
            )
        elif row["province_id"] != agency["province_id"]:
            problems.append(
                f"agency_aliases {row['alias_text']!r}: province {row['province_id']!r} "
                f"is not the province of {row['agency_id']}"
            )
    for row in t["agency_groups"]:
        if row["province_id"] and row["province_id"] not in provinces:
            problems.append(
                f"agency_groups {row['group_id']}: province {row['province_id']} missing"
            )
    for row in t["indicator_crosswalk"]:
        where = f"indicator_crosswalk {row['plan_id']} {row['indicator_code']}"
        if row["national_indicator_id"] not in national:
            problems.append(f"{where}: national indicator {row['national_indicator_id']} missing")
        if row["plan_id"] not in PLAN_DOCUMENTS:
            problems.append(f"{where}: plan {row['plan_id']} has no appendix document")
        elif (row["plan_id"], row["indicator_code"]) not in appendix_indicators():
            problems.append(f"{where}: no such indicator code in the plan's appendix")
    for row in t["figure_crosswalk"]:
        where = f"figure_crosswalk {row['plan_id']} {row['figure_id']}"
        if row["national_indicator_id"] not in national:
            problems.append(f"{where}: national indicator {row['national_indicator_id']} missing")
        if (row["plan_id"], row["figure_id"]) not in reported_figures():
            problems.append(f"{where}: no such figure of the plan in seeds/reported_figures.csv")
    for row in t["reporting_calendar"]:
        where = f"reporting_calendar {row['plan_id']} {row['period_kind']} {row['period_part']}"
        plan = seed_plans().get(row["plan_id"])
        if plan is None:
            problems.append(f"{where}: plan {row['plan_id']} missing from seeds/plans.csv")
            continue
        if plan["plan_kind"] != "implementation_plan":
            problems.append(f"{where}: {row['plan_id']} is not an implementation plan")
        if row["source_file"] != plan["source_file"]:
            problems.append(
                f"{where}: source_file {row['source_file']} is not the plan's document "
                f"{plan['source_file']}"
            )
    return problems


def check_agency_names_resolve_to_themselves(t: Tables) -> list[str]:
    """Every canonical name is a registered spelling, so a cell that prints it resolves."""
    spelled = {
        (normalize_agency_name(r["alias_text"]), r["agency_id"]) for r in t["agency_aliases"]
    }
    return [
        f"agencies {row['agency_id']}: canonical name {row['agency_name']!r} is not an alias"
        for row in t["agencies"]
        if (normalize_agency_name(row["agency_name"]), row["agency_id"]) not in spelled
        and row["is_group"] != "true"
    ]


def check_vocabularies(t: Tables) -> list[str]:
    problems = []
    for row in t["agencies"]:
        if row["agency_kind"] not in AGENCY_KINDS:
            problems.append(f"agencies {row['agency_id']}: agency_kind {row['agency_kind']!r}")
        if row["is_group"] not in ("true", "false"):
            problems.append(f"agencies {row['agency_id']}: is_group {row['is_group']!r}")
        collective = row["agency_kind"] in ("district_ubnd", "commune_ubnd")
        if (row["is_group"] == "true") != collective:
            problems.append(
                f"agencies {row['agency_id']}: is_group must be true exactly for the "
                "collective district/commune UBND rows"
            )
    for row in t["agency_groups"]:
        if row["group_kind"] not in GROUP_KINDS:
            problems.append(f"agency_groups {row['group_id']}: group_kind {row['group_kind']!r}")
    kinds: dict[str, set[str]] = {}
    for row in t["agency_groups"]:
        kinds.setdefault(row["group_id"], set()).add(row["group_kind"])
    problems += [
        f"agency_groups {g}: several group_kind values" for g, k in kinds.items() if len(k) > 1
    ]
    for row in t["agency_lineage"]:
        acts = row["legal_basis"].split("; ")
        if not row["legal_basis"] or not set(acts) <= LEGAL_ACTS:
            problems.append(
                f"agency_lineage {row['predecessor_agency_id']}: legal_basis {row['legal_basis']!r}"
            )
    for row in t["national_indicators"]:
        where = f"national_indicators {row['national_indicator_id']}"
        if row["unit"] not in UNITS:
            problems.append(f"{where}: unit {row['unit']!r}")
        if row["comparator"] not in COMPARATORS:
            problems.append(f"{where}: comparator {row['comparator']!r}")
        if row["target_year"] not in ("2030", "2045"):
            problems.append(f"{where}: target_year {row['target_year']!r}")
        elif not row["national_indicator_id"].endswith(row["target_year"]):
            problems.append(f"{where}: id does not end with its target_year")
        try:
            Decimal(row["target_value"])
        except InvalidOperation:
            problems.append(f"{where}: target_value {row['target_value']!r} is not a number")
        if row["source_note"] != "Nghị quyết 57-NQ/TW, 22/12/2024":
            problems.append(f"{where}: source_note {row['source_note']!r}")
    for row in t["indicator_crosswalk"]:
        where = f"indicator_crosswalk {row['plan_id']} {row['indicator_code']}"
        if row["indicator_code"].endswith("."):
            problems.append(f"{where}: indicator_code keeps its trailing dot")
        if not row["reviewed_by"] or not row["unit_conversion_note"]:
            problems.append(f"{where}: reviewed_by and unit_conversion_note are required")
    for row in t["figure_crosswalk"]:
        where = f"figure_crosswalk {row['plan_id']} {row['figure_id']}"
        if not row["reviewed_by"] or not row["measure_note"] or not row["metric_guard"]:
            problems.append(f"{where}: reviewed_by, measure_note and metric_guard are required")
    for row in t["reporting_calendar"]:
        where = f"reporting_calendar {row['plan_id']} {row['period_kind']} {row['period_part']}"
        kind = row["period_kind"]
        if kind not in PERIOD_KINDS:
            problems.append(f"{where}: period_kind {kind!r}")
            continue
        if row["period_part"] not in PERIOD_PARTS.get(kind, {""}):
            problems.append(f"{where}: period_part {row['period_part']!r} for a {kind} rule")
        # A month or quarter report is due in the period's own last month; a half
        # year or year report names its month.
        if (kind in ("month", "quarter")) == bool(row["due_month"]):
            problems.append(
                f"{where}: due_month {row['due_month']!r} (empty exactly for month and quarter)"
            )
        if not row["source_line"].isdigit() or int(row["source_line"]) < 1:
            problems.append(f"{where}: source_line {row['source_line']!r} is not a line number")
        try:
            day = int(row["due_day"])
            # Without a month the day must exist in every month (February too).
            date(2025, int(row["due_month"]), day) if row["due_month"] else date(2025, 2, day)
        except ValueError:
            problems.append(
                f"{where}: due_day {row['due_day']!r} / due_month {row['due_month']!r} "
                "is not a day of every year"
            )
    return problems


def check_dates(t: Tables) -> list[str]:
    problems = []
    dated = [
        ("provinces", "province_id", ("valid_from", "valid_to")),
        ("agencies", "agency_id", ("valid_from", "valid_to")),
        ("agency_lineage", "predecessor_agency_id", ("effective_date",)),
        ("indicator_crosswalk", "indicator_code", ("review_date",)),
        ("figure_crosswalk", "figure_id", ("review_date",)),
    ]
    for name, key, columns in dated:
        for row in t[name]:
            for column in columns:
                try:
                    _date(row[column])
                except ValueError:
                    problems.append(f"{name} {row[key]}: {column} {row[column]!r} is not ISO")
    for name, key in (("provinces", "province_id"), ("agencies", "agency_id")):
        for row in t[name]:
            try:
                start, end = _date(row["valid_from"]), _date(row["valid_to"])
            except ValueError:
                continue
            if start and end and end < start:
                problems.append(f"{name} {row[key]}: valid_to before valid_from")
    for row in t["agency_lineage"]:
        if not row["effective_date"]:
            problems.append(
                f"agency_lineage {row['predecessor_agency_id']}: effective_date required"
            )
    for row in t["figure_crosswalk"]:
        if not row["review_date"]:
            problems.append(f"figure_crosswalk {row['figure_id']}: review_date required")
    return problems


def check_lineage_matches_agencies(t: Tables) -> list[str]:
    """agencies.successor_agency_id and agency_lineage tell the same story, on the same days."""
    agencies = _by_id(t["agencies"], "agency_id")
    problems = []
    steps = {(r["predecessor_agency_id"], r["successor_agency_id"]) for r in t["agency_lineage"]}
    for row in t["agencies"]:
        succ = row["successor_agency_id"]
        if bool(row["valid_to"]) != bool(succ):
            problems.append(
                f"agencies {row['agency_id']}: valid_to and successor_agency_id go together"
            )
        if succ and (row["agency_id"], succ) not in steps:
            problems.append(
                f"agencies {row['agency_id']}: successor {succ} has no agency_lineage row"
            )
    for row in t["agency_lineage"]:
        pred = agencies.get(row["predecessor_agency_id"])
        succ = agencies.get(row["successor_agency_id"])
        if pred is None or succ is None or not row["effective_date"]:
            continue
        effective = date.fromisoformat(row["effective_date"])
        where = f"agency_lineage {pred['agency_id']} -> {succ['agency_id']}"
        if pred["successor_agency_id"] != succ["agency_id"]:
            problems.append(
                f"{where}: agencies.csv gives successor {pred['successor_agency_id']!r}"
            )
        if _date(pred["valid_to"]) != effective - timedelta(days=1):
            problems.append(
                f"{where}: predecessor valid_to {pred['valid_to']!r} is not the day before {effective}"
            )
        if _date(succ["valid_from"]) and _date(succ["valid_from"]) > effective:
            problems.append(f"{where}: successor starts {succ['valid_from']}, after {effective}")
        if _date(succ["valid_to"]) and _date(succ["valid_to"]) < effective:
            problems.append(f"{where}: successor ended {succ['valid_to']}, before {effective}")
    return problems


def check_province_merger(t: Tables) -> list[str]:
    """An agency of a province that ended ends with it and passes to the successor province."""
    provinces = _by_id(t["provinces"], "province_id")
    agencies = _by_id(t["agencies"], "agency_id")
    problems = []
    for row in t["agencies"]:
        province = provinces.get(row["province_id"])
        if province is None or not province["valid_to"]:
            continue
        end = _date(province["valid_to"])
        if not row["valid_to"] or _date(row["valid_to"]) > end:
            problems.append(f"agencies {row['agency_id']}: outlives its province ({end})")
        elif _date(row["valid_to"]) == end:
            successor = agencies.get(row["successor_agency_id"], {})
            if successor.get("province_id") != province["successor_province_id"]:
                problems.append(
                    f"agencies {row['agency_id']}: successor {row['successor_agency_id']!r} is not in "
                    f"{province['successor_province_id']}"
                )
    return problems


def check_crosswalk_units(t: Tables) -> list[str]:
    national = _by_id(t["national_indicators"], "national_indicator_id")
    problems = []
    for row in t["indicator_crosswalk"]:
        indicator = appendix_indicators().get((row["plan_id"], row["indicator_code"]))
        target = national.get(row["national_indicator_id"])
        if indicator is None or target is None:
            continue
        words = UNIT_EVIDENCE.get(target["unit"], ())
        if not any(word.casefold() in indicator["evidence"].casefold() for word in words):
            problems.append(
                f"indicator_crosswalk {row['plan_id']} {row['indicator_code']}: nothing printed for "
                f"{indicator['indicator_name']!r} shows unit {target['unit']}"
            )
    return problems


def check_figure_crosswalk_guards(t: Tables) -> list[str]:
    """The figure under a mapped id still says what the reviewer saw: ids are sequence numbers."""
    problems = []
    for row in t["figure_crosswalk"]:
        figure = reported_figures().get((row["plan_id"], row["figure_id"]))
        if figure is not None and not _same_text(figure["metric"], row["metric_guard"]):
            problems.append(
                f"figure_crosswalk {row['plan_id']} {row['figure_id']}: the figure's metric "
                f"{figure['metric']!r} is not the guard {row['metric_guard']!r} "
                "(re-extraction shifted the figure ids?)"
            )
    return problems


def check_figure_crosswalk_units(t: Tables) -> list[str]:
    """A mapped figure is printed in a unit the national target is stated in."""
    national = _by_id(t["national_indicators"], "national_indicator_id")
    problems = []
    for row in t["figure_crosswalk"]:
        figure = reported_figures().get((row["plan_id"], row["figure_id"]))
        target = national.get(row["national_indicator_id"])
        if figure is None or target is None:
            continue
        compatible = FIGURE_UNITS.get(figure["unit"])
        if compatible is None or not compatible(target["unit"]):
            problems.append(
                f"figure_crosswalk {row['plan_id']} {row['figure_id']}: figure unit "
                f"{figure['unit']!r} is not national unit {target['unit']}"
            )
    return problems


def check_calendar_quotes_its_plan(t: Tables) -> list[str]:
    """Each rule's source_text is printed on its source line and names its due day and month."""
    problems = []
    for row in t["reporting_calendar"]:
        where = f"reporting_calendar {row['plan_id']} {row['period_kind']} {row['period_part']}"
        document = source_documents().get(row["source_file"])
        if document is None:
            problems.append(f"{where}: no source document {row['source_file']}")
            continue
        try:
            line = document.line(int(row["source_line"]))
        except (ValueError, IndexError):
            problems.append(f"{where}: no line {row['source_line']!r} in {row['source_file']}")
            continue
        # `...` marks words left out; every quoted piece is printed on the line.
        for piece in row["source_text"].split("..."):
            if piece.strip() not in line:
                problems.append(
                    f"{where}: {piece.strip()!r} is not printed on "
                    f"{row['source_file']}:{row['source_line']}"
                )
        dues = DUE_DAY_TEXT.findall(row["source_text"])
        if not dues:
            problems.append(f"{where}: source_text names no due day")
            continue
        # The rule's own date is the last one quoted ("... và trước ngày 01 tháng 12").
        day, slash_month, word_month = dues[-1]
        month = slash_month or word_month
        # Compared as written in the table: no leading zero, empty for the period's end month.
        printed = (str(int(day)), str(int(month)) if month else "")
        if (row["due_day"], row["due_month"]) != printed:
            problems.append(
                f"{where}: source_text dates it {day}/{month or '(period end month)'}, "
                f"not {row['due_day']}/{row['due_month'] or '(period end month)'}"
            )
    return problems


CHECKS = [
    check_columns,
    check_nfc_and_trimmed,
    check_unique_keys,
    check_ids_are_slugs,
    check_references,
    check_agency_names_resolve_to_themselves,
    check_vocabularies,
    check_dates,
    check_lineage_matches_agencies,
    check_province_merger,
    check_crosswalk_units,
    check_figure_crosswalk_guards,
    check_figure_crosswalk_units,
    check_calendar_quotes_its_plan,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_committed_reference_tables_pass(check, tables):
    assert check(tables) == []


# -- each check fails on a crafted defect ------------------------------------------------


def set_cell(table: str, match: dict, **changes: str) -> Callable[[Tables], None]:
    """A defect: the one ``table`` row holding ``match`` gets the ``changes`` (named by them)."""

    def defect(t: Tables) -> None:
        one_row(t[table], **match).update(changes)

    defect.__name__ = f"{table}." + ",".join(f"{k}={v}" for k, v in changes.items())
    return defect


def _drop_column(t):
    for row in t["agencies"]:
        del row["is_group"]


def _decomposed_name(t):
    one_row(t["agencies"], agency_id="nghe-an:so-y-te")["agency_name"] = unicodedata.normalize(
        "NFD", "Sở Y tế"
    )


def _duplicate_agency(t):
    t["agencies"].append(dict(one_row(t["agencies"], agency_id="nghe-an:so-y-te")))


def _duplicate_alias_by_case(t):
    alias = dict(one_row(t["agency_aliases"], alias_text="Sở Y tế", province_id="nghe-an"))
    t["agency_aliases"].append({**alias, "alias_text": "SỞ Y TẾ"})


def _two_successors(t):
    step = dict(one_row(t["agency_lineage"], predecessor_agency_id="nghe-an:so-ldtbxh"))
    t["agency_lineage"].append({**step, "successor_agency_id": "nghe-an:so-y-te"})


def _successor_without_lineage(t):
    t["agency_lineage"].remove(
        one_row(t["agency_lineage"], predecessor_agency_id="nghe-an:so-khdt")
    )


def _bac_kan_agency_outlives_province(t):
    agency = one_row(t["agencies"], agency_id="bac-kan:so-y-te")
    agency["valid_to"] = agency["successor_agency_id"] = ""
    t["agency_lineage"].remove(
        one_row(t["agency_lineage"], predecessor_agency_id="bac-kan:so-y-te")
    )


FIGURE_111 = {"plan_id": "lang-son-234-2025", "figure_id": "lang-son-234-2025-fig-111"}


figure_111 = partial(set_cell, "figure_crosswalk", FIGURE_111)


def _figure_crosswalk_duplicated(t):
    t["figure_crosswalk"].append(dict(one_row(t["figure_crosswalk"], **FIGURE_111)))


NGHE_AN_MONTHLY = {"plan_id": "nghe-an-348-2025", "period_kind": "month"}
BAC_KAN_H1 = {"plan_id": "bac-kan-131-2025", "period_kind": "half_year", "period_part": "H1"}


calendar = partial(set_cell, "reporting_calendar")


def _calendar_duplicate_rule(t):
    t["reporting_calendar"].append(dict(one_row(t["reporting_calendar"], **NGHE_AN_MONTHLY)))


# One defect per line reads as a table; keep the formatter off it.
# fmt: off
@pytest.mark.parametrize(
    ("check", "defect", "expected"),
    [
        (check_columns, _drop_column, "agencies: columns"),
        (check_nfc_and_trimmed, _decomposed_name, "not NFC"),
        (check_nfc_and_trimmed, set_cell("provinces", {"province_id": "nghe-an"}, province_name="Nghệ An "), "surrounding whitespace"),
        (check_unique_keys, _duplicate_agency, "duplicate key nghe-an:so-y-te"),
        (check_unique_keys, _duplicate_alias_by_case, "agency_aliases: duplicate key"),
        (check_unique_keys, _two_successors, "two successors"),
        (check_ids_are_slugs, set_cell("agencies", {"agency_id": "lai-chau:so-khcn"}, agency_id="lai-chau:Sở KHCN"), "is not '<province_id>:<slug>'"),
        (check_references, set_cell("agency_aliases", {"alias_text": "Sở KH&CN", "province_id": "nghe-an"}, agency_id="nghe-an:so-kh"), "agency nghe-an:so-kh missing"),
        (check_references, set_cell("agency_aliases", {"alias_text": "Sở KH&CN", "province_id": "nghe-an"}, province_id="lai-chau"), "is not the province of nghe-an:so-khcn"),
        (check_references, set_cell("indicator_crosswalk", {"plan_id": "bac-kan-131-2025", "indicator_code": "8"}, national_indicator_id="digital-economy-gdp-2035"), "digital-economy-gdp-2035 missing"),
        (check_references, set_cell("indicator_crosswalk", {"plan_id": "bac-kan-131-2025", "indicator_code": "8"}, indicator_code="34"), "no such indicator code"),
        (check_agency_names_resolve_to_themselves, set_cell("agencies", {"agency_id": "nghe-an:so-tu-phap"}, agency_name="Sở Tư pháp Nghệ An"), "is not an alias"),
        (check_vocabularies, set_cell("agencies", {"agency_id": "nghe-an:so-y-te"}, agency_kind="ministry"), "agency_kind 'ministry'"),
        (check_vocabularies, set_cell("agencies", {"agency_id": "nghe-an:so-y-te"}, is_group="true"), "is_group must be true exactly"),
        (check_vocabularies, set_cell("national_indicators", {"national_indicator_id": "hdi-2030"}, unit="ratio"), "unit 'ratio'"),
        (check_vocabularies, set_cell("agency_lineage", {"predecessor_agency_id": "nghe-an:so-gtvt"}, legal_basis="Quyết định 1/2025"), "legal_basis"),
        (check_dates, set_cell("agencies", {"agency_id": "nghe-an:so-gtvt"}, valid_to="28/02/2025"), "is not ISO"),
        (check_dates, set_cell("agencies", {"agency_id": "nghe-an:so-nnmt"}, valid_to="2025-01-31"), "valid_to before valid_from"),
        (check_lineage_matches_agencies, set_cell("agency_lineage", {"predecessor_agency_id": "nghe-an:so-tttt"}, effective_date="2025-03-02"), "is not the day before"),
        (check_lineage_matches_agencies, _successor_without_lineage, "has no agency_lineage row"),
        (check_lineage_matches_agencies, set_cell("agencies", {"agency_id": "nghe-an:so-nnmt"}, valid_from="2025-04-01"), "after 2025-03-01"),
        (check_province_merger, _bac_kan_agency_outlives_province, "outlives its province"),
        (check_province_merger, set_cell("agencies", {"agency_id": "bac-kan:so-y-te"}, successor_agency_id="nghe-an:so-y-te"), "is not in thai-nguyen"),
        # Bắc Kạn 6 counts digital-technology enterprises ("Doanh nghiệp"), not a share of GDP.
        (check_crosswalk_units, set_cell("indicator_crosswalk", {"plan_id": "bac-kan-131-2025", "indicator_code": "8"}, indicator_code="6"), "shows unit percent_gdp"),
        (check_references, figure_111(figure_id="lang-son-234-2025-fig-999"), "no such figure of the plan"),
        (check_references, figure_111(national_indicator_id="e-government-2030"), "e-government-2030 missing"),
        (check_unique_keys, _figure_crosswalk_duplicated, "figure_crosswalk: duplicate key"),
        (check_vocabularies, figure_111(measure_note=""), "measure_note and metric_guard"),
        (check_dates, figure_111(review_date="21/11/2026"), "review_date '21/11/2026' is not ISO"),
        # What a re-extraction that numbers one figure fewer before it looks like: the id
        # now names fig-110, the count of dossiers received online, not the online share.
        (check_figure_crosswalk_guards, figure_111(figure_id="lang-son-234-2025-fig-110"), "is not the guard"),
        # A share of dossiers is not a number of researchers per 10,000 people.
        (check_figure_crosswalk_units, figure_111(national_indicator_id="rd-personnel-per-10000-2030"), "is not national unit per_10000_people"),
        # fig-002 counts research projects ("đề tài, dự án"): no percent at all.
        (check_figure_crosswalk_units, figure_111(figure_id="lang-son-234-2025-fig-002"), "figure unit 'đề tài, dự án'"),
        (check_references, calendar(NGHE_AN_MONTHLY, plan_id="nghe-an-999-2025"), "nghe-an-999-2025 missing"),
        (check_references, calendar(NGHE_AN_MONTHLY, plan_id="lang-son-234-2025"), "is not an implementation plan"),
        (check_references, calendar(NGHE_AN_MONTHLY, source_file="000_19fe45472b84c257.txt"), "is not the plan's document"),
        (check_unique_keys, _calendar_duplicate_rule, "reporting_calendar: duplicate key"),
        (check_vocabularies, calendar(NGHE_AN_MONTHLY, period_kind="week"), "period_kind 'week'"),
        (check_vocabularies, calendar({"plan_id": "bac-kan-131-2025", "period_kind": "year"}, period_part="H2"), "period_part 'H2' for a year rule"),
        (check_vocabularies, calendar(NGHE_AN_MONTHLY, due_month="6"), "empty exactly for month"),
        # "trước ngày 30 hàng tháng" has no day in February.
        (check_vocabularies, calendar(NGHE_AN_MONTHLY, due_day="30"), "is not a day of every year"),
        (check_vocabularies, calendar(BAC_KAN_H1, due_day="31"), "is not a day of every year"),
        # One line off: the quoted words are not printed there.
        (check_calendar_quotes_its_plan, calendar(BAC_KAN_H1, source_line="182"), "is not printed on"),
        (check_calendar_quotes_its_plan, calendar(BAC_KAN_H1, source_text="định kỳ 06 tháng, hằng năm ... trước ngày 10/6"), "'trước ngày 10/6' is not printed"),
        (check_calendar_quotes_its_plan, calendar(BAC_KAN_H1, due_day="10"), "dates it 01/6, not 10/6"),
        (check_calendar_quotes_its_plan, calendar({"plan_id": "lai-chau-khong-so-2025", "period_part": "H2"}, due_month="11"), "dates it 01/12, not 1/11"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
# fmt: on
def test_check_names_a_crafted_defect(check, defect, expected, tables):
    bad = copy.deepcopy(tables)
    defect(bad)
    problems = check(bad)
    assert any(expected in problem for problem in problems), problems


# -- content that the rest of the pipeline relies on -------------------------------------


def test_national_targets_match_the_resolution(tables):
    national = {
        r["national_indicator_id"]: (r["comparator"], Decimal(r["target_value"]), r["unit"])
        for r in tables["national_indicators"]
    }
    assert national == {
        "rd-spending-gdp-2030": (">=", Decimal("2"), "percent_gdp"),
        "rd-spending-from-society-2030": (">", Decimal("60"), "percent"),
        "state-budget-stidt-2030": (">=", Decimal("3"), "percent_state_budget"),
        "digital-economy-gdp-2030": (">=", Decimal("30"), "percent_gdp"),
        "digital-economy-gdp-2045": (">=", Decimal("50"), "percent_gdp"),
        "online-public-service-use-2030": (">", Decimal("80"), "percent"),
        "cashless-transactions-2030": (">=", Decimal("80"), "percent"),
        "innovative-enterprises-2030": (">", Decimal("40"), "percent"),
        "tfp-contribution-2030": (">", Decimal("55"), "percent"),
        "rd-personnel-per-10000-2030": (">=", Decimal("12"), "per_10000_people"),
        "hdi-2030": (">", Decimal("0.7"), "index"),
    }


def test_every_national_target_has_a_bac_kan_indicator(tables):
    mapped = {
        r["national_indicator_id"]
        for r in tables["indicator_crosswalk"]
        if r["plan_id"] == "bac-kan-131-2025"
    }
    assert mapped == {r["national_indicator_id"] for r in tables["national_indicators"]}


def test_bac_kan_2045_digital_economy_row_maps_to_the_2045_target(tables):
    [row] = [
        r
        for r in tables["indicator_crosswalk"]
        if (r["plan_id"], r["indicator_code"]) == ("bac-kan-131-2025", "29")
    ]
    assert row["national_indicator_id"] == "digital-economy-gdp-2045"
    assert appendix_indicators()[("bac-kan-131-2025", "29")]["group_name"] == "ĐẾN NĂM 2045"
