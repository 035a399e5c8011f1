"""A sensor that starts an ingest run when new files appear in the landing folder.

The cursor is the sorted list of sha256 already handed to a run, so a file
renamed or touched is not ingested twice, and a corrected file (new content,
same name) is. Files younger than ``settle_seconds`` are left for the next
tick: a file still being copied into the folder would otherwise be read
half-written and rejected as truncated.

If a run fails, its files stay in the cursor; re-execute the run from the
Dagster UI or run ``nq57 ingest`` (already ingested files are no-ops). A file
marked SYNTHETIC is refused by the run (a warning in its log and the
``refused_synthetic`` metadata of ``raw/submission_files``) and stays in the
folder; it is not offered again unless its content changes.
"""

from __future__ import annotations

import hashlib
import json
import time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from dagster import (
    DefaultSensorStatus,
    RunConfig,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from .assets import INGEST_OP, IngestConfig, ingest_submissions_job
from .ingest import discover_files, sha256_of
from .resources import SubmissionsStore

if TYPE_CHECKING:
    # Only for the annotation: define_asset_job returns this (non-public) type.
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )

DEFAULT_SETTLE_SECONDS = 10.0
DEFAULT_INTERVAL_SECONDS = 30


def decode_cursor(cursor: str | None) -> set[str]:
    return set(json.loads(cursor)) if cursor else set()


def encode_cursor(seen: set[str]) -> str:
    return json.dumps(sorted(seen))


@lru_cache(maxsize=4096)
def _cached_sha256(path: str, size: int, mtime_ns: int) -> str:
    """Hash a file once per (path, size, mtime): ticks rescan the folder often."""
    return sha256_of(Path(path))


def scan_landing(
    folder: Path, seen: set[str], now: float, settle_seconds: float = DEFAULT_SETTLE_SECONDS
) -> list[tuple[Path, str]]:
    """Settled files in ``folder`` whose content (sha256) is not in ``seen``, oldest first."""
    found: list[tuple[Path, str]] = []
    new_shas: set[str] = set()
    for path in discover_files([folder]):
        # lstat: a link in the folder is offered as itself, and the run refuses it.
        stat = path.lstat()
        if now - stat.st_mtime < settle_seconds:
            continue
        sha = _cached_sha256(str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        if sha in seen or sha in new_shas:
            continue
        new_shas.add(sha)
        found.append((path, sha))
    return found


def build_landing_sensor(
    job: UnresolvedAssetJobDefinition = ingest_submissions_job,
    *,
    name: str = "submissions_landing_sensor",
    minimum_interval_seconds: int = DEFAULT_INTERVAL_SECONDS,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
) -> SensorDefinition:
    """A sensor watching the ``submissions`` resource's landing folder for ``job``."""

    @sensor(
        name=name,
        job=job,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description="Start an ingest run for files that appear in the submissions landing folder.",
    )
    def _landing_sensor(
        context: SensorEvaluationContext, submissions: SubmissionsStore
    ) -> SensorResult | SkipReason:
        folder = submissions.landing_path()
        if not folder.is_dir():
            return SkipReason(f"landing folder {folder} does not exist")
        seen = decode_cursor(context.cursor)
        new = scan_landing(folder, seen, time.time(), settle_seconds)
        if not new:
            return SkipReason(f"no new files in {folder}")
        shas = sorted(sha for _, sha in new)
        run_key = hashlib.sha256("\n".join(shas).encode("ascii")).hexdigest()[:32]
        request = RunRequest(
            run_key=run_key,
            run_config=RunConfig(ops={INGEST_OP: IngestConfig(paths=[str(p) for p, _ in new])}),
            tags={"nq57/files": str(len(new))},
        )
        return SensorResult(run_requests=[request], cursor=encode_cursor(seen | set(shas)))

    return _landing_sensor


submissions_landing_sensor = build_landing_sensor()
