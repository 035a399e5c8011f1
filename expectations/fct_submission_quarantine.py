"""marts.fct_submission_quarantine: every refused row or file says why, in both languages.

The receipt an agency gets and the auditor's report both quote these
entries, so each one names its file, gives a reason code ingestion knows
(``dagster_project.submissions.reasons``) and the reason's text in
Vietnamese and English.
"""

from __future__ import annotations

from dagster_project.submissions.reasons import REASONS

from .spec import one_of, table_checks

TABLE = "marts.fct_submission_quarantine"
# Where an entry points; not unique (a row breaking two rules has two entries).
KEY = ("file_sha256", "source_row")
SAMPLE_COLUMNS = ("file_sha256", "source_file", "sheet", "source_row", "column_name", "reason_code")


CHECKS = table_checks(
    TABLE,
    KEY,
    standard=(),
    sample=SAMPLE_COLUMNS,
    rules=(
        # The reason codes are ingestion's (submissions.reasons), so the rule reads them there;
        # the file, its name and both reasons being present are dbt tests of the mart.
        one_of(
            "reason_code",
            sorted(REASONS),
            "Every refusal is one of the documented rules (docs/submission_format.md).",
            name="reason_code_known",
        ),
    ),
    append_only=True,
)
