"""The shared warehouse on PostgreSQL: the ``postgres`` target of the ``build_warehouse`` job.

The same dbt project builds on dbt-postgres, with the same schema and table
names as the DuckDB file (``marts.fct_budget_lines``, ...), so a query runs
unchanged on both. A run chooses its target with the ``WarehouseTarget``
resource (``target``) (``nq57 build --target postgres`` sets it; see ``commands/postgres``) and
goes through the same steps as a DuckDB build, write-audit-publish:

1. **load** -- under the one build lock, the job's assets load the seeds and
   parse the plans into the run's private DuckDB file; the dbt step copies its
   ``raw`` and ``parsed`` schemas and a snapshot of the submissions store into
   the schemas ``raw__nq57_build``, ``parsed__nq57_build`` and
   ``submissions__nq57_build``;
2. **build** -- ``dbt build`` on the profile's postgres target with the var
   ``nq57_schema_suffix=__nq57_build`` writes ``staging__nq57_build``,
   ``marts__nq57_build``, ... and runs every dbt test on them;
3. **audit** -- ``published/warehouse`` runs the quality gate on the built
   schemas (read into a private DuckDB file, as the gate reads frames, not SQL);
4. **publish** -- one transaction renames each published schema to
   ``<schema>__nq57_p<id>`` (kept for rollback) and each built schema to its
   published name, records the publication, and grants ``nq57_reader``
   SELECT on the published marts. Readers see the old schemas or the new
   ones, never a mix; a failed step, a refused gate or a kill leaves the
   published schemas as they were, and the run (or the next build) drops
   what was left.

The last ``keep`` publications stay for ``nq57 rollback --target postgres``.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import duckdb
import pandas as pd
import psycopg
from psycopg import sql

from dagster_project.locks import pause_point

from .loading import remove_snapshot, snapshot_submissions

URL_ENV_VAR = "NQ57_POSTGRES_URL"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/nq57"
BUILD_SUFFIX = "__nq57_build"
HISTORY_INFIX = "__nq57_p"
META_SCHEMA = "nq57_meta"
# Every schema a build writes and a publish swaps, loaded ones first.
LOADED_SCHEMAS = ("raw", "parsed", "submissions")
DBT_SCHEMAS = ("staging", "intermediate", "marts", "semantic")
PUBLISHED_SCHEMAS = LOADED_SCHEMAS + DBT_SCHEMAS
# What BI users read: the marts, and the time spine and helpers MetricFlow queries.
READER_SCHEMAS = ("marts", "semantic")
READER_ROLE = "nq57_reader"
LOADER_ROLE = "nq57_loader"
DEFAULT_KEEP = 3
CONNECT_TIMEOUT_SECONDS = 10
# How long the publish waits for a reader's lock on a mart before it gives way and retries.
LOCK_TIMEOUT_MS = 200
LOCK_ATTEMPTS = 50
# Test-only, as in publish.py: stop inside the publish transaction to be killed.
PAUSE_ENV_VAR = "NQ57_TEST_PAUSE_AT"
# The profile's default target (dbt/profiles.yml).
DBT_TARGET_ENV_VAR = "NQ57_DBT_TARGET"


class PostgresTargetError(RuntimeError):
    """The PostgreSQL target cannot be reached or used; the message is one line naming it."""


@dataclass(frozen=True)
class PostgresTarget:
    """The database ``NQ57_POSTGRES_URL`` names, split for psycopg and the dbt profile."""

    url: str
    host: str
    port: int
    user: str
    password: str
    dbname: str

    @classmethod
    def from_url(cls, url: str | None = None) -> PostgresTarget:
        url = url or os.environ.get(URL_ENV_VAR) or DEFAULT_URL
        parts = urlsplit(url)
        if parts.scheme not in ("postgresql", "postgres"):
            raise PostgresTargetError(
                f"{URL_ENV_VAR}={_without_password(url)} is not a postgresql:// URL"
            )
        dbname = unquote(parts.path.lstrip("/"))
        if not dbname:
            raise PostgresTargetError(
                f"{URL_ENV_VAR}={_without_password(url)} names no database (…/nq57)"
            )
        try:
            port = parts.port or 5432
        except ValueError as error:
            raise PostgresTargetError(
                f"{URL_ENV_VAR}={_without_password(url)}: bad port ({error})"
            ) from None
        return cls(
            url=url,
            host=parts.hostname or "127.0.0.1",
            port=port,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
            dbname=dbname,
        )

    @property
    def label(self) -> str:
        """How messages name the target: never with its password."""
        return f"postgres target postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"

    def conninfo(self, dbname: str | None = None) -> dict[str, object]:
        info: dict[str, object] = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "dbname": dbname or self.dbname,
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "application_name": "nq57",
        }
        if self.password:
            info["password"] = self.password
        return info

    def dbt_env(self, schema_suffix: str = "") -> dict[str, str]:
        """The variables dbt/profiles.yml reads for its postgres target."""
        return {
            "NQ57_PG_HOST": self.host,
            "NQ57_PG_PORT": str(self.port),
            "NQ57_PG_USER": self.user,
            "NQ57_PG_PASSWORD": self.password,
            "NQ57_PG_DBNAME": self.dbname,
        }


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


@contextlib.contextmanager
def connect(
    target: PostgresTarget, dbname: str | None = None, autocommit: bool = False
) -> Iterator[psycopg.Connection]:
    """A connection, or :class:`PostgresTargetError` naming the target and the reason."""

    try:
        conn = psycopg.connect(**target.conninfo(dbname), autocommit=autocommit)
    except psycopg.Error as error:
        raise PostgresTargetError(f"{target.label}: cannot connect: {_first_line(error)}") from None
    try:
        yield conn
    finally:
        conn.close()


def ensure_database(target: PostgresTarget) -> bool:
    """Create the target database if it is missing; True when it was created."""

    with connect(target, dbname="postgres", autocommit=True) as conn:
        exists = conn.execute(
            "select 1 from pg_database where datname = %s", [target.dbname]
        ).fetchone()
        if exists:
            return False
        try:
            # Byte order for text, as DuckDB sorts it, so window functions and
            # string_agg pick the same rows; Unicode case mapping for lower().
            conn.execute(
                sql.SQL(
                    "create database {} template template0 encoding 'UTF8' "
                    "lc_collate 'C' lc_ctype 'C.UTF-8'"
                ).format(sql.Identifier(target.dbname))
            )
        except psycopg.errors.DuplicateDatabase:
            return False
        except psycopg.Error as error:
            raise PostgresTargetError(
                f"{target.label}: cannot create the database: {_first_line(error)}"
            ) from None
    return True


def ensure_roles(conn: psycopg.Connection, dbname: str) -> None:
    """``nq57_reader`` (LOGIN, reads the published marts only) and ``nq57_loader``, if missing.

    The reader may not create anything: no temporary tables in this
    database, no objects in ``public``; it gets SELECT, schema by schema, at
    every publish (:func:`grant_reader`).
    """

    for role in (READER_ROLE, LOADER_ROLE):
        conn.execute(
            sql.SQL(
                "do $$ begin if not exists (select from pg_roles where rolname = {name}) "
                "then create role {role} login; end if; end $$"
            ).format(name=sql.Literal(role), role=sql.Identifier(role))
        )
    database = sql.Identifier(dbname)
    conn.execute(sql.SQL("revoke temporary on database {} from public").format(database))
    conn.execute(sql.SQL("revoke create on schema public from public"))
    # The DuckDB functions of dbt/macros/postgres_compat.sql live in public.
    conn.execute(
        sql.SQL("grant usage, create on schema public to {}").format(sql.Identifier(LOADER_ROLE))
    )
    conn.execute(
        sql.SQL("grant connect on database {} to {}").format(database, sql.Identifier(READER_ROLE))
    )
    conn.execute(
        sql.SQL("grant connect, create, temporary on database {} to {}").format(
            database, sql.Identifier(LOADER_ROLE)
        )
    )


def grant_reader(conn: psycopg.Connection) -> None:
    """SELECT on the published marts (and the semantic layer's tables) for ``nq57_reader``."""

    reader = sql.Identifier(READER_ROLE)
    for schema in READER_SCHEMAS:
        name = sql.Identifier(schema)
        conn.execute(sql.SQL("grant usage on schema {} to {}").format(name, reader))
        conn.execute(sql.SQL("grant select on all tables in schema {} to {}").format(name, reader))


def existing_schemas(conn: psycopg.Connection) -> set[str]:
    return {row[0] for row in conn.execute("select nspname from pg_namespace").fetchall()}


def drop_build_schemas(conn: psycopg.Connection) -> list[str]:
    """Drop what an earlier build left unpublished (failed, refused or killed)."""

    stale = sorted(s for s in existing_schemas(conn) if s.endswith(BUILD_SUFFIX))
    for schema in stale:
        conn.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(schema)))
    return stale


# DuckDB column types as PostgreSQL column types; anything else travels as text.
_PG_TYPES = {
    "VARCHAR": "text",
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20,0)",
    "HUGEINT": "numeric(38,0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "TIME": "time",
    "BLOB": "bytea",
}


def pg_type(duckdb_type: str) -> tuple[str, bool]:
    """The PostgreSQL type for a DuckDB type, and whether the value is sent as text."""
    if duckdb_type.startswith("DECIMAL"):
        return "numeric" + duckdb_type[len("DECIMAL") :], False
    if duckdb_type in _PG_TYPES:
        return _PG_TYPES[duckdb_type], False
    return "text", True


def copy_duckdb_schema(
    duck, duck_schema: str, conn: psycopg.Connection, pg_schema: str, catalog: str | None = None
) -> dict[str, int]:
    """Copy every table of one DuckDB schema into a new PostgreSQL schema; rows per table."""

    conn.execute(sql.SQL("create schema {}").format(sql.Identifier(pg_schema)))
    catalog_filter = (
        "and table_catalog = ?" if catalog else "and table_catalog = current_database()"
    )
    params = [duck_schema, catalog] if catalog else [duck_schema]
    tables = [
        row[0]
        for row in duck.execute(
            "select table_name from information_schema.tables "
            # Views too (the store's quarantine_summary): copied as tables of their rows.
            f"where table_schema = ? {catalog_filter} "
            "order by table_name",
            params,
        ).fetchall()
    ]
    counts = {}
    for table in tables:
        columns = duck.execute(
            "select column_name, data_type from information_schema.columns "
            f"where table_schema = ? and table_name = ? {catalog_filter} order by ordinal_position",
            [duck_schema, table, *([catalog] if catalog else [])],
        ).fetchall()
        types = [(name, *pg_type(dtype)) for name, dtype in columns]
        conn.execute(
            sql.SQL("create table {}.{} ({})").format(
                sql.Identifier(pg_schema),
                sql.Identifier(table),
                sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(pgtype))
                    for name, pgtype, _ in types
                ),
            )
        )
        source = ".".join(_duck_quote(p) for p in (catalog, duck_schema, table) if p)
        select = ", ".join(
            f"cast({_duck_quote(name)} as varchar)" if as_text else _duck_quote(name)
            for name, _, as_text in types
        )
        result = duck.execute(f"select {select} from {source}")
        rows = 0
        copy_sql = sql.SQL("copy {}.{} ({}) from stdin").format(
            sql.Identifier(pg_schema),
            sql.Identifier(table),
            sql.SQL(", ").join(sql.Identifier(name) for name, _, _ in types),
        )
        with conn.cursor() as cur, cur.copy(copy_sql) as copy:
            while batch := result.fetchmany(10_000):
                for row in batch:
                    copy.write_row(row)
                rows += len(batch)
        counts[table] = rows
    return counts


def _duck_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# PostgreSQL column types read back into DuckDB for the quality gate.
def duck_type(pg_type_name: str, precision: int | None, scale: int | None) -> str:
    if pg_type_name == "numeric":
        if precision is None:
            return "DOUBLE"
        return f"DECIMAL({precision},{scale or 0})"
    return {
        "boolean": "BOOLEAN",
        "smallint": "SMALLINT",
        "integer": "INTEGER",
        "bigint": "BIGINT",
        "real": "FLOAT",
        "double precision": "DOUBLE",
        "date": "DATE",
        "timestamp without time zone": "TIMESTAMP",
        "timestamp with time zone": "TIMESTAMP WITH TIME ZONE",
    }.get(pg_type_name, "VARCHAR")


def export_schemas_to_duckdb(
    conn: psycopg.Connection, schemas: dict[str, str], duck_path: Path
) -> None:
    """Copy PostgreSQL schemas (tables and views) into a DuckDB file, ``{pg_schema: duck_schema}``.

    Values travel as text and are cast by DuckDB to the column's type, so
    numerics stay exact decimals and dates stay dates.
    """

    duck = duckdb.connect(str(duck_path))
    try:
        for pg_schema, duck_schema in schemas.items():
            duck.execute(f"create schema if not exists {_duck_quote(duck_schema)}")
            relations = conn.execute(
                "select table_name from information_schema.tables where table_schema = %s "
                "order by table_name",
                [pg_schema],
            ).fetchall()
            for (table,) in relations:
                columns = conn.execute(
                    "select column_name, data_type, numeric_precision, numeric_scale "
                    "from information_schema.columns where table_schema = %s and table_name = %s "
                    "order by ordinal_position",
                    [pg_schema, table],
                ).fetchall()
                names = [c[0] for c in columns]
                types = [duck_type(c[1], c[2], c[3]) for c in columns]
                select = ", ".join(f'"{n}"::text' for n in names)
                rows = conn.execute(f'select {select} from "{pg_schema}"."{table}"').fetchall()
                frame = pd.DataFrame.from_records(rows, columns=names, coerce_float=False)
                frame = frame.astype(object).where(frame.notna(), None)
                target = f"{_duck_quote(duck_schema)}.{_duck_quote(table)}"
                duck.execute(
                    f"create table {target} ("
                    + ", ".join(f"{_duck_quote(n)} {t}" for n, t in zip(names, types))
                    + ")"
                )
                if rows:
                    duck.register("incoming", frame)
                    casts = ", ".join(
                        f"cast(cast({_duck_quote(n)} as varchar) as {t})"
                        for n, t in zip(names, types)
                    )
                    duck.execute(f"insert into {target} select {casts} from incoming")
                    duck.unregister("incoming")
    finally:
        duck.close()


def _pause_point(name: str) -> None:

    pause_point(name)


def _new_publication_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dt%H%M%S%f")


def ensure_meta(conn: psycopg.Connection) -> None:
    conn.execute(f"create schema if not exists {META_SCHEMA}")
    conn.execute(
        f"create table if not exists {META_SCHEMA}.publications ("
        "publication_id text primary key, published_at timestamptz not null, "
        "state text not null, mart_rows jsonb)"
    )


def _swap(conn: psycopg.Connection, mart_rows: dict[str, int], publication: str) -> str | None:
    """The publishing transaction of :func:`publish_build`; returns the replaced publication."""

    with conn.transaction():
        ensure_meta(conn)
        # One publish at a time, whatever the file lock says (another machine's build).
        conn.execute(f"lock table {META_SCHEMA}.publications in exclusive mode")
        present = existing_schemas(conn)
        missing = [s for s in PUBLISHED_SCHEMAS if s + BUILD_SUFFIX not in present]
        if missing:
            raise PostgresTargetError(
                f"the build schemas {', '.join(s + BUILD_SUFFIX for s in missing)} are missing; "
                "nothing was published"
            )
        current = conn.execute(
            f"select publication_id from {META_SCHEMA}.publications where state = 'current'"
        ).fetchone()
        previous = current[0] if current else None
        # Shorter than the server's deadlock_timeout: the swap gives way, not the reader.
        conn.execute(f"set local lock_timeout = '{LOCK_TIMEOUT_MS}ms'")
        lock_read_relations(conn)
        conn.execute("set local lock_timeout = 0")
        for schema in PUBLISHED_SCHEMAS:
            if schema in present:
                kept = f"{schema}{HISTORY_INFIX}{previous or 'unrecorded'}"
                conn.execute(
                    sql.SQL("alter schema {} rename to {}").format(
                        sql.Identifier(schema), sql.Identifier(kept)
                    )
                )
        _pause_point("postgres_publish_renamed")
        for schema in PUBLISHED_SCHEMAS:
            conn.execute(
                sql.SQL("alter schema {} rename to {}").format(
                    sql.Identifier(schema + BUILD_SUFFIX), sql.Identifier(schema)
                )
            )
        if previous:
            conn.execute(
                f"update {META_SCHEMA}.publications set state = 'kept' where publication_id = %s",
                [previous],
            )
        conn.execute(
            f"insert into {META_SCHEMA}.publications values (%s, now(), 'current', %s)",
            [publication, json.dumps(mart_rows)],
        )
        grant_reader(conn)
    return previous


def publish_build(
    conn: psycopg.Connection, mart_rows: dict[str, int], keep: int
) -> tuple[str, str | None]:
    """Swap the built schemas onto the published names in one transaction.

    Returns the new publication id and the one it replaced (kept for
    rollback), if any. Publications beyond the newest ``keep`` kept ones are
    dropped after the swap has committed. The swap waits at most
    ``LOCK_TIMEOUT_MS`` for a reader's lock on a mart, then rolls back and
    tries again, so a reader holding one mart while it waits for another
    never deadlocks with it.
    """

    publication = _new_publication_id()
    for attempt in range(LOCK_ATTEMPTS):
        try:
            previous = _swap(conn, mart_rows, publication)
            break
        except psycopg.errors.LockNotAvailable:
            # A reader held a mart the swap needs: let it finish, then try again.
            if attempt == LOCK_ATTEMPTS - 1:
                raise PostgresTargetError(
                    f"readers kept the published marts locked through {LOCK_ATTEMPTS} attempts "
                    "to publish; nothing was published"
                ) from None
            time.sleep(0.05 * (attempt + 1))
    prune_publications(conn, keep)
    return publication, previous


def lock_read_relations(conn: psycopg.Connection) -> None:
    """Hold every published relation readers query until the swap commits.

    Renaming a schema locks none of its tables, so without this a query
    naming two marts could find one before the swap and the other after it.
    A reader's query that arrives meanwhile waits, then finds the names again
    (PostgreSQL looks a name up again after waiting for its lock) and reads the
    new publication whole; the swap waits for queries already reading.
    """

    relations = conn.execute(
        "select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = any(%s) and c.relkind in ('r', 'v', 'm', 'p') order by 1, 2",
        [list(READER_SCHEMAS)],
    ).fetchall()
    if relations:
        conn.execute(
            sql.SQL("lock table {} in access exclusive mode").format(
                sql.SQL(", ").join(sql.Identifier(*relation) for relation in relations)
            )
        )


def kept_publications(conn: psycopg.Connection) -> list[tuple[str, datetime, dict]]:
    ensure_meta(conn)
    return conn.execute(
        f"select publication_id, published_at, coalesce(mart_rows, '{{}}'::jsonb) "
        f"from {META_SCHEMA}.publications where state = 'kept' order by published_at desc"
    ).fetchall()


def _history_schemas(conn: psycopg.Connection, publication: str) -> list[str]:
    present = existing_schemas(conn)
    return [
        f"{s}{HISTORY_INFIX}{publication}"
        for s in PUBLISHED_SCHEMAS
        if f"{s}{HISTORY_INFIX}{publication}" in present
    ]


def prune_publications(conn: psycopg.Connection, keep: int) -> list[str]:
    """Drop the kept publications beyond the newest ``keep``, and any unrecorded leftovers."""

    dropped = []
    with conn.transaction():
        kept = kept_publications(conn)
        for publication, _, _ in kept[keep:]:
            for schema in _history_schemas(conn, publication):
                conn.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(schema)))
            conn.execute(
                f"update {META_SCHEMA}.publications set state = 'dropped' "
                "where publication_id = %s",
                [publication],
            )
            dropped.append(publication)
        for schema in existing_schemas(conn):
            if schema.endswith(f"{HISTORY_INFIX}unrecorded"):
                conn.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(schema)))
    return dropped


def rollback(conn: psycopg.Connection, to: str | None = None) -> tuple[str, str]:
    """Publish a kept publication again (the newest, or ``to``); return it and the one replaced.

    The replaced publication is kept in its place in the history, so a
    rollback can itself be rolled back.
    """

    with conn.transaction():
        ensure_meta(conn)
        conn.execute(f"lock table {META_SCHEMA}.publications in exclusive mode")
        kept = [row[0] for row in kept_publications(conn)]
        if not kept:
            raise PostgresTargetError("no earlier publication is kept; nothing to roll back to")
        if to is not None and to not in kept:
            raise PostgresTargetError(
                f"no kept publication {to}; kept: {', '.join(kept)} (nq57 rollback --list)"
            )
        chosen = to or kept[0]
        current = conn.execute(
            f"select publication_id from {META_SCHEMA}.publications where state = 'current'"
        ).fetchone()
        if current is None:
            raise PostgresTargetError("no current publication is recorded")
        # A reader is not made to wait long, nor to deadlock: a busy mart fails the rollback.
        conn.execute(f"set local lock_timeout = '{LOCK_TIMEOUT_MS}ms'")
        lock_read_relations(conn)
        present = existing_schemas(conn)
        for schema in PUBLISHED_SCHEMAS:
            if schema in present:
                conn.execute(
                    sql.SQL("alter schema {} rename to {}").format(
                        sql.Identifier(schema),
                        sql.Identifier(f"{schema}{HISTORY_INFIX}{current[0]}"),
                    )
                )
        for schema in PUBLISHED_SCHEMAS:
            kept_name = f"{schema}{HISTORY_INFIX}{chosen}"
            if kept_name in present:
                conn.execute(
                    sql.SQL("alter schema {} rename to {}").format(
                        sql.Identifier(kept_name), sql.Identifier(schema)
                    )
                )
        conn.execute(
            f"update {META_SCHEMA}.publications set state = 'kept', published_at = now() "
            "where publication_id = %s",
            [current[0]],
        )
        conn.execute(
            f"update {META_SCHEMA}.publications set state = 'current' where publication_id = %s",
            [chosen],
        )
        grant_reader(conn)
    return chosen, current[0]


def mart_row_counts(conn: psycopg.Connection, schema: str = "marts") -> dict[str, int]:

    tables = conn.execute(
        "select table_name from information_schema.tables "
        "where table_schema = %s and table_type = 'BASE TABLE' order by table_name",
        [schema],
    ).fetchall()
    return {
        table: conn.execute(
            sql.SQL("select count(*) from {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table)
            )
        ).fetchone()[0]
        for (table,) in tables
    }


def copy_inputs(build_file: Path, conn: psycopg.Connection) -> dict[str, int]:
    """The loaded schemas and a snapshot of the submissions store, into the build schemas."""

    snapshot = snapshot_submissions(build_file)
    counts = {}
    try:
        duck = duckdb.connect(str(build_file), read_only=True)
        try:
            duck.execute(f"attach '{snapshot}' as nq57_submissions (read_only)")
            with conn.transaction():
                for schema in ("raw", "parsed"):
                    for table, rows in copy_duckdb_schema(
                        duck, schema, conn, schema + BUILD_SUFFIX
                    ).items():
                        counts[f"{schema}.{table}"] = rows
                for table, rows in copy_duckdb_schema(
                    duck, "raw", conn, "submissions" + BUILD_SUFFIX, catalog="nq57_submissions"
                ).items():
                    counts[f"submissions.{table}"] = rows
        finally:
            duck.close()
    finally:
        remove_snapshot(snapshot)
    return counts


def prepare_build_schemas(target: PostgresTarget, build_file: Path) -> dict[str, int]:
    """The database and roles if missing, what an earlier build left dropped, the inputs copied.

    The inputs are the run's loaded schemas (``raw``, ``parsed`` of
    ``build_file``) and a snapshot of the submissions store; returns the rows
    copied per table. A missing permission is said in one line naming the target.
    """
    ensure_database(target)
    with connect(target, autocommit=True) as conn:
        try:
            ensure_roles(conn, target.dbname)
            drop_build_schemas(conn)
        except Exception as error:
            raise PostgresTargetError(
                f"{target.label}: cannot prepare the warehouse: {_first_line(error)}"
            ) from None
        try:
            return copy_inputs(build_file, conn)
        except BaseException:
            with contextlib.suppress(Exception):
                drop_build_schemas(conn)
            raise


def discard_build_schemas(target: PostgresTarget) -> None:
    """Drop this run's unpublished build schemas (a failed step or a refused gate)."""
    with contextlib.suppress(PostgresTargetError), connect(target, autocommit=True) as conn:
        drop_build_schemas(conn)


@contextlib.contextmanager
def dbt_environment(target: PostgresTarget) -> Iterator[None]:
    """Point dbt (the subprocess and dagster-dbt's in-process adapter) at ``target``.

    The profile's default target becomes ``postgres`` and its ``NQ57_PG_*``
    variables name the server, for as long as dbt runs.
    """
    values = {**target.dbt_env(), DBT_TARGET_ENV_VAR: "postgres"}
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def dbt_build_args() -> list[str]:
    """What ``dbt build`` adds on PostgreSQL: every schema it writes carries the build suffix."""
    return ["--vars", json.dumps({"nq57_schema_suffix": BUILD_SUFFIX})]


def build_row_counts(
    target: PostgresTarget, relations: Iterable[Sequence[str]]
) -> dict[tuple[str, ...], int]:
    """``{(schema, name): rows}`` of the built relations, read in their build schemas."""

    counts = {}
    with connect(target) as conn:
        for schema, name in relations:
            counts[(schema, name)] = conn.execute(
                sql.SQL("select count(*) from {}.{}").format(
                    sql.Identifier(schema + BUILD_SUFFIX), sql.Identifier(name)
                )
            ).fetchone()[0]
    return counts


def audit_file_for(build_file: Path) -> Path:
    """Where a run reads its build schemas for the gate: beside its build file, removed with it."""
    return build_file.with_name("postgres-audit.duckdb")


def export_build_for_audit(target: PostgresTarget, audit_file: Path) -> Path:
    """The built schemas read into a DuckDB file under their published names, for the gate.

    The quality gate reads frames from DuckDB; values travel as text and keep
    their types (see :func:`export_schemas_to_duckdb`).
    """
    audit_file.unlink(missing_ok=True)
    with connect(target) as conn:
        export_schemas_to_duckdb(
            conn,
            {s + BUILD_SUFFIX: s for s in PUBLISHED_SCHEMAS if s != "submissions"},
            audit_file,
        )
    return audit_file


def publish_audited_build(target: PostgresTarget, keep: int) -> PublishedBuild:
    """Publish the audited build schemas (:func:`publish_build`), timing the transaction."""
    with connect(target, autocommit=True) as conn:
        mart_rows = mart_row_counts(conn, "marts" + BUILD_SUFFIX)
        started = time.monotonic()
        publication, replaced = publish_build(conn, mart_rows, keep)
        seconds = time.monotonic() - started
    return PublishedBuild(publication, replaced, mart_rows, seconds)


@dataclass(frozen=True)
class PublishedBuild:
    publication: str
    replaced: str | None
    mart_rows: dict[str, int]
    publish_seconds: float


@contextlib.contextmanager
def published_marts_file(target: PostgresTarget, directory: Path) -> Iterator[Path]:
    """The published marts of ``target`` read into a DuckDB file, for readers of DuckDB SQL.

    The file is named after the database and the publication, and dated when
    it was published, so what it was read from stays visible; it is removed
    afterwards. No publication yet is said in one line naming the target.
    """
    with connect(target) as conn:
        try:
            row = conn.execute(
                f"select publication_id, published_at from {META_SCHEMA}.publications "
                "where state = 'current'"
            ).fetchone()
        except Exception as error:
            raise PostgresTargetError(
                f"{target.label}: no publication to read ({_first_line(error)}); "
                "run `nq57 build --target postgres` first"
            ) from None
        if row is None:
            raise PostgresTargetError(
                f"{target.label}: no publication to read; run `nq57 build --target postgres` first"
            )
        publication, published_at = row
        path = directory / f"{target.dbname}-{publication}.duckdb"
        export_schemas_to_duckdb(conn, {"marts": "marts"}, path)
    stamp = published_at.timestamp()
    os.utime(path, (stamp, stamp))
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
