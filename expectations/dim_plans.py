"""marts.dim_plans: one row per plan document."""

from __future__ import annotations

import great_expectations as gx

from .base import TableChecks, Validation, error, suite
from .common import flag_share_validation, key_rules, not_empty, provenance_rules

TABLE = "marts.dim_plans"
SHORT = "dim_plans"
KEY = ("plan_id",)
# What the extractor can tell a plan to be: a Kế hoạch implementing NQ57, or a
# yearly science-and-technology budget plan.
PLAN_KINDS = ("implementation_plan", "budget_plan")


def build_suite() -> gx.ExpectationSuite:
    return suite(
        TABLE,
        not_empty(SHORT),
        *key_rules(SHORT, KEY),
        *provenance_rules(SHORT),
        error(
            gx.expectations.ExpectColumnValuesToBeInSet,
            check=f"{SHORT}.plan_kind_accepted",
            why="Reports split plans by kind; an unknown kind would fall out of every report.",
            column="plan_kind",
            value_set=list(PLAN_KINDS),
        ),
        error(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            check=f"{SHORT}.province_name_not_null",
            why="Every plan is issued by a province; the province is how readers find it.",
            column="province_name",
        ),
    )


CHECKS = TableChecks(
    table=TABLE,
    key_columns=KEY,
    validations=(Validation(TABLE, build_suite), flag_share_validation(TABLE, KEY)),
)
