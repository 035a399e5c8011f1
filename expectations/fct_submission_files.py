"""marts.fct_submission_files: rows in = rows loaded + rows quarantined, per submission file.

``rows_in`` is what ingestion read from the file (the manifest); the loaded
and quarantined counts are counted in the store's row and quarantine tables
when the mart is built. A difference means a row was lost (or invented)
between reading a file and storing it: bad input must be loaded or
quarantined, never dropped.

Senders: a file accepted (fully or partly) whose sender was not verified
(``nq57 ingest --accept-unverified``, or a file ingested before templates
were signed) has rows in the marts no signed template vouches for. The gate
warns about each; with ``NQ57_UNVERIFIED_BLOCKS=1`` in the environment of the
build, it blocks publication instead (read when the suite is built).
"""

from __future__ import annotations

import dataclasses
import os

import great_expectations as gx
import pandas as pd

from .base import Validation, error, suite, warn
from .spec import at_least, rule, table_checks

TABLE = "marts.fct_submission_files"
KEY = ("file_sha256",)
COUNT_COLUMNS = ("rows_in", "rows_loaded", "rows_quarantined")
SAMPLE_COLUMNS = ("file_sha256", "source_file", *COUNT_COLUMNS)


def accounted_rows(files: pd.DataFrame) -> pd.DataFrame:
    """The files plus ``rows_accounted`` = loaded + quarantined, to compare with rows in."""
    out = files.copy()
    out["rows_accounted"] = out["rows_loaded"] + out["rows_quarantined"]
    return out


# Set to 1 (or true/yes) to make unverified files in the marts block publication.
BLOCK_SETTING = "NQ57_UNVERIFIED_BLOCKS"
SHORT = "fct_submission_files"
SENDER_SAMPLE_COLUMNS = ("file_sha256", "source_file", "status", "sender_reason_code")


def unverified_blocks() -> bool:
    return os.environ.get(BLOCK_SETTING, "").strip().lower() in {"1", "true", "yes"}


def sender_checked(files: pd.DataFrame) -> pd.DataFrame:
    """The files plus ``sender_verified_or_refused``: true unless rows of an unverified
    sender reached the marts (a rejected file loads nothing)."""
    out = files.copy()
    truth = {True: True, False: False, "true": True, "false": False}
    verified = out["sender_verified"].map(truth).fillna(False).astype(bool)
    out["sender_verified_or_refused"] = (out["status"] == "rejected") | verified
    return out


def build_sender_suite() -> gx.ExpectationSuite:
    severity = error if unverified_blocks() else warn
    return suite(
        f"{TABLE}.senders",
        severity(
            gx.expectations.ExpectColumnValuesToBeInSet,
            check=f"{SHORT}.accepted_files_sender_verified",
            why="Rows in the marts come from files whose sender a signed template verified; "
            "files taken in with --accept-unverified (or before templates were signed) are "
            f"flagged (blocking when {BLOCK_SETTING}=1).",
            column="sender_verified_or_refused",
            value_set=[True],
        ),
    )


SENDERS = Validation(
    f"{TABLE}.senders",
    build_sender_suite,
    derive=sender_checked,
    sample_columns=SENDER_SAMPLE_COLUMNS,
    requires_columns=("sender_verified", "sender_reason_code"),
    absent_note="the warehouse predates sender verification (no sender_verified column)",
)

_ROWS = table_checks(
    TABLE,
    KEY,
    suffix="rows_accounted",
    standard=(),
    derive=accounted_rows,
    sample=(*SAMPLE_COLUMNS, "rows_accounted"),
    rules=(
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
# The sender check's severity follows a setting, so it is a validation of its own.
CHECKS = dataclasses.replace(_ROWS, validations=(*_ROWS.validations, SENDERS))
