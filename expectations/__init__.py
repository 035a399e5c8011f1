"""Great Expectations suites for the nq57 warehouse, one module per table.

Each module names the table it checks and exposes ``CHECKS``, a
:class:`expectations.base.TableChecks` whose validations build GX suites with
a severity (``error`` blocks publication, ``warn`` is reported) in every
expectation's ``meta``. :data:`TABLE_CHECKS` is the list the quality gate and
the Dagster asset checks run, in report order.
"""

from __future__ import annotations

from . import (
    dim_plans,
    fct_budget_lines,
    fct_indicator_targets,
    fct_reported_figures,
    fct_submission_files,
    fct_submission_quarantine,
    fct_tasks,
    raw_budget_lines,
)
from .base import ERROR, WARN, TableChecks, Validation

TABLE_CHECKS: tuple[TableChecks, ...] = (
    raw_budget_lines.CHECKS,
    dim_plans.CHECKS,
    fct_indicator_targets.CHECKS,
    fct_tasks.CHECKS,
    fct_budget_lines.CHECKS,
    fct_reported_figures.CHECKS,
    fct_submission_files.CHECKS,
    fct_submission_quarantine.CHECKS,
)

__all__ = ["ERROR", "TABLE_CHECKS", "WARN", "TableChecks", "Validation"]
