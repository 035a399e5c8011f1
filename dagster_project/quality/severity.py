"""What each severity does: ``error`` blocks publication, ``warn`` is only reported.

The severity of a check is declared once, in the expectation's ``meta`` (see
``expectations.base``); this module maps it onto the gate and onto Dagster.
"""

from __future__ import annotations

import dagster as dg

from expectations.base import ERROR, SEVERITIES, WARN

__all__ = ["ERROR", "SEVERITIES", "WARN", "blocks_publication", "dagster_severity"]


def blocks_publication(severity: str) -> bool:
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}; expected one of {SEVERITIES}")
    return severity == ERROR


def dagster_severity(severity: str) -> dg.AssetCheckSeverity:
    """Dagster only stops downstream assets on a blocking check that fails with ERROR."""
    return (
        dg.AssetCheckSeverity.ERROR if blocks_publication(severity) else dg.AssetCheckSeverity.WARN
    )
