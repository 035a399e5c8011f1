"""``nq57 site``: the static public progress site and the dbt docs of the published warehouse."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from dagster_project.config import add_warehouse_argument, warehouse_path

from .figures import ReportInputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, help="folder to write the site into")
    add_warehouse_argument(parser)
    parser.add_argument(
        "--no-dbt-docs",
        action="store_true",
        help="skip `dbt docs generate --static` (the site's column links then have no target)",
    )


def main(args: argparse.Namespace) -> int:
    from .site import DbtDocsError, write_site  # lazy: matplotlib, via render (start-up cost)

    warehouse = (args.warehouse or warehouse_path()).resolve()
    started = time.perf_counter()
    try:
        result = write_site(warehouse, args.out, dbt_docs=not args.no_dbt_docs)
    except (ReportInputError, DbtDocsError) as error:
        print(f"nq57 site: {error}", file=sys.stderr)
        return 2
    print(
        f"site {result.out}: {result.provinces} provinces, {result.indicators} indicators, "
        f"{result.pages} pages in {time.perf_counter() - started:.1f}s"
    )
    print(f"  open {result.out / 'index.html'}")
    if result.dbt_docs:
        print(f"  dbt docs {result.dbt_docs}")
    return 0
