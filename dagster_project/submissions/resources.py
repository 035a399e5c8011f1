"""The Dagster resource naming where submissions land and are stored.

Unset paths resolve when a run needs them (``NQ57_LANDING``,
``NQ57_WAREHOUSE``), so importing the definitions never reads the environment.
"""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource

from dagster_project.config import SEEDS_DIR

from .paths import landing_dir, store_path
from .readers import DEFAULT_MAX_BYTES, Limits


class SubmissionsStore(ConfigurableResource):
    """Landing folder, submissions store file, seeds folder and the size limit."""

    store: str | None = None
    landing: str | None = None
    seeds: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES

    def store_path(self) -> Path:
        return Path(self.store) if self.store else store_path()

    def landing_path(self) -> Path:
        return Path(self.landing) if self.landing else landing_dir()

    def seeds_path(self) -> Path:
        return Path(self.seeds) if self.seeds else SEEDS_DIR

    def limits(self) -> Limits:
        return Limits(max_bytes=self.max_bytes)
