"""marts.bridge_task_agencies: one row per body a task's lead or coordinating cell names."""

from __future__ import annotations

import pandas as pd

from .base import SOURCE_COLUMNS
from .plan_rules import TODO_LINEAGE
from .spec import Part, holds, one_of, present, table_checks

TABLE = "marts.bridge_task_agencies"
KEY = ("plan_id", "task_key", "role", "position")
ROLES = ("lead", "coordinating")


def bodies_checked(bridge: pd.DataFrame) -> pd.DataFrame:
    """Per assignment: exactly one of agency and group, and a holder today for an agency."""
    agency, group = bridge["agency_id"], bridge["group_id"]
    out = bridge[[*KEY, *SOURCE_COLUMNS, "fragment", "agency_id", "group_id"]].copy()
    out["names_one_body"] = (agency.isna() != group.isna()).astype(bool)
    out["has_current_holder"] = (agency.isna() | bridge["current_agency_id"].notna()).astype(bool)
    return out


CHECKS = table_checks(
    TABLE,
    KEY,
    rules=(
        one_of("role", ROLES, "An assignment is lead (chủ trì) or coordinating (phối hợp)."),
        present("fragment", "Each assignment keeps the name as printed."),
    ),
    parts=(
        Part(
            suffix="bodies",
            derive=bodies_checked,
            sample=(*KEY, *SOURCE_COLUMNS, "fragment"),
            rules=(
                holds(
                    "names_one_agency_or_one_group",
                    "names_one_body",
                    "A row is one agency or one group, never both or neither: groups are not split "
                    "into invented agencies.",
                ),
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
