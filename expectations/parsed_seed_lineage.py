"""parsed.seed_lineage: each seed row's source_file:source_line holds the text it claims.

One row per claim (``dagster_project.plans.lineage``): the row code of an
indicator or task, the amount of a budget line as printed, the target text,
a figure's value, a plan's number, a reporting rule's quoted words. A claim
that does not hold means a figure in the marts points at the wrong line, so
it blocks publication.
"""

from __future__ import annotations

from .base import SOURCE_COLUMNS
from .spec import holds, present, table_checks

TABLE = "parsed.seed_lineage"
KEY = ("table_name", "row_key", "claimed_text")


CHECKS = table_checks(
    TABLE,
    KEY,
    standard=("not_empty", "provenance"),
    sample=(*KEY, *SOURCE_COLUMNS, "line_text", "reason"),
    rules=(
        present("holds", "Every claim was checked against its line."),
        holds(
            "line_holds_the_claimed_text",
            "holds",
            "Every figure in the marts is traced to a document line; a row whose "
            "source_line does not print its code, amount or text would send an auditor "
            "to the wrong place.",
            todo=(
                "A seed CSV edited by hand: run `nq57 extract` to regenerate it. A row added "
                "or corrected in seeds/corrections.csv: fix its source_file/source_line there. "
                "A changed document: `nq57 add-plan --replace` it."
            ),
        ),
    ),
)
