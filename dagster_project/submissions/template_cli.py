"""``nq57 template``: write the prefilled .xlsx report template for one agency and period."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dagster_project.config import SEEDS_DIR

from .ingest_cli import add_store_and_seeds
from .paths import store_path
from .reference import ReferenceError, load_reference
from .signing import KeyFileError, load_keys
from .template import TemplateError, write_template


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--province", required=True, help="province id, e.g. nghe-an")
    parser.add_argument("--agency", required=True, help="agency id, e.g. nghe-an:so-khcn")
    parser.add_argument(
        "--period", required=True, help="reporting period: 2026, 2026-H1, 2026-Q1 or 2026-03"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path.cwd(),
        help="folder to write the .xlsx into (default: the current folder)",
    )
    add_store_and_seeds(
        parser,
        store_help="submissions store the filled file will be ingested into; its folder's "
        "secrets/template.key signs the template, made on first use "
        "(default: <warehouse dir>/submissions.duckdb)",
    )


def main(args: argparse.Namespace) -> int:
    try:
        reference = load_reference(args.seeds or SEEDS_DIR)
        keys = load_keys(args.store or store_path())
        path, content, code = write_template(
            reference, args.province, args.agency, args.period, args.out, keys
        )
    except (ReferenceError, TemplateError, KeyFileError) as error:
        print(f"nq57 template: {error}", file=sys.stderr)
        return 2
    print(
        f"{path}: {len(content.tasks)} tasks, {len(content.indicators)} indicators for "
        f"{content.agency_id}, period {content.period.code}; verification code {code}"
    )
    return 0
