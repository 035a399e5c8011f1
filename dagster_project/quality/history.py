"""Row counts of earlier gate runs, kept in a small JSON file next to the reports.

The row-count check compares with the last run that passed the gate, because
a run that was blocked never reached readers: measuring change against it
would hide a drop that happened in a build nobody saw.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

HISTORY_FILE = "row_count_history.json"
# Enough runs to see a trend in the file; older entries say nothing new.
KEEP_RUNS = 100


def history_path(report_dir: Path) -> Path:
    return Path(report_dir) / HISTORY_FILE


def read_runs(report_dir: Path) -> list[dict[str, Any]]:
    path = history_path(report_dir)
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    runs = data.get("runs") if isinstance(data, dict) else None
    if not isinstance(runs, list):
        raise ValueError(f"{path}: expected an object with a 'runs' list")
    return runs


def previous_counts(report_dir: Path) -> dict[str, int] | None:
    """Counts of the most recent run without blocking failures, or None if there is none."""
    for run in reversed(read_runs(report_dir)):
        if run.get("blocking_failures") == 0:
            return {str(k): int(v) for k, v in run["row_counts"].items() if v is not None}
    return None


def record_run(
    report_dir: Path,
    *,
    run_id: str,
    checked_at: str,
    warehouse: str,
    blocking_failures: int,
    row_counts: dict[str, int | None],
) -> Path:
    """Append one run and rewrite the file atomically, so a crash never leaves half a file."""
    path = history_path(report_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    runs = read_runs(report_dir)
    runs.append(
        {
            "run_id": run_id,
            "checked_at": checked_at,
            "warehouse": warehouse,
            "blocking_failures": blocking_failures,
            "row_counts": row_counts,
        }
    )
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(
        json.dumps({"runs": runs[-KEEP_RUNS:]}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    os.replace(tmp, path)
    return path
