"""The suites of the plan-semantics rules (issue 3), in report order.

Kept apart from :data:`expectations.TABLE_CHECKS`: they run as Dagster
checks named ``plan_semantics`` (``dagster_project.plans.checks``), which on
the parse-status tables also carry the count of each status, and
``marts.fct_tasks`` has its general suite in ``TABLE_CHECKS`` and these rules
here. ``STATUS_COLUMNS`` says which tables get the counts.
"""

from __future__ import annotations

from dagster_project.semantics import deadlines, targets

from . import (
    fct_tasks_owners,
    parsed_agency_quarantine,
    parsed_indicator_targets,
    parsed_seed_lineage,
    parsed_task_deadlines,
    plan_marts,
)
from .base import TableChecks

PLAN_TABLE_CHECKS: tuple[TableChecks, ...] = (
    parsed_seed_lineage.CHECKS,
    parsed_indicator_targets.CHECKS,
    parsed_task_deadlines.CHECKS,
    parsed_agency_quarantine.CHECKS,
    fct_tasks_owners.CHECKS,
    *plan_marts.CHECKS,
)

# table -> (status column, every status the parser can return)
STATUS_COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    parsed_indicator_targets.TABLE: ("parse_status", targets.STATUSES),
    parsed_task_deadlines.TABLE: ("parse_status", deadlines.STATUSES),
}
