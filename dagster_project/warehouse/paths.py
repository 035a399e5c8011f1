"""Where the warehouse, the seeds and the dbt project live.

``NQ57_WAREHOUSE`` is the one setting users change. It is read when a path is
needed, never at import time, so tests and ``nq57 build --warehouse`` can point
a run elsewhere without reloading modules.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster_project.extract.documents import REPO_ROOT, SOURCE_DIR

WAREHOUSE_ENV_VAR = "NQ57_WAREHOUSE"
DEFAULT_WAREHOUSE = REPO_ROOT / "warehouse" / "nq57.duckdb"
SEEDS_DIR = REPO_ROOT / "seeds"
DOCUMENTS_DIR = SOURCE_DIR
DBT_PROJECT_DIR = REPO_ROOT / "dbt"


def warehouse_path() -> Path:
    """The published warehouse file: ``$NQ57_WAREHOUSE`` or ``<repo>/warehouse/nq57.duckdb``."""
    configured = os.environ.get(WAREHOUSE_ENV_VAR, "").strip()
    return Path(configured).expanduser().resolve() if configured else DEFAULT_WAREHOUSE


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
