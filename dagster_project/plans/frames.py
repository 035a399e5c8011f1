"""Reading raw tables into pandas and writing parsed tables, one connection per step."""

from __future__ import annotations

from collections import Counter

import duckdb
import pandas as pd

from dagster_project.duckdb_tables import quote_identifier
from dagster_project.warehouse.loading import RAW_SCHEMA, replace_table

PARSED_SCHEMA = "parsed"


def read_raw(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    """``raw.<table>`` whole; the names come from the fixed seed layouts, never from data."""
    return con.table(f"{quote_identifier(RAW_SCHEMA)}.{quote_identifier(table)}").df()


def write_parsed(
    con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str], frame: pd.DataFrame
) -> int:
    """Replace ``parsed.<table>``; refuse to lose a row on the way in."""
    rows = replace_table(con, PARSED_SCHEMA, table, columns, frame)
    if rows != len(frame):
        raise RuntimeError(f"parsed.{table}: built {len(frame)} rows but stored {rows}")
    return rows


def value_counts(frame: pd.DataFrame, column: str, vocabulary: tuple[str, ...] = ()) -> dict:
    """``{value: rows}`` with every value of ``vocabulary`` present, zero included.

    Zeros matter: "0 invalid" is what a reviewer wants to read, not a missing key.
    """
    counts = Counter(frame[column].fillna("(null)").astype(str))
    return {**dict.fromkeys(vocabulary, 0), **dict(sorted(counts.items()))}
