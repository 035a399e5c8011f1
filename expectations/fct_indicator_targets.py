"""marts.fct_indicator_targets: one target (as printed) per indicator and target year."""

from __future__ import annotations

from .spec import table_checks

TABLE = "marts.fct_indicator_targets"
KEY = ("plan_id", "indicator_code", "target_year")

CHECKS = table_checks(TABLE, KEY, flagged=True, parse_status="parse_status")
