"""``nq57 add-plan FILE``: add a province's plan document to the warehouse's inputs.

The document is checked before anything is written (UTF-8 text, not empty,
not a PDF or a Word file, a plan with a number or a heading and a province the
registry knows), copied into ``seeds/source_documents/`` as
``<NNN>_<first 16 hex of its sha256>.txt`` with its sha256 in ``SHA256SUMS``,
and every seed is extracted again; the seed CSVs change only if that
extraction succeeds. The command prints what was found in the new plan, every
agency name and cell it could not read with ``file:line``, and writes a review
workbook for the rest (``nq57 apply-review``). ``nq57 build`` then loads it.

Adding the same file again changes nothing. Another file with the plan's
province and number is refused unless ``--replace``, which takes the old
document out. ``--dry-run`` does everything but write.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from dagster_project.semantics import normalize_cell_text
from dagster_project.semantics.agencies import Registry, load_registry, resolve_agencies
from dagster_project.semantics.dates import parse_vn_date
from dagster_project.semantics.deadlines import STATUSES as DEADLINE_STATUSES
from dagster_project.semantics.deadlines import parse_deadline
from dagster_project.semantics.reference_tables import read_reference_csv
from dagster_project.semantics.targets import STATUSES as TARGET_STATUSES
from dagster_project.semantics.targets import parse_target

from .documents import MANIFEST_NAME, document_from_text, load_documents, read_manifest
from .layouts import LAYOUTS_FILE_NAME, LayoutError
from .plans import DOCUMENT_NUMBER_DIGITS, extract_plan
from .review import province_ids as review_province
from .review import review_items, write_workbook
from .runner import (
    CORRECTIONS_FILE,
    REVIEW_DIR,
    SEED_DIR,
    CorrectionError,
    Extraction,
    extract_seeds,
    province_name_of,
    write_seeds,
)

MAX_DOCUMENT_BYTES = 5_000_000
DOCUMENT_NAME = re.compile(r"^(?P<index>\d{3})_[0-9a-f]{16}\.txt$")
# Letters only Vietnamese uses: a cp1258 (Windows Vietnamese) file decodes into them.
VIETNAMESE = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯ]")


class AddPlanError(ValueError):
    """The file cannot be added; the message is one line for the user."""


@dataclass(frozen=True)
class Paths:
    seeds: Path

    @property
    def documents(self) -> Path:
        return self.seeds / "source_documents"

    @property
    def reference(self) -> Path:
        return self.seeds / "reference"

    @property
    def layouts(self) -> Path:
        return self.seeds / LAYOUTS_FILE_NAME

    @property
    def corrections(self) -> Path:
        return self.seeds / CORRECTIONS_FILE.name


def shown(path: Path) -> Path:
    """``path`` relative to the working directory when it is under it, as a user typed it."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def read_plan_text(path: Path) -> tuple[bytes, str]:
    """The file's bytes and text, or an AddPlanError saying in one line why it is not a plan."""
    if not path.is_file():
        raise AddPlanError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_DOCUMENT_BYTES:
        raise AddPlanError(f"{path}: {size} bytes, more than a plan's text ({MAX_DOCUMENT_BYTES})")
    data = path.read_bytes()
    if not data.strip():
        raise AddPlanError(f"{path}: the file is empty")
    if data.startswith(b"%PDF"):
        raise AddPlanError(
            f"{path}: a PDF; copy the plan's text (the web page or the PDF's text) into a UTF-8 .txt file"
        )
    if data.startswith(b"PK\x03\x04"):
        raise AddPlanError(
            f"{path}: a Word or Excel file (zip); save the plan as UTF-8 text (.txt)"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:200].count(b"\x00") > 20:
        raise AddPlanError(f"{path}: UTF-16 text; save it as UTF-8 (Notepad: Save as, UTF-8)")
    if b"\x00" in data:
        raise AddPlanError(f"{path}: a binary file, not the text of a plan")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        legacy = data.decode("cp1258", errors="replace")
        if VIETNAMESE.search(legacy):
            raise AddPlanError(
                f"{path}: Windows-1258 (cp1258) text, not UTF-8; save it as UTF-8"
            ) from error
        raise AddPlanError(f"{path}: not UTF-8 text (byte {error.start})") from error
    return data, text


def next_document_name(source_dir: Path, sha256: str) -> str:
    """``<NNN>_<16 hex>.txt``: the next free number, then the start of the file's sha256."""
    numbers = [
        int(match["index"])
        for p in source_dir.glob("*.txt")
        if (match := DOCUMENT_NAME.match(p.name))
    ]
    return f"{max(numbers, default=-1) + 1:03d}_{sha256[:16]}.txt"


def _provinces(reference_dir: Path) -> dict[str, str]:
    rows = read_reference_csv(reference_dir / "provinces.csv")
    return {normalize_cell_text(r["province_name"]).casefold(): r["province_id"] for r in rows}


def _same_plan(a: dict, b: dict) -> bool:
    number = DOCUMENT_NUMBER_DIGITS.match(a["document_number"])
    return bool(number) and (
        normalize_cell_text(a["province_name"]).casefold()
        == normalize_cell_text(b["province_name"]).casefold()
        and normalize_cell_text(a["document_number"]).casefold()
        == normalize_cell_text(b["document_number"]).casefold()
    )


def _layout_entry(name: str, province_id: str) -> str:
    return f"{name}:\n  province: {province_id}\n"


@dataclass(frozen=True)
class Plan:
    """What ``add_plan`` decided: the new document, the one it replaces, the extraction."""

    name: str
    data: bytes
    sha256: str
    plan: dict
    replaced: str | None
    extraction: Extraction
    layout_entry: str


def prepare(
    path: Path, paths: Paths, province_id: str | None = None, replace: bool = False
) -> Plan | str:
    """Check the file and extract every seed with it, writing nothing to ``paths``.

    Returns the existing document's name when the file is already there.
    """
    data, text = read_plan_text(path)
    sha256 = hashlib.sha256(data).hexdigest()
    manifest = read_manifest(paths.documents)
    for existing, digest in manifest.items():
        if digest == sha256:
            return existing
    name = next_document_name(paths.documents, sha256)
    doc = document_from_text(name, text.removesuffix("\n"))
    try:
        override = province_name_of(province_id, paths.reference)
    except LayoutError as error:
        raise AddPlanError(f"--province {province_id}: {error}") from error
    plan = extract_plan(doc, override)
    if not DOCUMENT_NUMBER_DIGITS.match(plan["document_number"]) and not plan["title"]:
        raise AddPlanError(
            f"{path}: no plan number ('Số: .../KH-UBND') and no 'KẾ HOẠCH' heading: "
            "not the text of a plan"
        )
    province = _provinces(paths.reference).get(
        normalize_cell_text(plan["province_name"]).casefold()
    )
    if province is None:
        printed = plan["province_name"] or "no province"
        raise AddPlanError(
            f"{path}: the plan prints {printed!r}, not a province of "
            "seeds/reference/provinces.csv; pass --province ID (e.g. --province gia-lai)"
        )
    replaced = None
    for doc_before in load_documents(paths.documents):
        before = extract_plan(doc_before)
        if _same_plan(plan, before):
            if not replace:
                raise AddPlanError(
                    f"{path}: {plan['province_name']} {plan['document_number']} is already "
                    f"{doc_before.source_file}; pass --replace to put this file in its place"
                )
            replaced = doc_before.source_file
    layout_entry = _layout_entry(name, province_id) if province_id else ""
    with tempfile.TemporaryDirectory(prefix="nq57-add-plan-") as scratch:
        staged = Paths(Path(scratch) / "seeds")
        shutil.copytree(paths.documents, staged.documents)
        shutil.copytree(paths.reference, staged.reference)
        for source in (paths.layouts, paths.corrections):
            if source.exists():
                shutil.copy2(source, staged.seeds / source.name)
        _install(staged, name, data, sha256, replaced, layout_entry)
        try:
            extraction = extract_seeds(
                staged.documents, staged.corrections, staged.layouts, staged.reference
            )
        except (CorrectionError, LayoutError) as error:
            raise AddPlanError(f"extracting with {path.name} failed: {error}") from error
    new_plan = next(p for p in extraction.tables["plans"] if p["source_file"] == name)
    return Plan(name, data, sha256, new_plan, replaced, extraction, layout_entry)


def _install(
    paths: Paths, name: str, data: bytes, sha256: str, replaced: str | None, layout_entry: str
) -> None:
    """Put the document, its manifest line and layout entry in place; take the replaced one out."""
    (paths.documents / name).write_bytes(data)
    manifest = paths.documents / MANIFEST_NAME
    lines = [
        line
        for line in manifest.read_text(encoding="utf-8").splitlines()
        if line.strip() and not (replaced and line.split()[-1].lstrip("*") == replaced)
    ]
    manifest.write_text("\n".join([*lines, f"{sha256}  {name}"]) + "\n", encoding="utf-8")
    if replaced:
        (paths.documents / replaced).unlink()
    if layout_entry:
        existing = paths.layouts.read_text(encoding="utf-8") if paths.layouts.exists() else ""
        separator = "" if not existing or existing.endswith("\n") else "\n"
        paths.layouts.write_text(existing + separator + layout_entry, encoding="utf-8")


def report(plan: Plan, registry: Registry, review_path: Path | None, out: TextIO) -> None:
    """What the new plan holds, what could not be read, and what to do next."""
    tables = plan.extraction.tables
    plan_id = plan.plan["plan_id"]
    mine = {name: [r for r in rows if r.get("plan_id") == plan_id] for name, rows in tables.items()}
    issued = parse_vn_date(plan.plan["issue_date_text"])
    out.write(
        f"plan {plan_id}: {plan.plan['province_name']} {plan.plan['document_number']}"
        f"{', ' + issued.strftime('%d/%m/%Y') if issued else ''} ({plan.plan['plan_kind']})\n"
    )
    out.write(
        f"  found: {len(mine['indicators'])} indicators, {len(mine['indicator_targets'])} targets, "
        f"{len(mine['tasks'])} tasks, {len(mine['budget_lines'])} budget lines, "
        f"{len(mine['reported_figures'])} reported figures\n"
    )
    units = {
        (r["indicator_code"]): (r["unit_text"], r["indicator_name"]) for r in mine["indicators"]
    }
    targets = Counter(
        parse_target(r["target_text"], *units.get(r["indicator_code"], ("", ""))).parse_status
        for r in mine["indicator_targets"]
    )
    year = issued.year if issued else None
    deadlines = Counter(
        parse_deadline(r["deadline_text"], year).parse_status for r in mine["tasks"]
    )
    out.write("  targets:   " + ", ".join(f"{targets[s]} {s}" for s in TARGET_STATUSES) + "\n")
    out.write("  deadlines: " + ", ".join(f"{deadlines[s]} {s}" for s in DEADLINE_STATUSES) + "\n")
    items = review_items(tables, registry, {plan_id})
    agencies = [i for i in items if i.replaces]
    cells = [i for i in items if not i.replaces]
    mentions = _agency_mentions(mine, registry, plan_id)
    out.write(
        f"  agency names: {mentions - len(agencies)} of {mentions} resolved; "
        f"not in the registry ({len(agencies)}):\n"
    )
    for item in agencies:
        out.write(
            f"    {item.where}  {item.replaces!r} ({item.item}): {item.read.split(': ', 1)[1]}\n"
        )
    out.write(f"  cells read as ambiguous or invalid, or with an unscored number ({len(cells)}):\n")
    for item in cells:
        out.write(f"    {item.where}  {item.item} {item.text[:60]!r}: {item.read[:100]}\n")
    set_aside = [p for p in plan.extraction.problems if p.startswith(plan.name)]
    for problem in set_aside:
        out.write(f"  set aside: {problem}\n")
    if review_path is not None:
        out.write(f"review workbook: {shown(review_path)}\n")
    if items or set_aside:
        out.write(
            "next: fill 'corrected value', reviewer and reason in the workbook and run "
            "`nq57 apply-review <workbook>`; an agency the registry lacks goes into "
            "seeds/reference/agencies.csv and agency_aliases.csv (reviewed); an appendix set "
            f"aside needs an entry for {plan.name} in seeds/layouts.yml (docs/onboarding.md)\n"
        )
    out.write("then: `nq57 build` publishes the warehouse with the plan\n")


def _agency_mentions(rows: dict[str, list[dict]], registry: Registry, plan_id: str) -> int:
    """How many names the plan's lead, coordinating and monitoring cells give."""
    province_id = review_province(rows["plans"], registry).get(plan_id)
    if province_id is None:
        return 0
    cells = [r[c] for r in rows["tasks"] for c in ("lead_agency_text", "coordinating_agency_text")]
    cells += [r["monitoring_agency_text"] for r in rows["indicators"]]
    return sum(
        sum(len(found) for found in resolve_agencies(cell, province_id, registry))
        for cell in cells
        if cell.strip()
    )


def commit(plan: Plan, paths: Paths) -> None:
    """Write the document, its manifest line, its layout entry and every seed CSV."""
    _install(paths, plan.name, plan.data, plan.sha256, plan.replaced, plan.layout_entry)
    write_seeds(plan.extraction.tables, paths.seeds)


def add_seeds_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """``--seeds DIR``, the seeds folder a command writes to."""
    parser.add_argument(
        "--seeds", type=Path, default=SEED_DIR, metavar="DIR", help=f"{what} (default: seeds/)"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="the plan as UTF-8 text (.txt)")
    parser.add_argument(
        "--province",
        metavar="ID",
        help="province id of seeds/reference/provinces.csv, when the letterhead does not say "
        "(recorded in seeds/layouts.yml)",
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="replace the document already added for the same province and plan number",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="check and extract, print the report, write nothing"
    )
    add_seeds_argument(parser, "seeds folder to add the plan to")
    parser.add_argument(
        "--review-dir",
        type=Path,
        default=REVIEW_DIR,
        metavar="DIR",
        help="where the review workbook is written (default: reports/review/)",
    )


def main(args: argparse.Namespace) -> int:
    paths = Paths(args.seeds.resolve())
    try:
        prepared = prepare(args.file, paths, args.province, args.replace)
    except AddPlanError as error:
        print(f"nq57 add-plan: {error}", file=sys.stderr)
        return 2
    if isinstance(prepared, str):
        print(f"nq57 add-plan: {args.file} is already {prepared}; nothing changed")
        return 0
    registry = load_registry(paths.reference)
    review_path = None
    if args.dry_run:
        print(f"dry run: {args.file} would be added as {prepared.name}; nothing written")
    else:
        commit(prepared, paths)
        action = f"replaced {prepared.replaced} with" if prepared.replaced else "added"
        print(f"{action} {shown(paths.documents / prepared.name)} (sha256 {prepared.sha256})")
        items = review_items(prepared.extraction.tables, registry, {prepared.plan["plan_id"]})
        problems = [p for p in prepared.extraction.problems if p.startswith(prepared.name)]
        review_path = write_workbook(
            args.review_dir / f"{prepared.plan['plan_id']}.xlsx", items, registry, problems
        )
    report(prepared, registry, review_path, sys.stdout)
    return 0
