"""The submissions store: one DuckDB file of append-only history.

Tables (schema ``raw``):

- ``submission_files``: the manifest, one row per distinct file (sha256),
  with how ``received_at`` was set (``received_at_basis``) and, for a
  SYNTHETIC file ingested with ``--allow-synthetic``, where it says so
  (``synthetic_marker``). Columns added after the first release are added to
  an older store when it is opened; existing rows keep NULL there.
- ``submission_rows``: every loaded row, its cells as text plus parsed values.
- ``submission_quarantine``: one row per broken rule (per failing column), or
  one row per rejected file with ``row_number`` NULL.

Views: ``quarantine_summary`` (rows in / loaded / quarantined per file,
counted from the tables themselves) and ``submission_latest`` (the rows of
the latest accepted or partially accepted file per province, agency, period
and sheet).

DuckDB allows one writing process per file, so every write happens under an
exclusive ``flock`` on ``.submissions.lock``; a second ingest waits for the
first instead of failing on DuckDB's own lock.

Crash safety (a ``kill -9`` at any moment leaves a store that opens, each file
wholly in or wholly out):

- each file is wholly inside one transaction (of up to 200 whole files, :mod:`.ingest`);
- a new store gets its whole schema in one transaction, then a checkpoint:
  DuckDB 1.5 cannot replay a WAL that creates a table with a CHECK
  constraint and then alters it, so no store ever depends on replaying its
  own creation; an older store's added columns are likewise checkpointed at
  once;
- ``ingest_seq`` is ``max() + 1`` inside the file's transaction: a DuckDB
  sequence is not restored from the WAL and came back stale after a kill
  (``Duplicate key "ingest_seq: 32"`` on every later ingest). Older stores
  keep their unused sequence;
- :func:`open_store` checks the store as it opens it and raises
  :class:`StoreCorrupt` with one line saying what is wrong, and the store
  is checkpointed before it is closed, so a finished ingest leaves no WAL.

``nq57 store check`` and ``nq57 store rebuild`` (:mod:`.recovery`) are the way
back when a store is damaged anyway (a disk fault, a file edited by hand).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import duckdb

from dagster_project.config import store_lock_path
from dagster_project.locks import LockHeld, exclusive_lock, pause_point

from .tables import FILE_COLUMNS, PARSED_COLUMNS, TEXT_COLUMNS

DEFAULT_LOCK_TIMEOUT_SECONDS = 300.0

# How received_at was set: the clock at ingest, or the file's modification
# time (``nq57 ingest --received-at file-mtime``: files kept with their sending time).
RECEIVED_AT_BASES = ("ingest_time", "file_mtime")
# Columns added after the first release: (name, type), added to older stores on open.
ADDED_FILE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("received_at_basis", "varchar"),
    ("synthetic_marker", "varchar"),
    # Who sent the file (senders.py): NULL for files ingested before senders were
    # verified (legacy), read as not verified, method 'legacy' in the marts.
    ("sender_verified", "boolean"),
    ("sender_method", "varchar"),
    ("sender_key_id", "varchar"),
    ("sender_reason_code", "varchar"),
)
STATUSES = ("accepted", "partially_accepted", "rejected")


TABLES = ("submission_files", "submission_rows", "submission_quarantine")


def _table_ddl() -> list[str]:
    """The three tables as a new store creates them, every column included."""
    text_columns = ",\n    ".join(f"{name} varchar" for name in TEXT_COLUMNS)
    parsed_columns = ",\n    ".join(f"{name} {kind}" for name, kind in PARSED_COLUMNS.items())
    added_columns = "".join(f"{name} {kind},\n            " for name, kind in ADDED_FILE_COLUMNS)
    return [
        "create schema if not exists raw",
        f"""
        create table if not exists raw.submission_files (
            file_sha256 varchar primary key,
            ingest_seq bigint not null unique,
            file_name varchar not null,
            source_path varchar not null,
            size_bytes bigint not null,
            detected_format varchar not null,
            encoding varchar,
            csv_delimiter varchar,
            province_id varchar,
            agency_id varchar,
            period varchar,
            period_start date,
            period_end date,
            format_version varchar,
            sheets varchar[] not null,
            ignored_sheets varchar[] not null,
            received_at timestamp not null,
            status varchar not null
                check (status in ('accepted', 'partially_accepted', 'rejected')),
            rows_in integer not null,
            rows_loaded integer not null,
            rows_quarantined integer not null,
            rows_not_reported integer not null,
            file_reason_code varchar,
            supersedes_file_sha256 varchar,
            receipt_path varchar,
            archived_path varchar,
            {added_columns}check (rows_in = rows_loaded + rows_quarantined)
        )
        """,
        f"""
        create table if not exists raw.submission_rows (
            file_sha256 varchar not null,
            sheet varchar not null,
            row_number integer not null,
            {text_columns},
            extra_columns varchar,
            {parsed_columns},
            loaded_at timestamp not null,
            primary key (file_sha256, sheet, row_number)
        )
        """,
        """
        create table if not exists raw.submission_quarantine (
            file_sha256 varchar not null,
            file_name varchar not null,
            sheet varchar,
            row_number integer,
            column_name varchar,
            raw_value varchar,
            reason_code varchar not null,
            reason_vi varchar not null,
            reason_en varchar not null,
            row_values varchar,
            quarantined_at timestamp not null
        )
        """,
    ]


def _view_ddl() -> list[str]:
    return [
        """
        create or replace view raw.quarantine_summary as
        with loaded as (
            select file_sha256, count(*) as rows_loaded
            from raw.submission_rows
            group by file_sha256
        ),
        quarantined as (
            select
                file_sha256,
                count(distinct (sheet, row_number)) filter (where row_number is not null)
                    as rows_quarantined,
                count(*) as quarantine_entries,
                string_agg(distinct reason_code, ', ' order by reason_code) as reason_codes
            from raw.submission_quarantine
            group by file_sha256
        ),
        final as (
            select
                files.file_sha256,
                files.file_name,
                files.province_id,
                files.agency_id,
                files.period,
                files.received_at,
                files.status,
                files.file_reason_code,
                files.rows_in,
                coalesce(loaded.rows_loaded, 0) as rows_loaded,
                coalesce(quarantined.rows_quarantined, 0) as rows_quarantined,
                files.rows_not_reported,
                coalesce(quarantined.quarantine_entries, 0) as quarantine_entries,
                quarantined.reason_codes,
                files.rows_in = coalesce(loaded.rows_loaded, 0)
                    + coalesce(quarantined.rows_quarantined, 0) as is_balanced
            from raw.submission_files as files
            left join loaded on loaded.file_sha256 = files.file_sha256
            left join quarantined on quarantined.file_sha256 = files.file_sha256
        )
        select * from final
        """,
        """
        create or replace view raw.submission_latest as
        with file_sheets as (
            select
                file_sha256,
                province_id,
                agency_id,
                period,
                ingest_seq,
                coalesce(sender_verified, false) as sender_verified,
                unnest(sheets) as sheet
            from raw.submission_files
            where status in ('accepted', 'partially_accepted')
        ),
        latest as (
            -- A verified file stays latest whatever unverified file comes after it.
            select *
            from file_sheets
            qualify row_number() over (
                partition by province_id, agency_id, period, sheet
                order by sender_verified desc, ingest_seq desc
            ) = 1
        ),
        final as (
            select
                latest.province_id,
                latest.agency_id,
                latest.period,
                latest.ingest_seq,
                submission_rows.*
            from latest
            inner join raw.submission_rows as submission_rows
                on submission_rows.file_sha256 = latest.file_sha256
                and submission_rows.sheet = latest.sheet
        )
        select * from final
        """,
    ]


class StoreLockTimeout(RuntimeError):
    """Another ingest held the submissions store for longer than the timeout."""


@contextmanager
def store_lock(
    store: Path, timeout_seconds: float = DEFAULT_LOCK_TIMEOUT_SECONDS
) -> Iterator[None]:
    """Hold the store's exclusive lock, waiting up to ``timeout_seconds`` for it."""
    path = store_lock_path(store)
    with ExitStack() as held_lock:
        try:
            held_lock.enter_context(exclusive_lock(path, timeout_seconds))
        except LockHeld as held:
            raise StoreLockTimeout(
                f"the submissions store {store} is locked by pid {held.holder} "
                f"(lock file {path}); waited {timeout_seconds:.0f}s"
            ) from held
        yield


class StoreCorrupt(RuntimeError):
    """The store cannot be opened or does not hold what a store holds; the message says what."""


def existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select table_name from duckdb_tables() where schema_name = 'raw' and database_name = current_database()"
    ).fetchall()
    return {row[0] for row in rows}


def _file_columns(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        """
        select column_name from duckdb_columns()
        where schema_name = 'raw' and table_name = 'submission_files'
            and database_name = current_database()
        """
    ).fetchall()
    return {row[0] for row in rows}


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create what is missing (a new store in one transaction), then checkpoint.

    Raises :class:`StoreCorrupt` when the store holds some of the tables but
    not all, or lacks a column no version added later: that is damage, not
    an older version.
    """
    existing = existing_tables(con) & set(TABLES)
    if existing and existing != set(TABLES):
        missing = ", ".join(f"raw.{name}" for name in TABLES if name not in existing)
        raise StoreCorrupt(f"tables missing: {missing}")
    con.execute("begin transaction")
    try:
        if not existing:
            for statement in _table_ddl():
                con.execute(statement)
        else:
            present = _file_columns(con)
            added = {name for name, _ in ADDED_FILE_COLUMNS}
            lost = [name for name in FILE_COLUMNS if name not in present and name not in added]
            if lost:
                raise StoreCorrupt(f"raw.submission_files lacks columns {', '.join(lost)}")
            for name, kind in ADDED_FILE_COLUMNS:
                if name not in present:
                    con.execute(f"alter table raw.submission_files add column {name} {kind}")
        for statement in _view_ddl():
            con.execute(statement)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    pause_point("store:schema")
    # Nothing of the schema is left for a WAL replay to redo (see the module docstring).
    con.execute("checkpoint")


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def connect_checked(store: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store file (replaying its WAL), or raise :class:`StoreCorrupt` in one line."""
    try:
        return duckdb.connect(str(store), read_only=read_only)
    except duckdb.Error as error:
        raise StoreCorrupt(
            f"the submissions store {store} cannot be opened ({_first_line(error)}); "
            + rebuild_hint(store)
        ) from error


def rebuild_hint(store: Path) -> str:
    return (
        f"run `nq57 store check --store {store}` to see what is wrong and "
        f"`nq57 store rebuild --store {store}` to replay the archived files into a new store"
    )


@contextmanager
def open_store(
    store: Path, timeout_seconds: float = DEFAULT_LOCK_TIMEOUT_SECONDS
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable connection to the store, under its lock, with the schema in place.

    Raises :class:`StoreCorrupt` (one line, naming the store and the way back)
    when the file cannot be opened or its tables are damaged. The store is
    checkpointed before it is closed, so a finished run leaves no WAL.
    """
    store.parent.mkdir(parents=True, exist_ok=True)
    with store_lock(store, timeout_seconds):
        con = connect_checked(store)
        try:
            try:
                ensure_schema(con)
            except (duckdb.Error, StoreCorrupt) as error:
                raise StoreCorrupt(
                    f"the submissions store {store} is damaged: {_first_line(error)}; "
                    + rebuild_hint(store)
                ) from error
            yield con
            con.execute("checkpoint")
        finally:
            con.close()


def next_ingest_seq(con: duckdb.DuckDBPyConnection) -> int:
    """The next file's number: one more than the highest committed (read under the store
    lock, by the one writer, which numbers its files on from there)."""
    return int(
        con.execute("select coalesce(max(ingest_seq), 0) + 1 from raw.submission_files").fetchone()[
            0
        ]
    )


# Casts for the manifest inserted from a DataFrame (the other columns are text).
FILE_CASTS: dict[str, str] = {
    "ingest_seq": "bigint",
    "size_bytes": "bigint",
    "period_start": "date",
    "period_end": "date",
    "sheets": "varchar[]",
    "ignored_sheets": "varchar[]",
    "received_at": "timestamp",
    "rows_in": "integer",
    "rows_loaded": "integer",
    "rows_quarantined": "integer",
    "rows_not_reported": "integer",
    "sender_verified": "boolean",
}


def latest_by_report(
    con: duckdb.DuckDBPyConnection,
) -> dict[tuple[str, str, str, str], tuple[bool, int, str]]:
    """(sender verified, ingest_seq, sha256) of the latest accepted file per province, agency,
    period and sheet: verified files first, then the highest ``ingest_seq``.

    A new file for the same report supersedes the latest of these that shares
    a sheet with it, unless it is unverified and that one is verified.
    """
    rows = con.execute(
        """
        select province_id, agency_id, period, sheet, verified, ingest_seq, file_sha256
        from (
            select
                province_id, agency_id, period, ingest_seq, file_sha256,
                coalesce(sender_verified, false) as verified,
                unnest(sheets) as sheet
            from raw.submission_files
            where status in ('accepted', 'partially_accepted')
                and province_id is not null and agency_id is not null and period is not null
        )
        qualify row_number() over (
            partition by province_id, agency_id, period, sheet
            order by verified desc, ingest_seq desc
        ) = 1
        """
    ).fetchall()
    return {
        (p, a, period, sheet): (bool(verified), int(seq), sha)
        for p, a, period, sheet, verified, seq, sha in rows
    }


def files_counts(con: duckdb.DuckDBPyConnection, shas: list[str]) -> dict[str, tuple[int, int]]:
    """(rows loaded, distinct rows quarantined) per file, counted from the tables."""
    rows = con.execute(
        """
        with wanted as (select unnest(?::varchar[]) as file_sha256),
        loaded as (
            select file_sha256, count(*) as n from raw.submission_rows
            where file_sha256 in (select file_sha256 from wanted) group by all
        ),
        quarantined as (
            select file_sha256, count(distinct (sheet, row_number)) as n
            from raw.submission_quarantine
            where file_sha256 in (select file_sha256 from wanted) and row_number is not null
            group by all
        )
        select wanted.file_sha256, coalesce(loaded.n, 0), coalesce(quarantined.n, 0)
        from wanted
        left join loaded using (file_sha256)
        left join quarantined using (file_sha256)
        """,
        [shas],
    ).fetchall()
    return {sha: (int(loaded), int(quarantined)) for sha, loaded, quarantined in rows}


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row counts of the three tables, for idempotence checks."""
    return {
        table: int(con.execute(f"select count(*) from raw.{table}").fetchone()[0])
        for table in ("submission_files", "submission_rows", "submission_quarantine")
    }


def unbalanced_files(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """Files whose rows in differ from rows loaded + rows quarantined in the tables."""
    rows = con.execute(
        """
        select file_sha256, file_name, rows_in, rows_loaded, rows_quarantined
        from raw.quarantine_summary
        where not is_balanced
        order by file_name
        """
    ).fetchall()
    columns = ("file_sha256", "file_name", "rows_in", "rows_loaded", "rows_quarantined")
    return [dict(zip(columns, row)) for row in rows]
