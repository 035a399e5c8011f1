"""marts.fct_reported_figures: figures a province reports about its own results."""

from __future__ import annotations

from .spec import table_checks

TABLE = "marts.fct_reported_figures"
KEY = ("figure_id",)

CHECKS = table_checks(TABLE, KEY, flagged=True)
