"""The row rules of format v1.

A row is loaded only when it breaks no rule; otherwise every broken rule
becomes one quarantine entry (one per failing column and rule), so the sender
sees everything to fix in one receipt. The file's metadata (province, agency,
period) is checked once and, when wrong, charged to every row, because no
row of a file reported under a wrong identity can be trusted.

Rules that need the plans (task exists, assigned to the agency) are skipped
when the metadata already failed: they would only repeat the same problem.
Value rules (status, numbers, dates) always run.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from dagster_project.semantics import normalize_cell_text
from dagster_project.semantics.numbers import decimal_to_text, parse_vn_number_with_note

from . import spec
from .periods import DateTextError, Period, PeriodError, format_date, parse_date_text, parse_period
from .readers import RawRow
from .reasons import Issue
from .reference import Figure, Indicator, Plan, ReferenceData

# A reason names at most this many rows (then how many there are).
MAX_ROWS_NAMED = 5
# Past this many broken rules in one row, the rest are counted in one entry
# (too_many_issues): a row of 50,000 formula cells is 21 entries, not 50,000.
MAX_ISSUES_PER_ROW = 20
# DECIMAL(38, 10) in the store: 28 integer digits, 10 decimal places.
MAX_INTEGER_DIGITS = 28
MAX_DECIMAL_PLACES = 10


def _normalized(value: str) -> str:
    """:func:`normalize_cell_text`, quicker for the common cell: plain ASCII without
    control characters or runs of spaces, which normalizing only strips; other text
    (Vietnamese statuses and names, repeated from row to row) is normalized once."""
    if value.isascii() and value.isprintable() and "  " not in value:
        return value.strip()
    if len(value) <= 200:
        return _normalized_cached(value)
    return normalize_cell_text(value)


# normalize_cell_text is pure: the same cell text always gives the same key. The
# cache is bounded (least recently used out) and holds short values only.
@functools.lru_cache(maxsize=4096)
def _normalized_cached(value: str) -> str:
    return normalize_cell_text(value)


def normalize_id(text: str) -> str:
    """Province and agency ids are lowercase slugs; case and spaces around them are noise."""
    return normalize_cell_text(text).lower()


@dataclass
class FileContext:
    """The checked identity of a file: who reports, for which period, against which plans."""

    province_id: str
    agency_id: str
    period_code: str
    period: Period | None
    received_on: date
    plans: list[Plan]
    metadata_issues: list[Issue] = field(default_factory=list)
    # The registry's names, for the receipt (ids stay the identity).
    province_name: str | None = None
    agency_name: str | None = None

    @property
    def can_check_plan_items(self) -> bool:
        return not self.metadata_issues and self.period is not None


def check_metadata(
    metadata: dict[str, str], reference: ReferenceData, received_on: date
) -> FileContext:
    """Check province, agency and period; collect problems instead of raising."""
    province_id = normalize_id(metadata["province_id"])
    agency_id = normalize_id(metadata["agency_id"])
    issues: list[Issue] = []
    period: Period | None = None
    try:
        period = parse_period(metadata["period"])
    except PeriodError:
        issues.append(Issue("period_invalid", column_name="period", raw_value=metadata["period"]))
    period_code = period.code if period else normalize_cell_text(metadata["period"])

    province = reference.provinces.get(province_id)
    province_is_current = province is not None
    if province is None:
        issues.append(Issue("province_unknown", column_name="province_id", raw_value=province_id))
    elif period is not None and reference.current_province(province_id, period.end) != province_id:
        province_is_current = False
        issues.append(
            Issue(
                "province_not_current",
                column_name="province_id",
                raw_value=province_id,
                detail=format_date(period.end),
                hint=reference.current_province(province_id, period.end),
            )
        )

    agency = reference.registry.agencies.get(agency_id)
    if agency is None:
        code = "agency_is_group" if agency_id in reference.registry.groups else "agency_unknown"
        issues.append(Issue(code, column_name="agency_id", raw_value=agency_id))
    elif agency.is_group:
        issues.append(Issue("agency_is_group", column_name="agency_id", raw_value=agency_id))
    elif province is not None and agency.province_id != province_id:
        issues.append(
            Issue(
                "agency_not_in_province",
                column_name="agency_id",
                raw_value=agency_id,
                detail=province_id,
            )
        )
    elif period is not None:
        if agency.valid_from is not None and period.end < agency.valid_from:
            issues.append(
                Issue(
                    "agency_not_yet_existing",
                    column_name="agency_id",
                    raw_value=agency_id,
                    detail=format_date(period.end),
                )
            )
        elif agency.valid_to is not None and period.end > agency.valid_to:
            successor = reference.holder_agency(agency_id, period.end)
            issues.append(
                Issue(
                    "agency_not_current",
                    column_name="agency_id",
                    raw_value=agency_id,
                    detail=format_date(period.end),
                    hint=successor if successor != agency_id else "",
                )
            )

    plans: list[Plan] = []
    if period is not None:
        if period.start > received_on:
            issues.append(
                Issue(
                    "period_in_future",
                    column_name="period",
                    raw_value=period.code,
                    detail=format_date(received_on),
                )
            )
        if province_is_current:
            plans = reference.province_plans(province_id, period.end)
            issue_dates = [plan.issue_date for plan in plans if plan.issue_date is not None]
            if not plans:
                issues.append(
                    Issue(
                        "period_outside_plan_horizon",
                        column_name="period",
                        raw_value=period.code,
                        detail=f"no plan of {province_id} applies on {format_date(period.end)}",
                    )
                )
            elif issue_dates and period.end < min(issue_dates):
                issues.append(
                    Issue(
                        "period_outside_plan_horizon",
                        column_name="period",
                        raw_value=period.code,
                        detail=f"first plan issued {format_date(min(issue_dates))}",
                    )
                )
    return FileContext(
        province_id,
        agency_id,
        period_code,
        period,
        received_on,
        plans,
        issues,
        province.province_name if province else None,
        agency.agency_name if agency else None,
    )


@dataclass
class RowResult:
    """Issues of one row, and its parsed values when it has none."""

    row: RawRow
    issues: list[Issue]
    parsed: dict[str, str | None]
    duplicate_key: tuple[str, ...] | None = None


# The columns a sender fills in, per sheet (the template prefills the others).
VALUE_COLUMNS: dict[str, tuple[str, ...]] = {
    sheet: spec.columns_with_role(sheet, "value") for sheet in spec.DATA_SHEETS
}


def is_reported(row: RawRow) -> bool:
    """Whether the sender filled anything in, beyond the columns the template prefills.

    Template rows left untouched are "not reported": they are listed on the
    receipt but are not input rows.
    """
    values = VALUE_COLUMNS[row.sheet]
    return bool(row.formulas or row.extra or any(row.values[name].strip() for name in values))


class _RowCheck:
    """Accumulates issues and parsed values for one row."""

    def __init__(self, row: RawRow):
        self.row = row
        self.issues: list[Issue] = []
        self.parsed: dict[str, str | None] = {}
        self.notes: list[str] = []

    def add(self, code: str, column: str | None, value: str | None, **kwargs: str) -> None:
        self.issues.append(
            Issue(
                code,
                sheet=self.row.sheet,
                row_number=self.row.row_number,
                column_name=column,
                raw_value=value,
                **kwargs,
            )
        )

    def text(self, column: str) -> str:
        return _normalized(self.row.values.get(column, ""))

    def usable(self, column: str) -> bool:
        """A formula cell is reported once (formula_cell) and not checked further."""
        return column not in self.row.formulas

    def required(self, column: str) -> str | None:
        value = self.text(column)
        if not self.usable(column):
            return None
        if not value:
            self.add("value_missing", column, "")
            return None
        return value

    def number(
        self,
        column: str,
        value: str,
        *,
        allow_percent_sign: bool = False,
        fraction_scale: bool = False,
    ) -> Decimal | None:
        """``fraction_scale``: the quantity is an index in 0..1, so ``1.000`` reads two ways."""
        token = value[:-1].strip() if allow_percent_sign and value.endswith("%") else value
        parse = parse_vn_number_with_note(token, fraction_scale=fraction_scale)
        if parse.value is None:
            self.add("number_invalid", column, value)
            return None
        if parse.is_ambiguous:
            # Both readings, language-neutral: "1000 | 1" for "1.000".
            decimal_point = parse_vn_number_with_note(token.replace(".", ",")).value
            readings = f"{decimal_to_text(parse.value)} | {decimal_to_text(decimal_point)}"
            self.add("number_ambiguous", column, value, detail=readings)
            return None
        sign, digits, exponent = parse.value.as_tuple()
        places = max(-int(exponent), 0)
        integer_digits = len(digits) + int(exponent)
        if places > MAX_DECIMAL_PLACES or integer_digits > MAX_INTEGER_DIGITS:
            self.add(
                "number_out_of_range",
                column,
                value,
                detail=f"at most {MAX_INTEGER_DIGITS} digits and {MAX_DECIMAL_PLACES} decimal places",
            )
            return None
        if parse.note:
            self.notes.append(f"{column}: {parse.note}")
        return parse.value

    def date(self, column: str, value: str, received_on: date) -> date | None:
        try:
            parsed = parse_date_text(value)
        except DateTextError:
            self.add("date_invalid", column, value)
            return None
        if parsed > received_on:
            self.add("date_in_future", column, value, detail=format_date(received_on))
            return None
        return parsed


def _status_lookup() -> dict[str, str]:
    lookup = {}
    for status in spec.STATUSES:
        for spelling in (status.code, status.label_vi, status.label_en):
            lookup[normalize_cell_text(spelling).casefold()] = status.code
    return lookup


STATUS_LOOKUP = _status_lookup()


def _check_formulas(check: _RowCheck) -> None:
    row = check.row
    for column in sorted(row.formulas):
        raw = row.values.get(column) or row.extra.get(column) or row.metadata.get(column, "")
        check.add("formula_cell", column, raw)


def _check_row_metadata(check: _RowCheck, context: FileContext) -> None:
    """CSV rows carry their own metadata; each must match the file's."""
    row = check.row
    if not row.metadata:
        return
    expected = {
        "province_id": context.province_id,
        "agency_id": context.agency_id,
        "period": context.period_code,
        "format_version": spec.FORMAT_VERSION,
        "sheet": row.sheet,
    }
    for column, want in expected.items():
        if column in row.formulas:
            continue
        got = row.metadata.get(column, "")
        if column == "period" and context.period is None:
            # The file's period is invalid, reported once as period_invalid: a row
            # repeating the same text is no second problem.
            same = normalize_cell_text(got) == want
        elif column == "period":
            same = _period_code(got) == want
        elif column in ("province_id", "agency_id"):
            same = normalize_id(got) == want
        else:
            same = normalize_cell_text(got) == want
        if not same:
            check.add("metadata_mismatch", column, got, detail=want)


@functools.lru_cache(maxsize=256)
def _period_code(text: str) -> str | None:
    """The period a CSV row names (every row repeats it), or None when it names none."""
    try:
        return parse_period(text).code
    except PeriodError:
        return None


def _plan_filter(check: _RowCheck, context: FileContext) -> list[Plan] | None:
    """The plans a row may refer to: all of the province's, or the one in plan_id."""
    plan_id = check.text("plan_id")
    if not plan_id or not check.usable("plan_id"):
        return context.plans
    wanted = plan_id.lower()
    chosen = [plan for plan in context.plans if plan.plan_id == wanted]
    if not chosen:
        check.add("plan_unknown", "plan_id", plan_id, detail=context.province_id)
        return None
    return chosen


def _check_plan_date(check: _RowCheck, context: FileContext, plan: Plan) -> None:
    if context.period and plan.issue_date and context.period.end < plan.issue_date:
        check.add(
            "period_before_plan",
            "period",
            plan.plan_id,
            detail=format_date(plan.issue_date),
        )


def _check_plan_item(
    check: _RowCheck,
    context: FileContext,
    reference: ReferenceData,
    *,
    column: str,
    find,
    assigned,
    unknown_code: str,
    not_assigned_code: str,
):
    """Check a task or indicator key: known in the agency's plans, unique, and assigned to it.

    Returns the plan item the key names, when it names exactly one.
    """
    key = check.text(column)
    if not check.usable(column):
        return None
    if not key:
        check.add("key_missing", column, "", detail=column)
        return None
    if not context.can_check_plan_items:
        return None
    plans = _plan_filter(check, context)
    if plans is None:
        return None
    items = find(plans, key)
    if not items:
        listed = ", ".join(plan.plan_id for plan in plans) or "-"
        check.add(unknown_code, column, key, detail=listed)
        return None
    if len(items) > 1:
        check.add("key_ambiguous", column, key, detail=", ".join(i.plan_id for i in items))
        return None
    item = items[0]
    check.parsed["parsed_plan_id"] = item.plan_id
    _check_plan_date(check, context, reference.plans[item.plan_id])
    assert context.period is not None
    if assigned(item, context.agency_id, context.period.end) is None:
        check.add(not_assigned_code, column, key, detail=context.agency_id)
    return item


def _check_task(check: _RowCheck, context: FileContext, reference: ReferenceData) -> None:
    _check_plan_item(
        check,
        context,
        reference,
        column="task_key",
        find=reference.find_tasks,
        assigned=reference.task_role,
        unknown_code="task_unknown",
        not_assigned_code="task_not_assigned",
    )


def _check_indicator(
    check: _RowCheck, context: FileContext, reference: ReferenceData
) -> Indicator | Figure | None:
    """A plan indicator, or else one of the plan's reported figures (keyed by figure_id)."""
    return _check_plan_item(
        check,
        context,
        reference,
        column="indicator_code",
        find=reference.find_indicators_or_figures,
        assigned=reference.monitors_indicator,
        unknown_code="indicator_unknown",
        not_assigned_code="indicator_not_assigned",
    )


def _check_task_values(check: _RowCheck, context: FileContext) -> None:
    status_code = None
    status_text = check.required("status")
    if status_text is not None:
        status_code = STATUS_LOOKUP.get(status_text.casefold())
        if status_code is None:
            choices = "; ".join(f"{s.label_vi} ({s.code})" for s in spec.STATUSES)
            check.add("status_invalid", "status", status_text, detail=choices)
    check.parsed["parsed_status"] = status_code

    percent = None
    percent_text = check.text("percent_complete")
    if percent_text and check.usable("percent_complete"):
        percent = check.number("percent_complete", percent_text, allow_percent_sign=True)
        if percent is not None and not Decimal(0) <= percent <= Decimal(100):
            check.add("percent_out_of_range", "percent_complete", percent_text)
            percent = None
    check.parsed["parsed_percent_complete"] = decimal_to_text(percent)
    if status_code is not None and percent is not None:
        contradiction = (status_code == "hoan_thanh" and percent != 100) or (
            status_code == "chua_thuc_hien" and percent != 0
        )
        if contradiction:
            check.add(
                "status_percent_inconsistent", "percent_complete", percent_text, detail=status_text
            )

    completion_text = check.text("completion_date")
    completion = None
    if completion_text and check.usable("completion_date"):
        completion = check.date("completion_date", completion_text, context.received_on)
    elif status_code == "hoan_thanh" and check.usable("completion_date"):
        # The task tracking (on time / late) needs the day a completed task finished.
        check.add("value_missing", "completion_date", "")
    check.parsed["parsed_completion_date"] = completion.isoformat() if completion else None


def _check_indicator_values(
    check: _RowCheck, context: FileContext, indicator: Indicator | Figure | None
) -> None:
    value_text = check.required("value_text")
    fraction_scale = isinstance(indicator, Indicator) and indicator.fraction_scale
    number = None
    flag = None
    if value_text is not None:
        word = value_text.casefold()
        if word in spec.YES_WORDS:
            flag = "true"
        elif word in spec.NO_WORDS:
            flag = "false"
        else:
            number = check.number(
                "value_text", value_text, allow_percent_sign=True, fraction_scale=fraction_scale
            )
    check.parsed["parsed_value"] = decimal_to_text(number)
    check.parsed["parsed_value_flag"] = flag
    _check_as_of(check, context)


def _check_as_of(check: _RowCheck, context: FileContext) -> None:
    as_of_text = check.required("as_of_date")
    as_of = check.date("as_of_date", as_of_text, context.received_on) if as_of_text else None
    check.parsed["parsed_as_of_date"] = as_of.isoformat() if as_of else None


def _check_budget(check: _RowCheck, context: FileContext, reference: ReferenceData) -> None:
    line_id = check.text("budget_line_id")
    project = check.text("project_name")
    usable_keys = check.usable("budget_line_id") and check.usable("project_name")
    if usable_keys and not line_id and not project:
        check.add("key_missing", "budget_line_id", "", detail="budget_line_id / project_name")
    if line_id and check.usable("budget_line_id") and context.can_check_plan_items:
        plans = [
            plan
            for plan in context.plans
            if line_id in reference.budget_lines.get(plan.plan_id, ())
        ]
        if not plans:
            check.add("budget_line_unknown", "budget_line_id", line_id)
        else:
            check.parsed["parsed_plan_id"] = plans[0].plan_id
            _check_plan_date(check, context, plans[0])

    amounts: dict[str, Decimal | None] = {}
    for column in ("allocated_million_vnd", "disbursed_million_vnd"):
        text = check.required(column)
        amount = check.number(column, text) if text is not None else None
        if amount is not None and amount < 0:
            check.add("amount_negative", column, text)
            amount = None
        amounts[column] = amount
        check.parsed[f"parsed_{column}"] = decimal_to_text(amount)
    allocated, disbursed = amounts["allocated_million_vnd"], amounts["disbursed_million_vnd"]
    if allocated is not None and disbursed is not None and disbursed > allocated:
        check.add(
            "disbursed_exceeds_allocated",
            "disbursed_million_vnd",
            check.text("disbursed_million_vnd"),
            detail=check.text("allocated_million_vnd"),
        )
    _check_as_of(check, context)


def duplicate_key(row: RawRow, parsed: dict[str, str | None]) -> tuple[str, ...]:
    """What must be unique within one sheet of one file."""
    plan = parsed.get("parsed_plan_id") or _normalized(row.values.get("plan_id", "")).lower()
    if row.sheet == spec.TASK_PROGRESS:
        return (plan, _normalized(row.values["task_key"]).rstrip(".").casefold())
    if row.sheet == spec.INDICATOR_VALUES:
        return (
            plan,
            _normalized(row.values["indicator_code"]).rstrip(".").casefold(),
            _normalized(row.values["as_of_date"]),
        )
    return (
        _normalized(row.values["budget_line_id"]).casefold(),
        _normalized(row.values["project_name"]).casefold(),
        _normalized(row.values["as_of_date"]),
    )


def validate_row(row: RawRow, context: FileContext, reference: ReferenceData) -> RowResult:
    check = _RowCheck(row)
    for issue in context.metadata_issues:
        check.add(
            issue.reason_code,
            issue.column_name,
            issue.raw_value,
            detail=issue.detail,
            hint=issue.hint,
        )
    _check_formulas(check)
    _check_row_metadata(check, context)
    if row.sheet == spec.TASK_PROGRESS:
        _check_task(check, context, reference)
        _check_task_values(check, context)
    elif row.sheet == spec.INDICATOR_VALUES:
        indicator = _check_indicator(check, context, reference)
        _check_indicator_values(check, context, indicator)
    else:
        _check_budget(check, context, reference)
    check.parsed.setdefault("parsed_plan_id", None)
    check.parsed["parse_notes"] = " | ".join(check.notes) or None
    return RowResult(row, _bounded(check), check.parsed, duplicate_key(row, check.parsed))


def _bounded(check: _RowCheck) -> list[Issue]:
    """The row's issues, the ones past :data:`MAX_ISSUES_PER_ROW` counted in one more."""
    if len(check.issues) <= MAX_ISSUES_PER_ROW:
        return check.issues
    kept = check.issues[:MAX_ISSUES_PER_ROW]
    more = len(check.issues) - MAX_ISSUES_PER_ROW
    kept.append(
        Issue(
            "too_many_issues",
            sheet=check.row.sheet,
            row_number=check.row.row_number,
            detail=str(more),
        )
    )
    return kept


def validate_rows(
    rows: list[RawRow], context: FileContext, reference: ReferenceData
) -> tuple[list[RowResult], list[RawRow]]:
    """Check every reported row; return (results, rows not reported)."""
    results: list[RowResult] = []
    not_reported: list[RawRow] = []
    for row in rows:
        if is_reported(row):
            results.append(validate_row(row, context, reference))
        else:
            not_reported.append(row)
    _flag_duplicates(results)
    return results, not_reported


def row_list(numbers: list[int], shown: int = MAX_ROWS_NAMED) -> str:
    """The first few row numbers and how many there are: ``3, 4, 5, 6, 7, … (3000 rows)``.

    A reason names a bounded number of other rows, so a file whose every row
    repeats one key costs its size, not its size squared.
    """
    if len(numbers) <= shown:
        return ", ".join(str(number) for number in numbers)
    return ", ".join(str(number) for number in numbers[:shown]) + f", … ({len(numbers)} rows)"


def _flag_duplicates(results: list[RowResult]) -> None:
    """Two rows for the same item: neither is loaded, since picking one would be a guess."""
    groups: dict[tuple[str, tuple[str, ...]], list[RowResult]] = defaultdict(list)
    for result in results:
        if result.duplicate_key is not None and any(result.duplicate_key):
            groups[(result.row.sheet, result.duplicate_key)].append(result)
    for (sheet, _), members in groups.items():
        if len(members) < 2:
            continue
        numbers = row_list([m.row.row_number for m in members])
        column = {
            spec.TASK_PROGRESS: "task_key",
            spec.INDICATOR_VALUES: "indicator_code",
            spec.BUDGET_EXECUTION: "budget_line_id",
        }[sheet]
        for member in members:
            raw = member.row.values.get(column) or member.row.values.get("project_name", "")
            member.issues.append(
                Issue(
                    "duplicate_key",
                    sheet=sheet,
                    row_number=member.row.row_number,
                    column_name=column,
                    raw_value=raw,
                    detail=numbers,
                )
            )
