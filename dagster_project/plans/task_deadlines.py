"""Every task deadline cell read with :func:`parse_deadline`, next to the plan horizon.

The plan's issue year is what :func:`parse_deadline` uses for a month written
without a year. The horizon is the span a plan sets targets for: from
1 January of its issue year to 31 December of the last year its indicator
appendix names (2045 for Nghệ An and Bắc Kạn). A due date outside it is
almost certainly a misprint (``2205``) or a misreading, which the quality
checks report; a plan with no dated targets has no known end, left null.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from dagster_project.semantics.dates import parse_vn_date
from dagster_project.semantics.deadlines import parse_deadline

DEADLINE_COLUMNS: dict[str, str] = {
    "plan_id": "varchar",
    "task_key": "varchar",
    "deadline_text": "varchar",
    "cleaned_text": "varchar",
    "due_date": "date",
    "start_date": "date",
    "recurrence": "varchar",
    "recurrence_due_month": "integer",
    "recurrence_due_day": "integer",
    "parse_status": "varchar",
    "parse_note": "varchar",
    "plan_horizon_start": "date",
    "plan_horizon_end": "date",
    "source_file": "varchar",
    "source_line": "integer",
}


def plan_horizons(
    plans: pd.DataFrame, indicator_targets: pd.DataFrame
) -> dict[str, tuple[date | None, date | None]]:
    """``plan_id -> (first day, last day)`` of the years each plan sets targets for."""
    last_year: dict[str, int] = {}
    for row in indicator_targets.itertuples(index=False):
        text = row.target_year.strip()
        if text.isdigit():
            last_year[row.plan_id] = max(int(text), last_year.get(row.plan_id, 0))
    horizons = {}
    for row in plans.itertuples(index=False):
        issued = parse_vn_date(row.issue_date_text)
        start = date(issued.year, 1, 1) if issued else None
        end = date(last_year[row.plan_id], 12, 31) if row.plan_id in last_year else None
        horizons[row.plan_id] = (start, end)
    return horizons


def parse_task_deadlines(
    tasks: pd.DataFrame, plans: pd.DataFrame, indicator_targets: pd.DataFrame
) -> pd.DataFrame:
    """One row per task: the deadline as printed, as read, and the plan's horizon."""
    horizons = plan_horizons(plans, indicator_targets)
    rows = []
    for row in tasks.itertuples(index=False):
        start, end = horizons.get(row.plan_id, (None, None))
        parse = parse_deadline(row.deadline_text, start.year if start else None)
        rows.append(
            {
                "plan_id": row.plan_id,
                "task_key": row.task_key,
                "deadline_text": row.deadline_text,
                **parse.to_dict(),
                "plan_horizon_start": start.isoformat() if start else None,
                "plan_horizon_end": end.isoformat() if end else None,
                "source_file": row.source_file,
                "source_line": int(row.source_line),
            }
        )
    return pd.DataFrame(rows, columns=list(DEADLINE_COLUMNS))
