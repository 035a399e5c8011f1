"""marts.dim_indicators: one row per plan indicator, with direction, unit and national target."""

from __future__ import annotations

import pandas as pd

from .base import SOURCE_COLUMNS
from .plan_rules import TODO_CELL
from .spec import Part, holds, table_checks

TABLE = "marts.dim_indicators"
KEY = ("plan_id", "indicator_code")


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


CHECKS = table_checks(
    TABLE,
    KEY,
    parts=(
        Part(
            suffix="direction",
            derive=directions_checked,
            sample=(*KEY, *SOURCE_COLUMNS, "indicator_name", "unit"),
            rules=(
                holds(
                    "ranks_are_lower_is_better",
                    "rank_is_lower_is_better",
                    "A numeric rank (Thứ bậc, Top N, <=55) improves as it falls; reading it as "
                    "higher-is-better would invert every progress figure.",
                    todo=TODO_CELL,
                ),
            ),
        ),
    ),
)
