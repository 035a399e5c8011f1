"""A table's checks as data: rules in rows, one builder for every suite.

A suite module states what it checks (the table, its key, and for each
validation the rules and the frame they read) and :func:`table_checks` turns
that into a :class:`~expectations.base.TableChecks`. A :class:`Rule` is one
row: the check's name, the Great Expectations expectation and its arguments,
why the rule exists and what to do when it fails. The rules every table
shares (not empty, key, provenance) are named by :data:`STANDARD` instead of
being written out again.

Each rule lives in one place. A dbt model's key, its not-null and
accepted-value columns and its provenance are dbt tests (the ``_*__models.yml``
files), which stop the build before the gate runs: a mart's suite opens with
``not_empty`` alone and keeps the rules dbt does not state, those that span
rows or tables and those auditors read. Tables Python loads (``raw.*``,
``parsed.*``) have no dbt model, so their suites open with all of
:data:`STANDARD`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.expectations.expectation import Expectation

from .base import ERROR, SOURCE_COLUMNS, WARN, TableChecks, Validation, suite, tagged
from .common import (
    DEFAULT_MAX_FLAGGED_SHARE,
    DEFAULT_MIN_PARSED_SHARE,
    PARSE_STATUS_ABSENT,
    PARSE_STATUS_COLUMN,
    PARSED,
    flagged_rows,
    key_rules,
    not_empty,
    provenance_rules,
)

# The rules every table of documents shares, in report order.
STANDARD = ("not_empty", "key", "provenance")
# What dbt does not already test on a mart (see the module docstring).
MART_STANDARD = ("not_empty",)


@dataclass(frozen=True)
class Rule:
    """One check: ``<table>.<name>``, a GX expectation with its arguments, why and what to do."""

    name: str
    kind: type[Expectation]
    why: str
    args: tuple[tuple[str, Any], ...] = ()
    severity: str = ERROR
    todo: str = ""

    def expectation(self, short: str) -> Expectation:
        return tagged(
            self.kind,
            check=f"{short}.{self.name}",
            severity=self.severity,
            why=self.why,
            todo=self.todo,
            **dict(self.args),
        )


def rule(name: str, kind: type[Expectation], why: str, *, severity=ERROR, todo="", **args) -> Rule:
    return Rule(name, kind, why, tuple(args.items()), severity, todo)


def present(column: str, why: str, *, name: str = "", **options) -> Rule:
    """``column`` is never null (check ``<column>_present`` unless named)."""
    kind = gx.expectations.ExpectColumnValuesToNotBeNull
    return rule(name or f"{column}_present", kind, why, column=column, **options)


def one_of(column: str, values: Iterable, why: str, *, name: str = "", **options) -> Rule:
    """``column`` takes only ``values`` (check ``<column>_accepted`` unless named)."""
    kind = gx.expectations.ExpectColumnValuesToBeInSet
    return rule(
        name or f"{column}_accepted", kind, why, column=column, value_set=list(values), **options
    )


def none_of(column: str, values: Iterable, why: str, *, name: str, **options) -> Rule:
    kind = gx.expectations.ExpectColumnValuesToNotBeInSet
    return rule(name, kind, why, column=column, value_set=list(values), **options)


def between(column: str, why: str, *, name: str, low=None, high=None, **options) -> Rule:
    """``column`` lies within ``low``..``high`` (either may be open)."""
    bounds = {k: v for k, v in (("min_value", low), ("max_value", high)) if v is not None}
    kind = gx.expectations.ExpectColumnValuesToBeBetween
    return rule(name, kind, why, column=column, **bounds, **options)


def at_least(column: str, minimum: float, why: str, *, name: str, **options) -> Rule:
    return between(column, why, name=name, low=minimum, **options)


def holds(name: str, column: str, why: str, **options) -> Rule:
    """Every row of a derived frame has ``column`` true (the frame says why a row fails)."""
    return one_of(column, [True], why, name=name, **options)


def reported(rule_: Rule) -> Rule:
    """The same rule, reported instead of blocking publication."""
    return Rule(rule_.name, rule_.kind, rule_.why, rule_.args, WARN, rule_.todo)


def short_name(table: str) -> str:
    """``fct_tasks`` for ``marts.fct_tasks``, ``raw_budget_lines`` for ``raw.budget_lines``."""
    schema, _, name = table.rpartition(".")
    return name if schema in ("", "marts") else f"{schema}_{name}"


def _standard_rules(part: str, short: str, key: tuple[str, ...]) -> list[Expectation]:
    if part == "not_empty":
        return [not_empty(short)]
    if part == "key":
        return key_rules(short, key)
    if part == "provenance":
        return provenance_rules(short)
    raise ValueError(f"{part}: not one of the standard rules {STANDARD}")


@dataclass(frozen=True)
class Part:
    """One validation of a table: rules over the table itself or over a frame derived from it.

    ``suffix`` names a derived validation (``<table>.<suffix>``); ``standard``
    lists which of :data:`STANDARD` open the suite; ``sample`` is what an
    auditor sees of each failing row (default: the key and provenance);
    ``requires`` names columns without which the part is skipped with
    ``absent_note``.
    """

    rules: tuple[Rule, ...] = ()
    suffix: str = ""
    standard: tuple[str, ...] = ()
    derive: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    sample: tuple[str, ...] | None = None
    requires: tuple[str, ...] = ()
    absent_note: str = ""

    def validation(self, table: str, key: tuple[str, ...], short: str) -> Validation:
        name = f"{table}.{self.suffix}" if self.suffix else table

        def build() -> gx.ExpectationSuite:
            opening = [e for part in self.standard for e in _standard_rules(part, short, key)]
            return suite(name, *opening, *(r.expectation(short) for r in self.rules))

        return Validation(
            name,
            build,
            derive=self.derive,
            sample_columns=self.sample,
            requires_columns=self.requires,
            absent_note=self.absent_note,
        )


def derived(
    suffix: str,
    derive: Callable[[pd.DataFrame], pd.DataFrame],
    sample: tuple[str, ...],
    *rules: Rule,
) -> Part:
    """The validation ``<table>.<suffix>``: ``rules`` over the frame ``derive`` makes of the
    table, each failing row shown by its ``sample`` columns."""
    return Part(rules=rules, suffix=suffix, derive=derive, sample=sample)


def flag_share(key: tuple[str, ...], max_share: float = DEFAULT_MAX_FLAGGED_SHARE) -> Part:
    """The share of rows an extractor flagged, reported above ``max_share``."""
    why = (
        f"At most {max_share:.0%} of rows should carry an extractor flag; "
        "more suggests a layout the extractor no longer understands."
    )
    return Part(
        suffix="flagged_share",
        derive=partial(flagged_rows, key_columns=key),
        sample=(*key, *SOURCE_COLUMNS, "flags"),
        rules=(
            reported(
                one_of("is_flagged", [False], why, name="flagged_share", mostly=1 - max_share)
            ),
        ),
    )


def parsed_share(column: str, min_share: float = DEFAULT_MIN_PARSED_SHARE) -> Part:
    """The share of rows whose ``column`` (a parse status) is ``parsed``, reported below
    ``min_share``; the check keeps its name whatever the column is called."""
    why = f"At least {min_share:.0%} of rows should parse without doubt."
    return Part(
        suffix="parse_status",
        requires=(column,),
        absent_note=PARSE_STATUS_ABSENT.replace(PARSE_STATUS_COLUMN, column),
        rules=(reported(one_of(column, [PARSED], why, name="parsed_share", mostly=min_share)),),
    )


def table_checks(
    table: str,
    key: tuple[str, ...],
    *,
    rules: tuple[Rule, ...] = (),
    parts: tuple[Part, ...] = (),
    standard: tuple[str, ...] | None = None,
    sample: tuple[str, ...] | None = None,
    suffix: str = "",
    derive: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    flagged: bool = False,
    parse_status: str | None = None,
    short: str | None = None,
    **options,
) -> TableChecks:
    """The table's checks, in report order.

    First the validation of the table itself: the ``standard`` rules (by
    default :data:`MART_STANDARD` for a mart, :data:`STANDARD` otherwise), then
    ``rules`` (``suffix``/``derive`` when even that one reads a derived frame);
    then the other ``parts``, over frames derived from the table; then, when
    ``flagged``, the share of rows an extractor flagged (:func:`flag_share`),
    and when ``parse_status`` names a column, the share of rows parsed without
    doubt (:func:`parsed_share`). ``options`` go to :class:`TableChecks`
    (``append_only``, ...).
    """
    short = short or short_name(table)
    if standard is None:
        standard = MART_STANDARD if table.startswith("marts.") else STANDARD
    first = Part(rules=rules, suffix=suffix, standard=standard, derive=derive, sample=sample)
    shares = ([flag_share(key)] if flagged else []) + (
        [parsed_share(parse_status)] if parse_status else []
    )
    validations = [part.validation(table, key, short) for part in (first, *parts, *shares)]
    return TableChecks(table=table, key_columns=key, validations=tuple(validations), **options)
