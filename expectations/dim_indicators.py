"""marts.dim_indicators: one row per plan indicator, with direction, unit and national target."""

from __future__ import annotations

import great_expectations as gx
import pandas as pd

from .base import SOURCE_COLUMNS, TableChecks, Validation, error, suite
from .common import key_rules, not_empty, provenance_rules
from .plan_rules import TODO_CELL, TODO_EXTRACTION, all_true

TABLE = "marts.dim_indicators"
SHORT = "dim_indicators"
KEY = ("plan_id", "indicator_code")
DIRECTIONS = ("higher_is_better", "lower_is_better")


def directions_checked(indicators: pd.DataFrame) -> pd.DataFrame:
    """Per indicator: a rank with a numeric target (a position among provinces) is lower-is-better.

    Ranks whose every target is a sentence (Bắc Kạn 1-3, ``Đạt trình độ khá
    ...``) have no number to compare, and keep the default direction.
    """
    out = indicators[[*KEY, *SOURCE_COLUMNS, "indicator_name", "unit", "direction"]].copy()
    numeric_rank = (indicators["unit"] == "rank") & (indicators["parsed_target_count"] > 0)
    out["rank_is_lower_is_better"] = (
        ~numeric_rank | (indicators["direction"] == "lower_is_better")
    ).astype(bool)
    return out


def build_suite() -> gx.ExpectationSuite:
    return suite(
        TABLE,
        not_empty(SHORT),
        *key_rules(SHORT, KEY),
        *provenance_rules(SHORT),
        error(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            check=f"{SHORT}.direction_present",
            why="Every indicator says whether higher or lower is better.",
            todo=TODO_EXTRACTION,
            column="direction",
        ),
        error(
            gx.expectations.ExpectColumnValuesToBeInSet,
            check=f"{SHORT}.direction_accepted",
            why="Directions are higher_is_better or lower_is_better.",
            column="direction",
            value_set=list(DIRECTIONS),
        ),
    )


def build_direction_suite() -> gx.ExpectationSuite:
    return suite(
        f"{TABLE}.direction",
        all_true(
            SHORT,
            "ranks_are_lower_is_better",
            "rank_is_lower_is_better",
            "A numeric rank (Thứ bậc, Top N, <=55) improves as it falls; reading it as "
            "higher-is-better would invert every progress figure.",
            todo=TODO_CELL,
        ),
    )


CHECKS = TableChecks(
    table=TABLE,
    key_columns=KEY,
    validations=(
        Validation(TABLE, build_suite),
        Validation(
            f"{TABLE}.direction",
            build_direction_suite,
            derive=directions_checked,
            sample_columns=(*KEY, *SOURCE_COLUMNS, "indicator_name", "unit"),
        ),
    ),
)
