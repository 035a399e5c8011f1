"""How each simulated task, indicator and budget line evolves over time.

Every value is a pure function of the seed, the item, the reporting agency
and a date, drawn from a random generator seeded with a hash of those keys.
Nothing is remembered between files: a report for March 2026 computes the
state of its items on its own as-of date, so files can be generated one at a
time, in any order, with the same result.

- A task starts some weeks after its plan was issued. When its deadline can
  be read (:func:`~dagster_project.semantics.deadlines.parse_deadline`) it is
  finished on time (55%), late (25%) or not within the simulated horizon
  (20%); an ongoing or yearly task is finished by a third of the agencies.
- An indicator moves from a baseline towards its next target
  (:func:`~dagster_project.semantics.targets.parse_target`): on track,
  slowly, stalled, or moving the wrong way, so that progress marts see every
  status. Ranks (lower is better) move down; percentages stay within 0-100.
- A budget line is disbursed along an S-curve within its fiscal year (and
  the January after), up to a share of what was allocated.
"""

from __future__ import annotations

import csv
import hashlib
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from dagster_project.semantics.deadlines import parse_deadline
from dagster_project.semantics.numbers import parse_vn_number
from dagster_project.semantics.targets import TargetParse, indicator_direction, parse_target
from dagster_project.submissions.reference import Indicator, Plan, Task

TASK_START_MAX_DAYS = 120
OPEN_ENDED_SPAN_DAYS = 540
# Outcome shares for tasks with a deadline.
ON_TIME_SHARE = 0.55
LATE_SHARE = 0.25
OPEN_ENDED_DONE_SHARE = 0.35
# Indicator paces: (share, lowest, highest) fraction of the way to target by its year.
PACES = (
    (0.45, 0.9, 1.15),
    (0.25, 0.4, 0.75),
    (0.15, 0.0, 0.2),
    (0.15, -0.4, -0.1),
)
INDICATOR_EPOCH = date(2025, 1, 1)
PERCENT_UNITS = frozenset({"percent", "percent_grdp", "percent_state_budget", "percent_population"})
MILLION = Decimal(1_000_000)


def rng_for(*keys: object) -> random.Random:
    """A generator seeded by a stable hash (``hash()`` changes between processes)."""
    digest = hashlib.sha256("|".join(str(key) for key in keys).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def days_between(rng: random.Random, low: date, high: date) -> date:
    return low + timedelta(days=rng.randint(0, max((high - low).days, 0)))


# --- tasks ---------------------------------------------------------------------


@dataclass(frozen=True)
class TaskState:
    status: str
    percent: int
    completion_date: date | None


@dataclass(frozen=True)
class TaskPath:
    start: date
    due: date | None
    completion: date | None

    def state(self, as_of: date) -> TaskState:
        if as_of < self.start:
            return TaskState("chua_thuc_hien", 0, None)
        if self.completion is not None and as_of >= self.completion:
            return TaskState("hoan_thanh", 100, self.completion)
        end = self.completion or (self.due if self.due and self.due > self.start else None)
        end = end or self.start + timedelta(days=OPEN_ENDED_SPAN_DAYS)
        share = (as_of - self.start).days / max((end - self.start).days, 1)
        percent = min(95, max(5, 5 * round(20 * share)))
        return TaskState("dang_thuc_hien", percent, None)


@lru_cache(maxsize=4096)
def _due_date(deadline_text: str, plan_year: int) -> date | None:
    return parse_deadline(deadline_text, plan_year).due_date


def task_path(seed: int, task: Task, plan: Plan, agency_id: str) -> TaskPath:
    rng = rng_for(seed, "task", task.plan_id, task.task_key, agency_id)
    issued = plan.issue_date or INDICATOR_EPOCH
    due = _due_date(task.deadline_text, issued.year)
    start = issued + timedelta(days=rng.randint(7, TASK_START_MAX_DAYS))
    if due is not None and due <= start:
        start = max(issued, due - timedelta(days=30))
    draw = rng.random()
    if due is not None:
        if draw < ON_TIME_SHARE:
            completion = days_between(rng, start + (due - start) * 3 // 10, due)
        elif draw < ON_TIME_SHARE + LATE_SHARE:
            completion = due + timedelta(days=rng.randint(5, 300))
        else:
            completion = None
    else:
        completion = (
            start + timedelta(days=rng.randint(90, 900)) if draw < OPEN_ENDED_DONE_SHARE else None
        )
    return TaskPath(start, due, completion)


# --- indicators ------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorModel:
    """The targets of one indicator, read once."""

    numeric: tuple[tuple[int, Decimal, str], ...]
    has_yes_no: bool
    lower_is_better: bool


def indicator_model(indicator: Indicator, targets: list[tuple[str, str]]) -> IndicatorModel:
    """Numeric targets by year from ``(target_year, target_text)`` pairs."""
    parses: list[tuple[int, TargetParse]] = []
    for year_text, text in targets:
        parse = parse_target(text, indicator.unit_text, indicator.indicator_name)
        if year_text.isdigit():
            parses.append((int(year_text), parse))
    numeric = []
    for year, parse in sorted(parses, key=lambda item: item[0]):
        if parse.parse_status != "parsed" or parse.is_qualitative or parse.target_low is None:
            continue
        high = parse.target_high if parse.target_high is not None else parse.target_low
        numeric.append((year, (parse.target_low + high) / 2, parse.unit))
    has_yes_no = any(p.unit == "yes_no" or p.is_qualitative for _, p in parses)
    direction = indicator_direction(
        indicator.indicator_name, indicator.unit_text, [parse for _, parse in parses]
    )
    return IndicatorModel(tuple(numeric), has_yes_no, direction == "lower_is_better")


def indicator_value(
    seed: int, model: IndicatorModel, indicator: Indicator, agency_id: str, as_of: date
) -> tuple[Decimal | None, str | None, bool]:
    """(number, yes/no word, is_percent) on ``as_of``; (None, None, False) when not reportable."""
    rng = rng_for(seed, "indicator", indicator.plan_id, indicator.indicator_code, agency_id)
    if not model.numeric:
        if not model.has_yes_no:
            return None, None, False
        reached = INDICATOR_EPOCH + timedelta(days=rng.randint(60, 1500))
        return None, "Có" if as_of >= reached else "Không", False
    year, goal, unit = next(
        ((y, g, u) for y, g, u in model.numeric if y >= as_of.year), model.numeric[-1]
    )
    draw = rng.random()
    pace_low, pace_high = PACES[-1][1:]
    for share, low, high in PACES:
        if draw < share:
            pace_low, pace_high = low, high
            break
        draw -= share
    pace = Decimal(str(round(rng.uniform(pace_low, pace_high), 3)))
    if model.lower_is_better:
        baseline = goal * Decimal(str(round(rng.uniform(1.4, 2.5), 2)))
    else:
        baseline = goal * Decimal(str(round(rng.uniform(0.4, 0.85), 2)))
    horizon = (date(year, 12, 31) - INDICATOR_EPOCH).days or 1
    share = Decimal(max((as_of - INDICATOR_EPOCH).days, 0)) / Decimal(horizon)
    value = baseline + pace * (goal - baseline) * min(share, Decimal(1))
    is_percent = unit in PERCENT_UNITS
    if is_percent:
        value = min(max(value, Decimal(0)), Decimal(100)).quantize(Decimal("0.1"))
    elif unit == "rank" or model.lower_is_better:
        value = max(value, Decimal(1)).quantize(Decimal(1))
    elif goal >= 10:
        value = max(value, Decimal(0)).quantize(Decimal(1))
    else:
        value = max(value, Decimal(0)).quantize(Decimal("0.01"))
    return value, None, is_percent


# --- budget lines ------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetLine:
    plan_id: str
    budget_line_id: str
    line_name: str
    fiscal_year: int
    allocated_million_vnd: Decimal


def _million(amount_text: str, unit: str) -> Decimal | None:
    amount = parse_vn_number(amount_text)
    if amount is None:
        return None
    return amount / MILLION if unit.strip().casefold() == "đồng" else amount


def load_budget_lines(seeds_dir: Path) -> dict[str, tuple[BudgetLine, ...]]:
    """Leaf budget lines with an allocated (or estimated) amount, per plan.

    A parent line is the sum of its children, so only leaves are reported.
    """
    with (seeds_dir / "budget_lines.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    parents = {row["parent_budget_line_id"] for row in rows if row["parent_budget_line_id"]}
    amounts: dict[str, dict[str, object]] = {}
    for row in rows:
        if row["budget_line_id"] in parents:
            continue
        if row["stage"] not in ("allocated", "allocated_to_date", "estimate"):
            continue
        amount = _million(row["amount_text"], row["amount_unit"])
        entry = amounts.setdefault(row["budget_line_id"], {"row": row})
        # allocated_to_date beats allocated beats estimate: the latest stage known.
        rank = ("estimate", "allocated", "allocated_to_date").index(row["stage"])
        if amount is not None and amount > 0 and rank >= entry.get("rank", -1):
            entry.update(rank=rank, amount=amount)
    lines: dict[str, list[BudgetLine]] = {}
    for line_id, entry in amounts.items():
        if "amount" not in entry:
            continue
        row = entry["row"]
        if not row["fiscal_year"].isdigit():
            # An amount for a period (2026-2030) is not one year's execution.
            continue
        lines.setdefault(row["plan_id"], []).append(
            BudgetLine(
                row["plan_id"], line_id, row["line_name"], int(row["fiscal_year"]), entry["amount"]
            )
        )
    return {plan_id: tuple(found) for plan_id, found in lines.items()}


def budget_is_open(line: BudgetLine, as_of: date) -> bool:
    """Reported from the fiscal year's start to the end of January after it."""
    return date(line.fiscal_year, 1, 1) <= as_of <= date(line.fiscal_year + 1, 1, 31)


def budget_amounts(
    seed: int, line: BudgetLine, agency_id: str, as_of: date
) -> tuple[Decimal, Decimal]:
    """(allocated, disbursed) in million VND on ``as_of``."""
    rng = rng_for(seed, "budget", line.budget_line_id, agency_id)
    final_share = Decimal(str(round(rng.uniform(0.55, 1.0), 3)))
    allocated = (
        line.allocated_million_vnd * Decimal(str(round(rng.uniform(0.92, 1.0), 3)))
    ).quantize(Decimal("0.001"))
    start = date(line.fiscal_year, 1, 1)
    span = (date(line.fiscal_year + 1, 1, 31) - start).days
    share = Decimal(min(max((as_of - start).days, 0), span)) / Decimal(span)
    # Slow first half, most spending towards year end: an S-curve.
    curve = share * share * (3 - 2 * share)
    disbursed = (allocated * final_share * curve).quantize(Decimal("0.001"))
    return allocated, min(disbursed, allocated)
