"""Where submissions land and where the submissions store, receipts and
archived originals live.

Everything sits next to the published warehouse (``NQ57_WAREHOUSE``, see
:func:`dagster_project.warehouse.paths.warehouse_path`), so pointing a test or
a run at another warehouse moves the submissions with it. The store is a
separate DuckDB file rather than a schema of the warehouse because the
warehouse is rebuilt and swapped atomically by ``nq57 build``, while the
submissions are history that only grows.
"""

from __future__ import annotations

import os
from pathlib import Path

from dagster_project.extract.documents import REPO_ROOT
from dagster_project.warehouse.paths import warehouse_path

LANDING_ENV_VAR = "NQ57_LANDING"
DEFAULT_LANDING = REPO_ROOT / "landing"
STORE_FILE_NAME = "submissions.duckdb"
LOCK_FILE_NAME = ".submissions.lock"


def landing_dir() -> Path:
    """The folder agencies' files are dropped into: ``$NQ57_LANDING`` or ``<repo>/landing``."""
    configured = os.environ.get(LANDING_ENV_VAR, "").strip()
    return Path(configured).expanduser().resolve() if configured else DEFAULT_LANDING


def submissions_dir(warehouse: Path | None = None) -> Path:
    """The warehouse's directory, which also holds the submissions store."""
    return (warehouse or warehouse_path()).parent


def store_path(warehouse: Path | None = None) -> Path:
    """``<warehouse dir>/submissions.duckdb``."""
    return submissions_dir(warehouse) / STORE_FILE_NAME


def receipts_dir(store: Path) -> Path:
    return store.parent / "receipts"


def archive_dir(store: Path) -> Path:
    """Content-addressed copies of every ingested file, kept as evidence."""
    return store.parent / "submission_files"


def lock_path(store: Path) -> Path:
    return store.parent / LOCK_FILE_NAME
