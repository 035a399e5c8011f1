"""What one gate run found: per-expectation results and the verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .severity import blocks_publication

PASSED = "passed"
FAILED = "failed"
SKIPPED = "skipped"

MAX_SAMPLES = 10
# Failing rows shown in a failure's description; the report lists MAX_SAMPLES.
EXAMPLES_SHOWN = 5
SOURCE_KEYS = ("source_file", "source_line")


@dataclass(frozen=True)
class CheckResult:
    """One expectation applied to one batch (a table or a frame derived from it).

    ``samples`` holds up to :data:`MAX_SAMPLES` failing rows, each with the
    row's key and its ``source_file``/``source_line`` so an auditor can open
    the document at that line.
    """

    table: str
    validation: str
    check: str
    expectation_type: str
    columns: tuple[str, ...]
    severity: str
    status: str
    unexpected_count: int | None = None
    element_count: int | None = None
    observed_value: Any = None
    samples: tuple[dict[str, Any], ...] = ()
    note: str = ""
    why: str = ""
    todo: str = ""
    # "<report folder> (<checked at>)" of the gate run whose result this is, when
    # the table was unchanged since and the result carried over (see carry).
    carried_from: str = ""

    @property
    def success(self) -> bool:
        return self.status == PASSED

    @property
    def failed(self) -> bool:
        return self.status == FAILED

    @property
    def blocking(self) -> bool:
        return self.failed and blocks_publication(self.severity)

    def describe(self) -> str:
        """The check, what failed and where to look; for a failure also the rule, up to
        five failing rows with ``file:line`` and their text, and what to do."""
        if not self.failed:
            return self.headline()
        lines = [self.headline(where=False)]
        if self.why:
            lines.append(f"      rule: {self.why}")
        count = self.unexpected_count if self.unexpected_count else None
        for sample in self.samples[:EXAMPLES_SHOWN]:
            lines.append(f"      e.g. {_example(sample)}")
        if count and count > EXAMPLES_SHOWN:
            lines.append(f"      ... {count - EXAMPLES_SHOWN} more row(s) in the quality report")
        if self.todo:
            lines.append(f"      what to do: {self.todo}")
        return "\n".join(lines)

    def headline(self, where: bool = True) -> str:
        """One line naming the check, what failed and (``where``) the first lines to look at."""
        parts = [f"{self.table}: {self.check} ({self.expectation_type}"]
        if self.columns:
            parts.append(f" on {', '.join(self.columns)}")
        parts.append(")")
        if self.unexpected_count:
            parts.append(f", {self.unexpected_count} failing row(s)")
        elif self.observed_value is not None:
            parts.append(f", observed {self.observed_value}")
        places = [
            f"{s['source_file']}:{s['source_line']}"
            for s in self.samples
            if s.get("source_file") is not None and s.get("source_line") is not None
        ]
        if places and where:
            parts.append(", e.g. " + ", ".join(places[:3]))
        if self.note:
            parts.append(f" [{self.note}]")
        if self.carried_from:
            parts.append(f" [carried over from gate run {self.carried_from}: table unchanged]")
        return "".join(parts)


def _example(sample: dict[str, Any]) -> str:
    """A failing row: where it is printed, then its other columns."""
    where = (
        f"{sample['source_file']}:{sample['source_line']}"
        if sample.get("source_file") is not None and sample.get("source_line") is not None
        else "(no source line)"
    )
    text = ", ".join(
        f"{key}={str(value)[:80]!r}" for key, value in sample.items() if key not in SOURCE_KEYS
    )
    return f"{where}  {text}"


@dataclass(frozen=True)
class ReportPaths:
    folder: Path
    summary_html: Path
    data_docs_index: Path


@dataclass(frozen=True)
class GateResult:
    warehouse_path: Path
    checked_at: datetime
    duration_seconds: float
    row_counts: dict[str, int | None]
    results: tuple[CheckResult, ...]
    report: ReportPaths | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    # What the results were computed from, for the next gate to carry over (see carry).
    table_fingerprints: dict[str, str] = field(default_factory=dict)
    suites_fingerprint: str = ""

    @property
    def validated_by(self) -> str:
        """This run as carried results name it: ``<report folder> (<checked at>)``."""
        folder = self.report.folder.name if self.report is not None else "no report"
        return f"{folder} ({self.checked_at.isoformat(timespec='seconds')})"

    @property
    def blocking_failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.blocking]

    @property
    def warnings(self) -> list[CheckResult]:
        return [r for r in self.results if r.failed and not r.blocking]

    @property
    def skipped(self) -> list[CheckResult]:
        return [r for r in self.results if r.status == SKIPPED]

    @property
    def passed(self) -> bool:
        return not self.blocking_failures

    @property
    def carried_over(self) -> dict[str, str]:
        """Tables whose results were carried over, with the gate run they come from."""
        return {r.table: r.carried_from for r in self.results if r.carried_from}

    def raise_if_blocking(self) -> None:
        if self.blocking_failures:
            raise QualityGateError(self)

    def summary_line(self) -> str:
        run = [r for r in self.results if r.status != SKIPPED]
        carried = [r for r in run if r.carried_from]
        checks = f"{len(run)} checks run"
        if carried:
            sources = ", ".join(sorted({r.carried_from for r in carried}))
            checks = (
                f"{len(run)} checks: {len(run) - len(carried)} run, {len(carried)} carried over "
                f"from gate run {sources} ({len(self.carried_over)} table(s) unchanged)"
            )
        return (
            f"quality gate: {checks}, "
            f"{len(self.blocking_failures)} blocking "
            f"failure(s), {len(self.warnings)} warning(s), {len(self.skipped)} skipped "
            f"in {self.duration_seconds:.1f}s"
        )


class QualityGateError(RuntimeError):
    """Error-severity checks failed: the build must not be published."""

    def __init__(self, result: GateResult):
        self.result = result
        lines = [
            f"quality gate blocked publication of {result.warehouse_path}: "
            f"{len(result.blocking_failures)} error-severity check(s) failed:"
        ]
        lines += [f"  - {failure.describe()}" for failure in result.blocking_failures]
        if result.report is not None:
            lines.append(f"report: {result.report.summary_html}")
        super().__init__("\n".join(lines))
