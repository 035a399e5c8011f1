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
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache

import pytest

from dagster_project.extract.appendix import extract_appendices
from dagster_project.extract.documents import load_documents
from dagster_project.plans.reference import REFERENCE_TABLES
from dagster_project.semantics.agencies import (
    AGENCY_KINDS,
    REFERENCE_DIR,
    normalize_agency_name,
    read_reference_csv,
)

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


def load_tables() -> Tables:
    return {name: read_reference_csv(REFERENCE_DIR / f"{name}.csv") for name in COLUMNS}


@pytest.fixture(scope="module")
def tables() -> Tables:
    return load_tables()


@cache
def appendix_indicators() -> dict[tuple[str, str], dict[str, str]]:
    """(plan_id, indicator_code) -> extracted indicator row, with its printed targets."""
    documents = {doc.source_file: doc for doc in load_documents()}
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
    return problems


def check_dates(t: Tables) -> list[str]:
    problems = []
    dated = [
        ("provinces", "province_id", ("valid_from", "valid_to")),
        ("agencies", "agency_id", ("valid_from", "valid_to")),
        ("agency_lineage", "predecessor_agency_id", ("effective_date",)),
        ("indicator_crosswalk", "indicator_code", ("review_date",)),
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
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_committed_reference_tables_pass(check, tables):
    assert check(tables) == []


# -- each check fails on a crafted defect ------------------------------------------------


def _row(rows: list[dict[str, str]], **match: str) -> dict[str, str]:
    [row] = [r for r in rows if all(r[k] == v for k, v in match.items())]
    return row


def _drop_column(t):
    for row in t["agencies"]:
        del row["is_group"]


def _decomposed_name(t):
    _row(t["agencies"], agency_id="nghe-an:so-y-te")["agency_name"] = unicodedata.normalize(
        "NFD", "Sở Y tế"
    )


def _padded_value(t):
    _row(t["provinces"], province_id="nghe-an")["province_name"] = "Nghệ An "


def _duplicate_agency(t):
    t["agencies"].append(dict(_row(t["agencies"], agency_id="nghe-an:so-y-te")))


def _duplicate_alias_by_case(t):
    alias = dict(_row(t["agency_aliases"], alias_text="Sở Y tế", province_id="nghe-an"))
    t["agency_aliases"].append({**alias, "alias_text": "SỞ Y TẾ"})


def _two_successors(t):
    step = dict(_row(t["agency_lineage"], predecessor_agency_id="nghe-an:so-ldtbxh"))
    t["agency_lineage"].append({**step, "successor_agency_id": "nghe-an:so-y-te"})


def _bad_agency_id(t):
    _row(t["agencies"], agency_id="lai-chau:so-khcn")["agency_id"] = "lai-chau:Sở KHCN"


def _dangling_alias(t):
    _row(t["agency_aliases"], alias_text="Sở KH&CN", province_id="nghe-an")["agency_id"] = (
        "nghe-an:so-kh"
    )


def _alias_in_wrong_province(t):
    _row(t["agency_aliases"], alias_text="Sở KH&CN", province_id="nghe-an")["province_id"] = (
        "lai-chau"
    )


def _crosswalk_to_missing_national(t):
    _row(t["indicator_crosswalk"], plan_id="bac-kan-131-2025", indicator_code="8")[
        "national_indicator_id"
    ] = "digital-economy-gdp-2035"


def _crosswalk_to_missing_code(t):
    _row(t["indicator_crosswalk"], plan_id="bac-kan-131-2025", indicator_code="8")[
        "indicator_code"
    ] = "34"


def _canonical_name_without_alias(t):
    _row(t["agencies"], agency_id="nghe-an:so-tu-phap")["agency_name"] = "Sở Tư pháp tỉnh Nghệ An"


def _unknown_kind(t):
    _row(t["agencies"], agency_id="nghe-an:so-y-te")["agency_kind"] = "ministry"


def _department_flagged_as_group(t):
    _row(t["agencies"], agency_id="nghe-an:so-y-te")["is_group"] = "true"


def _unknown_unit(t):
    _row(t["national_indicators"], national_indicator_id="hdi-2030")["unit"] = "ratio"


def _unknown_legal_act(t):
    _row(t["agency_lineage"], predecessor_agency_id="nghe-an:so-gtvt")["legal_basis"] = (
        "Quyết định 1/2025"
    )


def _non_iso_date(t):
    _row(t["agencies"], agency_id="nghe-an:so-gtvt")["valid_to"] = "28/02/2025"


def _ends_before_start(t):
    _row(t["agencies"], agency_id="nghe-an:so-nnmt")["valid_to"] = "2025-01-31"


def _lineage_a_day_late(t):
    _row(t["agency_lineage"], predecessor_agency_id="nghe-an:so-tttt")["effective_date"] = (
        "2025-03-02"
    )


def _successor_without_lineage(t):
    t["agency_lineage"].remove(_row(t["agency_lineage"], predecessor_agency_id="nghe-an:so-khdt"))


def _successor_starts_late(t):
    _row(t["agencies"], agency_id="nghe-an:so-nnmt")["valid_from"] = "2025-04-01"


def _bac_kan_agency_outlives_province(t):
    agency = _row(t["agencies"], agency_id="bac-kan:so-y-te")
    agency["valid_to"] = agency["successor_agency_id"] = ""
    t["agency_lineage"].remove(_row(t["agency_lineage"], predecessor_agency_id="bac-kan:so-y-te"))


def _bac_kan_agency_passes_to_wrong_province(t):
    _row(t["agencies"], agency_id="bac-kan:so-y-te")["successor_agency_id"] = "nghe-an:so-y-te"


def _crosswalk_with_wrong_unit(t):
    # Bắc Kạn 6 counts digital-technology enterprises ("Doanh nghiệp"), not a share of GDP.
    _row(t["indicator_crosswalk"], plan_id="bac-kan-131-2025", indicator_code="8")[
        "indicator_code"
    ] = "6"


@pytest.mark.parametrize(
    ("check", "defect", "expected"),
    [
        (check_columns, _drop_column, "agencies: columns"),
        (check_nfc_and_trimmed, _decomposed_name, "not NFC"),
        (check_nfc_and_trimmed, _padded_value, "surrounding whitespace"),
        (check_unique_keys, _duplicate_agency, "duplicate key nghe-an:so-y-te"),
        (check_unique_keys, _duplicate_alias_by_case, "agency_aliases: duplicate key"),
        (check_unique_keys, _two_successors, "two successors"),
        (check_ids_are_slugs, _bad_agency_id, "is not '<province_id>:<slug>'"),
        (check_references, _dangling_alias, "agency nghe-an:so-kh missing"),
        (check_references, _alias_in_wrong_province, "is not the province of nghe-an:so-khcn"),
        (check_references, _crosswalk_to_missing_national, "digital-economy-gdp-2035 missing"),
        (check_references, _crosswalk_to_missing_code, "no such indicator code"),
        (
            check_agency_names_resolve_to_themselves,
            _canonical_name_without_alias,
            "is not an alias",
        ),
        (check_vocabularies, _unknown_kind, "agency_kind 'ministry'"),
        (check_vocabularies, _department_flagged_as_group, "is_group must be true exactly"),
        (check_vocabularies, _unknown_unit, "unit 'ratio'"),
        (check_vocabularies, _unknown_legal_act, "legal_basis"),
        (check_dates, _non_iso_date, "is not ISO"),
        (check_dates, _ends_before_start, "valid_to before valid_from"),
        (check_lineage_matches_agencies, _lineage_a_day_late, "is not the day before"),
        (check_lineage_matches_agencies, _successor_without_lineage, "has no agency_lineage row"),
        (check_lineage_matches_agencies, _successor_starts_late, "after 2025-03-01"),
        (check_province_merger, _bac_kan_agency_outlives_province, "outlives its province"),
        (check_province_merger, _bac_kan_agency_passes_to_wrong_province, "is not in thai-nguyen"),
        (check_crosswalk_units, _crosswalk_with_wrong_unit, "shows unit percent_gdp"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
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
