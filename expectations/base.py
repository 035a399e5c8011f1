"""The vocabulary every suite module shares: severities, tagged expectations, validations.

A suite module declares the table it checks and a :class:`TableChecks` built
from one or more :class:`Validation` objects. A validation is one Great
Expectations batch: either the table itself or a frame derived from it in
pandas (one row per budget parent, one row per project, ...), so that rules
spanning several rows still end up as ordinary GX expectations with unexpected
rows, counts and Data Docs.

Severity lives in each expectation's ``meta`` (``"error"`` blocks publication,
``"warn"`` is reported) together with a stable ``check`` name that error
messages, reports and tests refer to. GX's own ``severity`` field is set to
match so Data Docs show the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import great_expectations as gx
import pandas as pd
from great_expectations.expectations.expectation import Expectation
from great_expectations.expectations.metadata_types import FailureSeverity

ERROR = "error"
WARN = "warn"
SEVERITIES = (ERROR, WARN)

SOURCE_COLUMNS = ("source_file", "source_line")

E = TypeVar("E", bound=Expectation)

_GX_SEVERITY = {ERROR: FailureSeverity.CRITICAL, WARN: FailureSeverity.WARNING}


def tagged(kind: type[E], *, check: str, severity: str, why: str, todo: str = "", **kwargs) -> E:
    """An expectation carrying its check name and severity in ``meta``.

    ``why`` goes into the expectation's notes, which Data Docs render next to
    the result, so an auditor reads the reason for a rule where it failed.
    ``todo`` (in ``meta``) says what to do when it fails: which file to edit
    or which command to run; the gate prints it with the failing rows.
    """
    if severity not in SEVERITIES:
        raise ValueError(f"{check}: severity must be one of {SEVERITIES}, got {severity!r}")
    meta = {"check": check, "severity": severity}
    if todo:
        meta["todo"] = todo
    return kind(**kwargs, meta=meta, severity=_GX_SEVERITY[severity], notes=why)


def error(kind: type[E], *, check: str, why: str, **kwargs) -> E:
    """An expectation whose failure blocks publication."""
    return tagged(kind, check=check, severity=ERROR, why=why, **kwargs)


def warn(kind: type[E], *, check: str, why: str, **kwargs) -> E:
    """An expectation whose failure is reported but does not block publication."""
    return tagged(kind, check=check, severity=WARN, why=why, **kwargs)


def suite(name: str, *expectations: Expectation) -> gx.ExpectationSuite:
    """A fresh suite; built on every call because GX binds a suite to one data context."""
    return gx.ExpectationSuite(name=name, expectations=list(expectations))


def expectation_check(expectation: Expectation) -> str:
    return str(expectation.meta["check"])


def expectation_severity(expectation: Expectation) -> str:
    return str(expectation.meta["severity"])


@dataclass(frozen=True)
class Validation:
    """One GX batch: the table (``derive=None``) or a frame derived from it, and its suite.

    ``requires_columns`` names columns that later issues add: when the table
    lacks one, every expectation of the validation is reported as skipped with
    ``absent_note`` instead of failing, so the gate runs before and after the
    column arrives. ``sample_columns`` are what an auditor sees for each failing
    row; ``None`` means the table's key plus ``source_file``/``source_line``.
    """

    name: str
    build_suite: Callable[[], gx.ExpectationSuite]
    derive: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    sample_columns: tuple[str, ...] | None = None
    requires_columns: tuple[str, ...] = ()
    absent_note: str = ""

    def frame(self, table: pd.DataFrame) -> pd.DataFrame:
        return table if self.derive is None else self.derive(table)


@dataclass(frozen=True)
class TableChecks:
    """Everything checked on one warehouse table.

    ``table`` is ``schema.name``, or a bare name for a table whose schema is not
    settled yet (looked up in any schema). A table with ``required=False`` may
    not exist yet: its checks are skipped with ``absent_note``; a required
    table that is missing is a blocking failure. ``append_only`` marks a
    table that only ever grows (submission history): the row-count check
    expects growth there and reports any shrinking instead.
    """

    table: str
    key_columns: tuple[str, ...]
    validations: tuple[Validation, ...]
    required: bool = True
    absent_note: str = ""
    append_only: bool = False

    @property
    def short_name(self) -> str:
        return self.table.rsplit(".", 1)[-1]

    def expectations(self) -> list[tuple[Validation, Expectation]]:
        return [(v, e) for v in self.validations for e in v.build_suite().expectations]

    def has_blocking_checks(self) -> bool:
        return any(expectation_severity(e) == ERROR for _, e in self.expectations())
