"""The 34 provincial-level units from 01/07/2025 (Nghị quyết 202/2025/QH15), as the simulator
sees them.

They are read from ``seeds/reference/provinces.csv``, the one list the warehouse
and the agency registry use too: the units with no ``valid_to``, in the file's
order, each with the names of the units merged into it on 2025-07-01. Only the
names and what each was formed from are real; the plans, reports and budgets a
national-scale simulation gives the provinces without seeds are synthetic
(see :mod:`.synthetic`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from dagster_project.semantics.agencies import REFERENCE_DIR, read_reference_csv

# The day the provinces formed by Nghị quyết 202/2025/QH15 started operating.
MERGER_DATE = date(2025, 7, 1)


@dataclass(frozen=True)
class Province:
    province_id: str
    province_name: str
    formed_from: tuple[str, ...]


def read_provinces_2025(reference_dir: Path = REFERENCE_DIR) -> tuple[Province, ...]:
    """The units that exist from 2025-07-01, with the units merged into them that day."""
    rows = read_reference_csv(reference_dir / "provinces.csv")
    merged_into: dict[str, list[str]] = {}
    for row in rows:
        if row["valid_to"] and date.fromisoformat(row["valid_to"]) == MERGER_DATE - timedelta(1):
            merged_into.setdefault(row["successor_province_id"], []).append(row["province_name"])
    return tuple(
        Province(
            row["province_id"],
            row["province_name"],
            (*merged_into.get(row["province_id"], []), row["province_name"]),
        )
        for row in rows
        if not row["valid_to"]
    )


@cache
def provinces_2025() -> tuple[Province, ...]:
    """:func:`read_provinces_2025` of the repository's reference tables, read once."""
    return read_provinces_2025()
