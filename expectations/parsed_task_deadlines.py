"""parsed.task_deadlines: every task deadline read into dates and a recurrence.

Besides keys and provenance: the status is in the parser's vocabulary and
ambiguous/invalid cells are reported (Bắc Kạn 70, ``Tháng 11/202``); a parsed
deadline has a recurrence and, for ``once``, a due date no earlier than its
start, an unparsed one has no date; and due and start dates fall within the
plan horizon, reported when not (a misprinted year is the usual cause).
"""

from __future__ import annotations

import pandas as pd

from dagster_project.semantics.deadlines import RECURRENCES, STATUSES

from .base import SOURCE_COLUMNS
from .plan_rules import TODO_CELL, status_rules, text_present
from .spec import derived, holds, one_of, reported, table_checks

TABLE = "parsed.task_deadlines"
KEY = ("plan_id", "task_key")


def _dates(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, errors="coerce")


def dates_checked(deadlines: pd.DataFrame) -> pd.DataFrame:
    """Per task: whether the dates and recurrence agree with the status."""
    due, start = _dates(deadlines["due_date"]), _dates(deadlines["start_date"])
    parsed = deadlines["parse_status"] == "parsed"
    once = deadlines["recurrence"] == "once"
    ordered = due.isna() | start.isna() | (start <= due)
    parsed_ok = deadlines["recurrence"].notna() & ordered & (~once | due.notna())
    unparsed_ok = due.isna() & start.isna() & deadlines["recurrence"].isna()
    out = deadlines[[*KEY, *SOURCE_COLUMNS, "deadline_text", "parse_status"]].copy()
    out["is_consistent"] = ((parsed & parsed_ok) | (~parsed & unparsed_ok)).astype(bool)
    return out


def horizon_checked(deadlines: pd.DataFrame) -> pd.DataFrame:
    """Per dated task: whether its due and start dates lie within the plan horizon.

    A plan whose horizon is unknown (no dated targets) cannot vouch for its
    dates, so they count as outside.
    """
    rows = deadlines[deadlines["due_date"].notna() | deadlines["start_date"].notna()]
    horizon_start = _dates(rows["plan_horizon_start"])
    horizon_end = _dates(rows["plan_horizon_end"])
    known = horizon_start.notna() & horizon_end.notna()
    inside = known
    for column in ("due_date", "start_date"):
        day = _dates(rows[column])
        inside &= day.isna() | ((day >= horizon_start) & (day <= horizon_end))
    columns = [*KEY, *SOURCE_COLUMNS, "deadline_text", "due_date", "start_date"]
    out = rows[[*columns, "plan_horizon_start", "plan_horizon_end"]].copy()
    out["is_within_horizon"] = inside.astype(bool)
    return out


CHECKS = table_checks(
    TABLE,
    KEY,
    sample=(*KEY, *SOURCE_COLUMNS, "deadline_text", "parse_note"),
    rules=(
        text_present("deadline_text"),
        *status_rules("parse_status", STATUSES),
        one_of(
            "recurrence",
            RECURRENCES,
            f"Recurrences are {', '.join(RECURRENCES)}; null only when nothing was read.",
        ),
    ),
    parts=(
        derived(
            "dates",
            dates_checked,
            (*KEY, *SOURCE_COLUMNS, "deadline_text", "parse_status"),
            holds(
                "dates_consistent",
                "is_consistent",
                "A parsed deadline has a recurrence, a one-off has a due date, and no task ends "
                "before it starts; a deadline that was not read carries no date at all.",
                todo=TODO_CELL,
            ),
        ),
        derived(
            "horizon",
            horizon_checked,
            (*KEY, *SOURCE_COLUMNS, "deadline_text", "due_date", "start_date"),
            reported(
                holds(
                    "due_within_plan_horizon",
                    "is_within_horizon",
                    "Due and start dates lie between 1 January of the plan's issue year and the "
                    "end of its last target year; outside that the year is usually misprinted.",
                    todo=TODO_CELL,
                )
            ),
        ),
    ),
)
