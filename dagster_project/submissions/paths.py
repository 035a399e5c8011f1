"""Where submissions land and where the submissions store, receipts and
archived originals live: the names :mod:`dagster_project.config` defines."""

from __future__ import annotations

from dagster_project.config import (
    DEFAULT_LANDING,
    LANDING_ENV_VAR,
    STORE_FILE_NAME,
    STORE_LOCK_FILE_NAME,
    archive_dir,
    landing_dir,
    receipts_dir,
    store_lock_path,
    store_path,
    submissions_dir,
)

__all__ = [
    "DEFAULT_LANDING",
    "LANDING_ENV_VAR",
    "STORE_FILE_NAME",
    "STORE_LOCK_FILE_NAME",
    "archive_dir",
    "landing_dir",
    "receipts_dir",
    "store_lock_path",
    "store_path",
    "submissions_dir",
]
