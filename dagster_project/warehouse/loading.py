"""Loading the seed CSVs and the document register into the ``raw`` schema.

Seeds are text as printed: every column lands as VARCHAR, empty cells stay
empty strings (an empty target cell is a fact, not a missing value), and only
``source_line`` becomes an INTEGER so lineage queries can sort and join on it.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from dagster_project.extract.documents import Document, read_manifest
from dagster_project.extract.schema import SEED_TABLES

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


def quote_identifier(name: str) -> str:
    """Quote a DuckDB identifier taken from the fixed seed layout."""
    return '"' + name.replace('"', '""') + '"'


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def seed_csv_path(seeds_dir: Path, table: str) -> Path:
    return seeds_dir / f"{table}.csv"


def read_seed_csv(path: Path, table: str) -> pd.DataFrame:
    """Read one seed CSV, refusing a header that differs from ``SEED_TABLES``."""
    expected = SEED_TABLES[table]
    with path.open(encoding="utf-8", newline="") as handle:
        header = tuple(next(csv.reader(handle), ()))
    if header != expected:
        raise SeedFormatError(
            f"{path}: header is {','.join(header) or '(empty)'}; "
            f"the {table} seed layout is {','.join(expected)}"
        )
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
    target = f"{quote_identifier(RAW_SCHEMA)}.{quote_identifier(table)}"
    column_list = ", ".join(quote_identifier(c) for c in columns)
    column_ddl = ", ".join(f"{quote_identifier(c)} {kind}" for c, kind in columns.items())
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {quote_identifier(RAW_SCHEMA)}")
        con.execute(f"create or replace table {target} ({column_ddl})")
        con.register("incoming_rows", frame[list(columns)])
        try:
            con.execute(
                f"insert into {target} ({column_list}) select {column_list} from incoming_rows"
            )
        finally:
            con.unregister("incoming_rows")
        loaded = con.execute(f"select count(*) from {target}").fetchone()[0]
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
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
