"""parsed.agency_quarantine: agency names that match no alias, each with its reason.

The table may be empty (every name resolved), so it has no not-empty rule.
Every row must say, in both languages, why it is there; and any row at all is
reported, because each one is a name a maintainer has to look at.
"""

from __future__ import annotations

import great_expectations as gx

from .base import SOURCE_COLUMNS, WARN
from .plan_rules import TODO_AGENCY_NAME
from .spec import one_of, present, rule, table_checks

TABLE = "parsed.agency_quarantine"
KEY = ("plan_id", "row_kind", "row_key", "column_name", "fragment")
REASON_CODES = ("unknown_name", "alias_of_other_province", "truncated", "unknown_province")


CHECKS = table_checks(
    TABLE,
    KEY,
    standard=("provenance",),
    sample=(*KEY, *SOURCE_COLUMNS, "reason_code"),
    rules=(
        *(
            present(
                column,
                "A quarantined name carries the cell it came from and a reason in Vietnamese "
                "and English, so a reviewer can act on it without the code.",
            )
            for column in ("cell_text", "fragment", "reason_vi", "reason_en")
        ),
        one_of(
            "reason_code",
            REASON_CODES,
            f"Reasons are {', '.join(REASON_CODES)}.",
        ),
        rule(
            "no_unmatched_names",
            gx.expectations.ExpectTableRowCountToEqual,
            "Each quarantined name is an assignment the warehouse cannot attribute; fix it "
            "through a reviewed alias in seeds/reference, never by inventing an agency.",
            severity=WARN,
            todo=TODO_AGENCY_NAME,
            value=0,
        ),
    ),
)
