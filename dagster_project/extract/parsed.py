"""The values extraction parses from the printed text, written beside it in the seeds.

The warehouse parses no Vietnamese text: each column of ``PARSERS`` holds its
text column read by the one Python parser, and staging casts it.

- ``plans.issue_date``: ``issue_date_text`` as an ISO date (``2025-05-14``),
  read by :func:`dagster_project.semantics.dates.parse_vn_date`;
- ``budget_lines.amount_in_unit``: ``amount_text`` as a plain decimal in
  ``amount_unit`` (``56.016,1`` -> ``56016.1``), read by
  :func:`dagster_project.semantics.numbers.parse_vn_amount`.

The values are filled in after the reviewed corrections, so a correction of
the text carries to its value (the value itself cannot be corrected). Text
that does not parse leaves the value empty and the row flagged: the row is
loaded, and the warehouse's tests report it (``fct_budget_lines``'s amount is
not null); nothing is dropped or guessed.
"""

from __future__ import annotations

from dagster_project.semantics.dates import parse_vn_date
from dagster_project.semantics.numbers import decimal_to_text, parse_vn_amount

from .schema import join_flags

# Flag codes an amount already carries when the extractor found it unreadable.
_AMOUNT_FLAGS = ("truncated_cell:", "ambiguous_number:", "not_a_number:")


def issue_date(row: dict) -> tuple[str, str]:
    """``issue_date`` of a plans row, and a flag when its text prints no real date."""
    text = row["issue_date_text"]
    parsed = parse_vn_date(text)
    if parsed is not None:
        return parsed.isoformat(), ""
    if not text.strip():
        return "", ""  # extract_plan flags a missing date (issue_date_missing)
    return "", (
        f"issue_date_unreadable: '{text}' is not a date "
        "(dd/mm/yyyy or 'ngày D tháng M năm YYYY'); issue_date is left empty"
    )


def amount_in_unit(row: dict) -> tuple[str, str]:
    """``amount_in_unit`` of a budget_lines row, and a flag when its text is no amount."""
    text = row["amount_text"]
    parsed = parse_vn_amount(text)
    if parsed is not None:
        return decimal_to_text(parsed), ""
    if any(code in row["flags"] for code in _AMOUNT_FLAGS):
        return "", ""
    return "", f'not_a_number: "{text}" is not a Vietnamese number; amount_in_unit is left empty'


# (table, parsed column) -> what fills it from the row's text.
PARSERS = {("plans", "issue_date"): issue_date, ("budget_lines", "amount_in_unit"): amount_in_unit}


def add_parsed_values(tables: dict[str, list[dict]]) -> None:
    """Fill every parsed column from its text column, in place; flag what does not parse."""
    for (table, column), parse in PARSERS.items():
        for row in tables.get(table, []):
            row[column], flag = parse(row)
            row["flags"] = join_flags(row["flags"], flag)
