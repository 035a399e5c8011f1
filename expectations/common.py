"""Rules every table shares: keys, provenance, non-emptiness; the rows a flag share reads."""

from __future__ import annotations

import great_expectations as gx
import pandas as pd
from great_expectations.expectations.expectation import Expectation

from .base import SOURCE_COLUMNS, error

# Above this share of flagged rows a table is reported: the documents are messy,
# but when most rows of a table carry a flag the extractor has likely lost track
# of a layout rather than met a few odd cells.
DEFAULT_MAX_FLAGGED_SHARE = 0.5

# The parse status a row gets when its text was read into a typed value without
# doubt. Issue 3 introduces ``parse_status``; any other value is a kind of doubt.
PARSED = "parsed"
# Below this share of parsed rows the distribution is reported.
DEFAULT_MIN_PARSED_SHARE = 0.5

PARSE_STATUS_COLUMN = "parse_status"
PARSE_STATUS_ABSENT = (
    "cột parse_status chưa có (issue 3 bổ sung) / "
    "column parse_status absent (added by issue 3): check skipped"
)


def not_empty(table: str) -> Expectation:
    return error(
        gx.expectations.ExpectTableRowCountToBeBetween,
        check=f"{table}.not_empty",
        why="An empty table means a load step silently produced nothing.",
        min_value=1,
    )


# Two rows with one key, or a row with no key or no line: where the seeds come from.
TODO_KEY = (
    "Rows from a plan document: two rows print the same code (numbering that restarts without "
    "a group row) or a row lost its code; read the lines shown and drop or re-key a row with a "
    "reviewed `drop`/`add` in seeds/corrections.csv, or fix the layout in seeds/layouts.yml."
)


def key_rules(table: str, key_columns: tuple[str, ...]) -> list[Expectation]:
    """Every key column present, and the key unique."""
    rules: list[Expectation] = [
        error(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            check=f"{table}.{column}_not_null",
            why=f"{column} is part of the key of {table}.",
            todo=TODO_KEY,
            column=column,
        )
        for column in key_columns
    ]
    rules.append(
        error(
            gx.expectations.ExpectCompoundColumnsToBeUnique,
            check=f"{table}.key_unique",
            why=f"({', '.join(key_columns)}) identifies one row of {table}.",
            todo=TODO_KEY,
            column_list=list(key_columns),
        )
    )
    return rules


def provenance_rules(table: str) -> list[Expectation]:
    """Every row traceable to a file and a line of a source document."""
    return [
        error(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            check=f"{table}.source_file_present",
            why="Every value must be traceable to the source document it was read from.",
            column="source_file",
        ),
        error(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            check=f"{table}.source_line_present",
            why="Every value must be traceable to the line it was read from.",
            column="source_line",
        ),
        error(
            gx.expectations.ExpectColumnValuesToBeBetween,
            check=f"{table}.source_line_positive",
            why="Source lines are numbered from 1; anything else points nowhere.",
            column="source_line",
            min_value=1,
        ),
    ]


def flagged_rows(frame: pd.DataFrame, key_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per table row: its key, provenance and whether the extractor flagged it."""
    out = frame[[c for c in (*key_columns, *SOURCE_COLUMNS) if c in frame.columns]].copy()
    out["is_flagged"] = frame["flags"].fillna("").astype(str).str.strip() != ""
    out["flags"] = frame["flags"]
    return out
