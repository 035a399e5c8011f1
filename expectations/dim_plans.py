"""marts.dim_plans: one row per plan document."""

from __future__ import annotations

from .spec import table_checks

TABLE = "marts.dim_plans"
KEY = ("plan_id",)

# The plan kinds and the province are dbt tests of the mart (_marts__models.yml).
CHECKS = table_checks(TABLE, KEY, flagged=True)
