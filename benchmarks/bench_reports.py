"""Benchmark: one province-quarter report and the 34-province site, on a national warehouse.

With ``--warehouse FILE`` it times a published warehouse that already exists
(for the five-year national store: ``bench_ingest.py --months 60 --workdir
DIR`` leaves ``DIR/warehouse/nq57.duckdb``; making it takes about 1.5 hours).
Without it, it makes a smaller national warehouse first, in a temporary
folder: SYNTHETIC seeds for the 34 provinces, ``--months`` months of monthly
and quarterly reports simulated and ingested, one ``nq57 build``.

Then it prints, wall-clock and CPU seconds (on the shared machine the
wall-clock time depends on the other work; the CPU time much less):

1. one report (``--province``, ``--period``: .docx, .pdf and .html), timed by
   stage (reading the marts, charts, HTML, Word, PDF) and in total;
2. ``nq57 site`` for every province, with ``dbt docs generate --static``
   timed apart.

    .venv/bin/python benchmarks/bench_reports.py                       # 3 months, ~15 min
    .venv/bin/python benchmarks/bench_reports.py --warehouse /tmp/bench/warehouse/nq57.duckdb
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_ingest import build, machine, month_after, peak_rss_mib  # noqa: E402

from dagster_project.simulate.generator import (  # noqa: E402
    STATE_DIR_NAME,
    SimulationConfig,
    Simulator,
)
from dagster_project.simulate.ingest import ingest_as_sent  # noqa: E402
from dagster_project.simulate.synthetic import write_national_seeds  # noqa: E402
from dagster_project.submissions.periods import parse_period  # noqa: E402
from dagster_project.submissions.reference import load_reference  # noqa: E402
from dagster_project.warehouse.paths import SEEDS_DIR  # noqa: E402


def make_warehouse(workdir: Path, months: int, start: str, seed: int) -> Path:
    out = workdir / "simulated"
    warehouse = workdir / "warehouse" / "nq57.duckdb"
    store = warehouse.parent / "submissions.duckdb"
    started = time.perf_counter()
    seeds = write_national_seeds(SEEDS_DIR, out / STATE_DIR_NAME / "seeds", seed)
    reference = load_reference(seeds.seeds_dir)
    first = parse_period(start).start
    last = month_after(first, months) - timedelta(days=1)
    config = SimulationConfig(
        out_dir=out / "files",
        start=first,
        end=last,
        seeds_dir=seeds.seeds_dir,
        calendar_path=seeds.calendar_path,
        seed=seed,
        period_kind=None,
    )
    summary = Simulator(config, reference).run(progress=lambda line: None)
    print(f"  simulated {summary.files:,} files: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    ingest_as_sent([out / "files"], store=store, reference=reference, progress=lambda line: None)
    print(f"  ingested: {time.perf_counter() - started:.1f} s")
    seconds = build(warehouse, seeds.seeds_dir, workdir / "reports")
    print(f"  built: {seconds:.1f} s")
    return warehouse


def describe(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        files, first, last = con.execute(
            "select count(*), min(period_start), max(period_end) from marts.fct_submission_files"
        ).fetchone()
        counts = {
            mart: con.execute(f"select count(*) from marts.{mart}").fetchone()[0]
            for mart in (
                "fct_task_status",
                "fct_indicator_actuals",
                "fct_budget_execution",
                "mart_reporting_compliance",
            )
        }
    size = warehouse.stat().st_size / 2**20
    print(f"warehouse: {warehouse} ({size:.0f} MiB), {files:,} files, periods {first} to {last}")
    print("  " + ", ".join(f"{mart} {count:,}" for mart, count in counts.items()))


def time_report(warehouse: Path, province: str, period: str, out: Path) -> float:
    from dagster_project.reporting import charts as charts_module
    from dagster_project.reporting.document import build_document
    from dagster_project.reporting.figures import load_report_data
    from dagster_project.reporting.render import render_docx, render_html, render_pdf
    from dagster_project.reporting.report import make_report, province_kind

    stages: list[tuple[str, float, float]] = []
    mark = (time.perf_counter(), time.process_time())

    def stage(name: str) -> None:
        nonlocal mark
        now = (time.perf_counter(), time.process_time())
        stages.append((name, now[0] - mark[0], now[1] - mark[1]))
        mark = now

    data = load_report_data(warehouse, province, period)
    stage("read the marts")
    document = build_document(data, province_kind(warehouse, province), date.today())
    charts = charts_module.build_charts(data)
    stage(f"draw {len(charts)} charts")
    render_html(document, charts)
    stage("html (inline SVG)")
    render_docx(document, charts)
    stage("docx (PNG charts)")
    render_pdf(render_html(document, charts, for_print=True))
    stage("pdf (WeasyPrint, PNG)")
    for chart in charts:
        chart.close()
    started, cpu = time.perf_counter(), time.process_time()
    result = make_report(warehouse, province, period, out)
    total, total_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"\none report: {data.province_name} {data.period.code}, {len(data.figures)} figures")
    print(f"  {'stage':<22} {'wall':>7}  {'cpu':>7}")
    for name, seconds, cpu_seconds in stages:
        print(f"  {name:<22} {seconds:6.2f}s  {cpu_seconds:6.2f}s")
    print(f"  {'make_report, 3 formats':<22} {total:6.2f}s  {total_cpu:6.2f}s   (target <= 10 s)")
    print(
        "  " + ", ".join(f"{k} {p.stat().st_size / 1024:.0f} KiB" for k, p in result.paths.items())
    )
    return total


def time_site(warehouse: Path, out: Path) -> float:
    from dagster_project.reporting.site import write_dbt_docs, write_site

    started, cpu = time.perf_counter(), time.process_time()
    result = write_site(warehouse, out, dbt_docs=False)
    pages, pages_cpu = time.perf_counter() - started, time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    write_dbt_docs(warehouse, out / "dbt-docs")
    docs = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    docs_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    print(
        f"\nsite: {result.provinces} provinces, {result.indicators} indicators, {result.pages} pages"
    )
    print(f"  {'stage':<22} {'wall':>7}  {'cpu':>7}")
    print(f"  {'pages':<22} {pages:6.2f}s  {pages_cpu:6.2f}s")
    print(f"  {'dbt docs --static':<22} {docs:6.2f}s  {docs_cpu:6.2f}s   (cpu of the dbt process)")
    print(
        f"  {'nq57 site, total':<22} {pages + docs:6.2f}s  {pages_cpu + docs_cpu:6.2f}s"
        "   (target <= 60 s)"
    )
    return pages + docs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=None, help="a published warehouse")
    parser.add_argument("--months", type=int, default=3, help="months simulated (default 3)")
    parser.add_argument("--start", default="2025-07", help="first month (default 2025-07)")
    parser.add_argument("--seed", type=int, default=57)
    parser.add_argument("--province", default="nghe-an")
    parser.add_argument("--period", default=None, help="default: the quarter of --start")
    parser.add_argument("--workdir", type=Path, default=None, help="keep everything here")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="nq57-bench-reports-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    try:
        warehouse = args.warehouse
        if warehouse is None:
            print(f"national warehouse, {args.months} months from {args.start}:")
            warehouse = make_warehouse(workdir, args.months, args.start, args.seed)
        describe(warehouse)
        start = parse_period(args.start).start
        period = args.period or f"{start.year}-Q{(start.month - 1) // 3 + 1}"
        time_report(warehouse, args.province, period, workdir / "report")
        time_site(warehouse, workdir / "site")
        print(f"\npeak RSS: {peak_rss_mib():.0f} MiB")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
