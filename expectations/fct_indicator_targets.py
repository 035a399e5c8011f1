"""marts.fct_indicator_targets: one target (as printed) per indicator and target year."""

from __future__ import annotations

import great_expectations as gx

from .base import TableChecks, Validation, error, suite
from .common import (
    flag_share_validation,
    key_rules,
    not_empty,
    parse_status_validation,
    provenance_rules,
)

TABLE = "marts.fct_indicator_targets"
SHORT = "fct_indicator_targets"
KEY = ("plan_id", "indicator_code", "target_year")


def build_suite() -> gx.ExpectationSuite:
    return suite(
        TABLE,
        not_empty(SHORT),
        *key_rules(SHORT, KEY),
        *provenance_rules(SHORT),
        error(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            check=f"{SHORT}.target_text_present",
            why="A target row exists because a cell held text; the text is the fact.",
            column="target_text",
        ),
    )


CHECKS = TableChecks(
    table=TABLE,
    key_columns=KEY,
    validations=(
        Validation(TABLE, build_suite),
        flag_share_validation(TABLE, KEY),
        parse_status_validation(TABLE),
    ),
)
