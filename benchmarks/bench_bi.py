"""Ten typical BI queries on both targets: p50 and p95 latency, and the PostgreSQL publish time.

Runs against what is already published: the DuckDB file (``--warehouse``,
default ``$NQ57_WAREHOUSE`` or warehouse/nq57.duckdb, opened read-only) and
the PostgreSQL warehouse (``--postgres-url``, default ``$NQ57_POSTGRES_URL``,
queried as ``nq57_reader`` unless ``--as-owner``). Each query runs
``--repeat`` times after one warm-up; the same SQL text on both targets.

``--publish`` first runs ``nq57 build --target postgres`` (from ``--seeds``,
with the submissions store beside ``--warehouse``) and reports its total time
and the time of the publishing transaction (the schema swap).

    .venv/bin/python benchmarks/bench_bi.py
    .venv/bin/python benchmarks/bench_bi.py --warehouse /tmp/bench/warehouse/nq57.duckdb \
        --seeds /tmp/bench/simulated/.nq57-sim/seeds --publish
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

QUERIES = {
    "progress by province and indicator": """
        select province_id, indicator_code, count(*) as agencies,
               sum(case when progress_status = 'on_track' then 1 else 0 end) as on_track,
               max(latest_as_of_date) as latest
        from marts.mart_indicator_progress
        group by province_id, indicator_code
        order by province_id, indicator_code""",
    "indicators on track by province": """
        select province_id,
               avg(case when progress_status = 'on_track' then 1.0 else 0.0 end) as on_track_rate
        from marts.mart_indicator_progress
        where progress_status is not null
        group by province_id
        order by province_id""",
    "compliance by agency and period": """
        select agency_id, period, count(*) as expected,
               sum(case when is_on_time then 1 else 0 end) as on_time,
               sum(files_rejected) as rejected
        from marts.mart_reporting_compliance
        where is_expected
        group by agency_id, period
        order by agency_id, period""",
    "compliance by province (latest period)": """
        select province_id, period,
               avg(case when is_received then 1.0 else 0.0 end) as received_rate
        from marts.mart_reporting_compliance
        where is_expected
          and period = (select max(period) from marts.mart_reporting_compliance where is_expected)
        group by province_id, period
        order by received_rate""",
    "budget execution by line": """
        select plan_id, budget_line_id, max(as_of_date) as as_of,
               sum(allocated_million_vnd) as allocated, sum(disbursed_million_vnd) as disbursed
        from marts.fct_budget_execution
        group by plan_id, budget_line_id
        order by plan_id, budget_line_id""",
    "budget of the plans by stage and year": """
        select plan_id, fiscal_year, stage, sum(amount_million_vnd) as amount
        from marts.fct_budget_lines
        where parent_budget_line_id is null
        group by plan_id, fiscal_year, stage
        order by plan_id, fiscal_year, stage""",
    "overdue tasks by agency": """
        select s.reporting_agency_id, a.agency_name, count(distinct s.plan_id || s.task_key) as overdue
        from marts.fct_task_status as s
        left join marts.dim_agencies as a on a.agency_id = s.reporting_agency_id
        where s.is_latest and s.derived_status = 'not_done_overdue'
        group by s.reporting_agency_id, a.agency_name
        order by overdue desc""",
    "task status by province and period": """
        select province_id, period, derived_status, count(*) as tasks
        from marts.fct_task_status
        where is_latest
        group by province_id, period, derived_status
        order by province_id, period, derived_status""",
    "plan targets vs national": """
        select national_indicator_id, province_id, indicator_code, target_year, target_low,
               national_target_year, national_target_value
        from marts.mart_targets_vs_national
        order by national_indicator_id, province_id, indicator_code, target_year""",
    "actuals vs national by province": """
        select province_id, national_indicator_id, count(*) as values_reported,
               sum(case when meets_national_target then 1 else 0 end) as meeting
        from marts.mart_actuals_vs_national
        group by province_id, national_indicator_id
        order by province_id, national_indicator_id""",
}


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def time_queries(run, repeat: int) -> dict[str, tuple[float, float, int]]:
    figures = {}
    for name, sql in QUERIES.items():
        rows = len(run(sql))
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            run(sql)
            samples.append((time.perf_counter() - started) * 1000)
        figures[name] = (statistics.median(samples), percentile(samples, 0.95), rows)
    return figures


def reader_url(url: str) -> str:
    parts = urlsplit(url)
    return parts._replace(netloc=f"nq57_reader@{parts.hostname}:{parts.port or 5432}").geturl()


def publish(url: str, warehouse: Path, seeds: Path | None) -> tuple[float, str]:
    started = time.monotonic()
    seeds_args = ["--seeds", str(seeds)] if seeds else []
    result = subprocess.run(
        [str(Path(sys.executable).with_name("nq57")), "build", "--target", "postgres", *seeds_args],
        env={**os.environ, "NQ57_POSTGRES_URL": url, "NQ57_WAREHOUSE": str(warehouse)},
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"nq57 build --target postgres failed:\n{result.stderr[-3000:]}")
    swap = re.search(r"the swap took (\d+) ms", result.stdout)
    return seconds, swap.group(1) if swap else "?"


def main() -> int:
    from dagster_project.warehouse.paths import warehouse_path
    from dagster_project.warehouse.postgres import DEFAULT_URL, URL_ENV_VAR

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", type=Path, default=None)
    parser.add_argument(
        "--seeds", type=Path, default=None, help="seeds the --publish build reads (default: seeds/)"
    )
    parser.add_argument("--postgres-url", default=os.environ.get(URL_ENV_VAR, DEFAULT_URL))
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--as-owner", action="store_true", help="query as the URL's user")
    parser.add_argument(
        "--publish", action="store_true", help="build and publish on postgres first"
    )
    args = parser.parse_args()

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print("load average at start: " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    warehouse = (args.warehouse or warehouse_path()).resolve()
    if args.publish:
        seconds, swap_ms = publish(args.postgres_url, warehouse, args.seeds)
        print(f"postgres build and publish: {seconds:.1f}s (publishing transaction {swap_ms} ms)")

    with duckdb.connect(str(warehouse), read_only=True) as duck:
        duck_figures = time_queries(lambda sql: duck.execute(sql).fetchall(), args.repeat)
    url = args.postgres_url if args.as_owner else reader_url(args.postgres_url)
    with psycopg.connect(url, autocommit=True) as pg:
        pg_figures = time_queries(lambda sql: pg.execute(sql).fetchall(), args.repeat)

    print(f"duckdb: {warehouse}")
    parts = urlsplit(url)
    print(
        f"postgres: postgresql://{parts.username}@{parts.hostname}:{parts.port or 5432}{parts.path}"
    )
    print(
        f"{'query':<42} {'rows':>6}  {'duckdb p50':>10} {'p95':>7}  {'postgres p50':>12} {'p95':>7}"
    )
    for name in QUERIES:
        d50, d95, rows = duck_figures[name]
        p50, p95, pg_rows = pg_figures[name]
        flag = "" if rows == pg_rows else f"  (postgres: {pg_rows} rows)"
        print(
            f"{name:<42} {rows:>6}  {d50:>8.2f}ms {d95:>5.2f}ms  {p50:>10.2f}ms {p95:>5.2f}ms{flag}"
        )
    worst_duck = max(v[1] for v in duck_figures.values())
    worst_pg = max(v[1] for v in pg_figures.values())
    print(
        f"worst p95: duckdb {worst_duck:.2f} ms (goal < 100), postgres {worst_pg:.2f} ms (goal < 250)"
    )
    print("load average at end: " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
