"""A sensor that starts an ingest run when new files appear in the landing folder.

The cursor is bounded: a high-water mark (the latest arrival time, the inode
change time ``ctime``, of a file handed to a run) and the sha256 of the files
that arrived within :data:`RECENT_WINDOW_SECONDS` before it. A file that
arrived earlier than that window is not looked at again; one within it is
offered unless its content was. So a file renamed or touched is not ingested
twice, and a corrected file (new content, same name) is. ``ctime`` rather than
the modification time: copying with ``cp -p`` keeps an old mtime, but every
file put into the folder gets a new ctime. Files younger than
``settle_seconds`` (by mtime) are left for the next tick: a file still being
copied into the folder would otherwise be read half-written and rejected as
truncated; the window is far longer than any copy.

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
from dataclasses import dataclass, field
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


# How far before the high-water mark a file's arrival is still checked by content.
RECENT_WINDOW_SECONDS = 24 * 3600
_WINDOW_NS = RECENT_WINDOW_SECONDS * 1_000_000_000


@dataclass(frozen=True)
class LandingCursor:
    """The latest arrival handed to a run, and the files that arrived shortly before it."""

    high_water_ns: int = 0
    recent: dict[str, int] = field(default_factory=dict)  # sha256 -> ctime_ns

    def is_candidate(self, ctime_ns: int) -> bool:
        """Arrived after the window below the high-water mark (older files were handled)."""
        return ctime_ns > self.high_water_ns - _WINDOW_NS

    def advance(self, handed: list[tuple[str, int]]) -> LandingCursor:
        """The cursor once ``handed`` (sha256, ctime_ns) are given to a run, pruned to the window."""
        high = max([self.high_water_ns, *(ctime for _, ctime in handed)])
        recent = {**self.recent, **dict(handed)}
        kept = {sha: ctime for sha, ctime in recent.items() if ctime > high - _WINDOW_NS}
        return LandingCursor(high, kept)


def decode_cursor(cursor: str | None, now: float | None = None) -> LandingCursor:
    if not cursor:
        return LandingCursor()
    data = json.loads(cursor)
    if isinstance(data, list):
        # The unbounded cursor of earlier versions: every sha256 ever handed to a
        # run. Kept for one window, with no high-water mark yet.
        arrived = int((time.time() if now is None else now) * 1_000_000_000)
        return LandingCursor(0, dict.fromkeys(data, arrived))
    return LandingCursor(int(data["high_water_ns"]), dict(data["recent"]))


def encode_cursor(cursor: LandingCursor) -> str:
    return json.dumps(
        {"high_water_ns": cursor.high_water_ns, "recent": dict(sorted(cursor.recent.items()))}
    )


@lru_cache(maxsize=4096)
def _cached_sha256(path: str, size: int, mtime_ns: int) -> str:
    """Hash a file once per (path, size, mtime): ticks rescan the folder often."""
    return sha256_of(Path(path))


def scan_landing(
    folder: Path,
    cursor: LandingCursor,
    now: float,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
) -> list[tuple[Path, str, int]]:
    """Settled files in ``folder`` the cursor has not handed to a run: (path, sha256, ctime_ns)."""
    found: list[tuple[Path, str, int]] = []
    new_shas: set[str] = set()
    for path in discover_files([folder]):
        # lstat: a link in the folder is offered as itself, and the run refuses it.
        stat = path.lstat()
        if now - stat.st_mtime < settle_seconds or not cursor.is_candidate(stat.st_ctime_ns):
            continue
        sha = _cached_sha256(str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        if sha in cursor.recent or sha in new_shas:
            continue
        new_shas.add(sha)
        found.append((path, sha, stat.st_ctime_ns))
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
        cursor = decode_cursor(context.cursor)
        new = scan_landing(folder, cursor, time.time(), settle_seconds)
        if not new:
            return SkipReason(f"no new files in {folder}")
        shas = sorted(sha for _, sha, _ in new)
        run_key = hashlib.sha256("\n".join(shas).encode("ascii")).hexdigest()[:32]
        paths = [str(path) for path, _, _ in new]
        request = RunRequest(
            run_key=run_key,
            run_config=RunConfig(ops={INGEST_OP: IngestConfig(paths=paths)}),
            tags={"nq57/files": str(len(new))},
        )
        handed = [(sha, ctime) for _, sha, ctime in new]
        return SensorResult(run_requests=[request], cursor=encode_cursor(cursor.advance(handed)))

    return _landing_sensor


submissions_landing_sensor = build_landing_sensor()
