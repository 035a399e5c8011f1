"""The columns of the submissions store's tables, in the order records are built.

Apart from :mod:`.store` so that building records (:mod:`.evaluate`, in the
reading processes) does not import DuckDB.
"""

from __future__ import annotations

from . import spec

TEXT_COLUMNS: tuple[str, ...] = spec.all_data_columns()
PARSED_COLUMNS: dict[str, str] = {
    "parsed_plan_id": "varchar",
    "parsed_status": "varchar",
    "parsed_percent_complete": "decimal(38, 10)",
    "parsed_completion_date": "date",
    "parsed_value": "decimal(38, 10)",
    "parsed_value_flag": "boolean",
    "parsed_as_of_date": "date",
    "parsed_allocated_million_vnd": "decimal(38, 10)",
    "parsed_disbursed_million_vnd": "decimal(38, 10)",
    "parse_notes": "varchar",
}
ROW_COLUMNS: tuple[str, ...] = (
    "file_sha256",
    "sheet",
    "row_number",
    *TEXT_COLUMNS,
    "extra_columns",
    *PARSED_COLUMNS,
    "loaded_at",
)
QUARANTINE_COLUMNS: tuple[str, ...] = (
    "file_sha256",
    "file_name",
    "sheet",
    "row_number",
    "column_name",
    "raw_value",
    "reason_code",
    "reason_vi",
    "reason_en",
    "row_values",
    "quarantined_at",
)
FILE_COLUMNS: tuple[str, ...] = (
    "file_sha256",
    "ingest_seq",
    "file_name",
    "source_path",
    "size_bytes",
    "detected_format",
    "encoding",
    "csv_delimiter",
    "province_id",
    "agency_id",
    "period",
    "period_start",
    "period_end",
    "format_version",
    "sheets",
    "ignored_sheets",
    "received_at",
    "status",
    "rows_in",
    "rows_loaded",
    "rows_quarantined",
    "rows_not_reported",
    "file_reason_code",
    "supersedes_file_sha256",
    "receipt_path",
    "archived_path",
    "received_at_basis",
    "synthetic_marker",
    "sender_verified",
    "sender_method",
    "sender_key_id",
    "sender_reason_code",
)

__all__ = ["FILE_COLUMNS", "PARSED_COLUMNS", "QUARANTINE_COLUMNS", "ROW_COLUMNS", "TEXT_COLUMNS"]
