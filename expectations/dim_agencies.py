"""marts.dim_agencies: agencies as a type-2 dimension, with the 2025 lineage.

The lineage must be walkable: versions are ordered in time, every ended
agency names an existing successor, and every agency reaches a body that
exists on the as-of date.
"""

from __future__ import annotations

import pandas as pd

from .plan_rules import TODO_LINEAGE
from .spec import Part, holds, table_checks

TABLE = "marts.dim_agencies"
KEY = ("agency_id",)


def lineage_checked(agencies: pd.DataFrame) -> pd.DataFrame:
    """Per agency: dates in order, an existing successor exactly when it has ended."""
    valid_from = pd.to_datetime(agencies["valid_from"], errors="coerce")
    valid_to = pd.to_datetime(agencies["valid_to"], errors="coerce")
    successor = agencies["successor_agency_id"]
    out = agencies[[*KEY, "agency_name", "valid_from", "valid_to", "successor_agency_id"]].copy()
    out["is_ordered"] = (valid_from.isna() | valid_to.isna() | (valid_from <= valid_to)).astype(
        bool
    )
    out["has_successor_when_ended"] = (valid_to.isna() == successor.isna()).astype(bool)
    out["successor_exists"] = (successor.isna() | successor.isin(agencies["agency_id"])).astype(
        bool
    )
    return out


CHECKS = table_checks(
    TABLE,
    KEY,
    parts=(
        Part(
            suffix="lineage",
            derive=lineage_checked,
            sample=(*KEY, "agency_name", "valid_from", "valid_to", "successor_agency_id"),
            rules=(
                holds(
                    "validity_ordered",
                    "is_ordered",
                    "An agency cannot end before it starts (type-2 validity).",
                ),
                holds(
                    "ended_agency_has_successor",
                    "has_successor_when_ended",
                    "The plans move a merged body's tasks to its successor; an ended agency without "
                    "one (or a live one with one) leaves tasks ownerless.",
                    todo=TODO_LINEAGE,
                ),
                holds(
                    "successor_exists",
                    "successor_exists",
                    "A successor must itself be an agency of the dimension.",
                    todo=TODO_LINEAGE,
                ),
            ),
        ),
    ),
)
