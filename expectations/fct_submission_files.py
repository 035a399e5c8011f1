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

from .spec import at_least, present, rule, table_checks

TABLE = "marts.fct_submission_files"
KEY = ("file_sha256",)
COUNT_COLUMNS = ("rows_in", "rows_loaded", "rows_quarantined")
SAMPLE_COLUMNS = ("file_sha256", "source_file", *COUNT_COLUMNS)


def accounted_rows(files: pd.DataFrame) -> pd.DataFrame:
    """The files plus ``rows_accounted`` = loaded + quarantined, to compare with rows in."""
    out = files.copy()
    out["rows_accounted"] = out["rows_loaded"] + out["rows_quarantined"]
    return out


CHECKS = table_checks(
    TABLE,
    KEY,
    suffix="rows_accounted",
    standard=("key",),
    derive=accounted_rows,
    sample=(*SAMPLE_COLUMNS, "rows_accounted"),
    rules=(
        present(
            "source_file",
            "Each file keeps the name it was sent under, for the agency and the auditor.",
        ),
        *(
            present(
                column,
                "Every file reports how many rows came in, were loaded and were quarantined.",
            )
            for column in COUNT_COLUMNS
        ),
        *(
            at_least(
                column,
                0,
                "A row count below zero is a bookkeeping bug.",
                name=f"{column}_non_negative",
            )
            for column in COUNT_COLUMNS
        ),
        rule(
            "rows_in_equals_loaded_plus_quarantined",
            gx.expectations.ExpectColumnPairValuesToBeEqual,
            "Bad input is never dropped silently: every row read is loaded or quarantined.",
            column_A="rows_in",
            column_B="rows_accounted",
            ignore_row_if="neither",
        ),
    ),
    append_only=True,
)
