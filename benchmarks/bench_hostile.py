"""Benchmark: what the worst files cost to ingest (receipt, store growth, time, peak RSS).

Each case is a file crafted to be expensive, ingested alone into a fresh
store, in a process of its own so that its peak resident memory is its own:

- ``duplicates``: 3,000 task rows of one CSV (about 280 KB) all with the same
  ``task_key`` (every row a duplicate of every other);
- ``columns``: a CSV of 50,000 columns (every extra one filled, some with
  formulas), 20 rows;
- ``big``: a CSV just under the 20 MB size limit, every row the same task.

Prints, per case, the file size, rows in = loaded + quarantined, seconds,
receipt size, store growth (store file plus WAL) and peak RSS, and the
machine. Targets (issue 16): the 3,000-duplicate CSV under 5 MB of receipt
and store and under 1 GiB RSS; cost per file linear in its size.

    .venv/bin/python benchmarks/bench_hostile.py
    .venv/bin/python benchmarks/bench_hostile.py --cases duplicates
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench_ingest import machine  # noqa: E402

from dagster_project.submissions import spec  # noqa: E402

CASES = ("duplicates", "columns", "big")
METADATA = {
    "format_version": "1",
    "province_id": "nghe-an",
    "agency_id": "nghe-an:so-khcn",
    "period": "2026-Q1",
    "sheet": spec.TASK_PROGRESS,
}
TASK = {
    "plan_id": "nghe-an-348-2025",
    "task_key": "I.2",
    "status": "Đang thực hiện",
    "percent_complete": "40",
    "output_document": "Công văn số 123/SKHCN-KHTC về việc triển khai nhiệm vụ",
}


def task_csv(rows: int, extra_columns: int = 0, code: str = "") -> bytes:
    """The crafted CSV, signed with ``code`` (a first-line comment) so that it passes the
    verify stage and its rows reach validation, the costly part measured here."""
    columns = [*spec.CSV_METADATA_COLUMNS, *spec.column_names(spec.TASK_PROGRESS)]
    extra = [f"x{number}" for number in range(extra_columns)]
    buffer = io.StringIO(newline="")
    if code:
        buffer.write(f"# {spec.VERIFICATION_CODE_KEY}: {code}\r\n")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns + extra)
    for number in range(rows):
        values = {**METADATA, **TASK}
        cells = [values.get(column, "") for column in columns]
        cells += [
            f"=A{number}" if index % 10 == 0 else f"v{index}" for index in range(extra_columns)
        ]
        writer.writerow(cells)
    return buffer.getvalue().encode("utf-8")


def make(case: str, folder: Path, code: str) -> Path:
    path = folder / f"{case}.csv"
    if case == "duplicates":
        path.write_bytes(task_csv(3000, code=code))
    elif case == "columns":
        path.write_bytes(task_csv(20, extra_columns=50_000, code=code))
    else:
        one_row = len(task_csv(1, code=code)) - len(task_csv(0, code=code))
        header = len(task_csv(0, code=code))
        path.write_bytes(task_csv((20 * 1024 * 1024 - header) // one_row - 1, code=code))
    return path


def run_case(case: str) -> dict[str, object]:
    """Ingest one crafted file into a fresh store (this process only does that)."""
    from dagster_project.submissions.ingest import ingest_paths
    from dagster_project.submissions.reference import load_reference
    from dagster_project.submissions.signing import load_keys
    from dagster_project.warehouse.paths import SEEDS_DIR

    reference = load_reference(SEEDS_DIR)
    with tempfile.TemporaryDirectory(prefix="nq57-hostile-") as scratch:
        folder = Path(scratch)
        (folder / "in").mkdir()
        store = folder / "store" / "submissions.duckdb"
        # An empty store first, so the growth counted is this file's (it also makes the key).
        ingest_paths([], store=store, reference=reference, progress=lambda line: None)
        code = load_keys(store).sign(
            METADATA["format_version"],
            METADATA["province_id"],
            METADATA["agency_id"],
            METADATA["period"],
        )
        path = make(case, folder / "in", code)
        before = store.stat().st_size
        started = time.perf_counter()
        [outcome] = ingest_paths(
            [path], store=store, reference=reference, progress=lambda line: None
        )
        seconds = time.perf_counter() - started
        wal = store.with_name(store.name + ".wal")
        after = store.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
        return {
            "case": case,
            "file_bytes": path.stat().st_size,
            "rows_in": outcome.rows_in,
            "rows_loaded": outcome.rows_loaded,
            "rows_quarantined": outcome.rows_quarantined,
            "seconds": round(seconds, 2),
            "receipt_bytes": outcome.receipt_path.stat().st_size,
            "store_growth_bytes": after - before,
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases", default=",".join(CASES), help=f"comma-separated: {', '.join(CASES)}"
    )
    parser.add_argument("--one", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_case(args.one)))
        return 0
    print(f"machine: {machine()}")
    print(
        f"  {'case':<11} {'file':>10} {'rows in = loaded + quarantined':>31} {'seconds':>8} "
        f"{'receipt':>10} {'store +':>10} {'peak RSS':>9}"
    )
    for case in args.cases.split(","):
        result = subprocess.run(
            [sys.executable, __file__, "--one", case], check=True, capture_output=True, text=True
        )
        r = json.loads(result.stdout.strip().splitlines()[-1])
        balance = f"{r['rows_in']} = {r['rows_loaded']} + {r['rows_quarantined']}"
        print(
            f"  {case:<11} {r['file_bytes'] / 1e6:>8.2f}MB {balance:>31} {r['seconds']:>8.1f} "
            f"{r['receipt_bytes'] / 1e6:>8.2f}MB {r['store_growth_bytes'] / 1e6:>8.2f}MB "
            f"{r['peak_rss_mib']:>6} MiB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
