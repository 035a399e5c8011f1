"""Dagster resources: the warehouse file and the input files.

Paths left unset resolve when a run needs them (``NQ57_WAREHOUSE``, repo
defaults), so importing the definitions never reads the environment.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from .paths import DOCUMENTS_DIR, SEEDS_DIR, warehouse_path


class DuckDBWarehouse(ConfigurableResource):
    """The DuckDB file a run writes to; ``nq57 build`` points it at its build file."""

    path: str | None = None

    def resolved_path(self) -> Path:
        return Path(self.path) if self.path else warehouse_path()

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for one step, closed before the next step (or dbt) needs the file.

        DuckDB lets one process write a file at a time, so no connection may
        outlive the step that opened it.
        """
        path = self.resolved_path()
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), read_only=read_only)
        try:
            yield con
        finally:
            con.close()


class SourceFiles(ConfigurableResource):
    """Where the seed CSVs and the source documents are read from."""

    seeds_dir: str | None = None
    documents_dir: str | None = None

    def seeds_path(self) -> Path:
        return Path(self.seeds_dir) if self.seeds_dir else SEEDS_DIR

    def documents_path(self) -> Path:
        return Path(self.documents_dir) if self.documents_dir else DOCUMENTS_DIR
