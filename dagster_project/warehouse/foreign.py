"""Keep only nq57's own objects in a build: what someone else added never survives a rebuild.

A build starts from a copy of the published file (so that incremental models
can carry rows over), so a table, view, macro or sequence that a BI user
created in the published file would otherwise be carried into every later
publication. Before the gate audits the build, every object that no asset of
the warehouse produces is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from dagster_project.duckdb_tables import quote_identifier

# DuckDB's default schema exists in every file; it holds nothing of nq57's.
DEFAULT_SCHEMA = "main"


# What a file holds inside its schemas, as (keyword, schema, name), in the order it is
# dropped: relations first, so that a view goes before what it reads.
_OBJECT_QUERIES = (
    "select case when table_type = 'VIEW' then 'view' else 'table' end, table_schema, table_name "
    "from information_schema.tables where table_catalog = current_database()",
    "select distinct case when function_type = 'table_macro' then 'macro table' else 'macro' end, "
    "schema_name, function_name from duckdb_functions() "
    "where database_name = current_database() and not internal "
    "and function_type in ('macro', 'table_macro')",
    "select 'sequence', schema_name, sequence_name from duckdb_sequences() "
    "where database_name = current_database() and not temporary",
)
_RELATION_KEYWORDS = frozenset({"table", "view"})


def drop_foreign_objects(
    con: duckdb.DuckDBPyConnection, own: Iterable[tuple[str, str]]
) -> list[str]:
    """Drop every table, view, macro, sequence and schema of this file not in ``own``.

    ``own`` holds ``(schema, name)`` of every relation the warehouse builds.
    Returns what was dropped, as ``kind schema.name``.
    """
    own = set(own)
    own_schemas = {schema for schema, _ in own} | {DEFAULT_SCHEMA}
    dropped = []
    for query in _OBJECT_QUERIES:
        for keyword, schema, name in con.execute(query).fetchall():
            if keyword in _RELATION_KEYWORDS and (schema, name) in own:
                continue
            # DuckDB has no CASCADE for macros.
            cascade = "" if keyword.startswith("macro") else " cascade"
            con.execute(
                f"drop {keyword} if exists "
                f"{quote_identifier(schema)}.{quote_identifier(name)}{cascade}"
            )
            dropped.append(f"{keyword} {schema}.{name}")
    schemas = con.execute(
        "select schema_name from duckdb_schemas() "
        "where database_name = current_database() and not internal"
    ).fetchall()
    for (schema,) in schemas:
        if schema not in own_schemas:
            con.execute(f"drop schema if exists {quote_identifier(schema)} cascade")
            dropped.append(f"schema {schema}")
    return dropped
