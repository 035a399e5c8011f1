"""marts.fct_tasks: one row per task of a plan's task appendix."""

from __future__ import annotations

from .spec import table_checks

TABLE = "marts.fct_tasks"
KEY = ("plan_id", "task_key")

CHECKS = table_checks(TABLE, KEY, flagged=True, parse_status="deadline_parse_status")
