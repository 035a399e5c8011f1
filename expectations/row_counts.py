"""Row counts between gate runs: a table that grows or shrinks by more than half is reported.

The counts of earlier runs live in a small JSON history next to the reports
(see ``dagster_project.quality.history``); this module only turns the current
and previous counts into a frame, one row per table, and checks it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import great_expectations as gx
import pandas as pd

from .base import suite, warn

NAME = "warehouse.row_counts"
# A seed or model change that adds or removes more than half of a table is
# usually a parser losing or duplicating a whole appendix.
MAX_RELATIVE_CHANGE = 0.5
SAMPLE_COLUMNS = ("table_name", "rows_before", "rows_now")


def row_count_changes(
    current: Mapping[str, int],
    previous: Mapping[str, int] | None,
    append_only: Collection[str] = (),
) -> pd.DataFrame:
    """One row per table: counts now and in the previous run, and the relative change.

    ``relative_change`` is null for a table the previous run did not count
    (including the very first run), which GX treats as nothing to check, and
    for the ``append_only`` tables, which are expected to grow by any amount;
    ``shrank`` is true for an append-only table with fewer rows than before.
    """
    rows = []
    for table, rows_now in sorted(current.items()):
        before = (previous or {}).get(table)
        if before is None or table in append_only:
            change = None
        elif before == 0:
            change = 0.0 if rows_now == 0 else float("inf")
        else:
            change = (rows_now - before) / before
        rows.append(
            {
                "table_name": table,
                "rows_before": before,
                "rows_now": rows_now,
                "relative_change": change,
                "shrank": table in append_only and before is not None and rows_now < before,
            }
        )
    out = pd.DataFrame(rows, columns=[*SAMPLE_COLUMNS, "relative_change", "shrank"])
    out["rows_before"] = out["rows_before"].astype("Int64")
    out["relative_change"] = out["relative_change"].astype("Float64")
    out["shrank"] = out["shrank"].astype(bool)
    return out


def build_suite() -> gx.ExpectationSuite:
    return suite(
        NAME,
        warn(
            gx.expectations.ExpectColumnValuesToBeBetween,
            check="warehouse.row_count_change",
            why=(
                f"A table whose row count changes by more than {MAX_RELATIVE_CHANGE:.0%} "
                "since the previous run deserves a look before anyone relies on it."
            ),
            column="relative_change",
            min_value=-MAX_RELATIVE_CHANGE,
            max_value=MAX_RELATIVE_CHANGE,
        ),
        warn(
            gx.expectations.ExpectColumnValuesToBeInSet,
            check="warehouse.append_only_not_shrunk",
            why=(
                "Submission history is append-only: fewer files or quarantine entries than "
                "in the previous run means history was lost, or the build read another store."
            ),
            column="shrank",
            value_set=[False],
        ),
    )
