"""quarantine_summary: rows in = rows loaded + rows quarantined, per source file.

The loader that quarantines bad input lands later; this module is written
against the shape it will have (``source_file``, ``rows_in``, ``rows_loaded``,
``rows_quarantined``) and is skipped with a note while the table is absent.
Its schema is not settled either, so the table is looked up by name in any
schema.
"""

from __future__ import annotations

import great_expectations as gx
import pandas as pd

from .base import TableChecks, Validation, error, suite

TABLE = "quarantine_summary"
SHORT = "quarantine_summary"
KEY = ("source_file",)
COUNT_COLUMNS = ("rows_in", "rows_loaded", "rows_quarantined")
ABSENT_NOTE = (
    "bảng quarantine_summary chưa có / table absent: the quarantine loader has not "
    "landed yet, so rows in = loaded + quarantined is not checked"
)


def accounted_rows(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary plus ``rows_accounted`` = loaded + quarantined, to compare with rows in."""
    out = summary.copy()
    out["rows_accounted"] = out["rows_loaded"] + out["rows_quarantined"]
    return out


def build_suite() -> gx.ExpectationSuite:
    counts_present = [
        error(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            check=f"{SHORT}.{column}_present",
            why="Every file reports how many rows came in, were loaded and were quarantined.",
            column=column,
        )
        for column in COUNT_COLUMNS
    ]
    counts_non_negative = [
        error(
            gx.expectations.ExpectColumnValuesToBeBetween,
            check=f"{SHORT}.{column}_non_negative",
            why="A row count below zero is a bookkeeping bug.",
            column=column,
            min_value=0,
        )
        for column in COUNT_COLUMNS
    ]
    return suite(
        f"{TABLE}.rows_accounted",
        error(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            check=f"{SHORT}.source_file_present",
            why="Counts are kept per source file.",
            column="source_file",
        ),
        error(
            gx.expectations.ExpectColumnValuesToBeUnique,
            check=f"{SHORT}.key_unique",
            why="One summary row per source file, or counts would be double-booked.",
            column="source_file",
        ),
        *counts_present,
        *counts_non_negative,
        error(
            gx.expectations.ExpectColumnPairValuesToBeEqual,
            check=f"{SHORT}.rows_in_equals_loaded_plus_quarantined",
            why="Bad input is never dropped silently: every row read is loaded or quarantined.",
            column_A="rows_in",
            column_B="rows_accounted",
            ignore_row_if="neither",
        ),
    )


CHECKS = TableChecks(
    table=TABLE,
    key_columns=KEY,
    validations=(
        Validation(
            f"{TABLE}.rows_accounted",
            build_suite,
            derive=accounted_rows,
            sample_columns=("source_file", *COUNT_COLUMNS, "rows_accounted"),
        ),
    ),
    required=False,
    absent_note=ABSENT_NOTE,
)
