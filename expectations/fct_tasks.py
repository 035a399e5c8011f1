"""marts.fct_tasks: one row per task of a plan's task appendix."""

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

TABLE = "marts.fct_tasks"
SHORT = "fct_tasks"
KEY = ("plan_id", "task_key")


def build_suite() -> gx.ExpectationSuite:
    return suite(
        TABLE,
        not_empty(SHORT),
        *key_rules(SHORT, KEY),
        *provenance_rules(SHORT),
        error(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            check=f"{SHORT}.task_name_present",
            why="A task without its wording cannot be followed up.",
            column="task_name",
        ),
    )


CHECKS = TableChecks(
    table=TABLE,
    key_columns=KEY,
    validations=(
        Validation(TABLE, build_suite),
        flag_share_validation(TABLE, KEY),
        parse_status_validation(TABLE, column="deadline_parse_status"),
    ),
)
