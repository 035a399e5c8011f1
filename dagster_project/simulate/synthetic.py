"""SYNTHETIC plans and agencies for the provinces the seeds do not cover.

Only four provinces issued the documents in ``seeds/`` (Lạng Sơn, Lai Châu,
Nghệ An, Bắc Kạn, whose plan Thái Nguyên now holds). A national-scale
simulation needs all 34 provinces of 2025, so the other 30 get plans cloned
from the real plans' structure:

- an implementation plan cloned from Nghệ An 348 (even positions) or Bắc Kạn
  131 (odd positions): same tasks, indicators, targets, deadlines and agency
  cells, with the province's name put in place of the template's;
- every fourth province also gets a later second implementation plan from
  the other template, as provinces that re-issued their plan under
  71/NQ-CP did; its task keys overlap the first plan's, which is what makes
  ``key_ambiguous`` possible;
- a budget plan cloned from Lạng Sơn 234, amounts multiplied by an exact
  decimal factor so that parent lines still equal the sum of their children;
- the standard bodies of every province come from the registry's agency
  template (``seeds/reference/agency_kinds.csv``); the bodies particular to
  Nghệ An (and the Bắc Kạn ones Nghệ An lacks), such as its newspaper, are
  cloned with their aliases, without the Bắc Kạn - Thái Nguyên merger.

Everything cloned is marked: plan ids start with ``synthetic-``, titles with
``[SYNTHETIC]``, document numbers and signers read ``(synthetic)``, flags and
source notes say ``synthetic``. Source file and line stay those of the
template row a clone was made from, so lineage points at the real text the
structure came from (and the warehouse's source-document checks hold). The result is a complete seeds folder
(real rows plus synthetic ones) written next to the simulated files, never
into ``seeds/``: the real warehouse only sees it when pointed at it. Its
``reference/reporting_calendar.csv`` holds each synthetic plan's calendar,
cloned from its template's, so both the simulator and a warehouse built from
the folder read the same calendar.
"""

from __future__ import annotations

import csv
import random
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from dagster_project.config import SYNTHETIC_PLAN_PREFIX
from dagster_project.semantics.agencies import normalize_agency_name
from dagster_project.semantics.numbers import decimal_to_text, format_vn_number
from dagster_project.semantics.reference_tables import reference_tables
from dagster_project.submissions.periods import format_date
from dagster_project.submissions.reference import Plan, load_reference

from .calendar import calendar_file, read_calendar_rows
from .provinces import MERGER_DATE, Province, read_provinces_2025

SYNTHETIC_PREFIX = SYNTHETIC_PLAN_PREFIX
IMPLEMENTATION_TEMPLATES = ("nghe-an-348-2025", "bac-kan-131-2025")
BUDGET_TEMPLATE = "lang-son-234-2025"
# Agencies are cloned from these provinces, first one first: a slug already
# taken keeps the earlier province's row.
AGENCY_TEMPLATE_PROVINCES = ("nghe-an", "bac-kan")
TEMPLATE_PROVINCE_NAMES = {"nghe-an": "Nghệ An", "bac-kan": "Bắc Kạn", "lang-son": "Lạng Sơn"}
# Exact decimal factors: a scaled child line still sums to its scaled parent.
BUDGET_FACTORS = tuple(Decimal(text) for text in ("0.5", "0.75", "1.25", "1.5", "2", "2.5", "3"))
SECOND_PLAN_EVERY = 4
SECOND_PLAN_DELAY_DAYS = 120
MARK_NOTE = "SYNTHETIC (nq57 simulate --scale national): not a real record"


@dataclass(frozen=True)
class SyntheticSeeds:
    """A seeds folder holding the real rows plus the synthetic provinces' rows.

    ``calendar_path`` is the folder's ``reference/reporting_calendar.csv``, the
    calendar to simulate under.
    """

    seeds_dir: Path
    calendar_path: Path
    synthetic_provinces: tuple[str, ...]
    two_plan_provinces: tuple[str, ...]


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or ()), list(reader)


def _append(path: Path, rows: Iterable[dict[str, str]]) -> None:
    """Append rows under the file's own header (the real seeds' column order)."""
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in header})


def _rename(text: str, province: Province) -> str:
    for name in TEMPLATE_PROVINCE_NAMES.values():
        text = text.replace(name, province.province_name)
    return text


def _rename_slug(slug: str, province: Province) -> str:
    for template in TEMPLATE_PROVINCE_NAMES:
        slug = slug.replace(template, province.province_id)
    return slug


def _plan_id(province: Province, suffix: str) -> str:
    return f"{SYNTHETIC_PREFIX}{province.province_id}-{suffix}"


def _issue_date(plans: dict[str, Plan], template_id: str, days: int) -> date:
    issued = plans[template_id].issue_date
    if issued is None:
        raise ValueError(f"template plan {template_id} has no readable issue date")
    return issued + timedelta(days=days)


def _clone_agencies(
    reference_dir: Path, province: Province
) -> tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]]:
    """(agencies, aliases, lineage) of one synthetic province, beyond what the template gives it."""
    tables = reference_tables(reference_dir)
    agencies_rows = tables["agencies"]
    by_id = {row["agency_id"]: row for row in agencies_rows}
    agencies: dict[str, dict[str, str]] = {}
    slug_of: dict[str, str] = {}
    for template in AGENCY_TEMPLATE_PROVINCES:
        for row in agencies_rows:
            if row["province_id"] != template:
                continue
            slug = _rename_slug(row["agency_id"].split(":", 1)[1], province)
            slug_of[row["agency_id"]] = slug
            if slug in agencies or f"{province.province_id}:{slug}" in by_id:
                continue
            successor = row["successor_agency_id"]
            same_province = successor and by_id[successor]["province_id"] == template
            agencies[slug] = {
                "agency_id": f"{province.province_id}:{slug}",
                "province_id": province.province_id,
                "agency_name": _rename(row["agency_name"], province),
                "agency_kind": row["agency_kind"],
                "valid_from": row["valid_from"],
                # The Bắc Kạn bodies end with the province merger; a clone does not.
                "valid_to": row["valid_to"] if same_province else "",
                "successor_agency_id": (
                    f"{province.province_id}:{_rename_slug(successor.split(':', 1)[1], province)}"
                    if same_province
                    else ""
                ),
                "is_group": row["is_group"],
                "source_note": f"{MARK_NOTE}; cloned from {row['agency_id']}",
            }
    aliases: list[dict[str, str]] = []
    seen = {
        normalize_agency_name(row["alias_text"])
        for row in tables["agency_aliases"]
        if row["province_id"] == province.province_id
    }
    for template in AGENCY_TEMPLATE_PROVINCES:
        for row in tables["agency_aliases"]:
            if row["province_id"] != template or row["agency_id"] not in slug_of:
                continue
            text = _rename(row["alias_text"], province)
            key = normalize_agency_name(text)
            if key in seen:
                continue
            seen.add(key)
            aliases.append(
                {
                    "alias_text": text,
                    "province_id": province.province_id,
                    "agency_id": f"{province.province_id}:{slug_of[row['agency_id']]}",
                    "note": f"{MARK_NOTE}; cloned from '{row['alias_text']}'",
                }
            )
    lineage = []
    for row in tables["agency_lineage"]:
        predecessor = row["predecessor_agency_id"]
        if not predecessor.startswith("nghe-an:"):
            continue
        slug = slug_of[predecessor]
        if slug not in agencies:
            continue
        successor = agencies[slug]["successor_agency_id"]
        if successor:
            lineage.append(
                {
                    "predecessor_agency_id": agencies[slug]["agency_id"],
                    "successor_agency_id": successor,
                    "effective_date": row["effective_date"],
                    "legal_basis": row["legal_basis"],
                    "note": f"{MARK_NOTE}; cloned from {predecessor}",
                }
            )
    return list(agencies.values()), aliases, lineage


def _plan_row(
    template: dict[str, str], plan_id: str, province: Province, issued: date
) -> dict[str, str]:
    return {
        **template,
        "plan_id": plan_id,
        "province_name": province.province_name,
        "document_number": "(synthetic)",
        # Printed as the documents do, and parsed as extraction writes it.
        "issue_date_text": format_date(issued),
        "issue_date": issued.isoformat(),
        "signer_name": "(synthetic)",
        "title": "[SYNTHETIC] " + _rename(template["title"], province),
        "flags": f"synthetic: cloned from {template['plan_id']} by nq57 simulate",
    }


def _clone_items(
    rows: list[dict[str, str]], template_plan: str, plan_id: str, province: Province
) -> list[dict[str, str]]:
    text_columns = ("lead_agency_text", "coordinating_agency_text", "monitoring_agency_text")
    out = []
    for row in rows:
        if row["plan_id"] != template_plan:
            continue
        clone = {**row, "plan_id": plan_id}
        for column in text_columns:
            if column in clone:
                clone[column] = _rename(clone[column], province)
        if "flags" in clone:
            clone["flags"] = " | ".join(filter(None, [clone["flags"], "synthetic"]))
        out.append(clone)
    return out


def _clone_budget(
    rows: list[dict[str, str]], plan_id: str, province: Province, factor: Decimal
) -> list[dict[str, str]]:
    out = []
    for row in rows:
        if row["plan_id"] != BUDGET_TEMPLATE:
            continue
        amount = Decimal(row["amount_in_unit"]) * factor if row["amount_in_unit"] else None
        clone = {
            **row,
            "plan_id": plan_id,
            "budget_line_id": row["budget_line_id"].replace(BUDGET_TEMPLATE, plan_id, 1),
            "parent_budget_line_id": row["parent_budget_line_id"].replace(
                BUDGET_TEMPLATE, plan_id, 1
            ),
            "line_name": _rename(row["line_name"], province),
            "amount_text": format_vn_number(amount) if amount is not None else "",
            "amount_in_unit": decimal_to_text(amount) or "",
            "flags": " | ".join(
                filter(None, [row["flags"], f"synthetic: amount x{factor} of {BUDGET_TEMPLATE}"])
            ),
        }
        out.append(clone)
    return out


def write_national_seeds(
    real_seeds: Path, out_dir: Path, seed: int, provinces: tuple[Province, ...] | None = None
) -> SyntheticSeeds:
    """Copy the real seeds to ``out_dir`` and add the synthetic provinces' rows.

    ``provinces`` defaults to the 34 units of 2025 in ``provinces.csv``.
    Provinces with a real plan, or holding one since the 2025 merger (Thái
    Nguyên holds Bắc Kạn's), are left as they are; every other one is
    synthesized.
    """
    if out_dir.exists():
        shutil.rmtree(out_dir)
    shutil.copytree(real_seeds, out_dir)
    reference_dir = out_dir / "reference"
    if provinces is None:
        provinces = read_provinces_2025(reference_dir)
    _, plans = _read(out_dir / "plans.csv")
    plans_by_id = {row["plan_id"]: row for row in plans}
    _, tasks = _read(out_dir / "tasks.csv")
    _, indicators = _read(out_dir / "indicators.csv")
    _, targets = _read(out_dir / "indicator_targets.csv")
    _, budget = _read(out_dir / "budget_lines.csv")
    # The real calendar rows (copied with the seeds) stay first; each synthetic
    # plan's, cloned from its template's, is appended below them.
    calendar_path = calendar_file(out_dir)
    calendar_rows = read_calendar_rows(calendar_path)
    real = load_reference(real_seeds)
    real_provinces = {plan.province_id for plan in real.plans.values()} | {
        real.current_province(plan.province_id, MERGER_DATE) for plan in real.plans.values()
    }
    rng = random.Random(f"nq57-synthetic-seeds|{seed}")

    synthetic = [p for p in provinces if p.province_id not in real_provinces]
    two_plans = []
    for index, province in enumerate(synthetic):
        agencies, aliases, lineage = _clone_agencies(reference_dir, province)
        _append(reference_dir / "agencies.csv", agencies)
        _append(reference_dir / "agency_aliases.csv", aliases)
        _append(reference_dir / "agency_lineage.csv", lineage)

        templates = [IMPLEMENTATION_TEMPLATES[index % 2]]
        if index % SECOND_PLAN_EVERY == SECOND_PLAN_EVERY - 1:
            templates.append(IMPLEMENTATION_TEMPLATES[(index + 1) % 2])
            two_plans.append(province.province_id)
        plan_rows, task_rows, indicator_rows, target_rows, calendar = [], [], [], [], []
        offset = rng.randint(0, 45)
        for number, template_id in enumerate(templates):
            suffix = "ke-hoach-2025" if number == 0 else "ke-hoach-2025-bo-sung"
            plan_id = _plan_id(province, suffix)
            days = offset + number * SECOND_PLAN_DELAY_DAYS
            issued = _issue_date(real.plans, template_id, days)
            plan_rows.append(_plan_row(plans_by_id[template_id], plan_id, province, issued))
            task_rows += _clone_items(tasks, template_id, plan_id, province)
            indicator_rows += _clone_items(indicators, template_id, plan_id, province)
            target_rows += _clone_items(targets, template_id, plan_id, province)
            calendar += [
                {**row, "plan_id": plan_id}
                for row in calendar_rows
                if row["plan_id"] == template_id
            ]
        budget_plan = _plan_id(province, "ngan-sach-2026")
        issued = _issue_date(real.plans, BUDGET_TEMPLATE, offset)
        plan_rows.append(_plan_row(plans_by_id[BUDGET_TEMPLATE], budget_plan, province, issued))
        factor = rng.choice(BUDGET_FACTORS)
        _append(out_dir / "plans.csv", plan_rows)
        _append(out_dir / "tasks.csv", task_rows)
        _append(out_dir / "indicators.csv", indicator_rows)
        _append(out_dir / "indicator_targets.csv", target_rows)
        _append(out_dir / "budget_lines.csv", _clone_budget(budget, budget_plan, province, factor))
        _append(calendar_path, calendar)
    return SyntheticSeeds(
        out_dir,
        calendar_path,
        tuple(p.province_id for p in synthetic),
        tuple(two_plans),
    )
