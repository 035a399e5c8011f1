"""marts.mart_targets_vs_national: provincial targets next to the national ones.

The crosswalk promises the same unit on both sides; a parsed provincial
target in another unit means the crosswalk (or the parse) is wrong, and the
comparison would be meaningless.
"""

from __future__ import annotations

import pandas as pd

from .base import SOURCE_COLUMNS
from .spec import Part, holds, table_checks

TABLE = "marts.mart_targets_vs_national"
KEY = ("plan_id", "indicator_code", "target_year", "national_indicator_id")


def units_checked(comparison: pd.DataFrame) -> pd.DataFrame:
    """Per parsed provincial target: whether its unit is the national one."""
    rows = comparison[comparison["parse_status"] == "parsed"]
    out = rows[[*KEY, *SOURCE_COLUMNS, "target_text", "unit", "national_unit"]].copy()
    out["is_unit_comparable"] = rows["is_unit_comparable"].fillna(False).astype(bool)
    return out


CHECKS = table_checks(
    TABLE,
    KEY,
    parts=(
        Part(
            suffix="units",
            derive=units_checked,
            sample=(*KEY, *SOURCE_COLUMNS, "target_text", "unit", "national_unit"),
            rules=(
                holds(
                    "parsed_targets_in_national_unit",
                    "is_unit_comparable",
                    "A provincial target is compared with the national one only in the same unit "
                    "(% GRDP standing for % GDP); another unit means the crosswalk is wrong.",
                ),
            ),
        ),
    ),
)
