"""Replacing a whole DuckDB table in one transaction, and fingerprinting its rows.

The loaders (``raw``, ``parsed``), the build's input record and the quality
gate's carried results each rewrite a small table whole: a reader sees the old
rows or the new ones, never none. This module imports nothing from the project
(and not dbt), so that the ``nothing to build`` check can use it cheaply.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager

import duckdb


def quote_identifier(name: str) -> str:
    """Quote a DuckDB identifier taken from a fixed layout in code."""
    return '"' + name.replace('"', '""') + '"'


def rows_fingerprint(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> tuple[int, str]:
    """The row count and an md5 of the rows in any order: equal rows, equal fingerprints."""
    relation = f"{quote_identifier(schema)}.{quote_identifier(table)}"
    count, digest = con.execute(
        "select count(*), coalesce(md5(string_agg(h, '' order by h)), '') "
        f"from (select md5(cast(t as varchar)) as h from {relation} as t)"
    ).fetchone()
    return int(count), digest


@contextmanager
def replacing_table(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, columns: Mapping[str, str]
) -> Iterator[str]:
    """Create ``<schema>.<table>`` anew with ``columns`` (name: DuckDB type) and yield its
    quoted name for the block to fill; commit when the block ends, roll back if it fails.

    Schema, table, column names and types come from fixed layouts in code, never from data.
    """
    target = f"{quote_identifier(schema)}.{quote_identifier(table)}"
    column_ddl = ", ".join(f"{quote_identifier(c)} {kind}" for c, kind in columns.items())
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {quote_identifier(schema)}")
        con.execute(f"create or replace table {target} ({column_ddl})")
        yield target
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def replace_table_rows(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    columns: Mapping[str, str],
    rows: Iterable[Sequence[object]],
) -> None:
    """Replace ``<schema>.<table>`` with ``rows`` (tuples in the order of ``columns``);
    no rows leaves the table empty (DuckDB's ``executemany`` refuses an empty list)."""
    placeholders = ", ".join("?" for _ in columns)
    values = list(rows)
    with replacing_table(con, schema, table, columns) as target:
        if values:
            con.executemany(f"insert into {target} values ({placeholders})", values)
