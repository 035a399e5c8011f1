"""marts.fct_tasks, issue 3's rules: every task has a lead, and the lead has a holder today.

The table's general rules (keys, provenance, flags) are in :mod:`.fct_tasks`;
these run as a separate ``plan_semantics`` check on the same asset. A task
whose lead cell matched nothing in the registry would silently drop out of
every "tasks per agency" figure; the names that failed to match are in
parsed.agency_quarantine with their reason.
"""

from __future__ import annotations

import great_expectations as gx
import pandas as pd

from .base import SOURCE_COLUMNS, TableChecks, Validation, error, suite
from .plan_rules import TODO_AGENCY_NAME, TODO_LINEAGE, all_true

TABLE = "marts.fct_tasks"
SHORT = "fct_tasks"
KEY = ("plan_id", "task_key")


def owners_checked(tasks: pd.DataFrame) -> pd.DataFrame:
    """Per task: a lead agency is followed to a holder today (the lineage reaches someone)."""
    out = tasks[[*KEY, *SOURCE_COLUMNS, "lead_agency_text", "lead_agency_id"]].copy()
    out["has_current_holder"] = (
        tasks["lead_agency_id"].isna() | tasks["current_lead_agency_id"].notna()
    ).astype(bool)
    return out


def build_suite() -> gx.ExpectationSuite:
    return suite(
        f"{TABLE}.owners",
        error(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            check=f"{SHORT}.lead_assignment_count_present",
            why="A task missing from the lead count would pass the rule below unseen.",
            column="lead_assignment_count",
        ),
        error(
            gx.expectations.ExpectColumnValuesToBeBetween,
            check=f"{SHORT}.every_task_has_a_lead",
            why=(
                "Every task has at least one lead agency or group; zero means its lead cell "
                "matched nothing (see parsed.agency_quarantine) and the task has no owner."
            ),
            todo=TODO_AGENCY_NAME,
            column="lead_assignment_count",
            min_value=1,
        ),
    )


def build_holder_suite() -> gx.ExpectationSuite:
    return suite(
        f"{TABLE}.holders",
        all_true(
            SHORT,
            "lead_has_current_holder",
            "has_current_holder",
            "A lead agency is followed through the reorganization to a body that exists "
            "today; none means a gap in agency_lineage.csv.",
            todo=TODO_LINEAGE,
        ),
    )


CHECKS = TableChecks(
    table=TABLE,
    key_columns=KEY,
    validations=(
        Validation(
            f"{TABLE}.owners",
            build_suite,
            sample_columns=(*KEY, *SOURCE_COLUMNS, "lead_agency_text"),
        ),
        Validation(
            f"{TABLE}.holders",
            build_holder_suite,
            derive=owners_checked,
            sample_columns=(*KEY, *SOURCE_COLUMNS, "lead_agency_text", "lead_agency_id"),
        ),
    ),
)
