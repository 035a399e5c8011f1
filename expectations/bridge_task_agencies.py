"""marts.bridge_task_agencies: one row per body a task's lead or coordinating cell names."""

from __future__ import annotations

import pandas as pd

from .base import SOURCE_COLUMNS
from .plan_rules import TODO_LINEAGE
from .spec import Part, holds, table_checks

TABLE = "marts.bridge_task_agencies"
KEY = ("plan_id", "task_key", "role", "position")


def bodies_checked(bridge: pd.DataFrame) -> pd.DataFrame:
    """Per assignment: an agency has a holder today (that a row names one agency or one
    group is a dbt test of the mart)."""
    agency = bridge["agency_id"]
    out = bridge[[*KEY, *SOURCE_COLUMNS, "fragment", "agency_id", "group_id"]].copy()
    out["has_current_holder"] = (agency.isna() | bridge["current_agency_id"].notna()).astype(bool)
    return out


CHECKS = table_checks(
    TABLE,
    KEY,
    parts=(
        Part(
            suffix="bodies",
            derive=bodies_checked,
            sample=(*KEY, *SOURCE_COLUMNS, "fragment"),
            rules=(
                holds(
                    "agency_has_current_holder",
                    "has_current_holder",
                    "Every assigned agency is followed through the reorganization to today's holder.",
                    todo=TODO_LINEAGE,
                ),
            ),
        ),
    ),
)
