"""marts.bridge_task_agencies: one row per body a task's lead or coordinating cell names."""

from __future__ import annotations

import great_expectations as gx
import pandas as pd

from .base import SOURCE_COLUMNS, TableChecks, Validation, error, suite
from .common import key_rules, not_empty, provenance_rules
from .plan_rules import TODO_LINEAGE, all_true

TABLE = "marts.bridge_task_agencies"
SHORT = "bridge_task_agencies"
KEY = ("plan_id", "task_key", "role", "position")
ROLES = ("lead", "coordinating")


def bodies_checked(bridge: pd.DataFrame) -> pd.DataFrame:
    """Per assignment: exactly one of agency and group, and a holder today for an agency."""
    agency, group = bridge["agency_id"], bridge["group_id"]
    out = bridge[[*KEY, *SOURCE_COLUMNS, "fragment", "agency_id", "group_id"]].copy()
    out["names_one_body"] = (agency.isna() != group.isna()).astype(bool)
    out["has_current_holder"] = (agency.isna() | bridge["current_agency_id"].notna()).astype(bool)
    return out


def build_suite() -> gx.ExpectationSuite:
    return suite(
        TABLE,
        not_empty(SHORT),
        *key_rules(SHORT, KEY),
        *provenance_rules(SHORT),
        error(
            gx.expectations.ExpectColumnValuesToBeInSet,
            check=f"{SHORT}.role_accepted",
            why="An assignment is lead (chủ trì) or coordinating (phối hợp).",
            column="role",
            value_set=list(ROLES),
        ),
        error(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            check=f"{SHORT}.fragment_present",
            why="Each assignment keeps the name as printed.",
            column="fragment",
        ),
    )


def build_bodies_suite() -> gx.ExpectationSuite:
    return suite(
        f"{TABLE}.bodies",
        all_true(
            SHORT,
            "names_one_agency_or_one_group",
            "names_one_body",
            "A row is one agency or one group, never both or neither: groups are not split "
            "into invented agencies.",
        ),
        all_true(
            SHORT,
            "agency_has_current_holder",
            "has_current_holder",
            "Every assigned agency is followed through the reorganization to today's holder.",
            todo=TODO_LINEAGE,
        ),
    )


CHECKS = TableChecks(
    table=TABLE,
    key_columns=KEY,
    validations=(
        Validation(TABLE, build_suite),
        Validation(
            f"{TABLE}.bodies",
            build_bodies_suite,
            derive=bodies_checked,
            sample_columns=(*KEY, *SOURCE_COLUMNS, "fragment"),
        ),
    ),
)
