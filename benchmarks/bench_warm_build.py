"""Benchmark: a warm incremental ``nq57 build`` repeated in one process, with dbt's arguments varied.

``bench_build.py --workdir W`` leaves ``W/before-incremental``: the warehouse
folder (published file, submissions store with a new month) as its
incremental build found it. This script copies that folder afresh for every
round and builds it incrementally in this process, once per variant per
round, so each build finds the same state and the imports are paid once (in
round 0, which the medians leave out). The CPU seconds of one such build vary
by 10-20% on a shared machine: compare medians of several rounds.

A variant adds arguments to the build's ``dbt build`` (dbt reads the last of a
repeated option), e.g. ``notests=--exclude test_type:data`` for what the
incremental build would cost without its data tests. That is a measurement
only: every build nq57 runs keeps its tests. Each build's marts are compared
(row hashes) with those of the first build.

    .venv/bin/python benchmarks/bench_build.py --months 2 --workdir W
    .venv/bin/python benchmarks/bench_warm_build.py W/before-incremental --rounds 6 \\
        "notests=--exclude test_type:data" "nofilelog=--log-level-file none"
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_build import mart_hashes, print_build, timed_build  # noqa: E402
from bench_ingest import machine  # noqa: E402

from dagster_project.warehouse import dbt_runner  # noqa: E402
from dagster_project.warehouse.paths import SEEDS_DIR  # noqa: E402

BASE = "base"
WAREHOUSE_NAME = "nq57.duckdb"


def variant(text: str) -> tuple[str, list[str]]:
    """``name=--dbt --args`` as (name, arguments added to ``dbt build``)."""
    name, sep, extra = text.partition("=")
    if not sep or not name or name == BASE:
        raise argparse.ArgumentTypeError(f"expected NAME=DBT_ARGS (NAME not {BASE!r}): {text!r}")
    return name, extra.split()


@contextlib.contextmanager
def dbt_build_args(extra: list[str]) -> Iterator[None]:
    """``extra`` appended to every ``dbt build`` nq57 runs meanwhile (see dbt_runner.run_dbt)."""
    run_dbt = dbt_runner.run_dbt

    def with_extra(args: Sequence[str], **kwargs):
        if args and args[0] == "build":
            args = [*args, *extra]
        return run_dbt(args, **kwargs)

    dbt_runner.run_dbt = with_extra
    try:
        yield
    finally:
        dbt_runner.run_dbt = run_dbt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="bench_build.py's before-incremental folder")
    parser.add_argument("variants", nargs="*", type=variant, help="NAME=DBT_ARGS")
    parser.add_argument("--rounds", type=int, default=5, help="builds per variant (default 5)")
    parser.add_argument("--seeds", type=Path, default=SEEDS_DIR, help="the seeds folder built")
    args = parser.parse_intermixed_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    variants = [(BASE, []), *args.variants]
    workdir = Path(tempfile.mkdtemp(prefix="nq57-bench-warm-"))
    log = workdir / "build.log"
    print(f"machine: {machine()}")
    cpu: dict[str, list[float]] = {name: [] for name, _ in variants}
    expected = None
    same = True
    try:
        for round_number in range(args.rounds):
            for name, extra in variants:
                folder = workdir / "warehouse"
                shutil.rmtree(folder, ignore_errors=True)
                shutil.copytree(args.before, folder, symlinks=True)
                with dbt_build_args(extra):
                    _, seconds, used, steps = timed_build(folder / WAREHOUSE_NAME, args.seeds, log)
                hashes = mart_hashes(folder / WAREHOUSE_NAME)
                expected = expected or hashes
                same = same and hashes == expected
                cpu[name].append(used)
                print_build(f"round {round_number} {name}", seconds, used, steps)
        print()
        for name, extra in variants:
            warm = cpu[name][1:] or cpu[name]
            rounds = " ".join(f"{used:.2f}" for used in cpu[name])
            print(
                f"{name:<12} median {statistics.median(warm):5.2f} CPU-s after round 0 "
                f"(each round: {rounds}) {' '.join(extra)}"
            )
        print(f"marts identical in every build (row hashes): {same}")
        return 0 if same else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
