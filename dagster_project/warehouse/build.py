"""What a ``build_warehouse`` run means to its caller, below the definitions that hold the job.

``nq57 build`` (``dagster_project.commands.build``) runs the job; this module
holds what it needs that does not need the job itself: the errors a failed run
turns into (``raise_for_failure``), the mart row counts a run recorded, the
incremental plan (what changed since the published build) and the assets that
plan selects, and where the build reads and writes.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from dagster_project.config import STORE_FILE_NAME

from .gate import report_page_lines
from .paths import DOCUMENTS_DIR, SEEDS_DIR, warehouse_path
from .publish import BuildLockedError, PublishError

if TYPE_CHECKING:
    from .inputs import BuildPlan

PROGRESS_LOGGER = "nq57_progress"
MARTS_SCHEMA = "marts"


@contextmanager
def heavy_imports() -> Iterator[None]:
    """Import dagster, dbt and Great Expectations with the cyclic collector paused.

    Their imports allocate about 800,000 objects that live as long as the
    process; the collector traversed them again at every full collection while
    they were being imported (1.1-2.1 of 5.5-7.5 CPU-s of importing the
    definitions, load 5), and again in every full collection of every build
    after. When the block imported modules, the objects are then frozen
    (``gc.freeze``): later collections leave them out. Reference counting frees
    objects as before; only cycles already garbage at that moment (about 2 MiB
    after the definitions) are kept. A block importing nothing new (a second
    build in the process) freezes nothing.
    """
    enabled = gc.isenabled()
    modules = len(sys.modules)
    gc.disable()
    try:
        yield
    finally:
        if len(sys.modules) != modules:
            gc.freeze()
        if enabled:
            gc.enable()


class BuildFailedError(RuntimeError):
    """The build job failed; nothing was published."""


class DbtParseError(RuntimeError):
    """A dbt command run in this process failed (``dbt parse``: the project does not compile).

    Defined here, not in ``dbt_project`` (which raises it), so the commands catch it
    without importing dbt.
    """


class BuildRefusedError(BuildFailedError):
    """A check (dbt's tests or the quality gate) refused the build; the report says why."""

    def __init__(
        self,
        failures: int,
        failure_lines: list[str],
        report_lines: list[str],
        report_folder: Path | None,
    ):
        self.failures = failures
        self.failure_lines = failure_lines
        self.report_lines = report_lines
        self.report_folder = report_folder
        super().__init__("\n".join([f"{failures} error-severity check(s) failed:", *failure_lines]))


def _innermost(error):
    # Dagster wraps the user's exception; the innermost cause says what went wrong.
    while error is not None and error.cause is not None:
        error = error.cause
    return error


def _chain(error):
    while error is not None:
        yield error
        error = error.cause


def _failure_events(result):
    for event in result.all_events:
        data = event.event_specific_data
        if event.is_step_failure or event.event_type_value == "RESOURCE_INIT_FAILURE":
            yield event, data


def raise_for_failure(result) -> None:
    """Turn a failed run into the exception the command reports to the user."""
    from .publication import FAILURE_LINES_KEY  # lazy: imports dagster (start-up cost)

    lines = []
    for event, data in _failure_events(result):
        user_failure = getattr(data, "user_failure_data", None)
        metadata = user_failure.metadata if user_failure is not None else {}
        if FAILURE_LINES_KEY in metadata:
            summary = Path(metadata["quality_report"].value)
            raise BuildRefusedError(
                failures=metadata["blocking_failures"].value,
                failure_lines=metadata[FAILURE_LINES_KEY].value.splitlines(),
                report_lines=report_page_lines(summary, Path(metadata["data_docs"].value)),
                report_folder=summary.parent,
            )
        for known in _chain(data.error):
            # What the user must act on (a lock, a writer), in the build's own words.
            for kind in (BuildLockedError, PublishError):
                if known.cls_name == kind.__name__:
                    raise kind(known.message.strip().split(": ", 1)[-1])
        error = _innermost(data.error)
        message = error.message.strip() if error else "unknown error"
        where = f"step {event.step_key}" if event.step_key else "the run"
        lines.append(f"{where} failed: {message}")
    raise BuildFailedError("\n".join(lines) or "the build_warehouse run did not succeed")


def mart_row_counts(result) -> dict[str, int]:
    """Row counts of the marts, from the materializations the run recorded."""
    from .row_counts import ROW_COUNT_KEY  # lazy: imports duckdb and dbt (start-up cost)

    counts = {}
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        schema, *rest = materialization.asset_key.path
        if schema == MARTS_SCHEMA and ROW_COUNT_KEY in materialization.metadata:
            counts[rest[-1]] = materialization.metadata[ROW_COUNT_KEY].value
    return dict(sorted(counts.items()))


def documents_for(seeds_dir: Path | None) -> Path | None:
    """The documents that go with ``--seeds DIR``: ``DIR/source_documents`` when it exists.

    None means the repository's own documents (``seeds/source_documents/``).
    """
    if seeds_dir is None:
        return None
    candidate = Path(seeds_dir) / DOCUMENTS_DIR.name
    return candidate.resolve() if candidate.is_dir() else None


def target_path(published: Path | None) -> Path:
    """The published file a build replaces: ``published``, else ``$NQ57_WAREHOUSE`` or the default."""
    return Path(published).expanduser().resolve() if published else warehouse_path()


def build_plan(
    target: Path, seeds_dir: Path | None, documents_dir: Path | None, full_refresh: bool
) -> BuildPlan:
    """Full, incremental or nothing: the inputs on disk against those ``target`` records."""
    from . import inputs  # lazy: imports duckdb (start-up cost)

    if full_refresh:
        return inputs.BuildPlan(True, (), "--full-refresh")
    current = inputs.file_fingerprints(
        Path(seeds_dir) if seeds_dir else SEEDS_DIR, documents_dir or DOCUMENTS_DIR
    )
    # The store beside the published file, as the build's dbt plugin finds it.
    current[inputs.SUBMISSIONS] = inputs.store_high_water_mark(target.parent / STORE_FILE_NAME)
    return inputs.plan(current, inputs.recorded(target))


def incremental_selection(defs, changed) -> list:
    """The job's assets downstream of the changed inputs, the publish asset among them."""
    # lazy: dagster, duckdb and dbt cost seconds to import (start-up cost)
    from dagster import AssetKey, AssetSelection

    from . import inputs
    from .jobs import BUILD_WAREHOUSE_JOB, SUBMISSIONS_GROUP
    from .loading import RAW_SCHEMA

    in_job = defs.resolve_job_def(BUILD_WAREHOUSE_JOB).asset_layer.selected_asset_keys
    # The reference tables, seeds/reference/*.csv, load into raw.ref_<name>.
    reference_keys = {
        key for key in in_job if key.path[0] == RAW_SCHEMA and key.path[-1].startswith("ref_")
    }
    roots = set()
    selection = AssetSelection.assets()
    for name in changed:
        if name.startswith(inputs.SEED_PREFIX):
            roots.add(AssetKey([RAW_SCHEMA, name.removeprefix(inputs.SEED_PREFIX)]))
        elif name == inputs.REFERENCE:
            roots |= reference_keys
        elif name == inputs.SUBMISSIONS:
            # The store's tables are the assets the ingest job materializes.
            selection = selection | AssetSelection.groups(SUBMISSIONS_GROUP)
    graph = defs.resolve_asset_graph()
    selected = (selection | AssetSelection.assets(*roots)).downstream().resolve(graph)
    # A multi-asset that cannot run in part (one Python step writing two tables)
    # runs whole, and what is downstream of its other tables too.
    while True:
        whole = {
            key
            for selected_key in selected
            if selected_key in in_job and not graph.get(selected_key).assets_def.can_subset
            for key in graph.get(selected_key).assets_def.keys
        }
        if whole <= selected:
            break
        selected = AssetSelection.assets(*(selected | whole)).downstream().resolve(graph)
    return sorted(selected & in_job, key=lambda key: key.to_user_string())
