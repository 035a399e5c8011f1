"""marts.fct_reported_figures: figures a province reports about its own results."""

from __future__ import annotations

import great_expectations as gx

from .base import TableChecks, Validation, error, suite
from .common import (
    flag_share_validation,
    key_rules,
    not_empty,
    provenance_rules,
)

TABLE = "marts.fct_reported_figures"
SHORT = "fct_reported_figures"
KEY = ("figure_id",)


def build_suite() -> gx.ExpectationSuite:
    return suite(
        TABLE,
        not_empty(SHORT),
        *key_rules(SHORT, KEY),
        *provenance_rules(SHORT),
        error(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            check=f"{SHORT}.plan_id_not_null",
            why="Every reported figure comes from a plan or report document.",
            column="plan_id",
        ),
        error(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            check=f"{SHORT}.value_text_present",
            why="A reported figure keeps the text it was read from.",
            column="value_text",
        ),
    )


CHECKS = TableChecks(
    table=TABLE,
    key_columns=KEY,
    validations=(
        Validation(TABLE, build_suite),
        flag_share_validation(TABLE, KEY),
    ),
)
