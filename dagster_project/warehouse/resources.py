"""Dagster resources: the warehouse file and the input files.

Paths left unset resolve when a run needs them (``NQ57_WAREHOUSE``, repo
defaults), so importing the definitions never reads the environment.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import AssetKey, ConfigurableResource, InitResourceContext
from pydantic import Field, PrivateAttr

from .inputs import file_fingerprints
from .paths import DOCUMENTS_DIR, SEEDS_DIR, warehouse_path
from .publish import (
    DEFAULT_KEEP,
    PublishError,
    WarehouseLayout,
    build_lock,
    clean_stale_builds,
    discard_build,
    new_build_file,
    publish,
)

# The asset that publishes a run's build file; every run that builds must include it.
PUBLISHED_KEY = AssetKey(["published", "warehouse"])


class DuckDBWarehouse(ConfigurableResource):
    """The DuckDB file a run writes to.

    With ``path`` set, the run writes that file directly and publishes
    nothing (tests, and the build file the private run below hands its steps).

    Unset (``nq57 build`` and ``dagster dev`` alike), a run takes the build
    lock, copies the published warehouse into a private build file (or, with
    ``full_refresh``, starts from no file) and writes only that; the
    ``published/warehouse`` asset, which runs last, swaps it onto the
    published path after the quality gate. A build file the
    run did not publish is deleted when the run ends, so readers of the
    published file never see a failed or half-checked build.
    """

    path: str | None = Field(
        default=None, description="File to write directly; unset: a private build file per run."
    )
    published_path: str | None = Field(
        default=None,
        description="Warehouse file runs publish to (default: $NQ57_WAREHOUSE).",
    )
    keep: int = Field(
        default=DEFAULT_KEEP, description="Previously published files kept in history/."
    )
    full_refresh: bool = Field(
        default=False,
        description=(
            "Start the build from an empty file instead of a copy of the published one, "
            "so nothing is carried over."
        ),
    )
    _publication: WarehouseLayout | None = PrivateAttr(default=None)

    def resolved_path(self) -> Path:
        return Path(self.path) if self.path else warehouse_path()

    def published_target(self) -> Path:
        """The published file of a run that builds privately."""
        return Path(self.published_path).resolve() if self.published_path else warehouse_path()

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator[DuckDBWarehouse]:
        if self.path:
            yield self
            return
        _refuse_runs_that_cannot_publish(context)
        layout = WarehouseLayout(self.published_target())
        with build_lock(layout):
            clean_stale_builds(layout)
            build_file = new_build_file(layout, empty=self.full_refresh)
            private = DuckDBWarehouse(path=str(build_file), keep=self.keep)
            private._publication = layout
            context.log.info(f"building into {build_file}; {layout.published} is unchanged")
            try:
                yield private
            finally:
                if build_file.parent.exists():
                    discard_build(build_file)
                    context.log.info(f"nothing published: removed the build file {build_file}")

    def publish_build(self) -> tuple[Path, Path | None]:
        """Swap this run's build file onto the published path; return it and the history entry.

        Only the ``published/warehouse`` asset calls this, after the checks.
        """
        if self._publication is None:
            raise PublishError(
                f"this run writes {self.resolved_path()} directly, so it has no build file "
                "to publish; leave `path` unset for runs that publish"
            )
        history_entry, _ = publish(self._publication, Path(self.path), self.keep)
        return self._publication.published, history_entry

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


def _refuse_runs_that_cannot_publish(context: InitResourceContext) -> None:
    """A run materializing warehouse assets without ``published/warehouse`` would build for nothing.

    Its build file is deleted at the end of the run, so the materializations
    it recorded would describe data no reader can see. A run of asset checks
    alone is fine: the checks read the run's copy of the published file.
    """
    planned = _assets_in_run(context)
    if planned and PUBLISHED_KEY not in planned:
        raise PublishError(
            "runs build into a private copy of the warehouse that only "
            f"{PUBLISHED_KEY.to_user_string()} publishes; add it to the selection "
            "(or run the build_warehouse job) so the assets you materialize reach the warehouse"
        )


def _assets_in_run(context: InitResourceContext) -> set[AssetKey]:
    """The asset keys this run's steps materialize, read from the plan Dagster stored for it.

    The run's ``asset_selection`` would be simpler, but it is empty for runs
    of an already-subset job, which is what ``execute_in_process`` starts.
    """
    run = context.run
    if run is None or run.execution_plan_snapshot_id is None or context.instance is None:
        return set()
    plan = context.instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
    return {
        output.properties.asset_key
        for step in plan.steps
        for output in step.outputs
        if output.properties is not None
        and output.properties.is_asset
        and output.properties.asset_key is not None
        and output.properties.asset_check_key is None
    }


class SourceFiles(ConfigurableResource):
    """Where the seed CSVs and the source documents are read from.

    A run fingerprints them when it starts (see ``inputs``), so the build
    records what it read, not what the files hold by the time it publishes.
    """

    seeds_dir: str | None = None
    documents_dir: str | None = None
    _fingerprints: dict[str, str] | None = PrivateAttr(default=None)

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator[SourceFiles]:
        started = SourceFiles(seeds_dir=self.seeds_dir, documents_dir=self.documents_dir)
        started._fingerprints = file_fingerprints(started.seeds_path(), started.documents_path())
        yield started

    def input_fingerprints(self) -> dict[str, str]:
        """The code, documents and seed files as they were when the run started."""
        if self._fingerprints is None:
            return file_fingerprints(self.seeds_path(), self.documents_path())
        return dict(self._fingerprints)

    def seeds_path(self) -> Path:
        return Path(self.seeds_dir) if self.seeds_dir else SEEDS_DIR

    def documents_path(self) -> Path:
        return Path(self.documents_dir) if self.documents_dir else DOCUMENTS_DIR
