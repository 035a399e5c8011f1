"""The quality gate: Great Expectations suites from ``expectations/`` run on the warehouse.

``run_quality_gate`` validates a warehouse file and writes the auditor report;
``QualityGateCheck`` wraps it as a blocking check for ``build_and_publish``;
``checks.build_quality_asset_checks`` exposes the same suites as Dagster asset
checks.
"""

from .results import CheckResult, GateResult, QualityGateError, ReportPaths
from .runner import QualityGateCheck, run_quality_gate, validate_warehouse

__all__ = [
    "CheckResult",
    "GateResult",
    "QualityGateCheck",
    "QualityGateError",
    "ReportPaths",
    "run_quality_gate",
    "validate_warehouse",
]
