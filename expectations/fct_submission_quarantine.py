"""marts.fct_submission_quarantine: every refused row or file says why, in both languages.

The receipt an agency gets and the auditor's report both quote these
entries, so each one names its file, gives a reason code ingestion knows
(``dagster_project.submissions.reasons``) and the reason's text in
Vietnamese and English.
"""

from __future__ import annotations

import great_expectations as gx

from dagster_project.submissions.reasons import REASONS

from .base import TableChecks, Validation, error, suite

TABLE = "marts.fct_submission_quarantine"
SHORT = "fct_submission_quarantine"
# Where an entry points; not unique (a row breaking two rules has two entries).
KEY = ("file_sha256", "source_row")
SAMPLE_COLUMNS = ("file_sha256", "source_file", "sheet", "source_row", "column_name", "reason_code")


def build_suite() -> gx.ExpectationSuite:
    return suite(
        TABLE,
        error(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            check=f"{SHORT}.file_sha256_not_null",
            why="A quarantine entry belongs to one submission file.",
            column="file_sha256",
        ),
        error(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            check=f"{SHORT}.source_file_present",
            why="The entry names the file the agency sent, as the receipt does.",
            column="source_file",
        ),
        error(
            gx.expectations.ExpectColumnValuesToBeInSet,
            check=f"{SHORT}.reason_code_known",
            why="Every refusal is one of the documented rules (docs/submission_format.md).",
            column="reason_code",
            value_set=sorted(REASONS),
        ),
        *(
            error(
                gx.expectations.ExpectColumnValuesToNotBeNull,
                check=f"{SHORT}.{column}_present",
                why="The agency reads why its row was refused, in Vietnamese and in English.",
                column=column,
            )
            for column in ("reason_vi", "reason_en")
        ),
    )


CHECKS = TableChecks(
    table=TABLE,
    key_columns=KEY,
    validations=(Validation(TABLE, build_suite, sample_columns=SAMPLE_COLUMNS),),
    append_only=True,
)
