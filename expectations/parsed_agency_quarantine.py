"""parsed.agency_quarantine: agency names that match no alias, each with its reason.

The table may be empty (every name resolved), so it has no not-empty rule.
Every row must say, in both languages, why it is there; and any row at all is
reported, because each one is a name a maintainer has to look at.
"""

from __future__ import annotations

import great_expectations as gx

from .base import SOURCE_COLUMNS, TableChecks, Validation, error, suite, warn
from .common import provenance_rules
from .plan_rules import TODO_AGENCY_NAME

TABLE = "parsed.agency_quarantine"
SHORT = "parsed_agency_quarantine"
KEY = ("plan_id", "row_kind", "row_key", "column_name", "fragment")
REASON_CODES = ("unknown_name", "alias_of_other_province", "truncated", "unknown_province")


def build_suite() -> gx.ExpectationSuite:
    reasons_present = [
        error(
            gx.expectations.ExpectColumnValuesToNotBeNull,
            check=f"{SHORT}.{column}_present",
            why="A quarantined name carries the cell it came from and a reason in Vietnamese "
            "and English, so a reviewer can act on it without the code.",
            column=column,
        )
        for column in ("cell_text", "fragment", "reason_vi", "reason_en")
    ]
    return suite(
        TABLE,
        *provenance_rules(SHORT),
        *reasons_present,
        error(
            gx.expectations.ExpectColumnValuesToBeInSet,
            check=f"{SHORT}.reason_code_accepted",
            why=f"Reasons are {', '.join(REASON_CODES)}.",
            column="reason_code",
            value_set=list(REASON_CODES),
        ),
        warn(
            gx.expectations.ExpectTableRowCountToEqual,
            check=f"{SHORT}.no_unmatched_names",
            why=(
                "Each quarantined name is an assignment the warehouse cannot attribute; fix it "
                "through a reviewed alias in seeds/reference, never by inventing an agency."
            ),
            todo=TODO_AGENCY_NAME,
            value=0,
        ),
    )


CHECKS = TableChecks(
    table=TABLE,
    key_columns=KEY,
    validations=(
        Validation(
            TABLE,
            build_suite,
            sample_columns=(*KEY, *SOURCE_COLUMNS, "reason_code"),
        ),
    ),
)
