"""What submissions are checked against: the plans' tasks, indicators and
budget lines (``seeds/*.csv``) and the agency registry (``seeds/reference``).

Assignments follow the 2025 reorganization. A task cell is resolved with
:func:`~dagster_project.semantics.agencies.resolve_agencies` in the plan's own
province, and each agency it names is followed with
:func:`~dagster_project.semantics.agencies.current_agency` to the body that
holds it on the last day of the reporting period. So a Nghệ An task led by
Sở Thông tin và Truyền thông is reported in 2026 by Sở Khoa học và Công nghệ,
and a Bắc Kạn task by the Thái Nguyên body that took it over; likewise the
Bắc Kạn plan is one of Thái Nguyên's plans from 2025-07-01.

Groups ("Các sở, ban, ngành, địa phương") stand for an open set of bodies, so
the registry never splits them into agencies. A reporting agency still has to
report on a task its group leads, so membership is decided here, by agency
kind, for the three group kinds whose members are accountable bodies
(:data:`GROUP_MEMBER_KINDS`). Other groups (universities, enterprises,
industrial clusters, Party bodies) assign no reporting agency.

A plan's *reported figures* (``seeds/reported_figures.csv``: what the plan
text says was achieved, such as Lạng Sơn 234's share of dossiers received
online) can be reported like indicators, keyed by their ``figure_id``. They
are the plan's own results, not an agency's assignment, so the body that
consolidates the province's reports reports them: the province's Sở Khoa
học và Công nghệ (DOMAIN.md, "Reports go to Sở Khoa học và Công nghệ"),
followed through the registry to the body holding it on the period's last day.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from dagster_project.config import SEEDS_DIR
from dagster_project.semantics import normalize_cell_text
from dagster_project.semantics.agencies import (
    REFERENCE_DIR,
    Registry,
    current_agency,
    load_registry,
    read_reference_csv,
    resolve_agencies,
)
from dagster_project.semantics.dates import parse_vn_date
from dagster_project.semantics.targets import parse_target

# The provincial bodies that are the province's own leadership, not one of
# its "sở, ban, ngành": the plan is theirs, they are not assigned by it.
PROVINCIAL_LEADERSHIP_SLUGS = frozenset({"ubnd-tinh", "hdnd-tinh"})

# Which agency kinds a group kind (agency_groups.csv) includes. "Sở, ban,
# ngành" covers the departments, the provincial boards and bodies, and the
# provincial units of central branches (Công an, Quân sự, Ngân hàng...).
_DEPARTMENTS = frozenset({"department", "provincial_body", "central_branch"})
_LOCAL_GOVERNMENTS = frozenset({"district_ubnd", "commune_ubnd"})
GROUP_MEMBER_KINDS: dict[str, frozenset[str]] = {
    "departments": _DEPARTMENTS,
    "departments_and_localities": _DEPARTMENTS | _LOCAL_GOVERNMENTS,
    "people_committees_all_levels": _LOCAL_GOVERNMENTS,
}

SEED_FILES = (
    "plans",
    "tasks",
    "indicators",
    "indicator_targets",
    "budget_lines",
    "reported_figures",
)

# The agency every province's reports go to, as a registry id slug.
REPORTS_CONSOLIDATOR_SLUG = "so-khcn"


class ReferenceError(RuntimeError):
    """The seeds needed to check submissions are missing or inconsistent."""


@dataclass(frozen=True)
class Plan:
    plan_id: str
    province_id: str
    issue_date: date | None
    plan_kind: str


@dataclass(frozen=True)
class Task:
    plan_id: str
    task_key: str
    task_name: str
    lead_agency_text: str
    coordinating_agency_text: str
    deadline_text: str


@dataclass(frozen=True)
class Indicator:
    plan_id: str
    indicator_code: str
    indicator_name: str
    unit_text: str
    monitoring_agency_text: str
    # Every parsed target lies in 0..1 (an index such as the provincial DTI):
    # a value printed "1.000" is then ambiguous (thousands, or one with a decimal point).
    fraction_scale: bool = False


def _fraction_scale_indicators(rows: list[dict[str, str]], names: dict) -> set[tuple[str, str]]:
    """The (plan, code) keys whose parsed targets all lie in 0..1, one of them a true fraction.

    A fraction is required because a count of one ("≥ 01" data centre) or a
    "Có" (yes) target also lies in 0..1.
    """
    bounds: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for row in rows:
        key = (row["plan_id"], item_key(row["indicator_code"]))
        unit_text, name = names.get(key, ("", ""))
        parsed = parse_target(row["target_text"], unit_text, name)
        bounds[key].extend(v for v in (parsed.target_low, parsed.target_high) if v is not None)
    return {
        key
        for key, values in bounds.items()
        if any(0 < v < 1 for v in values) and all(0 <= v <= 1 for v in values)
    }


@dataclass(frozen=True)
class Figure:
    """A figure the plan text reports as achieved, reportable under its ``figure_id``."""

    plan_id: str
    figure_id: str
    metric: str
    unit_text: str

    @property
    def indicator_code(self) -> str:
        return self.figure_id


@dataclass(frozen=True)
class Province:
    province_id: str
    province_name: str
    valid_to: date | None
    successor_province_id: str | None


@dataclass(frozen=True)
class Holder:
    """An agency (or a group, through membership) holding an assignment on a date."""

    agency_id: str | None
    group_id: str | None
    group_kind: str | None
    group_province_id: str | None
    via_text: str


def item_key(text: str) -> str:
    """How task keys and indicator codes are compared: trimmed, casefolded, no trailing dot."""
    return normalize_cell_text(text).rstrip(".").casefold()


# A cached role may be None: this marks "not asked yet".
_NOT_CACHED = object()


@dataclass
class ReferenceData:
    """The plans and registry, indexed for the row checks."""

    registry: Registry
    provinces: dict[str, Province]
    plans: dict[str, Plan]
    tasks: dict[tuple[str, str], Task]
    indicators: dict[tuple[str, str], Indicator]
    budget_lines: dict[str, set[str]]
    figures: dict[tuple[str, str], Figure] = field(default_factory=dict)
    _holders_cache: dict[tuple[str, str, date], tuple[Holder, ...]] = field(
        default_factory=dict, repr=False
    )
    # (a task's plan and agency cells, or an indicator; agency; date) -> its role:
    # every row of every file asks again.
    _roles_cache: dict[tuple[object, ...], Any] = field(default_factory=dict, repr=False)

    # -- provinces and plans ------------------------------------------------

    def current_province(self, province_id: str, as_of: date) -> str:
        """The province that holds ``province_id``'s duties on ``as_of`` (Bắc Kạn -> Thái Nguyên)."""
        province = self.provinces[province_id]
        seen = {province_id}
        while province.valid_to is not None and as_of > province.valid_to:
            if province.successor_province_id is None:
                break
            province = self.provinces[province.successor_province_id]
            if province.province_id in seen:
                raise ReferenceError(f"province successor cycle through {province.province_id}")
            seen.add(province.province_id)
        return province.province_id

    def province_plans(self, province_id: str, as_of: date) -> list[Plan]:
        """Plans a province answers for on ``as_of``: its own and those of provinces it absorbed."""
        return sorted(
            (
                plan
                for plan in self.plans.values()
                if self.current_province(plan.province_id, as_of) == province_id
            ),
            key=lambda plan: plan.plan_id,
        )

    def find_tasks(self, plans: list[Plan], task_key: str) -> list[Task]:
        key = item_key(task_key)
        return [self.tasks[(p.plan_id, key)] for p in plans if (p.plan_id, key) in self.tasks]

    def find_indicators(self, plans: list[Plan], code: str) -> list[Indicator]:
        key = item_key(code)
        return [
            self.indicators[(p.plan_id, key)] for p in plans if (p.plan_id, key) in self.indicators
        ]

    def find_indicators_or_figures(self, plans: list[Plan], code: str) -> list[Indicator | Figure]:
        """Plan indicators with this code; failing those, reported figures with this id."""
        found: list[Indicator | Figure] = list(self.find_indicators(plans, code))
        if found:
            return found
        key = item_key(code)
        return [self.figures[(p.plan_id, key)] for p in plans if (p.plan_id, key) in self.figures]

    # -- assignments ----------------------------------------------------------

    def holders(self, cell_text: str, plan_province_id: str, as_of: date) -> tuple[Holder, ...]:
        """Who holds the assignment a plan cell makes, on ``as_of``."""
        cache_key = (cell_text, plan_province_id, as_of)
        if cache_key in self._holders_cache:
            return self._holders_cache[cache_key]
        matches, _unmatched = resolve_agencies(cell_text, plan_province_id, self.registry)
        found: list[Holder] = []
        for match in matches:
            if match.agency_id is not None:
                found.append(
                    Holder(
                        self.holder_agency(match.agency_id, as_of), None, None, None, match.fragment
                    )
                )
            elif match.group_id is not None:
                found.append(
                    Holder(
                        None,
                        match.group_id,
                        self.registry.groups.get(match.group_id),
                        self.current_province(plan_province_id, as_of),
                        match.fragment,
                    )
                )
        result = tuple(found)
        self._holders_cache[cache_key] = result
        return result

    def holder_agency(self, agency_id: str, as_of: date) -> str:
        """The named agency followed to ``as_of``.

        A body named before it existed (a plan of May 2025 naming Sở Nông
        nghiệp và Môi trường, checked against January 2025) or one that ended
        without a successor holds its own assignment: the period checks, not
        the lineage, reject reports that fall outside the plan.
        """
        try:
            return current_agency(agency_id, as_of, self.registry)
        except (ValueError, LookupError):
            return agency_id

    def is_group_member(self, agency_id: str, holder: Holder, as_of: date) -> bool:
        """Whether an agency existing on ``as_of`` belongs to a group holder."""
        agency = self.registry.agencies[agency_id]
        kinds = GROUP_MEMBER_KINDS.get(holder.group_kind or "", frozenset())
        slug = agency_id.split(":", 1)[-1]
        exists = (agency.valid_from is None or agency.valid_from <= as_of) and (
            agency.valid_to is None or as_of <= agency.valid_to
        )
        return (
            exists
            and not agency.is_group
            and agency.province_id == holder.group_province_id
            and agency.agency_kind in kinds
            and slug not in PROVINCIAL_LEADERSHIP_SLUGS
        )

    def role_in_cell(
        self, agency_id: str, cell_text: str, plan_province_id: str, as_of: date
    ) -> Holder | None:
        """The holder entry through which ``agency_id`` is named in a cell, if any.

        A direct naming wins over a group membership.
        """
        holders = self.holders(cell_text, plan_province_id, as_of)
        for holder in holders:
            if holder.agency_id == agency_id:
                return holder
        for holder in holders:
            if holder.group_id is not None and self.is_group_member(agency_id, holder, as_of):
                return holder
        return None

    def task_role(self, task: Task, agency_id: str, as_of: date) -> tuple[str, Holder] | None:
        """('lead' | 'coordinating', holder) for an agency on a task, or None.

        Cached by what the role depends on (the plan, the task's two agency cells, the
        agency and the date), not by the task: the tasks of a plan share a few dozen
        agency cells, so an agency's rows are answered from the first task with each
        (and a task's key is not rehashed field by field on every row).
        """
        key = (task.plan_id, task.lead_agency_text, task.coordinating_agency_text, agency_id, as_of)
        return self._cached_role(key, lambda: self._task_role(task, agency_id, as_of))

    def _cached_role(self, key: tuple[object, ...], find: Callable[[], Any]) -> Any:
        """The role cached under ``key``, found (and cached, None included) on first ask."""
        role = self._roles_cache.get(key, _NOT_CACHED)
        if role is _NOT_CACHED:
            role = self._roles_cache[key] = find()
        return role

    def _task_role(self, task: Task, agency_id: str, as_of: date) -> tuple[str, Holder] | None:
        province_id = self.plans[task.plan_id].province_id
        for role, cell in (
            ("lead", task.lead_agency_text),
            ("coordinating", task.coordinating_agency_text),
        ):
            holder = self.role_in_cell(agency_id, cell, province_id, as_of)
            if holder is not None:
                return role, holder
        return None

    def monitors_indicator(
        self, indicator: Indicator | Figure, agency_id: str, as_of: date
    ) -> Holder | None:
        """The holder through which an agency monitors an indicator (reports a figure), or None."""
        return self._cached_role(
            (indicator, agency_id, as_of),
            lambda: self._monitors_indicator(indicator, agency_id, as_of),
        )

    def _monitors_indicator(
        self, indicator: Indicator | Figure, agency_id: str, as_of: date
    ) -> Holder | None:
        province_id = self.plans[indicator.plan_id].province_id
        if isinstance(indicator, Figure):
            return self.reports_figures(agency_id, province_id, as_of)
        return self.role_in_cell(agency_id, indicator.monitoring_agency_text, province_id, as_of)

    def reports_figures(self, agency_id: str, province_id: str, as_of: date) -> Holder | None:
        """The holder through which ``agency_id`` reports a province's plan figures, if it does."""
        consolidator = f"{province_id}:{REPORTS_CONSOLIDATOR_SLUG}"
        if consolidator not in self.registry.agencies:
            return None
        if self.holder_agency(consolidator, as_of) != agency_id:
            return None
        return Holder(agency_id, None, None, None, f"reports consolidated by {consolidator}")

    def _province_items(self, items: dict, province_id: str, as_of: date) -> list:
        """The tasks or indicators (``items``, keyed by plan id first) of the province's plans
        on ``as_of``, plan by plan."""
        return [
            item
            for plan in self.province_plans(province_id, as_of)
            for (plan_id, _), item in items.items()
            if plan_id == plan.plan_id
        ]

    def agency_tasks(
        self, agency_id: str, province_id: str, as_of: date
    ) -> list[tuple[Task, str, Holder]]:
        """Every task of the province's plans the agency leads or coordinates on ``as_of``."""
        return [
            (task, *role)
            for task in self._province_items(self.tasks, province_id, as_of)
            if (role := self.task_role(task, agency_id, as_of)) is not None
        ]

    def agency_indicators(
        self, agency_id: str, province_id: str, as_of: date
    ) -> list[tuple[Indicator, Holder]]:
        """Every indicator of the province's plans the agency monitors on ``as_of``."""
        return [
            (indicator, holder)
            for indicator in self._province_items(self.indicators, province_id, as_of)
            if (holder := self.monitors_indicator(indicator, agency_id, as_of)) is not None
        ]


def _read_seed(seeds_dir: Path, table: str) -> list[dict[str, str]]:
    path = seeds_dir / f"{table}.csv"
    if not path.exists():
        raise ReferenceError(
            f"{path} is missing: run `nq57 extract` to write the seed CSVs before "
            "generating templates or ingesting submissions"
        )
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _date_or_none(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def _plan_province(row: dict[str, str], provinces: dict[str, Province]) -> str:
    """The province that issued a plan: by name, or by the plan id's slug prefix."""
    name = normalize_cell_text(row["province_name"]).casefold()
    for province in provinces.values():
        if normalize_cell_text(province.province_name).casefold() == name:
            return province.province_id
    prefixes = [p for p in provinces if row["plan_id"].startswith(p + "-")]
    if len(prefixes) == 1:
        return prefixes[0]
    raise ReferenceError(
        f"plans.csv plan {row['plan_id']!r}: province {row['province_name']!r} "
        "is not in seeds/reference/provinces.csv"
    )


def _add_unique(index: dict, key: tuple[str, str], item: object, where: str) -> None:
    if key in index:
        raise ReferenceError(f"{where}: plan {key[0]!r} lists {key[1]!r} twice")
    index[key] = item


def load_reference(seeds_dir: Path = SEEDS_DIR, reference_dir: Path | None = None) -> ReferenceData:
    """Read the seed CSVs and the registry; raise :class:`ReferenceError` naming what is missing."""
    reference_dir = reference_dir or (
        REFERENCE_DIR if seeds_dir == SEEDS_DIR else seeds_dir / "reference"
    )
    if not (reference_dir / "agencies.csv").exists():
        raise ReferenceError(f"{reference_dir / 'agencies.csv'} is missing: no agency registry")
    registry = load_registry(reference_dir)
    provinces = {
        row["province_id"]: Province(
            row["province_id"],
            row["province_name"],
            _date_or_none(row["valid_to"]),
            row["successor_province_id"] or None,
        )
        for row in read_reference_csv(reference_dir / "provinces.csv")
    }
    plans = {}
    for row in _read_seed(seeds_dir, "plans"):
        plans[row["plan_id"]] = Plan(
            row["plan_id"],
            _plan_province(row, provinces),
            # None when the seed prints no real date: the period-before-plan
            # check is then skipped for that plan rather than guessed.
            parse_vn_date(row["issue_date_text"]),
            row["plan_kind"],
        )
    tasks = {}
    for row in _read_seed(seeds_dir, "tasks"):
        task = Task(
            row["plan_id"],
            normalize_cell_text(row["task_key"]),
            normalize_cell_text(row["task_name"]),
            row["lead_agency_text"],
            row["coordinating_agency_text"],
            normalize_cell_text(row["deadline_text"]),
        )
        _add_unique(tasks, (task.plan_id, item_key(task.task_key)), task, "tasks.csv")
    indicator_rows = _read_seed(seeds_dir, "indicators")
    fraction_scale = _fraction_scale_indicators(
        _read_seed(seeds_dir, "indicator_targets"),
        {
            (row["plan_id"], item_key(row["indicator_code"])): (
                row["unit_text"],
                row["indicator_name"],
            )
            for row in indicator_rows
        },
    )
    indicators = {}
    for row in indicator_rows:
        indicator = Indicator(
            row["plan_id"],
            normalize_cell_text(row["indicator_code"]),
            normalize_cell_text(row["indicator_name"]),
            normalize_cell_text(row["unit_text"]),
            row["monitoring_agency_text"],
            (row["plan_id"], item_key(row["indicator_code"])) in fraction_scale,
        )
        _add_unique(
            indicators,
            (indicator.plan_id, item_key(indicator.indicator_code)),
            indicator,
            "indicators.csv",
        )
    budget_lines: dict[str, set[str]] = defaultdict(set)
    for row in _read_seed(seeds_dir, "budget_lines"):
        budget_lines[row["plan_id"]].add(normalize_cell_text(row["budget_line_id"]))
    figures = {}
    for row in _read_seed(seeds_dir, "reported_figures"):
        figure = Figure(
            row["plan_id"],
            normalize_cell_text(row["figure_id"]),
            normalize_cell_text(row["metric"]),
            normalize_cell_text(row["unit"]),
        )
        _add_unique(
            figures, (figure.plan_id, item_key(figure.figure_id)), figure, "reported_figures.csv"
        )
    for kind, items in (
        ("tasks", tasks),
        ("indicators", indicators),
        ("reported_figures", figures),
    ):
        for plan_id, _ in items:
            if plan_id not in plans:
                raise ReferenceError(f"{kind}.csv refers to plan {plan_id!r}, not in plans.csv")
    return ReferenceData(registry, provinces, plans, tasks, indicators, dict(budget_lines), figures)
