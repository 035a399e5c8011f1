"""Paths, environment settings and their defaults: the bottom of the import graph.

Every package reads where things live from here and from nowhere else, so this
module imports nothing from the project. Settings that come from the
environment (``NQ57_WAREHOUSE``, ``NQ57_LANDING``) are read when a path is
needed, never at import time, so tests and ``nq57 build --warehouse`` can point
a run elsewhere without reloading modules; nothing here changes ``os.environ``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = REPO_ROOT / "seeds"
SOURCE_DIR = SEEDS_DIR / "source_documents"
DOCUMENTS_DIR = SOURCE_DIR
DBT_PROJECT_DIR = REPO_ROOT / "dbt"

WAREHOUSE_ENV_VAR = "NQ57_WAREHOUSE"
DEFAULT_WAREHOUSE = REPO_ROOT / "warehouse" / "nq57.duckdb"

LANDING_ENV_VAR = "NQ57_LANDING"
DEFAULT_LANDING = REPO_ROOT / "landing"
STORE_FILE_NAME = "submissions.duckdb"
STORE_LOCK_FILE_NAME = ".submissions.lock"

# Test-only (tests/test_wap_kill.py, tests/test_submissions_crash.py): names a
# point at which to stop and wait to be killed. Unset, which it always is
# outside those tests, the pause points do nothing.
PAUSE_ENV_VAR = "NQ57_TEST_PAUSE_AT"


def _configured_path(env_var: str, default: Path) -> Path:
    configured = os.environ.get(env_var, "").strip()
    return Path(configured).expanduser().resolve() if configured else default


def warehouse_path() -> Path:
    """The published warehouse file: ``$NQ57_WAREHOUSE`` or ``<repo>/warehouse/nq57.duckdb``."""
    return _configured_path(WAREHOUSE_ENV_VAR, DEFAULT_WAREHOUSE)


def add_warehouse_argument(parser: argparse.ArgumentParser) -> None:
    """``--warehouse PATH``, as every command that reads or writes the published file takes it."""
    parser.add_argument(
        "--warehouse",
        type=Path,
        metavar="PATH",
        help="published warehouse file (default: $NQ57_WAREHOUSE, else warehouse/nq57.duckdb)",
    )


def landing_dir() -> Path:
    """The folder agencies' files are dropped into: ``$NQ57_LANDING`` or ``<repo>/landing``."""
    return _configured_path(LANDING_ENV_VAR, DEFAULT_LANDING)


def submissions_dir(warehouse: Path | None = None) -> Path:
    """The warehouse's directory, which also holds the submissions store.

    Everything sits next to the published warehouse, so pointing a test or a
    run at another warehouse moves the submissions with it. The store is a
    separate DuckDB file rather than a schema of the warehouse because the
    warehouse is rebuilt and swapped atomically, while the submissions are
    history that only grows.
    """
    return (warehouse or warehouse_path()).parent


def store_path(warehouse: Path | None = None) -> Path:
    """``<warehouse dir>/submissions.duckdb``."""
    return submissions_dir(warehouse) / STORE_FILE_NAME


def receipts_dir(store: Path) -> Path:
    return store.parent / "receipts"


def archive_dir(store: Path) -> Path:
    """Content-addressed copies of every ingested file, kept as evidence."""
    return store.parent / "submission_files"


def store_lock_path(store: Path) -> Path:
    return store.parent / STORE_LOCK_FILE_NAME


# Plans cloned by `nq57 simulate` for the provinces the seeds do not cover
# (dagster_project.simulate.synthetic); their lineage points at the template's lines.
SYNTHETIC_PLAN_PREFIX = "synthetic-"
