"""Loading the seed CSVs and the document register into the ``raw`` schema.

Seeds are text as printed: every column lands as VARCHAR, empty cells stay
empty strings (an empty target cell is a fact, not a missing value), and only
``source_line`` becomes an INTEGER so lineage queries can sort and join on it.
"""

from __future__ import annotations

import atexit
import csv
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
from dbt.adapters.duckdb.credentials import Attachment
from dbt.adapters.duckdb.plugins import BasePlugin

from dagster_project.config import STORE_FILE_NAME
from dagster_project.duckdb_tables import quote_identifier, replacing_table
from dagster_project.extract.documents import Document, read_manifest
from dagster_project.extract.schema import SEED_TABLES, check_header
from dagster_project.submissions.store import ensure_schema, store_lock

from .publish import BUILD_DIR_NAME

RAW_SCHEMA = "raw"
INTEGER_COLUMNS = frozenset({"source_line"})
SOURCE_DOCUMENTS_TABLE = "source_documents"
SOURCE_DOCUMENTS_COLUMNS = {"source_file": "varchar", "sha256": "varchar", "line_count": "integer"}


class SeedFormatError(ValueError):
    """A seed CSV whose header or values do not match the seed contract."""


@dataclass(frozen=True)
class LoadedTable:
    """What was loaded, for asset metadata."""

    table: str
    row_count: int
    source_path: Path
    sha256: str


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def seed_csv_path(seeds_dir: Path, table: str) -> Path:
    return seeds_dir / f"{table}.csv"


def check_csv_header(path: Path, expected: tuple[str, ...], layout: str) -> None:
    """Refuse a CSV whose header is not ``expected`` (``layout`` names it in the error)."""
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    check_header(path, header, expected, layout, SeedFormatError)


def read_seed_csv(path: Path, table: str) -> pd.DataFrame:
    """Read one seed CSV, refusing a header that differs from ``SEED_TABLES``."""
    expected = SEED_TABLES[table]
    check_csv_header(path, expected, f"{table} seed")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")
    for column in INTEGER_COLUMNS & set(expected):
        bad = frame.index[~frame[column].str.fullmatch(r"\d+")]
        if len(bad):
            first = bad[0]
            raise SeedFormatError(
                f"{path}: row {first + 2} has {column}={frame.at[first, column]!r}; "
                "expected a line number"
            )
        frame[column] = frame[column].astype("int32")
    return frame


def seed_column_types(table: str) -> dict[str, str]:
    """DuckDB type of every column of a seed table."""
    return {c: "integer" if c in INTEGER_COLUMNS else "varchar" for c in SEED_TABLES[table]}


def replace_raw_table(
    con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str], frame: pd.DataFrame
) -> int:
    """Replace ``raw.<table>`` with ``frame`` in one transaction; return the row count.

    ``columns`` maps column names to DuckDB types; both come from the fixed
    layouts in this module and ``SEED_TABLES``, never from data.
    """
    return replace_table(con, RAW_SCHEMA, table, columns, frame)


def replace_table(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    columns: dict[str, str],
    frame: pd.DataFrame,
) -> int:
    """Replace ``<schema>.<table>`` with ``frame`` in one transaction; return the row count.

    Schema, table, column names and types come from fixed layouts in code,
    never from data. Values are cast to the column types on insert, so a
    text column of ISO dates or decimal numbers lands typed.
    """
    column_list = ", ".join(quote_identifier(c) for c in columns)
    with replacing_table(con, schema, table, columns) as target:
        con.register("incoming_rows", frame[list(columns)])
        try:
            con.execute(
                f"insert into {target} ({column_list}) select {column_list} from incoming_rows"
            )
        finally:
            con.unregister("incoming_rows")
        loaded = con.execute(f"select count(*) from {target}").fetchone()[0]
    return int(loaded)


def load_seed(con: duckdb.DuckDBPyConnection, seeds_dir: Path, table: str) -> LoadedTable:
    """Load ``seeds/<table>.csv`` into ``raw.<table>``."""
    path = seed_csv_path(seeds_dir, table)
    if not path.exists():
        raise FileNotFoundError(f"{path}: seed CSV missing; run `nq57 extract` first")
    frame = read_seed_csv(path, table)
    rows = replace_raw_table(con, table, seed_column_types(table), frame)
    if rows != len(frame):
        raise SeedFormatError(f"{path}: read {len(frame)} rows but loaded {rows}")
    return LoadedTable(table=table, row_count=rows, source_path=path, sha256=file_sha256(path))


def source_document_rows(documents: list[Document], documents_dir: Path) -> pd.DataFrame:
    """One row per verified document: file name, manifest sha256 and line count."""
    manifest = read_manifest(documents_dir)
    return pd.DataFrame(
        {
            "source_file": [doc.source_file for doc in documents],
            "sha256": [manifest[doc.source_file] for doc in documents],
            "line_count": [len(doc.lines) for doc in documents],
        },
        columns=list(SOURCE_DOCUMENTS_COLUMNS),
    )


def load_source_documents(
    con: duckdb.DuckDBPyConnection, documents: list[Document], documents_dir: Path
) -> pd.DataFrame:
    """Record the verified documents as ``raw.source_documents``."""
    frame = source_document_rows(documents, documents_dir)
    replace_raw_table(con, SOURCE_DOCUMENTS_TABLE, SOURCE_DOCUMENTS_COLUMNS, frame)
    return frame


# --- the submissions store, read by dbt ---------------------------------------------------

SUBMISSIONS_CATALOG = "submissions"
SUBMISSIONS_SNAPSHOT_SUFFIX = ".submissions"


def submissions_snapshot_path(warehouse_file: Path) -> Path:
    """Where dbt reads the submissions from while it writes ``warehouse_file``.

    Beside a build's run directory (``<warehouse dir>/.build/<run>.submissions``),
    not inside it: publishing removes the emptied run directory, and the next
    build's clean-up removes the snapshot. Beside any other file otherwise.
    """
    if warehouse_file.parent.parent.name == BUILD_DIR_NAME:
        run_dir = warehouse_file.parent
        return run_dir.with_name(run_dir.name + SUBMISSIONS_SNAPSHOT_SUFFIX)
    return warehouse_file.with_name(warehouse_file.name + SUBMISSIONS_SNAPSHOT_SUFFIX)


def submissions_store_for(warehouse_file: Path) -> Path:
    """The submissions store beside the warehouse that ``warehouse_file`` is, or is a build of.

    A build writes ``<warehouse dir>/.build/<run>/<name>``; the store lives in
    ``<warehouse dir>`` (see ``dagster_project.submissions.paths``).
    """
    directory = warehouse_file.parent
    if directory.parent.name == BUILD_DIR_NAME:
        directory = directory.parent.parent
    return directory / STORE_FILE_NAME


def snapshot_submissions(warehouse_file: Path, store: Path | None = None) -> Path:
    """Copy the submissions store beside ``warehouse_file`` for dbt to attach read-only.

    The copy is taken under the store's lock, so it holds whole files only
    (ingestion commits each file in one transaction under the same lock) and
    an ingest running meanwhile waits instead of failing on DuckDB's own file
    lock. Without a store (no submission ingested yet) the snapshot is an
    empty store with the tables in place, so the submission marts build empty.
    Either way the snapshot has the current store schema.
    """
    snapshot = submissions_snapshot_path(warehouse_file)
    store = store or submissions_store_for(warehouse_file)
    partial = snapshot.with_name(snapshot.name + ".part")
    for stale in (partial, wal_of(partial), snapshot, wal_of(snapshot)):
        stale.unlink(missing_ok=True)
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    if store.exists():
        with store_lock(store):
            shutil.copyfile(store, partial)
            if wal_of(store).exists():
                shutil.copyfile(wal_of(store), wal_of(partial))
    # On a copy of an older store this adds the columns added since (the
    # store itself is migrated by the next ingest); on a new file, the tables.
    con = duckdb.connect(str(partial))
    try:
        ensure_schema(con)
    finally:
        con.close()
    if wal_of(partial).exists():
        os.replace(wal_of(partial), wal_of(snapshot))
    os.replace(partial, snapshot)
    return snapshot


def remove_snapshot(snapshot: Path) -> None:
    snapshot.unlink(missing_ok=True)
    wal_of(snapshot).unlink(missing_ok=True)


def wal_of(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


class Plugin(BasePlugin):
    """dbt-duckdb plugin (profiles.yml ``plugins``): the submissions store as a catalog.

    dbt-duckdb creates the plugin once per dbt invocation, before the first
    connection, whichever way dbt is started (``nq57 build``, ``dagster
    dev``, a test): it takes the snapshot then, and attaches it read-only as
    the ``submissions`` catalog on every connection. The submission staging
    and intermediate models are ephemeral, so no view of the published
    warehouse refers to that catalog.
    """

    def initialize(self, plugin_config: dict) -> None:
        path = getattr(self.creds, "path", None)
        self.snapshot = snapshot_submissions(Path(path)) if path and path != ":memory:" else None
        if self.snapshot is not None:
            # The copy goes when dbt returns (the build's dbt step removes it)
            # or, at the latest, when the process running dbt exits, so a
            # published build leaves nothing behind (a killed one's copy is
            # removed with the stale builds).
            atexit.register(remove_snapshot, self.snapshot)

    def configure_connection(self, conn: duckdb.DuckDBPyConnection) -> None:
        if self.snapshot is None:
            return
        # dbt-duckdb's own ATTACH statement, path quoting included: DuckDB
        # takes no parameter for the path of an ATTACH.
        attachment = Attachment(path=str(self.snapshot), alias=SUBMISSIONS_CATALOG, read_only=True)
        conn.execute(attachment.to_sql())
