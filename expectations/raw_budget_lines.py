"""raw.budget_lines: the budget seed as loaded, before dbt touches it.

Checking the raw table separately tells an auditor whether a fault came in
with the seed or was introduced by a model.
"""

from __future__ import annotations

from .fct_budget_lines import KEY, STAGES
from .spec import one_of, present, table_checks

TABLE = "raw.budget_lines"

CHECKS = table_checks(
    TABLE,
    KEY,
    rules=(
        one_of(
            "stage",
            STAGES,
            "The seed may only use the stages the marts model.",
            name="stage_accepted",
        ),
        present(
            "amount_text",
            "A budget line row exists because the document printed an amount.",
        ),
    ),
)
