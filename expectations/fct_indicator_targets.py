"""marts.fct_indicator_targets: one target (as printed) per indicator and target year."""

from __future__ import annotations

from .spec import present, table_checks

TABLE = "marts.fct_indicator_targets"
KEY = ("plan_id", "indicator_code", "target_year")

CHECKS = table_checks(
    TABLE,
    KEY,
    rules=(
        present(
            "target_text",
            "A target row exists because a cell held text; the text is the fact.",
        ),
    ),
    flagged=True,
    parse_status="parse_status",
)
