"""Benchmark: incremental and full ``nq57 build`` against a bare ``dbt build``, in one run.

1. the repository's seeds (the seeded provinces; ``--national`` for the
   SYNTHETIC national seeds of bench_ingest.py) and a submissions store with
   the history months of simulated reports ingested, then a first ``nq57 build``;
2. one new month simulated and ingested;
3. ``nq57 build`` of that warehouse: incremental (only the submission marts
   are rebuilt and checked, the rest is carried over);
4. ``nq57 build --full-refresh`` of the same path from the same inputs;
5. a bare ``dbt build`` (every model and test, same threads, after an untimed
   ``dbt parse``) on a copy of the full build, i.e. the same models on the same
   data without nq57 around it;
6. steps 3 and 4 again from the command line (``nq57 build``, then ``nq57
   build --full-refresh``, each a process of its own), from the warehouse
   folder as it was before step 3.

Steps 3 and 4 run in the benchmark's process, which the first build already
started: they leave out what every ``nq57 build`` pays before building
(starting Python and importing the definitions: dagster, dagster-dbt, dbt,
Great Expectations). Step 6 counts it, as a user waits for it.

Every measured build publishes the path the first build published, so it
finds the dbt manifest current for it, as day-to-day builds do.

Prints, for each build, its wall and CPU seconds (process and children), the
load average and how long each Dagster step took; then incremental/full
(target <= 0.15) in wall and CPU seconds, in the process and from the command
line, full/bare dbt (target <= 1.5), whether the incremental and full marts
are identical (row hashes, in the process and from the command line), and the
peak resident memory.

    .venv/bin/python benchmarks/bench_build.py              # 2 months, the seeded provinces
    .venv/bin/python benchmarks/bench_build.py --national   # 34 provinces, SYNTHETIC plans
"""

from __future__ import annotations

import io
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from functools import partial
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import (  # noqa: E402
    ingest,
    load_average,
    machine,
    month_after,
    output_to,
    parse_run,
    peak_rss_mib,
    run_parser,
    simulate,
)

from dagster_project.duckdb_tables import rows_fingerprint  # noqa: E402
from dagster_project.simulate.calendar import calendar_file  # noqa: E402
from dagster_project.simulate.generator import STATE_DIR_NAME, SimulationConfig  # noqa: E402
from dagster_project.simulate.synthetic import write_national_seeds  # noqa: E402
from dagster_project.submissions.periods import parse_period  # noqa: E402
from dagster_project.submissions.reference import load_reference  # noqa: E402
from dagster_project.warehouse.paths import DBT_PROJECT_DIR, SEEDS_DIR, warehouse_env  # noqa: E402
from dagster_project.warehouse.row_counts import mart_tables  # noqa: E402

STORE_NAME = "submissions.duckdb"


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed_build(published: Path, seeds: Path, log: Path, full_refresh: bool = False):
    """Run one build; return its report, wall seconds, CPU seconds and step lines."""
    from dagster_project.commands.build import run_build

    progress = io.StringIO()
    started, cpu = time.perf_counter(), cpu_seconds()
    with output_to(log):
        report = run_build(
            published=published,
            seeds_dir=seeds,
            report_dir=log.parent / "reports",
            out=progress,
            full_refresh=full_refresh,
        )
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    steps = [line for line in progress.getvalue().splitlines() if line.startswith("finished")]
    return report, seconds, cpu, steps


def print_build(label: str, seconds: float, cpu: float, steps: list[str], note: str = "") -> None:
    """A build's wall and CPU seconds, then how long each Dagster step took."""
    print(f"  {label:<34} {seconds:8.1f} s  ({cpu:.1f} CPU-s; load {load_average()}) {note}")
    for step in steps:
        print(f"      {step}")


def bare_dbt_build(warehouse: Path, scratch: Path, log: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ``dbt build`` of every model and test on a copy of
    ``warehouse`` (store beside it).

    Timed after an untimed ``dbt parse`` into the same target folder, so dbt
    starts from its partial-parse file as it does when run by hand day to day.
    """
    copy = scratch / "bare" / warehouse.name
    copy.parent.mkdir(parents=True)
    shutil.copyfile(warehouse, copy)
    os.chmod(copy, 0o644)
    shutil.copyfile(warehouse.parent / STORE_NAME, copy.parent / STORE_NAME)
    dbt = str(Path(sys.executable).with_name("dbt"))
    common = ["--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(scratch / "bare-target")]
    build = [dbt, "build", "--threads", str(os.cpu_count() or 1), *common]
    with warehouse_env(copy), log.open("ab") as handle:
        run = partial(
            subprocess.run,
            cwd=DBT_PROJECT_DIR,
            check=True,
            stdout=handle,
            stderr=handle,
            env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        )
        run([dbt, "parse", *common])
        started, cpu = time.perf_counter(), cpu_seconds()
        run(build)
        return time.perf_counter() - started, cpu_seconds() - cpu


def command_build(published: Path, seeds: Path, log: Path, *extra: str) -> tuple[float, float]:
    """Wall and CPU seconds of ``nq57 build`` in a process of its own, as a user runs it."""
    nq57 = str(Path(sys.executable).with_name("nq57"))
    command = [nq57, "build", "--warehouse", str(published), "--seeds", str(seeds)]
    command += ["--report-dir", str(log.parent / "reports"), *extra]
    with log.open("ab") as handle:
        started, cpu = time.perf_counter(), cpu_seconds()
        subprocess.run(command, check=True, stdout=handle, stderr=handle)
        return time.perf_counter() - started, cpu_seconds() - cpu


def ratio(label: str, part: tuple[float, float], whole: tuple[float, float], target: str) -> None:
    """``part / whole`` in wall seconds, then in CPU seconds."""
    wall, cpu = part[0] / whole[0], part[1] / whole[1]
    print(f"{label:<40} {wall:6.3f}  ({cpu:.3f} by CPU-s; target {target})")


def mart_hashes(path: Path) -> dict[str, tuple[int, str]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {mart: rows_fingerprint(con, "marts", mart) for mart in mart_tables(con)}


def ingested(counts) -> str:
    """Files and rows ingested, so a run whose reports were all refused shows it."""
    return (
        f"{counts.files} files ingested, {counts.rows_loaded:,} rows loaded, "
        f"{counts.rows_quarantined:,} quarantined ({dict(counts.statuses)})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = run_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--national",
        action="store_true",
        help="SYNTHETIC plans for every province, as bench_ingest.py (default: the seeded ones)",
    )
    args, workdir = parse_run(parser, argv, "nq57-bench-build-")
    log = workdir / "build.log"
    print(f"machine: {machine()}")
    print(f"workdir: {workdir} (dbt's and the builds' own output in {log.name})")
    try:
        out = workdir / "simulated"
        if args.national:
            national = write_national_seeds(SEEDS_DIR, out / STATE_DIR_NAME / "seeds", args.seed)
            seeds_dir, calendar_path = national.seeds_dir, national.calendar_path
        else:
            seeds_dir, calendar_path = SEEDS_DIR, calendar_file(SEEDS_DIR)
        reference = load_reference(seeds_dir)
        warehouse = workdir / "warehouse" / "nq57.duckdb"
        store = warehouse.parent / STORE_NAME
        first = parse_period(args.start).start
        last = month_after(first, args.months - 1)
        common = dict(
            seeds_dir=seeds_dir,
            calendar_path=calendar_path,
            seed=args.seed,
            period_kind="month",
            provinces=None,
            defect_rate=0.05,
            max_bytes=2_000_000,
            # Signed with the store's key, as the templates agencies fill in.
            signing_store=store,
        )
        history = SimulationConfig(
            out_dir=out / "history", start=first, end=last - timedelta(days=1), **common
        )
        new_month = SimulationConfig(
            out_dir=out / "new-month", start=last, end=parse_period(f"{last:%Y-%m}").end, **common
        )
        simulate(history, reference)
        with output_to(log):
            counts, _ = ingest(out / "history", store, reference, 2_000_000)
        print(f"history: {args.months - 1} month(s), {ingested(counts)}")
        _, *first = timed_build(warehouse, seeds_dir, log)
        print_build("first build", *first)

        simulate(new_month, reference)
        with output_to(log):
            counts, _ = ingest(out / "new-month", store, reference, 2_000_000)
        print(f"new month: {ingested(counts)}")

        # The warehouse folder (published file, store, history) as the incremental
        # build finds it, for the same builds from the command line afterwards.
        before = workdir / "before-incremental"
        shutil.copytree(warehouse.parent, before, symlinks=True)

        # Every measured build publishes the same path, as nq57 build does day to day
        # (its dbt manifest is current for that path after the first build).
        report, *incremental = timed_build(warehouse, seeds_dir, log)
        print_build("incremental build", *incremental, f"({report.plan.reason})")
        incremental_hashes = mart_hashes(warehouse)

        _, *full = timed_build(warehouse, seeds_dir, log, full_refresh=True)
        print_build("full build (--full-refresh)", *full)
        full_hashes = mart_hashes(warehouse)

        bare = bare_dbt_build(warehouse, workdir, log)
        print_build("bare dbt build, same models", *bare, [])

        shutil.rmtree(warehouse.parent)
        shutil.copytree(before, warehouse.parent, symlinks=True)
        print("from the command line (each build a process: imports counted):")
        command_incremental = command_build(warehouse, seeds_dir, log)
        print_build("nq57 build", *command_incremental, [])
        command_incremental_hashes = mart_hashes(warehouse)
        command_full = command_build(warehouse, seeds_dir, log, "--full-refresh")
        print_build("nq57 build --full-refresh", *command_full, [])
        command_full_hashes = mart_hashes(warehouse)

        same = incremental_hashes == full_hashes == command_incremental_hashes
        same = same and command_full_hashes == full_hashes
        print()
        ratio("incremental / full, in the process:", incremental[:2], full[:2], "<= 0.15")
        ratio("incremental / full, command line:", command_incremental, command_full, "<= 0.15")
        ratio("full / bare dbt build, in the process:", full[:2], bare, "<= 1.5")
        ratio("full / bare dbt build, command line:", command_full, bare, "<= 1.5")
        print(f"incremental marts == full-refresh marts (row hashes, all four builds): {same}")
        print(f"peak RSS: {peak_rss_mib():.0f} MiB")
        return 0 if same else 1
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
