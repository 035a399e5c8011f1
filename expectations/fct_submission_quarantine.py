"""marts.fct_submission_quarantine: every refused row or file says why, in both languages.

The receipt an agency gets and the auditor's report both quote these
entries, so each one names its file, gives a reason code ingestion knows
(``dagster_project.submissions.reasons``) and the reason's text in
Vietnamese and English.
"""

from __future__ import annotations

from dagster_project.submissions.reasons import REASONS

from .spec import one_of, present, table_checks

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
        present(
            "file_sha256",
            "A quarantine entry belongs to one submission file.",
            name="file_sha256_not_null",
        ),
        present("source_file", "The entry names the file the agency sent, as the receipt does."),
        one_of(
            "reason_code",
            sorted(REASONS),
            "Every refusal is one of the documented rules (docs/submission_format.md).",
            name="reason_code_known",
        ),
        *(
            present(
                column,
                "The agency reads why its row was refused, in Vietnamese and in English.",
            )
            for column in ("reason_vi", "reason_en")
        ),
    ),
    append_only=True,
)
