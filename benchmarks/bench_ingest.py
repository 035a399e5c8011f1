"""Benchmark: simulate the national submission load, ingest it, and build the warehouse.

Everything happens in a temporary folder (``--workdir`` to keep it): SYNTHETIC
seeds for the 34 provinces of 2025, a simulation of ``--months`` months of
monthly reports from every agency, an ingest of all but the last month into
a fresh submissions store (each file received at its simulated sending
time), then a full warehouse build. The last month is then simulated and
ingested as "one new month", and an incremental build follows: the run
prints both build times side by side.

Prints rows/s and files/s for simulation and ingestion, the files/s of
merely reading the same files (python-calamine for .xlsx, the csv module for
CSV; the history, then the new month) and ingest's ratio to it, by wall time
and by CPU seconds (this process and its children), against reading in one
process and, with ``--jobs N``, in N processes too; the load average, the peak
resident memory of this process (``resource.getrusage``), and what machine it
ran on.
The defaults finish in under ten minutes on 2 cores:

    .venv/bin/python benchmarks/bench_ingest.py
    .venv/bin/python benchmarks/bench_ingest.py --months 6 --provinces nghe-an,ha-noi --no-build
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

# Only light modules at the top: ``--jobs`` starts reading processes that import this
# script again (multiprocessing's spawn), and the simulator would bring pandas into each.
from dagster_project.submissions.periods import parse_period  # noqa: E402
from dagster_project.submissions.readers import Limits  # noqa: E402
from dagster_project.submissions.reference import load_reference  # noqa: E402
from dagster_project.warehouse.paths import SEEDS_DIR  # noqa: E402


def machine() -> str:
    with open("/proc/meminfo", encoding="ascii") as handle:
        total_kib = next(int(line.split()[1]) for line in handle if line.startswith("MemTotal"))
    return (
        f"{os.cpu_count()} cores, {total_kib / 1024 / 1024:.0f} GiB RAM, "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"
    )


def load_average() -> str:
    """The 1-minute load average now: other work on the machine slows every rate."""
    with open("/proc/loadavg", encoding="ascii") as handle:
        return handle.read().split()[0]


def peak_rss_mib() -> float:
    """Peak resident set size of this process and its finished children (Linux: KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def month_after(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def report(label: str, count: int, unit: str, seconds: float) -> None:
    print(f"  {label:<28} {count:>9} {unit:<6} {seconds:8.1f} s  {count / seconds:9.1f} {unit}/s")


def simulate(config, reference) -> tuple[int, float]:
    from dagster_project.simulate.generator import Simulator

    started = time.perf_counter()
    summary = Simulator(config, reference).run(progress=lambda line: None)
    return summary.files, time.perf_counter() - started


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its finished children so far.

    Load-independent where wall seconds are not: on a shared machine a process
    waits for a core, and its wall time grows while its CPU time does not.
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class Timed:
    """Files (or rows) done, wall seconds and CPU seconds (this process and its children)."""

    count: int
    seconds: float
    cpu: float


def ingest(out: Path, store: Path, reference, max_bytes: int, jobs: int = 1):
    from dagster_project.simulate.ingest import ingest_as_sent

    started, cpu = time.perf_counter(), cpu_seconds()
    counts = ingest_as_sent(
        [out],
        store=store,
        reference=reference,
        limits=Limits(max_bytes=max_bytes),
        progress=print,
        jobs=jobs,
    )
    return counts, Timed(counts.files, time.perf_counter() - started, cpu_seconds() - cpu)


def submission_paths(folder: Path) -> list[Path]:
    """The files ingest takes from ``folder`` (hidden ones are not submissions)."""
    return [
        path
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    ]


def read_alone(folder: Path, jobs: int = 1) -> Timed:
    """The floor: the same files only read, .xlsx by python-calamine (every worksheet to
    Python values), CSV by Python's csv module (calamine reads no CSV), nothing else.

    No validation, quarantine, receipt, copy or store: what ingest cannot go below.
    ``jobs`` > 1 reads them in that many processes (started the way ``nq57 ingest
    --jobs`` starts its readers, and counted from their start), else in this one.
    """
    paths = submission_paths(folder)
    started, cpu = time.perf_counter(), cpu_seconds()
    if jobs <= 1:
        read_files(paths)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            list(pool.map(read_files, [paths[index::jobs] for index in range(jobs)]))
    return Timed(len(paths), time.perf_counter() - started, cpu_seconds() - cpu)


def read_files(paths: list[Path]) -> None:
    """Read each file as :func:`read_alone` describes."""
    from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

    for path in paths:
        data = path.read_bytes()
        if path.suffix == ".xlsx":
            try:
                workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
                for meta in workbook.sheets_metadata:
                    if meta.typ == SheetTypeEnum.WorkSheet:
                        workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            except CalamineError:
                continue
        elif path.suffix == ".csv":
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("cp1258", "replace")
            try:
                list(csv.reader(io.StringIO(text, newline="")))
            except csv.Error:
                continue


def report_floor(folder: Path, ingested: Timed, jobs: int) -> None:
    """Ingest's files/s against reading the same files alone, measured now, and the ratios.

    Always against reading in one process; with ``--jobs N`` also against
    reading in N processes, so a ratio never compares N processes with one
    unless it says so. The CPU ratio (CPU seconds per file, read alone over
    ingest) is what the load on a shared machine changes least.
    """
    print(f"  {'load average (1 min)':<28} {load_average():>9}")
    for readers in sorted({1, jobs}):
        alone = read_alone(folder, readers)
        label = f"read alone, {readers} process{'es' if readers > 1 else ''}"
        report(label, alone.count, "files", alone.seconds)
        wall = (ingested.count / ingested.seconds) / (alone.count / alone.seconds)
        cpu = (alone.cpu / alone.count) / (ingested.cpu / ingested.count)
        ingesting = f"{jobs} reading processes + the writer" if jobs > 1 else "1 process"
        print(
            f"  {'ingest / read alone':<28} {wall:>9.3f} files/s over files/s "
            f"(ingest: {ingesting}; read alone: {readers})"
        )
        print(
            f"  {'  same, by CPU seconds':<28} {cpu:>9.3f} "
            f"(CPU s: ingest {ingested.cpu:.2f}, read alone {alone.cpu:.2f})"
        )
    print(f"  {'load average (1 min)':<28} {load_average():>9}")


def build(published: Path, seeds: Path, reports: Path) -> float:
    """One ``nq57 build`` of ``published`` from ``seeds``; the store sits beside it."""
    from dagster_project.commands.build import run_build

    started = time.perf_counter()
    with output_to(reports.parent / "build.log"):
        run_build(published=published, seeds_dir=seeds, report_dir=reports, out=io.StringIO())
    return time.perf_counter() - started


@contextlib.contextmanager
def output_to(log: Path) -> Iterator[None]:
    """File descriptors 1 and 2 appended to ``log`` meanwhile: dbt's own log (a
    line per model and test, on stderr) would bury the figures. A failed build
    still raises, after the descriptors are back."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as handle:
        for fd in saved:
            os.dup2(handle.fileno(), fd)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)


def submission_marts() -> list[str]:
    """The models under dbt/models/marts/submissions, so a new mart is timed too."""
    from dagster_project.warehouse.paths import DBT_PROJECT_DIR

    return sorted(p.stem for p in (DBT_PROJECT_DIR / "models/marts/submissions").glob("*.sql"))


def model_seconds(
    warehouse: Path, models: Sequence[str], *, full_refresh: bool
) -> dict[str, float]:
    """Seconds dbt spends building each of ``models`` on a copy of ``warehouse`` (run_results.json).

    Whole builds are dominated by fixed costs (loading seeds, parsing, the
    quality gate); this isolates what each model costs, and what incremental
    materialization saves. The store beside ``warehouse`` is the one read.
    """
    from dagster_project.warehouse.paths import DBT_PROJECT_DIR, warehouse_env

    with tempfile.TemporaryDirectory(prefix="nq57-bench-dbt-") as scratch:
        copy = Path(scratch) / warehouse.name
        shutil.copyfile(warehouse, copy)
        shutil.copyfile(warehouse.parent / "submissions.duckdb", copy.parent / "submissions.duckdb")
        command = [str(Path(sys.executable).with_name("dbt")), "run", "--select", *models]
        command += ["--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", f"{scratch}/target"]
        if full_refresh:
            command.append("--full-refresh")
        with warehouse_env(copy):
            subprocess.run(
                command, cwd=DBT_PROJECT_DIR, check=True, capture_output=True, env=os.environ.copy()
            )
        results = json.loads((Path(scratch) / "target" / "run_results.json").read_text())
    return {
        result["unique_id"].rsplit(".", 1)[-1]: result["execution_time"]
        for result in results["results"]
    }


def report_models(previous: Path) -> None:
    """Each submission mart rebuilt alone on ``previous``, incrementally and from scratch."""
    marts = submission_marts()
    incremental = model_seconds(previous, marts, full_refresh=False)
    full = model_seconds(previous, marts, full_refresh=True)
    print(f"  {'model':<28} {'incremental':>12} {'full refresh':>13}")
    for model in marts:
        print(f"  {model:<28} {incremental[model]:>10.2f} s {full[model]:>11.2f} s")


def run_parser(description: str) -> argparse.ArgumentParser:
    """The options every simulated-months benchmark takes: --months, --start, --seed, --workdir."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--months", type=int, default=2, help="months simulated (default 2)")
    parser.add_argument("--start", default="2025-10", help="first month (default 2025-10)")
    parser.add_argument("--seed", type=int, default=57)
    parser.add_argument("--workdir", type=Path, default=None, help="keep everything here")
    return parser


def parse_run(
    parser: argparse.ArgumentParser, argv: list[str] | None, prefix: str
) -> tuple[argparse.Namespace, Path]:
    """The arguments, and the working folder (``--workdir``, else a new temporary one)."""
    args = parser.parse_args(argv)
    if args.months < 2:
        parser.error("--months must be at least 2: the last month is the incremental one")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix=prefix))
    workdir.mkdir(parents=True, exist_ok=True)
    return args, workdir


def main(argv: list[str] | None = None) -> int:
    parser = run_parser(__doc__.splitlines()[0])
    parser.add_argument("--provinces", default=None, help="comma-separated ids (default: all 34)")
    parser.add_argument("--defect-rate", type=float, default=0.05)
    parser.add_argument("--max-bytes", type=int, default=2_000_000, help="ingest size limit")
    parser.add_argument("--no-build", action="store_true", help="skip the warehouse builds")
    parser.add_argument(
        "--jobs", type=int, default=1, help="reading processes for ingest (nq57 ingest --jobs)"
    )
    args, workdir = parse_run(parser, argv, "nq57-bench-")
    from dagster_project.simulate.generator import STATE_DIR_NAME, SimulationConfig
    from dagster_project.simulate.synthetic import write_national_seeds

    out = workdir / "simulated"
    # The store sits beside the warehouse, where nq57 build looks for it.
    warehouse = workdir / "warehouse" / "nq57.duckdb"
    store = warehouse.parent / "submissions.duckdb"
    print(f"machine: {machine()}")
    print(f"workdir: {workdir}")
    try:
        started = time.perf_counter()
        seeds = write_national_seeds(SEEDS_DIR, out / STATE_DIR_NAME / "seeds", args.seed)
        reference = load_reference(seeds.seeds_dir)
        print(
            f"synthetic seeds for {len(seeds.synthetic_provinces)} provinces: "
            f"{time.perf_counter() - started:.1f} s"
        )
        first = parse_period(args.start).start
        last = month_after(first, args.months - 1)
        common = dict(
            seeds_dir=seeds.seeds_dir,
            calendar_path=seeds.calendar_path,
            seed=args.seed,
            period_kind="month",
            provinces=tuple(args.provinces.split(",")) if args.provinces else None,
            defect_rate=args.defect_rate,
            max_bytes=args.max_bytes,
            signing_store=store,
        )
        history = SimulationConfig(
            out_dir=out / "history", start=first, end=last - timedelta(days=1), **common
        )
        new_month = SimulationConfig(
            out_dir=out / "new-month", start=last, end=parse_period(f"{last:%Y-%m}").end, **common
        )
        print(f"\nsimulate + ingest {args.months - 1} month(s) of history, then 1 new month:")
        files, seconds = simulate(history, reference)
        report("simulate history", files, "files", seconds)
        counts, timed = ingest(out / "history", store, reference, args.max_bytes, args.jobs)
        report("ingest history", counts.files, "files", timed.seconds)
        report("ingest history", counts.rows_in, "rows", timed.seconds)
        report_rows(counts)
        report_floor(out / "history", timed, args.jobs)
        if not args.no_build:
            report_build("full build", build(warehouse, seeds.seeds_dir, workdir / "reports"))
        files, seconds = simulate(new_month, reference)
        report("simulate new month", files, "files", seconds)
        counts, timed = ingest(out / "new-month", store, reference, args.max_bytes, args.jobs)
        report("ingest new month", counts.files, "files", timed.seconds)
        report("ingest new month", counts.rows_in, "rows", timed.seconds)
        report_rows(counts)
        report_floor(out / "new-month", timed, args.jobs)
        if not args.no_build:
            previous = workdir / "previous" / warehouse.name
            previous.parent.mkdir(exist_ok=True)
            shutil.copyfile(warehouse, previous)
            shutil.copyfile(store, previous.parent / store.name)
            report_build(
                "incremental build", build(warehouse, seeds.seeds_dir, workdir / "reports")
            )
            print("\nsubmission marts alone after the new month (dbt run on a copy of the build):")
            report_models(previous)
        print(f"\npeak RSS: {peak_rss_mib():.0f} MiB (this process or its largest child)")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def report_rows(counts) -> None:
    """Rows in = loaded + quarantined, as ingest counted them."""
    print(
        f"  {'rows in':<28} {counts.rows_in:>9} = loaded {counts.rows_loaded} "
        f"+ quarantined {counts.rows_quarantined}"
    )


def report_build(label: str, seconds: float) -> None:
    print(f"  {label:<28} {seconds:26.1f} s")


if __name__ == "__main__":
    sys.exit(main())
