"""One-line progress messages for ``nq57 build``, from Dagster's event stream."""

from __future__ import annotations

import logging
from typing import TextIO

from dagster import AssetCheckSeverity, DagsterEvent, DagsterEventType, LoggerDefinition

from .row_counts import ROW_COUNT_KEY

# The published/warehouse materialization's verdict (see publication.gate_metadata).
GATE_SUMMARY_KEY = "quality_gate"
# The step of the published/warehouse asset.
PUBLISH_STEP = "published__warehouse"


def progress_line(event: DagsterEvent) -> str | None:
    """What a person watching a build wants to read about ``event``, or None to stay quiet."""
    kind = event.event_type
    if kind == DagsterEventType.STEP_START and event.step_key == PUBLISH_STEP:
        return f"started   quality gate, then publish ({event.step_key})"
    if kind == DagsterEventType.STEP_START:
        return f"started   {event.step_key}"
    if kind == DagsterEventType.STEP_SUCCESS:
        seconds = event.event_specific_data.duration_ms / 1000
        return f"finished  {event.step_key} ({seconds:.1f}s)"
    if kind == DagsterEventType.STEP_FAILURE:
        error = event.event_specific_data.error
        first_line = error.message.strip().splitlines()[0] if error else "unknown error"
        return f"FAILED    {event.step_key}: {first_line}"
    if kind == DagsterEventType.ASSET_MATERIALIZATION:
        materialization = event.event_specific_data.materialization
        verdict = materialization.metadata.get(GATE_SUMMARY_KEY)
        if verdict is not None:
            return f"  {verdict.value}"
        rows = materialization.metadata.get(ROW_COUNT_KEY)
        count = f"{rows.value} rows" if rows is not None else "no row count"
        return f"  built   {materialization.asset_key.to_user_string()}: {count}"
    if kind == DagsterEventType.ASSET_CHECK_EVALUATION:
        evaluation = event.event_specific_data
        if not evaluation.passed and evaluation.severity == AssetCheckSeverity.WARN:
            return f"  warning {evaluation.asset_key.to_user_string()}: {evaluation.check_name}"
        if not evaluation.passed:
            return (
                f"  check failed {evaluation.asset_key.to_user_string()}: {evaluation.check_name}"
            )
    return None


class _ProgressHandler(logging.Handler):
    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        # Dagster attaches the structured event to each record it logs; plain
        # log messages (dbt's own output among them) carry none and are skipped.
        meta = getattr(record, "dagster_meta", None)
        event = meta.get("dagster_event") if meta else None
        line = progress_line(event) if event is not None else None
        if line:
            self.stream.write(line + "\n")
            self.stream.flush()


def progress_logger(stream: TextIO) -> LoggerDefinition:
    """A Dagster logger printing :func:`progress_line` output to ``stream``."""

    def _make(_init_context) -> logging.Logger:
        log = logging.Logger("nq57.build.progress", level=logging.DEBUG)
        log.addHandler(_ProgressHandler(stream))
        return log

    return LoggerDefinition(_make, description="Progress lines for nq57 build.")
