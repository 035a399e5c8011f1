"""The ``nq57`` command line: one entry point, one subcommand per job.

Each subcommand lives in its own module exposing ``add_arguments(parser)`` and
``main(args) -> int``. Those modules keep heavy imports (dagster, dbt, duckdb)
inside ``main`` so that ``nq57 --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "extract": (
        "dagster_project.extract.runner",
        "parse the source documents into the seed CSVs under seeds/",
    ),
    "build": (
        "dagster_project.warehouse.build",
        "load the seeds, run dbt and publish the DuckDB warehouse",
    ),
    "template": (
        "dagster_project.submissions.template_cli",
        "write the prefilled .xlsx report template for one agency and period",
    ),
    "ingest": (
        "dagster_project.submissions.ingest_cli",
        "load agency submission files into the submissions store",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nq57",
        description="nq57: warehouse of provincial Resolution 57-NQ/TW plans and reports.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        module = importlib.import_module(module_name)
        command = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(command)
        command.set_defaults(handler=module.main)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
