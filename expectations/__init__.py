"""Great Expectations suites for the nq57 warehouse, one module per table
(the small plan marts share :mod:`expectations.plan_marts`).

Each module names the table it checks and exposes ``CHECKS``, a
:class:`expectations.base.TableChecks` whose validations build GX suites with
a severity (``error`` blocks publication, ``warn`` is reported) in every
expectation's ``meta``. :data:`TABLE_CHECKS` is the list the Dagster
``great_expectations`` asset checks run, in report order; :data:`GATE_CHECKS`
adds the plan-semantics suites for the quality gate.
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
from .plan_semantics import PLAN_TABLE_CHECKS

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

# What the quality gate runs before a publish: the general suites and the
# plan-semantics ones (lineage, targets, deadlines, agencies), so that a build
# refused by any of them has its report written and its failures explained.
GATE_CHECKS: tuple[TableChecks, ...] = (*TABLE_CHECKS, *PLAN_TABLE_CHECKS)

__all__ = ["ERROR", "GATE_CHECKS", "TABLE_CHECKS", "WARN", "TableChecks", "Validation"]
