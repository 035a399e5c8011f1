"""The plan marts whose suite is one derived validation, as rows of one spec.

Each row of :data:`MARTS` names a mart, its key, and the frame its rules read
(``<table>.<suffix>``, built by ``derive``, failing rows shown with
``sample``); :data:`CHECKS` is their :class:`~expectations.base.TableChecks`
in report order. The lineage rules (:data:`TODO_LINEAGE`) follow every
assigned agency through the 2025 reorganization: the versions of an agency are
ordered in time, every ended agency names an existing successor, and every
assignment reaches a body that exists today.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from .base import SOURCE_COLUMNS, TableChecks
from .plan_rules import TODO_CELL, TODO_LINEAGE
from .spec import Rule, derived, holds, table_checks

INDICATORS_KEY = ("plan_id", "indicator_code")
AGENCIES_KEY = ("agency_id",)
BRIDGE_KEY = ("plan_id", "task_key", "role", "position")
NATIONAL_KEY = ("plan_id", "indicator_code", "target_year", "national_indicator_id")


def directions_checked(indicators: pd.DataFrame) -> pd.DataFrame:
    """Per indicator: a rank with a numeric target (a position among provinces) is lower-is-better.

    Ranks whose every target is a sentence (Bắc Kạn 1-3, ``Đạt trình độ khá
    ...``) have no number to compare, and keep the default direction.
    """
    key = INDICATORS_KEY
    out = indicators[[*key, *SOURCE_COLUMNS, "indicator_name", "unit", "direction"]].copy()
    numeric_rank = (indicators["unit"] == "rank") & (indicators["parsed_target_count"] > 0)
    out["rank_is_lower_is_better"] = (
        ~numeric_rank | (indicators["direction"] == "lower_is_better")
    ).astype(bool)
    return out


def lineage_checked(agencies: pd.DataFrame) -> pd.DataFrame:
    """Per agency: dates in order, an existing successor exactly when it has ended."""
    valid_from = pd.to_datetime(agencies["valid_from"], errors="coerce")
    valid_to = pd.to_datetime(agencies["valid_to"], errors="coerce")
    successor = agencies["successor_agency_id"]
    columns = [*AGENCIES_KEY, "agency_name", "valid_from", "valid_to", "successor_agency_id"]
    out = agencies[columns].copy()
    out["is_ordered"] = (valid_from.isna() | valid_to.isna() | (valid_from <= valid_to)).astype(
        bool
    )
    out["has_successor_when_ended"] = (valid_to.isna() == successor.isna()).astype(bool)
    out["successor_exists"] = (successor.isna() | successor.isin(agencies["agency_id"])).astype(
        bool
    )
    return out


def bodies_checked(bridge: pd.DataFrame) -> pd.DataFrame:
    """Per assignment: an agency has a holder today (that a row names one agency or one
    group is a dbt test of the mart)."""
    agency = bridge["agency_id"]
    columns = [*BRIDGE_KEY, *SOURCE_COLUMNS, "fragment", "agency_id", "group_id"]
    out = bridge[columns].copy()
    out["has_current_holder"] = (agency.isna() | bridge["current_agency_id"].notna()).astype(bool)
    return out


def units_checked(comparison: pd.DataFrame) -> pd.DataFrame:
    """Per parsed provincial target: whether its unit is the national one."""
    rows = comparison[comparison["parse_status"] == "parsed"]
    out = rows[[*NATIONAL_KEY, *SOURCE_COLUMNS, "target_text", "unit", "national_unit"]].copy()
    out["is_unit_comparable"] = rows["is_unit_comparable"].fillna(False).astype(bool)
    return out


@dataclass(frozen=True)
class Mart:
    """A mart whose suite is ``not_empty`` and one validation of a derived frame."""

    table: str
    key: tuple[str, ...]
    suffix: str
    derive: Callable[[pd.DataFrame], pd.DataFrame]
    shown: tuple[str, ...]  # sampled for a failing row after the key
    rules: tuple[Rule, ...]

    def checks(self) -> TableChecks:
        part = derived(self.suffix, self.derive, (*self.key, *self.shown), *self.rules)
        return table_checks(self.table, self.key, parts=(part,))


MARTS: tuple[Mart, ...] = (
    Mart(
        "marts.dim_indicators",
        INDICATORS_KEY,
        "direction",
        directions_checked,
        (*SOURCE_COLUMNS, "indicator_name", "unit"),
        (
            holds(
                "ranks_are_lower_is_better",
                "rank_is_lower_is_better",
                "A numeric rank (Thứ bậc, Top N, <=55) improves as it falls; reading it as "
                "higher-is-better would invert every progress figure.",
                todo=TODO_CELL,
            ),
        ),
    ),
    Mart(
        "marts.dim_agencies",
        AGENCIES_KEY,
        "lineage",
        lineage_checked,
        ("agency_name", "valid_from", "valid_to", "successor_agency_id"),
        (
            holds(
                "validity_ordered",
                "is_ordered",
                "An agency cannot end before it starts (type-2 validity).",
            ),
            holds(
                "ended_agency_has_successor",
                "has_successor_when_ended",
                "The plans move a merged body's tasks to its successor; an ended agency without "
                "one (or a live one with one) leaves tasks ownerless.",
                todo=TODO_LINEAGE,
            ),
            holds(
                "successor_exists",
                "successor_exists",
                "A successor must itself be an agency of the dimension.",
                todo=TODO_LINEAGE,
            ),
        ),
    ),
    Mart(
        "marts.bridge_task_agencies",
        BRIDGE_KEY,
        "bodies",
        bodies_checked,
        (*SOURCE_COLUMNS, "fragment"),
        (
            holds(
                "agency_has_current_holder",
                "has_current_holder",
                "Every assigned agency is followed through the reorganization to today's holder.",
                todo=TODO_LINEAGE,
            ),
        ),
    ),
    Mart(
        "marts.mart_targets_vs_national",
        NATIONAL_KEY,
        "units",
        units_checked,
        (*SOURCE_COLUMNS, "target_text", "unit", "national_unit"),
        (
            holds(
                "parsed_targets_in_national_unit",
                "is_unit_comparable",
                "A provincial target is compared with the national one only in the same unit "
                "(% GRDP standing for % GDP); another unit means the crosswalk is wrong.",
            ),
        ),
    ),
)

CHECKS: tuple[TableChecks, ...] = tuple(mart.checks() for mart in MARTS)
