"""Column layout of every seed table written by ``nq57 extract``.

The seeds are the contract between extraction and the pipeline: every value is
text exactly as printed (numbers included), and every row carries
``source_file`` and ``source_line``. The printed dates and amounts are also
parsed once, by ``parsed``, and written beside their text (``issue_date``,
``amount_in_unit``): the warehouse casts them and parses no text. ``flags`` holds ``code: note`` entries
separated by `` | `` for anything the extractor could not be sure of; it is
empty when the row was read cleanly.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

SOURCE_COLUMNS = ("flags", "source_file", "source_line")

SEED_TABLES: dict[str, tuple[str, ...]] = {
    "plans": (
        "plan_id",
        "province_name",
        "document_number",
        "issue_date_text",
        "issue_date",
        "signer_name",
        "legal_basis",
        "plan_kind",
        "title",
    )
    + SOURCE_COLUMNS,
    "plan_appendices": (
        "plan_id",
        "appendix_label",
        "appendix_kind",
        "status",
    )
    + SOURCE_COLUMNS,
    "indicators": (
        "plan_id",
        "indicator_code",
        "code_text",
        "parent_indicator_code",
        "group_code",
        "group_name",
        "indicator_name",
        "unit_text",
        "monitoring_agency_text",
    )
    + SOURCE_COLUMNS,
    "indicator_targets": (
        "plan_id",
        "indicator_code",
        "target_year",
        "column_label",
        "target_text",
    )
    + SOURCE_COLUMNS,
    "tasks": (
        "plan_id",
        "task_key",
        "task_code",
        "code_text",
        "group_code",
        "group_name",
        "task_name",
        "lead_agency_text",
        "coordinating_agency_text",
        "expected_output_text",
        "deadline_text",
    )
    + SOURCE_COLUMNS,
    "budget_lines": (
        "plan_id",
        "budget_line_id",
        "parent_budget_line_id",
        "fiscal_year",
        "stage",
        "line_code",
        "line_name",
        "amount_text",
        "amount_in_unit",
        "amount_unit",
    )
    + SOURCE_COLUMNS,
    "reported_figures": (
        "plan_id",
        "figure_id",
        "metric",
        "value_text",
        "unit",
        "period_text",
        "context_text",
    )
    + SOURCE_COLUMNS,
    "body_targets": (
        "plan_id",
        "target_id",
        "subject_text",
        "target_text",
        "target_year_text",
        "context_text",
    )
    + SOURCE_COLUMNS,
}


def join_flags(*flags: str) -> str:
    """Combine flag entries (``code: note``), skipping empty ones."""
    return " | ".join(f for f in flags if f)


def check_header(
    path: Path,
    header: Sequence[str],
    expected: tuple[str, ...],
    layout: str,
    error: type[Exception] = ValueError,
) -> None:
    """Refuse (raise ``error``) a CSV whose ``header`` is not ``expected``; ``layout`` names
    the layout in the message."""
    if tuple(header) != expected:
        raise error(
            f"{path}: header is {','.join(header) or '(empty)'}; "
            f"the {layout} layout is {','.join(expected)}"
        )


def read_csv_rows(
    path: Path, expected: tuple[str, ...], layout: str, error: type[Exception] = ValueError
) -> list[dict[str, str]]:
    """The rows of a UTF-8 CSV whose header is ``expected`` exactly (see :func:`check_header`)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        check_header(path, reader.fieldnames or (), expected, layout, error)
        return list(reader)
