"""marts.fct_reported_figures: figures a province reports about its own results."""

from __future__ import annotations

from .spec import present, table_checks

TABLE = "marts.fct_reported_figures"
KEY = ("figure_id",)

CHECKS = table_checks(
    TABLE,
    KEY,
    rules=(
        present(
            "plan_id",
            "Every reported figure comes from a plan or report document.",
            name="plan_id_not_null",
        ),
        present("value_text", "A reported figure keeps the text it was read from."),
    ),
    flagged=True,
)
