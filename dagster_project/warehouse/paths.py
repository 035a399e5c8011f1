"""Where the warehouse, the seeds and the dbt project live (defined in
:mod:`dagster_project.config`), and the environment dbt runs with."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster_project.config import (
    DBT_PROJECT_DIR,
    DEFAULT_WAREHOUSE,
    DOCUMENTS_DIR,
    SEEDS_DIR,
    WAREHOUSE_ENV_VAR,
    warehouse_path,
)

__all__ = [
    "DBT_PROJECT_DIR",
    "DEFAULT_WAREHOUSE",
    "DOCUMENTS_DIR",
    "SEEDS_DIR",
    "WAREHOUSE_ENV_VAR",
    "warehouse_env",
    "warehouse_path",
]


@contextmanager
def warehouse_env(path: Path) -> Iterator[None]:
    """Point ``NQ57_WAREHOUSE`` at ``path`` while dbt runs.

    dbt (the subprocess and dagster-dbt's in-process adapter) only sees the
    environment, and profiles.yml reads the path from this variable; setting
    it here is how a build directs dbt at its own build file.
    """
    previous = os.environ.get(WAREHOUSE_ENV_VAR)
    os.environ[WAREHOUSE_ENV_VAR] = os.fspath(path)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(WAREHOUSE_ENV_VAR, None)
        else:
            os.environ[WAREHOUSE_ENV_VAR] = previous
