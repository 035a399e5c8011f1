"""Rule builders shared by the plan-semantics suites (issue 3 tables).

The parse-status rules come in two severities on purpose: a status outside
the parser's vocabulary is a broken pipeline (error), while an ``ambiguous``
or ``invalid`` cell is a document the parser refused to guess at (warn): it
stays visible, with its source line in the failing samples, and the counts
per status are attached to the Dagster check (``dagster_project.plans.checks``).
"""

from __future__ import annotations

import pandas as pd

from .spec import Rule, none_of, one_of, present, reported

NEEDS_REVIEW_STATUSES = ("ambiguous", "invalid")

# What to do when a plan rule fails, by the kind of cause.
TODO_AGENCY_NAME = (
    "A name the registry does not know (listed, with file:line, by `nq57 add-plan` and in "
    "parsed.agency_quarantine): if it is a real body of the province, add it to "
    "seeds/reference/agencies.csv and agency_aliases.csv in a reviewed change (a body every "
    "province has goes into agency_kinds.csv); if the cell is misprinted, correct it in the "
    "review workbook and run `nq57 apply-review`."
)
TODO_LINEAGE = (
    "An agency or province that ends without a successor: add the successor in "
    "seeds/reference/agency_lineage.csv (agency_kinds.csv for a kind of body, provinces.csv "
    "for a province), with the legal act."
)
TODO_CELL = (
    "Read the document at the line shown; if the parser misread the cell, correct it in the "
    "review workbook (reports/review/) and run `nq57 apply-review`; if the table's columns "
    "are misplaced, set the column map in seeds/layouts.yml."
)
TODO_PARSER = (
    "The parser returned something outside its own vocabulary: a bug in "
    "dagster_project/semantics, not in the data; report it with the rows shown."
)
TODO_EXTRACTION = (
    "An extraction gap (a row without its indicator or task): check the appendix flags "
    "printed by `nq57 add-plan` or `nq57 extract`, fix the layout in seeds/layouts.yml or add "
    "the missing row with a reviewed `add` in seeds/corrections.csv."
)


def status_rules(column: str, statuses: tuple[str, ...]) -> tuple[Rule, ...]:
    """The status is one of the parser's, and no cell is left for a person to read."""
    return (
        present(
            column,
            "Every cell says how it was read, so no doubt goes unrecorded.",
            todo=TODO_PARSER,
        ),
        one_of(
            column,
            statuses,
            f"The parser only returns {', '.join(statuses)}; anything else is a pipeline bug.",
            todo=TODO_PARSER,
        ),
        reported(
            none_of(
                column,
                NEEDS_REVIEW_STATUSES,
                "Ambiguous and invalid cells were kept as printed instead of guessed; "
                "each one needs a person to read the document at its source line.",
                name="needs_review",
                todo=TODO_CELL,
            )
        ),
    )


def text_present(column: str) -> Rule:
    return present(column, "The printed text is the fact; every parsed value must sit next to it.")


def as_text(series: pd.Series) -> pd.Series:
    """Nullable text, so that None, NaN and pd.NA compare alike."""
    return series.astype("string")
