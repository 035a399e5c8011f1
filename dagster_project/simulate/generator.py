"""Generate a stream of simulated submission files, one at a time.

The simulation walks reporting periods in date order; for each period, each
province whose plans apply, and each agency holding tasks, indicators or
budget lines in them (a "slot"), it decides from a generator seeded by the
slot's keys:

- whether the agency reports at all (``missing_rate``), and when: before the
  calendar's deadline, or after it (``late_rate``);
- in which format: the filled-in .xlsx template, or one CSV per sheet in the
  agency's encoding and delimiter;
- whether the first file is broken (``defect_rate``; kinds from
  :mod:`.defects`, each in turn), followed most of the time by a corrected
  file; and whether a later corrected report replaces an accepted one
  (``resubmit_rate``).

Files are written as soon as they are made and nothing about them is kept:
memory does not grow with the number of files. Each file's modification
time is the simulated moment the agency sent it, and
``<out>/.nq57-simulate/manifest.csv`` (hidden, so ingestion skips it) gets one
line per file, and per report never sent, saying what the file is meant to
be: its deadline, whether it is late, which defect it carries and the reason
code ingestion should give it.
"""

from __future__ import annotations

import bisect
import csv
import gc
import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path

from dagster_project.semantics.numbers import format_vn_number
from dagster_project.submissions import spec
from dagster_project.submissions.paths import STORE_FILE_NAME
from dagster_project.submissions.periods import Period, format_date
from dagster_project.submissions.readers import DEFAULT_MAX_BYTES
from dagster_project.submissions.reference import (
    Holder,
    Indicator,
    Plan,
    ReferenceData,
    Task,
    load_reference,
)
from dagster_project.submissions.signing import load_keys
from dagster_project.submissions.template import TemplateContent, role_label
from dagster_project.warehouse.paths import SEEDS_DIR

from .calendar import CALENDAR_FILE, PERIOD_KINDS, DueRule, load_calendar, periods_between
from .defects import DEFECT_KINDS, DefectContext, DefectQueue
from .files import CSV_DELIMITERS, CSV_ENCODINGS, Draft, render, sign_draft, write_file
from .trajectories import (
    BudgetLine,
    IndicatorModel,
    budget_amounts,
    budget_is_open,
    days_between,
    indicator_model,
    indicator_value,
    load_budget_lines,
    rng_for,
    task_path,
)

VIETNAM_OFFSET = timedelta(hours=7)
STATE_DIR_NAME = ".nq57-simulate"
MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = (
    "file_path",
    "file_name",
    "province_id",
    "agency_id",
    "period",
    "period_kind",
    "sheet",
    "file_format",
    "csv_encoding",
    "csv_delimiter",
    "role",
    "defect_kind",
    "expected_reason_code",
    "submitted_at",
    "due_before",
    "is_expected",
    "is_late",
    "is_synthetic",
    "size_bytes",
    "sha256",
)
# The department that reports budget execution in the simulation.
BUDGET_AGENCY_SLUG = "so-tai-chinh"
TASK_REPORTED_SHARE = 0.92
INDICATOR_REPORTED_SHARE = 0.85
CORRECTION_SHARE = 0.7
ON_TIME_WINDOW_DAYS = 12
LATE_MAX_DAYS = 40
DIFFICULTIES = (
    "Thiếu kinh phí thực hiện",
    "Chờ hướng dẫn của Bộ Khoa học và Công nghệ",
    "Thiếu nhân lực có chuyên môn về chuyển đổi số",
    "Hạ tầng mạng tại cấp xã chưa đồng bộ",
    "Đang sắp xếp lại tổ chức bộ máy sau hợp nhất",
)
INDICATOR_NOTES = ("Số liệu ước tính", "Số liệu sơ bộ", "Theo báo cáo của các đơn vị")


@dataclass(frozen=True)
class SimulationConfig:
    """What to simulate; every rate is a probability per report."""

    out_dir: Path
    seeds_dir: Path = SEEDS_DIR
    calendar_path: Path = CALENDAR_FILE
    seed: int = 57
    start: date = date(2025, 6, 1)
    end: date = date(2026, 10, 31)
    # None: the kinds each province's calendar asks for; else only this kind.
    period_kind: str | None = None
    provinces: tuple[str, ...] | None = None
    defect_rate: float = 0.05
    late_rate: float = 0.15
    resubmit_rate: float = 0.10
    missing_rate: float = 0.05
    xlsx_share: float = 0.6
    max_bytes: int = DEFAULT_MAX_BYTES
    max_files: int | None = None
    synthetic: bool = True
    # The store the files are for: its keys (<store dir>/secrets/template.key) sign them.
    # None: <out_dir>/../submissions.duckdb.
    signing_store: Path | None = None


@dataclass
class SimulationSummary:
    files: int = 0
    size_bytes: int = 0
    reports: int = 0
    not_submitted: int = 0
    late_files: int = 0
    roles: Counter = field(default_factory=Counter)
    defects: Counter = field(default_factory=Counter)
    manifest_path: Path | None = None


@dataclass(frozen=True)
class Slot:
    """One report an agency owes: a province, an agency and a period."""

    province_id: str
    agency_id: str
    period: Period
    plans: tuple[Plan, ...]
    rule: DueRule
    is_expected: bool
    tasks: tuple[tuple[Task, str, Holder], ...]
    indicators: tuple[tuple[Indicator, Holder], ...]
    budget_lines: tuple[BudgetLine, ...]

    @property
    def due_before(self) -> date:
        return self.rule.due_before(self.period)


def received_day(submitted_at: datetime) -> date:
    return (submitted_at + VIETNAM_OFFSET).date()


def _at_office_hours(rng, day: date) -> datetime:
    local = datetime.combine(day, time(rng.randint(7, 16), rng.randint(0, 59), rng.randint(0, 59)))
    return local - VIETNAM_OFFSET


class Simulator:
    """Turns a :class:`SimulationConfig` into files; see the module docstring."""

    def __init__(self, config: SimulationConfig, reference: ReferenceData | None = None):
        self.config = config
        self.reference = reference or load_reference(config.seeds_dir)
        self.keys = load_keys(config.signing_store or config.out_dir.parent / STORE_FILE_NAME)
        self.calendar = load_calendar(config.calendar_path)
        self.budget_lines = load_budget_lines(config.seeds_dir)
        self.targets = _load_targets(config.seeds_dir)
        registry = self.reference.registry
        self.province_ids = sorted(
            p for p in self.reference.provinces if not config.provinces or p in config.provinces
        )
        self.agencies_by_province: dict[str, list] = {}
        for agency in sorted(registry.agencies.values(), key=lambda a: a.agency_id):
            if not agency.is_group:
                self.agencies_by_province.setdefault(agency.province_id, []).append(agency)
        # Assignments only change on the registry's effective dates, so they
        # are computed once per stretch between two such dates: a cache
        # bounded by agencies x stretches, not by periods or files.
        breakpoints = set()
        for agency in registry.agencies.values():
            if agency.valid_from:
                breakpoints.add(agency.valid_from)
            if agency.valid_to:
                breakpoints.add(agency.valid_to + timedelta(days=1))
        for province in self.reference.provinces.values():
            if province.valid_to:
                breakpoints.add(province.valid_to + timedelta(days=1))
        self._breakpoints = sorted(breakpoints)
        self._assignments = lru_cache(maxsize=8192)(self._compute_assignments)
        self._models = lru_cache(maxsize=8192)(self._compute_model)
        self.defects = DefectQueue(sorted(DEFECT_KINDS), rng_for(config.seed, "defect-order"))

    # -- what each agency holds -------------------------------------------------------

    def assignment_date(self, day: date) -> date:
        """The start of the stretch of unchanged assignments that holds ``day``."""
        index = bisect.bisect_right(self._breakpoints, day)
        return self._breakpoints[index - 1] if index else day

    def _compute_assignments(self, agency_id: str, province_id: str, as_of: date):
        tasks = tuple(
            entry
            for entry in self.reference.agency_tasks(agency_id, province_id, as_of)
            if not (entry[1] == "coordinating" and entry[2].group_id is not None)
        )
        indicators = tuple(self.reference.agency_indicators(agency_id, province_id, as_of))
        return tasks, indicators

    def _compute_model(self, indicator: Indicator) -> IndicatorModel:
        key = (indicator.plan_id, indicator.indicator_code)
        return indicator_model(indicator, self.targets.get(key, []))

    def slots(self) -> Iterator[Slot]:
        kinds = (self.config.period_kind,) if self.config.period_kind else PERIOD_KINDS
        for period in periods_between(self.config.start, self.config.end, kinds):
            for province_id in self.province_ids:
                if self.reference.current_province(province_id, period.end) != province_id:
                    continue
                plans = self.reference.province_plans(province_id, period.end)
                issued = [plan.issue_date for plan in plans if plan.issue_date is not None]
                if not plans or (issued and period.end < min(issued)):
                    continue
                rule, is_expected = self.calendar.rule_for(plans, period)
                if self.config.period_kind is None and not is_expected:
                    continue
                yield from self._province_slots(
                    province_id, period, tuple(plans), rule, is_expected
                )

    def _province_slots(self, province_id, period, plans, rule, is_expected) -> Iterator[Slot]:
        as_of = self.assignment_date(period.end)
        for agency in self.agencies_by_province.get(province_id, []):
            if agency.valid_from and agency.valid_from > period.end:
                continue
            if agency.valid_to and agency.valid_to < period.end:
                continue
            tasks, indicators = self._assignments(agency.agency_id, province_id, as_of)
            budget: tuple[BudgetLine, ...] = ()
            if agency.agency_id.split(":", 1)[1] == BUDGET_AGENCY_SLUG:
                budget = tuple(
                    line
                    for plan in plans
                    if plan.issue_date is None or plan.issue_date <= period.end
                    for line in self.budget_lines.get(plan.plan_id, ())
                    if budget_is_open(line, period.end) or budget_is_open(line, period.start)
                )
            if tasks or indicators or budget:
                yield Slot(
                    province_id,
                    agency.agency_id,
                    period,
                    plans,
                    rule,
                    is_expected,
                    tasks,
                    indicators,
                    budget,
                )

    # -- the rows an agency types -----------------------------------------------------------

    def task_row(
        self,
        slot: Slot,
        task: Task,
        role: str | None,
        holder: Holder | None,
        as_of: date,
        rng,
        csv_style: bool,
    ) -> dict[str, object]:
        plan = self.reference.plans[task.plan_id]
        state = task_path(self.config.seed, task, plan, slot.agency_id).state(as_of)
        status = next(s for s in spec.STATUSES if s.code == state.status)
        if csv_style:
            status_text = rng.choice(
                (status.label_vi,) * 7 + (status.code,) * 2 + (status.label_en,)
            )
        else:
            status_text = status.label_vi
        percent: object = state.percent
        if state.status == "chua_thuc_hien" and rng.random() < 0.5:
            percent = ""
        elif csv_style or rng.random() < 0.4:
            percent = f"{state.percent}%" if rng.random() < 0.3 else str(state.percent)
        completion: object = ""
        output = ""
        if state.completion_date is not None:
            completion = format_date(state.completion_date)
            if not csv_style and rng.random() < 0.3:
                completion = datetime.combine(state.completion_date, time())
            number = rng.randint(100, 3500)
            output = f"Quyết định số {number}/QĐ-UBND ngày {format_date(state.completion_date)}"
        elif state.status == "dang_thuc_hien" and rng.random() < 0.3:
            output = "Dự thảo kế hoạch triển khai"
        row: dict[str, object] = {
            "plan_id": task.plan_id,
            "task_key": task.task_key,
            "task_name": task.task_name,
            "deadline_text": task.deadline_text,
            "status": status_text,
            "percent_complete": percent,
            "output_document": output,
            "completion_date": completion,
            "difficulties": rng.choice(DIFFICULTIES) if rng.random() < 0.15 else "",
        }
        if role is not None and holder is not None:
            row["role"] = role_label(role, holder)
        return row

    def indicator_row(self, slot: Slot, indicator: Indicator, as_of: date, rng, csv_style: bool):
        model = self._models(indicator)
        number, word, is_percent = indicator_value(
            self.config.seed, model, indicator, slot.agency_id, as_of
        )
        if number is None and word is None:
            return None
        if word is not None:
            value: object = word
        elif not csv_style and rng.random() < 0.4:
            value = float(number) if number != number.to_integral_value() else int(number)
        else:
            value = format_vn_number(number) + ("%" if is_percent and rng.random() < 0.5 else "")
        return {
            "plan_id": indicator.plan_id,
            "indicator_code": indicator.indicator_code,
            "indicator_name": indicator.indicator_name,
            "unit_text": indicator.unit_text,
            "value_text": value,
            "as_of_date": format_date(as_of),
            "note": rng.choice(INDICATOR_NOTES) if rng.random() < 0.1 else "",
        }

    def budget_row(self, slot_agency: str, line: BudgetLine, as_of: date, rng, csv_style: bool):
        allocated, disbursed = budget_amounts(self.config.seed, line, slot_agency, as_of)
        as_numbers = not csv_style and rng.random() < 0.5
        return {
            "budget_line_id": line.budget_line_id,
            "project_name": line.line_name,
            "allocated_million_vnd": float(allocated)
            if as_numbers
            else format_vn_number(allocated),
            "disbursed_million_vnd": float(disbursed)
            if as_numbers
            else format_vn_number(disbursed),
            "as_of_date": format_date(as_of),
            "note": "",
        }

    def report_rows(self, slot: Slot, as_of: date, rng, csv_style: bool) -> dict[str, list]:
        tasks = [
            self.task_row(slot, task, role, holder, as_of, rng, csv_style)
            for task, role, holder in slot.tasks
            if rng.random() < TASK_REPORTED_SHARE
        ]
        indicators = [
            row
            for indicator, _ in slot.indicators
            if rng.random() < INDICATOR_REPORTED_SHARE
            and (row := self.indicator_row(slot, indicator, as_of, rng, csv_style)) is not None
        ]
        budget = [
            self.budget_row(slot.agency_id, line, as_of, rng, csv_style)
            for line in slot.budget_lines
            if budget_is_open(line, as_of)
        ]
        if not (tasks or indicators or budget) and slot.tasks:
            task, role, holder = slot.tasks[0]
            tasks.append(self.task_row(slot, task, role, holder, as_of, rng, csv_style))
        return {
            spec.TASK_PROGRESS: tasks,
            spec.INDICATOR_VALUES: indicators,
            spec.BUDGET_EXECUTION: budget,
        }

    # -- files ----------------------------------------------------------------------------------

    def _draft(
        self, slot: Slot, fmt: str, submitted_at: datetime, rng, tools: tuple[str, str]
    ) -> Draft:
        as_of = received_day(submitted_at) - timedelta(days=rng.randint(0, 3))
        content = TemplateContent(
            slot.province_id, slot.agency_id, slot.period, list(slot.tasks), list(slot.indicators)
        )
        return Draft(
            fmt=fmt,
            metadata={
                "format_version": spec.FORMAT_VERSION,
                "province_id": slot.province_id,
                "agency_id": slot.agency_id,
                "period": slot.period.code,
            },
            rows=self.report_rows(slot, as_of, rng, fmt == "csv"),
            content=content,
            submitted_at=submitted_at,
            generated_at=submitted_at - timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 8)),
            synthetic=self.config.synthetic,
            csv_encoding=tools[0],
            csv_delimiter=tools[1],
        )

    def _defect_context(self, slot: Slot, submitted_at: datetime, rng) -> DefectContext:
        as_of = received_day(submitted_at)

        def good_task_row(task: Task) -> dict[str, object]:
            return {
                "plan_id": task.plan_id,
                "task_key": task.task_key,
                "task_name": task.task_name,
                "status": "Đang thực hiện",
                "percent_complete": "50",
            }

        def budget_rows(key: str) -> list[dict[str, object]]:
            plan_ids = [key] if key in self.budget_lines else [p.plan_id for p in slot.plans]
            return [
                self.budget_row(slot.agency_id, line, as_of, rng, True)
                for plan_id in plan_ids
                for line in self.budget_lines.get(plan_id, ())
            ]

        return DefectContext(
            reference=self.reference,
            province_id=slot.province_id,
            agency_id=slot.agency_id,
            period=slot.period,
            received_on=as_of,
            max_bytes=self.config.max_bytes,
            rng=rng,
            task_row=good_task_row,
            budget_rows=budget_rows,
            assignment_date=self.assignment_date(slot.period.end),
            plans=list(slot.plans),
        )

    def _versions(self, slot: Slot, rng) -> list[tuple[str, datetime]]:
        """(role, submitted_at) of each file the agency sends for the slot, in order."""
        due = slot.due_before
        if rng.random() < self.config.late_rate:
            day = due + timedelta(days=rng.randint(0, LATE_MAX_DAYS))
        else:
            low = max(slot.period.start, due - timedelta(days=ON_TIME_WINDOW_DAYS))
            day = days_between(rng, low, due - timedelta(days=1))
        first = _at_office_hours(rng, day)
        versions: list[tuple[str, datetime]] = []
        if rng.random() < self.config.defect_rate:
            versions.append(("defect", first))
            if rng.random() < CORRECTION_SHARE:
                later = received_day(first) + timedelta(days=rng.randint(1, 7))
                versions.append(("correction", _at_office_hours(rng, later)))
        else:
            versions.append(("original", first))
        if rng.random() < self.config.resubmit_rate:
            later = received_day(versions[-1][1]) + timedelta(days=rng.randint(2, 20))
            versions.append(("resubmission", _at_office_hours(rng, later)))
        return versions

    def files_for(self, slot: Slot) -> Iterator[tuple[Draft | None, dict[str, str]]]:
        """Every file of one slot with its manifest line (without path, size and hash).

        A report never sent is one manifest line without a file (``None``).
        """
        keys = (self.config.seed, slot.province_id, slot.agency_id, slot.period.code)
        rng = rng_for(*keys, "slot")
        # An agency saves every CSV with the same tool: one encoding, one delimiter.
        agency_rng = rng_for(self.config.seed, slot.agency_id, "tools")
        tools = (agency_rng.choice(CSV_ENCODINGS), agency_rng.choice(CSV_DELIMITERS))
        base = {
            "province_id": slot.province_id,
            "agency_id": slot.agency_id,
            "period": slot.period.code,
            "period_kind": slot.period.kind,
            "due_before": slot.due_before.isoformat(),
            "is_expected": str(slot.is_expected).lower(),
            "is_synthetic": str(self.config.synthetic).lower(),
        }
        if rng.random() < self.config.missing_rate:
            yield None, {**base, "role": "not_submitted"}
            return
        fmt = "xlsx" if rng.random() < self.config.xlsx_share else "csv"
        for role, submitted_at in self._versions(slot, rng):
            version_rng = rng_for(*keys, role, submitted_at.isoformat())
            draft = self._draft(slot, fmt, submitted_at, version_rng, tools)
            defect = None
            if role == "defect":
                context = self._defect_context(slot, submitted_at, version_rng)

                def attempt(kind, slot=slot, submitted_at=submitted_at, context=context) -> bool:
                    nonlocal draft
                    attempt_rng = rng_for(*keys, "defect", kind.name)
                    draft = self._draft(slot, fmt, submitted_at, attempt_rng, tools)
                    return kind.apply(draft, context)

                defect = self.defects.choose(attempt)
                if defect is None:
                    role = "original"
            is_late = received_day(submitted_at) >= slot.due_before
            line = {
                **base,
                "role": role,
                "defect_kind": defect.name if defect else "",
                "expected_reason_code": defect.name if defect else "",
                "submitted_at": submitted_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "is_late": str(is_late).lower(),
                "file_format": draft.fmt,
            }
            if draft.fmt == "xlsx":
                yield draft, {**line, "sheet": "", **_csv_fields(draft)}
                continue
            if defect is not None:
                # A broken CSV report is the one broken sheet file.
                if not draft.csv_sheet:
                    with_rows = [s for s in spec.DATA_SHEETS if draft.rows.get(s)]
                    draft.csv_sheet = with_rows[0] if with_rows else spec.TASK_PROGRESS
                yield draft, {**line, "sheet": draft.csv_sheet, **_csv_fields(draft)}
                continue
            for offset, sheet in enumerate(s for s in spec.DATA_SHEETS if draft.rows.get(s)):
                part = replace(
                    draft, csv_sheet=sheet, submitted_at=submitted_at + timedelta(minutes=offset)
                )
                moment = part.submitted_at.strftime("%Y-%m-%dT%H:%M:%SZ")
                yield part, {**line, "sheet": sheet, "submitted_at": moment, **_csv_fields(part)}

    def run(self, progress: Callable[[str], None] = print) -> SimulationSummary:
        """Write every file and the manifest; returns counts only."""
        out = self.config.out_dir
        state = out / STATE_DIR_NAME
        state.mkdir(parents=True, exist_ok=True)
        summary = SimulationSummary(manifest_path=state / MANIFEST_NAME)
        # The reference data and caches are long-lived: frozen, they are left out
        # of the collections that free each workbook, which then cost little.
        gc.collect()
        gc.freeze()
        try:
            return self._run(summary, progress)
        finally:
            gc.unfreeze()

    def _run(self, summary: SimulationSummary, progress: Callable[[str], None]):
        out = self.config.out_dir
        current_period = None
        with summary.manifest_path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
            writer.writeheader()
            for slot in self.slots():
                if slot.period.code != current_period:
                    if current_period is not None:
                        progress(f"simulate: {current_period} done, {summary.files} files so far")
                    current_period = slot.period.code
                summary.reports += 1
                for draft, line in self.files_for(slot):
                    if draft is None:
                        summary.not_submitted += 1
                        writer.writerow(line)
                        continue
                    sign_draft(draft, self.keys)
                    data = render(draft, self.reference)
                    if draft.fmt == "xlsx":
                        # openpyxl workbooks are reference cycles (sheets point back to
                        # their workbook): without a collection they pile up until the
                        # collector's next full pass, and memory would grow with files.
                        gc.collect()
                    name = file_name(draft, slot, line["sheet"])
                    relative = Path(slot.province_id) / slot.period.code / name
                    write_file(out / relative, data, draft.submitted_at)
                    writer.writerow(
                        {
                            **line,
                            "file_path": relative.as_posix(),
                            "file_name": name,
                            "size_bytes": str(len(data)),
                            "sha256": hashlib.sha256(data).hexdigest(),
                        }
                    )
                    summary.files += 1
                    summary.size_bytes += len(data)
                    summary.roles[line["role"]] += 1
                    summary.late_files += line["is_late"] == "true"
                    if line["defect_kind"]:
                        summary.defects[line["defect_kind"]] += 1
                    if self.config.max_files and summary.files >= self.config.max_files:
                        progress(f"simulate: stopped at --max-files {self.config.max_files}")
                        return summary
            if current_period is not None:
                progress(f"simulate: {current_period} done, {summary.files} files so far")
        return summary


def _csv_fields(draft: Draft) -> dict[str, str]:
    if draft.fmt != "csv":
        return {"csv_encoding": "", "csv_delimiter": ""}
    return {"csv_encoding": draft.csv_encoding, "csv_delimiter": draft.csv_delimiter}


def file_name(draft: Draft, slot: Slot, sheet: str) -> str:
    """``synthetic_nq57_<province>_<agency slug>_<period>[_<sheet>]_<local time><suffix>``."""
    slug = slot.agency_id.split(":", 1)[1]
    stamp = (draft.submitted_at + VIETNAM_OFFSET).strftime("%Y%m%d-%H%M%S")
    parts = ["synthetic_nq57" if draft.synthetic else "nq57", slot.province_id, slug]
    parts += [slot.period.code, *([sheet] if sheet else []), stamp]
    return "_".join(parts) + draft.file_suffix


def _load_targets(seeds_dir: Path) -> dict[tuple[str, str], list[tuple[str, str]]]:
    targets: dict[tuple[str, str], list[tuple[str, str]]] = {}
    with (seeds_dir / "indicator_targets.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key = (row["plan_id"], row["indicator_code"])
            targets.setdefault(key, []).append((row["target_year"], row["target_text"]))
    return targets
