"""Row counts of warehouse relations, queried after dbt has released the file."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import duckdb

from .loading import quote_identifier

# The metadata key Dagster shows as an asset's row count.
ROW_COUNT_KEY = "dagster/row_count"


def count_rows(
    con: duckdb.DuckDBPyConnection, relations: Iterable[Sequence[str]]
) -> dict[tuple[str, ...], int]:
    """``{(schema, name): rows}`` for relations named by asset keys (a fixed list)."""
    counts = {}
    for relation in relations:
        qualified = ".".join(quote_identifier(part) for part in relation)
        counts[tuple(relation)] = int(
            con.execute(f"select count(*) from {qualified}").fetchone()[0]
        )
    return counts
