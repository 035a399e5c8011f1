"""marts.dim_agencies: agencies as a type-2 dimension, with the 2025 lineage.

The lineage must be walkable: versions are ordered in time, every ended
agency names an existing successor, and every agency reaches a body that
exists on the as-of date.
"""

from __future__ import annotations

import great_expectations as gx
import pandas as pd

from .base import TableChecks, Validation, error, suite
from .common import key_rules, not_empty
from .plan_rules import TODO_LINEAGE, all_true

TABLE = "marts.dim_agencies"
SHORT = "dim_agencies"
KEY = ("agency_id",)


def lineage_checked(agencies: pd.DataFrame) -> pd.DataFrame:
    """Per agency: dates in order, an existing successor exactly when it has ended."""
    valid_from = pd.to_datetime(agencies["valid_from"], errors="coerce")
    valid_to = pd.to_datetime(agencies["valid_to"], errors="coerce")
    successor = agencies["successor_agency_id"]
    out = agencies[[*KEY, "agency_name", "valid_from", "valid_to", "successor_agency_id"]].copy()
    out["is_ordered"] = (valid_from.isna() | valid_to.isna() | (valid_from <= valid_to)).astype(
        bool
    )
    out["has_successor_when_ended"] = (valid_to.isna() == successor.isna()).astype(bool)
    out["successor_exists"] = (successor.isna() | successor.isin(agencies["agency_id"])).astype(
        bool
    )
    return out


def build_suite() -> gx.ExpectationSuite:
    return suite(
        TABLE,
        not_empty(SHORT),
        *key_rules(SHORT, KEY),
        error(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            check=f"{SHORT}.current_agency_present",
            why="Every agency's duties are held by someone on the as-of date.",
            todo=TODO_LINEAGE,
            column="current_agency_id",
        ),
        error(
            gx.expectations.ExpectColumnValuesToBeInSet,
            check=f"{SHORT}.current_agency_active",
            why="The holder reached through the lineage must exist on the as-of date.",
            todo=TODO_LINEAGE,
            column="is_current_agency_active",
            value_set=[True],
        ),
    )


def build_lineage_suite() -> gx.ExpectationSuite:
    return suite(
        f"{TABLE}.lineage",
        all_true(
            SHORT,
            "validity_ordered",
            "is_ordered",
            "An agency cannot end before it starts (type-2 validity).",
        ),
        all_true(
            SHORT,
            "ended_agency_has_successor",
            "has_successor_when_ended",
            "The plans move a merged body's tasks to its successor; an ended agency without "
            "one (or a live one with one) leaves tasks ownerless.",
            todo=TODO_LINEAGE,
        ),
        all_true(
            SHORT,
            "successor_exists",
            "successor_exists",
            "A successor must itself be an agency of the dimension.",
            todo=TODO_LINEAGE,
        ),
    )


CHECKS = TableChecks(
    table=TABLE,
    key_columns=KEY,
    validations=(
        Validation(TABLE, build_suite, sample_columns=(*KEY, "agency_name", "current_agency_id")),
        Validation(
            f"{TABLE}.lineage",
            build_lineage_suite,
            derive=lineage_checked,
            sample_columns=(*KEY, "agency_name", "valid_from", "valid_to", "successor_agency_id"),
        ),
    ),
)
