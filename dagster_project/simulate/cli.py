"""``nq57 simulate``: write SYNTHETIC submission files, or the real Lạng Sơn figures.

Simulated files are synthetic and say so (see
:mod:`dagster_project.submissions.marking`). They go to ``<warehouse
dir>/simulated`` by default, not to ``landing/``; should they reach a landing
folder anyway, ``nq57 ingest`` and the landing sensor refuse them unless
``--allow-synthetic``. ``--ingest-into`` loads them into a store of their
own (never the real one), each file received at its simulated sending time,
like ``nq57 ingest --store S --allow-synthetic --received-at file-mtime``.

``--real-figures`` instead converts the real figures of Lạng Sơn 234/KH-UBND
(seeds/reported_figures.csv, seeds/budget_lines.csv) into one format v1
report of Sở KH&CN Lạng Sơn (see :mod:`.real_figures`); that file is real
data, written to ``landing/`` by default.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dagster_project.submissions.paths import landing_dir, store_path, submissions_dir
from dagster_project.submissions.periods import PeriodError, parse_period
from dagster_project.submissions.readers import DEFAULT_MAX_BYTES, Limits
from dagster_project.submissions.reference import ReferenceError, load_reference
from dagster_project.submissions.signing import load_keys
from dagster_project.warehouse.paths import SEEDS_DIR

from .calendar import PERIOD_CHOICES, calendar_file
from .generator import STATE_DIR_NAME, SimulationConfig, Simulator
from .ingest import ingest_as_sent
from .real_figures import write_real_figures
from .synthetic import write_national_seeds

DEFAULT_SEED = 57
NATIONAL_MONTHS = 60


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not a share between 0 and 1")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder to write into (default: <warehouse dir>/simulated; "
        "with --real-figures: $NQ57_LANDING or <repo>/landing)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default 57)")
    parser.add_argument(
        "--scale",
        choices=("seeded", "national"),
        default="seeded",
        help="seeded: the provinces with plans in seeds/ (default); national: all 34 provinces "
        "of 2025, the ones without a seeded plan given SYNTHETIC plans",
    )
    parser.add_argument("--start", default="2025-06", help="first month (default 2025-06)")
    parser.add_argument(
        "--end",
        default=None,
        help="last month (default 2026-10; national: 60 months from --start)",
    )
    parser.add_argument(
        "--periods",
        choices=("calendar", *PERIOD_CHOICES),
        default=None,
        help="which reports: each province's calendar (default for seeded) or one kind for "
        "every province (national default: monthly)",
    )
    parser.add_argument("--provinces", default=None, help="comma-separated province ids only")
    parser.add_argument("--defect-rate", type=_rate, default=0.05, help="share of broken reports")
    parser.add_argument("--late-rate", type=_rate, default=0.15, help="share sent after deadline")
    parser.add_argument(
        "--resubmit-rate", type=_rate, default=0.10, help="share replaced by a corrected file"
    )
    parser.add_argument(
        "--missing-rate", type=_rate, default=0.05, help="share of reports never sent"
    )
    parser.add_argument(
        "--xlsx-share", type=_rate, default=0.6, help="share sent as .xlsx (the rest as CSV)"
    )
    parser.add_argument(
        "--max-bytes",
        type=int,
        default=None,
        help="the ingest size limit the files are meant for: file_too_large defects exceed it "
        "(default 20 MB, like nq57 ingest)",
    )
    parser.add_argument("--max-files", type=int, default=None, help="stop after this many files")
    parser.add_argument(
        "--seeds", type=Path, default=None, help="real seeds folder (default: <repo>/seeds)"
    )
    parser.add_argument(
        "--ingest-into",
        type=Path,
        default=None,
        help="also ingest the files into this submissions store, each received at its "
        "simulated sending time (refused for the real store)",
    )
    parser.add_argument(
        "--sign-for",
        type=Path,
        default=None,
        help="submissions store the files will be ingested into: its secrets/template.key signs "
        "them, as nq57 template does (default: --ingest-into; else <out>/../submissions.duckdb; "
        "with --real-figures, <warehouse dir>/submissions.duckdb)",
    )
    parser.add_argument(
        "--real-figures",
        action="store_true",
        help="write the real Lạng Sơn 234/KH-UBND figures as a report of Sở KH&CN Lạng Sơn "
        "instead of simulating",
    )


def _month(text: str):
    try:
        period = parse_period(text)
    except PeriodError as error:
        raise SystemExit(f"nq57 simulate: {error}") from error
    if period.kind != "month":
        raise SystemExit(f"nq57 simulate: {text!r} is not a month (write 2025-06)")
    return period


def main(args: argparse.Namespace) -> int:
    seeds = args.seeds or SEEDS_DIR
    if args.real_figures:
        path = write_real_figures(
            seeds, args.out or landing_dir(), load_keys(args.sign_for or store_path())
        )
        print(f"{path}: real figures of Lạng Sơn 234/KH-UBND as a report of lang-son:so-khcn")
        return 0

    out = (args.out or submissions_dir() / "simulated").resolve()
    if args.ingest_into is not None and args.ingest_into.resolve() == store_path().resolve():
        print(
            f"nq57 simulate: {args.ingest_into} is the real submissions store; simulated files "
            "are synthetic and go to a store of their own",
            file=sys.stderr,
        )
        return 2
    start = _month(args.start).start
    if args.end:
        end = _month(args.end).end
    elif args.scale == "national":
        months = start.year * 12 + start.month - 1 + NATIONAL_MONTHS - 1
        end = _month(f"{months // 12}-{months % 12 + 1:02d}").end
    else:
        end = _month("2026-10").end
    if end < start:
        print(f"nq57 simulate: --end {args.end} is before --start {args.start}", file=sys.stderr)
        return 2
    periods = args.periods or ("monthly" if args.scale == "national" else "calendar")
    calendar_path = calendar_file(seeds)
    if args.scale == "national":
        synthetic = write_national_seeds(seeds, out / STATE_DIR_NAME / "seeds", args.seed)
        seeds, calendar_path = synthetic.seeds_dir, synthetic.calendar_path
        print(
            f"simulate: SYNTHETIC plans for {len(synthetic.synthetic_provinces)} provinces "
            f"written to {seeds}"
        )
    try:
        reference = load_reference(seeds)
    except ReferenceError as error:
        print(f"nq57 simulate: {error}", file=sys.stderr)
        return 2
    max_bytes = args.max_bytes or DEFAULT_MAX_BYTES
    config = SimulationConfig(
        out_dir=out,
        seeds_dir=seeds,
        calendar_path=calendar_path,
        seed=args.seed,
        start=start,
        end=end,
        period_kind=None if periods == "calendar" else PERIOD_CHOICES[periods],
        provinces=tuple(p.strip() for p in args.provinces.split(",")) if args.provinces else None,
        defect_rate=args.defect_rate,
        late_rate=args.late_rate,
        resubmit_rate=args.resubmit_rate,
        missing_rate=args.missing_rate,
        xlsx_share=args.xlsx_share,
        max_bytes=max_bytes,
        max_files=args.max_files,
        signing_store=args.ingest_into or args.sign_for,
    )
    summary = Simulator(config, reference).run()
    roles = ", ".join(f"{role} {count}" for role, count in sorted(summary.roles.items()))
    print(
        f"simulate: {summary.files} SYNTHETIC files ({summary.size_bytes / 1e6:.1f} MB) for "
        f"{summary.reports} reports in {out}: {roles}; {summary.late_files} late, "
        f"{summary.not_submitted} never sent; {sum(summary.defects.values())} broken "
        f"({len(summary.defects)} kinds)"
    )
    print(f"simulate: manifest {summary.manifest_path}")
    if args.ingest_into is not None:
        counts = ingest_as_sent(
            [out],
            store=args.ingest_into,
            reference=reference,
            limits=Limits(max_bytes=max_bytes),
        )
        statuses = ", ".join(f"{s} {n}" for s, n in sorted(counts.statuses.items()))
        print(
            f"ingest: {counts.files} files into {args.ingest_into}: {statuses}; rows in "
            f"{counts.rows_in} = loaded {counts.rows_loaded} + quarantined {counts.rows_quarantined}"
        )
    return 0
