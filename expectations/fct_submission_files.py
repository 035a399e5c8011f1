"""marts.fct_submission_files: rows in = rows loaded + rows quarantined, per submission file.

``rows_in`` is what ingestion read from the file (the manifest); the loaded
and quarantined counts are counted in the store's row and quarantine tables
when the mart is built. A difference means a row was lost (or invented)
between reading a file and storing it: bad input must be loaded or
quarantined, never dropped.
"""

from __future__ import annotations

import great_expectations as gx
import pandas as pd

from .base import TableChecks, Validation, error, suite
from .common import key_rules

TABLE = "marts.fct_submission_files"
SHORT = "fct_submission_files"
KEY = ("file_sha256",)
COUNT_COLUMNS = ("rows_in", "rows_loaded", "rows_quarantined")
SAMPLE_COLUMNS = ("file_sha256", "source_file", *COUNT_COLUMNS)


def accounted_rows(files: pd.DataFrame) -> pd.DataFrame:
    """The files plus ``rows_accounted`` = loaded + quarantined, to compare with rows in."""
    out = files.copy()
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
        *key_rules(SHORT, KEY),
        error(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            check=f"{SHORT}.source_file_present",
            why="Each file keeps the name it was sent under, for the agency and the auditor.",
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
            sample_columns=(*SAMPLE_COLUMNS, "rows_accounted"),
        ),
    ),
    append_only=True,
)
