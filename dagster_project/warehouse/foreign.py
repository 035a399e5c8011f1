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

# DuckDB's default schema exists in every file; it holds nothing of nq57's.
DEFAULT_SCHEMA = "main"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


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
    relations = con.execute(
        "select table_schema, table_name, table_type from information_schema.tables "
        "where table_catalog = current_database()"
    ).fetchall()
    for schema, name, kind in relations:
        if (schema, name) not in own:
            keyword = "view" if kind == "VIEW" else "table"
            con.execute(f"drop {keyword} if exists {_quote(schema)}.{_quote(name)} cascade")
            dropped.append(f"{keyword} {schema}.{name}")
    macros = con.execute(
        "select distinct schema_name, function_name, function_type from duckdb_functions() "
        "where database_name = current_database() and not internal "
        "and function_type in ('macro', 'table_macro')"
    ).fetchall()
    for schema, name, kind in macros:
        keyword = "macro table" if kind == "table_macro" else "macro"
        con.execute(f"drop {keyword} if exists {_quote(schema)}.{_quote(name)}")
        dropped.append(f"{keyword} {schema}.{name}")
    sequences = con.execute(
        "select schema_name, sequence_name from duckdb_sequences() "
        "where database_name = current_database() and not temporary"
    ).fetchall()
    for schema, name in sequences:
        con.execute(f"drop sequence if exists {_quote(schema)}.{_quote(name)} cascade")
        dropped.append(f"sequence {schema}.{name}")
    schemas = con.execute(
        "select schema_name from duckdb_schemas() "
        "where database_name = current_database() and not internal"
    ).fetchall()
    for (schema,) in schemas:
        if schema not in own_schemas:
            con.execute(f"drop schema if exists {_quote(schema)} cascade")
            dropped.append(f"schema {schema}")
    return dropped
