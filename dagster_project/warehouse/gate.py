"""The quality gate as the build's last check, what a build says about it, and old reports.

Every gate run writes a dated folder under the report directory (see
``dagster_project.quality``). Builds keep the newest ``keep`` of them and
delete the rest; the row-count history file beside them is the gate's own
and stays.

No Dagster or Great Expectations import at module level: ``nq57 build``
reads the defaults here to build its ``--help``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dagster_project.quality.results import GateResult

# About a month of daily builds; each folder holds a few hundred kilobytes.
DEFAULT_KEEP_REPORTS = 30
# The gate names folders YYYYMMDD-HHMMSS, with -2, -3, ... for runs in the same second.
REPORT_FOLDER = re.compile(r"(\d{8}-\d{6})(?:-(\d+))?")
# Enough failing checks to see what broke; the report lists them all.
MAX_LISTED = 20


def report_folders(report_dir: Path) -> list[Path]:
    """The gate's report folders in ``report_dir``, oldest first."""
    if not report_dir.is_dir():
        return []
    found = []
    for entry in report_dir.iterdir():
        match = REPORT_FOLDER.fullmatch(entry.name)
        if match and entry.is_dir() and not entry.is_symlink():
            found.append(((match.group(1), int(match.group(2) or 1)), entry))
    return [entry for _, entry in sorted(found)]


def prune_reports(report_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` report folders; return the deleted ones."""
    if keep < 1:
        # The report of the build that just ran is the one a user is told to open.
        raise ValueError(f"keep must be 1 or more, got {keep}")
    expired = report_folders(report_dir)[:-keep]
    for folder in expired:
        shutil.rmtree(folder)
    return expired


def file_url(path: Path) -> str:
    """``file://`` URL of ``path``, for terminals and the Dagster UI to open."""
    return Path(path).resolve().as_uri()


def report_lines(result: GateResult) -> list[str]:
    """The report pages of a gate run, each as a path and a ``file://`` URL."""
    if result.report is None:
        return []
    return report_page_lines(result.report.summary_html, result.report.data_docs_index)


def report_page_lines(summary_html: Path, data_docs_index: Path) -> list[str]:
    """The summary page and the Data Docs index, each as a path and a ``file://`` URL."""
    lines = []
    for label, path in (("quality report", summary_html), ("data docs", data_docs_index)):
        lines.append(f"{label + ':':<16}{path}")
        lines.append(f"{'':<16}{file_url(path)}")
    return lines


def failure_lines(result: GateResult) -> list[str]:
    """Each blocking failure: check name, what failed and ``file:line`` samples."""
    failures = result.blocking_failures
    lines = [f"  - {failure.describe()}" for failure in failures[:MAX_LISTED]]
    if len(failures) > MAX_LISTED:
        lines.append(f"  ... and {len(failures) - MAX_LISTED} more in the report")
    return lines


def warning_lines(result: GateResult) -> list[str]:
    """Failed warn-severity checks: reported, never blocking."""
    warnings = result.warnings
    lines = [f"  warning: {warning.describe()}" for warning in warnings[:MAX_LISTED]]
    if len(warnings) > MAX_LISTED:
        lines.append(f"  ... and {len(warnings) - MAX_LISTED} more warnings in the report")
    return lines
