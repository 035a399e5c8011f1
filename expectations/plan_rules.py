"""Rule builders shared by the plan-semantics suites (issue 3 tables).

The parse-status rules come in two severities on purpose: a status outside
the parser's vocabulary is a broken pipeline (error), while an ``ambiguous``
or ``invalid`` cell is a document the parser refused to guess at (warn): it
stays visible, with its source line in the failing samples, and the counts
per status are attached to the Dagster check (``dagster_project.plans.checks``).
"""

from __future__ import annotations

import great_expectations as gx
import pandas as pd
from great_expectations.expectations.expectation import Expectation

from .base import error, warn

NEEDS_REVIEW_STATUSES = ("ambiguous", "invalid")


def status_rules(short: str, column: str, statuses: tuple[str, ...]) -> list[Expectation]:
    """The status is one of the parser's, and no cell is left for a person to read."""
    return [
        error(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            check=f"{short}.{column}_present",
            why="Every cell says how it was read, so no doubt goes unrecorded.",
            column=column,
        ),
        error(
            gx.expectations.ExpectColumnValuesToBeInSet,
            check=f"{short}.{column}_accepted",
            why=f"The parser only returns {', '.join(statuses)}; anything else is a pipeline bug.",
            column=column,
            value_set=list(statuses),
        ),
        warn(
            gx.expectations.ExpectColumnValuesToNotBeInSet,
            check=f"{short}.needs_review",
            why=(
                "Ambiguous and invalid cells were kept as printed instead of guessed; "
                "each one needs a person to read the document at its source line."
            ),
            column=column,
            value_set=list(NEEDS_REVIEW_STATUSES),
        ),
    ]


def text_present(short: str, column: str) -> Expectation:
    return error(
        gx.expectations.ExpectColumnValuesToNotBeNull,
        check=f"{short}.{column}_present",
        why="The printed text is the fact; every parsed value must sit next to it.",
        column=column,
    )


def all_true(short: str, name: str, column: str, why: str, *, severity=error) -> Expectation:
    """Every row of a derived frame has ``column`` true (the frame says why a row fails)."""
    return severity(
        gx.expectations.ExpectColumnValuesToBeInSet,
        check=f"{short}.{name}",
        why=why,
        column=column,
        value_set=[True],
    )


def as_text(series: pd.Series) -> pd.Series:
    """Nullable text, so that None, NaN and pd.NA compare alike."""
    return series.astype("string")
