"""raw.budget_lines: the budget seed as loaded, before dbt touches it.

Checking the raw table separately tells an auditor whether a fault came in
with the seed or was introduced by a model.
"""

from __future__ import annotations

import great_expectations as gx

from .base import TableChecks, Validation, error, suite
from .common import key_rules, not_empty, provenance_rules
from .fct_budget_lines import KEY, STAGES

TABLE = "raw.budget_lines"
SHORT = "raw_budget_lines"


def build_suite() -> gx.ExpectationSuite:
    return suite(
        TABLE,
        not_empty(SHORT),
        *key_rules(SHORT, KEY),
        *provenance_rules(SHORT),
        error(
            gx.expectations.ExpectColumnValuesToBeInSet,
            check=f"{SHORT}.stage_accepted",
            why="The seed may only use the stages the marts model.",
            column="stage",
            value_set=list(STAGES),
        ),
        error(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            check=f"{SHORT}.amount_text_present",
            why="A budget line row exists because the document printed an amount.",
            column="amount_text",
        ),
    )


CHECKS = TableChecks(table=TABLE, key_columns=KEY, validations=(Validation(TABLE, build_suite),))
