"""marts.dim_plans: one row per plan document."""

from __future__ import annotations

from .spec import one_of, present, table_checks

TABLE = "marts.dim_plans"
KEY = ("plan_id",)
# What the extractor can tell a plan to be: a Kế hoạch implementing NQ57, or a
# yearly science-and-technology budget plan.
PLAN_KINDS = ("implementation_plan", "budget_plan")

CHECKS = table_checks(
    TABLE,
    KEY,
    rules=(
        one_of(
            "plan_kind",
            PLAN_KINDS,
            "Reports split plans by kind; an unknown kind would fall out of every report.",
        ),
        present(
            "province_name",
            "Every plan is issued by a province; the province is how readers find it.",
            name="province_name_not_null",
        ),
    ),
    flagged=True,
)
