"""Benchmark: full and incremental builds over a submissions store bench_ingest.py left behind.

``bench_ingest.py --workdir DIR`` keeps its folder; this script times the
builds again on it, with the code as it is now, without simulating or
ingesting anything:

    DIR/simulated/.nq57-simulate/seeds   the SYNTHETIC national seeds
    DIR/warehouse/submissions.duckdb     the store, every month ingested
    DIR/previous/nq57.duckdb             the warehouse as built before the last month,
                                         next to a copy of the whole store

1. a full build: a new warehouse from the whole store;
2. an incremental build: the previous warehouse with the whole store;
3. each submission mart alone, incrementally and with ``--full-refresh``.

    .venv/bin/python benchmarks/bench_build.py --workdir /tmp/bench
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import build, machine, peak_rss_mib, report_build, report_models  # noqa: E402


def store_size(store: Path) -> str:
    with duckdb.connect(str(store), read_only=True) as con:
        files, rows_in, loaded, quarantined = con.execute(
            "select count(*), sum(rows_in), sum(rows_loaded), sum(rows_quarantined) "
            "from raw.submission_files"
        ).fetchone()
    return f"{files:,} files, rows in {rows_in:,} = loaded {loaded:,} + quarantined {quarantined:,}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True, help="a bench_ingest.py --workdir")
    args = parser.parse_args(argv)
    seeds = args.workdir / "simulated" / ".nq57-simulate" / "seeds"
    store = args.workdir / "warehouse" / "submissions.duckdb"
    previous = args.workdir / "previous" / "nq57.duckdb"
    missing = [str(p) for p in (seeds, store, previous) if not p.exists()]
    if missing:
        parser.error(
            "not a bench_ingest.py workdir (missing " + ", ".join(missing) + "); run "
            "bench_ingest.py --workdir DIR with builds first"
        )
    print(f"machine: {machine()}")
    print(f"store:   {store_size(store)}")
    with tempfile.TemporaryDirectory(prefix="nq57-bench-build-") as scratch:
        root = Path(scratch)
        full = root / "full" / "nq57.duckdb"
        full.parent.mkdir()
        shutil.copyfile(store, full.parent / store.name)
        report_build("full build", build(full, seeds, root / "reports"))
        incremental = root / "incremental" / "nq57.duckdb"
        incremental.parent.mkdir()
        shutil.copyfile(previous, incremental)
        shutil.copyfile(store, incremental.parent / store.name)
        report_build("incremental build", build(incremental, seeds, root / "reports"))
    print("\nsubmission marts alone on the previous warehouse (dbt run on a copy):")
    report_models(previous)
    print(f"\npeak RSS: {peak_rss_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
