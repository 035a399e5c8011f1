"""marts.fct_tasks, issue 3's rules: every task has a lead, and the lead has a holder today.

The table's general rules (keys, provenance, flags) are in :mod:`.fct_tasks`;
these run as a separate ``plan_semantics`` check on the same asset. A task
whose lead cell matched nothing in the registry would silently drop out of
every "tasks per agency" figure; the names that failed to match are in
parsed.agency_quarantine with their reason.
"""

from __future__ import annotations

import pandas as pd

from .base import SOURCE_COLUMNS
from .plan_rules import TODO_AGENCY_NAME, TODO_LINEAGE
from .spec import at_least, derived, holds, table_checks

TABLE = "marts.fct_tasks"
KEY = ("plan_id", "task_key")


def owners_checked(tasks: pd.DataFrame) -> pd.DataFrame:
    """Per task: a lead agency is followed to a holder today (the lineage reaches someone)."""
    out = tasks[[*KEY, *SOURCE_COLUMNS, "lead_agency_text", "lead_agency_id"]].copy()
    out["has_current_holder"] = (
        tasks["lead_agency_id"].isna() | tasks["current_lead_agency_id"].notna()
    ).astype(bool)
    return out


CHECKS = table_checks(
    TABLE,
    KEY,
    standard=(),
    suffix="owners",
    sample=(*KEY, *SOURCE_COLUMNS, "lead_agency_text"),
    rules=(
        at_least(
            "lead_assignment_count",
            1,
            "Every task has at least one lead agency or group; zero means its lead cell "
            "matched nothing (see parsed.agency_quarantine) and the task has no owner.",
            name="every_task_has_a_lead",
            todo=TODO_AGENCY_NAME,
        ),
    ),
    parts=(
        derived(
            "holders",
            owners_checked,
            (*KEY, *SOURCE_COLUMNS, "lead_agency_text", "lead_agency_id"),
            holds(
                "lead_has_current_holder",
                "has_current_holder",
                "A lead agency is followed through the reorganization to a body that exists "
                "today; none means a gap in agency_lineage.csv.",
                todo=TODO_LINEAGE,
            ),
        ),
    ),
)
