"""Row counts of warehouse relations, queried after dbt has released the file."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import duckdb

from dagster_project.duckdb_tables import quote_identifier

# The metadata key Dagster shows as an asset's row count.
ROW_COUNT_KEY = "dagster/row_count"
MARTS_SCHEMA = "marts"


def mart_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables of the marts schema of the file ``con`` opened, by name."""
    return [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = current_database() and table_schema = ? "
            "order by table_name",
            [MARTS_SCHEMA],
        ).fetchall()
    ]


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
