"""``nq57 report``: the periodic report of a province to its People's Committee.

Reads only the published warehouse (read-only) and writes
``bao-cao_<province>_<period>.docx``, ``.pdf`` and ``.html`` into ``--out``.
With ``--target postgres`` it reads the marts published on PostgreSQL
(``$NQ57_POSTGRES_URL``) instead, copied into a temporary DuckDB file first.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from dagster_project.config import add_warehouse_argument, warehouse_path

from .figures import ReportInputError


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (write 2025-09-05)") from error


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--province", required=True, help="province id, e.g. lang-son")
    parser.add_argument(
        "--period", required=True, help="reporting period: 2025, 2025-H1, 2025-Q3 or 2025-09"
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write the report into")
    parser.add_argument(
        "--format",
        default="docx,pdf,html",
        help="comma-separated formats among docx, pdf, html (default: all three)",
    )
    add_warehouse_argument(parser)
    parser.add_argument(
        "--target",
        choices=("duckdb", "postgres"),
        default="duckdb",
        help="duckdb: the warehouse file (default); postgres: the marts published on "
        "$NQ57_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/nq57)",
    )
    parser.add_argument(
        "--date",
        type=_date,
        default=None,
        help="date written on the report, YYYY-MM-DD (default: today, Vietnam time)",
    )


def main(args: argparse.Namespace) -> int:
    from .report import make_report, parse_formats  # lazy: matplotlib (start-up cost)

    try:
        formats = parse_formats(args.format)
        with _published(args.target, args.warehouse or warehouse_path()) as warehouse:
            result = make_report(
                warehouse, args.province, args.period, args.out, formats, args.date
            )
    except (ReportInputError, RuntimeError) as error:
        print(f"nq57 report: {error}", file=sys.stderr)
        return 2
    data = result.data
    print(
        f"report {data.province_name} ({data.province_id}) {data.period.code}: "
        f"{len(data.figures)} figures traced, {result.chart_count} charts"
    )
    for kind, path in result.paths.items():
        print(f"  {kind:4} {path}")
    return 0


@contextlib.contextmanager
def _published(target: str, warehouse: Path) -> Iterator[Path]:
    """The DuckDB file the report reads: the published file, or PostgreSQL's marts copied."""
    if target == "duckdb":
        yield warehouse.resolve()
        return
    # lazy: psycopg, only for --target postgres (start-up cost)
    from dagster_project.warehouse.postgres import PostgresTarget, published_marts_file

    with (
        tempfile.TemporaryDirectory(prefix="nq57-report-") as scratch,
        published_marts_file(PostgresTarget.from_url(), Path(scratch)) as copy,
    ):
        yield copy
