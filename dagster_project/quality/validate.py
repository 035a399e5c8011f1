"""Run the suites of ``expectations`` on pandas frames with Great Expectations.

Frames always come from DuckDB read into pandas: GX's SQL datasource on
DuckDB returns empty metric results, so the gate never hands GX a connection.
One :class:`FrameValidator` wraps one ephemeral GX data context, with a Data
Docs site in the report folder when Data Docs are wanted.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import great_expectations as gx
import numpy as np
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2 import BytecodeCache

from expectations import row_counts
from expectations.base import (
    SOURCE_COLUMNS,
    TableChecks,
    Validation,
    expectation_check,
    expectation_severity,
)

from .results import FAILED, MAX_SAMPLES, PASSED, SKIPPED, CheckResult

DATA_DOCS_SITE = "auditor"
DATASOURCE = "warehouse"


class CompiledTemplates(BytecodeCache):
    """Jinja's compiled Data Docs templates, kept for the life of the process.

    GX makes a new Jinja environment for every page view of every Data Docs
    build, so each gate run compiled the same templates from source again
    (about a third of building the pages). Jinja checks each entry against
    its template's source, so a changed template is compiled afresh.
    """

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self.code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = CompiledTemplates()


class PageView(DefaultJinjaPageView):
    """GX's page view, its templates compiled once per process (see CompiledTemplates)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.env.bytecode_cache = TEMPLATES


class IndexPageView(DefaultJinjaIndexPageView):
    """GX's index page view, its templates compiled once per process."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.env.bytecode_cache = TEMPLATES


def _view(view: type) -> dict[str, str]:
    return {"module_name": __name__, "class_name": view.__name__}


def new_context(data_docs_dir: Path | None = None):
    """An ephemeral GX context, whose Data Docs go to ``data_docs_dir`` when given."""
    context = gx.get_context(mode="ephemeral")
    # Progress bars go to stderr for every metric and drown the build's output.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    if data_docs_dir is not None:
        for site in list(context.list_data_docs_sites()):
            context.delete_data_docs_site(site)
        context.add_data_docs_site(
            DATA_DOCS_SITE,
            {
                "class_name": "SiteBuilder",
                # The how-to buttons point GX users at tutorials; auditors need none.
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(data_docs_dir),
                },
                "site_index_builder": {
                    "class_name": "DefaultSiteIndexBuilder",
                    "view": _view(IndexPageView),
                },
                "site_section_builders": {
                    section: {"view": _view(PageView)}
                    for section in ("expectations", "validations", "profiling")
                },
            },
        )
    return context


class FrameValidator:
    """Validates frames against suites inside one GX context and collects plain results."""

    def __init__(self, context=None):
        self.context = context if context is not None else new_context()
        self.source = self.context.data_sources.add_pandas(DATASOURCE)

    def check_table(
        self, checks: TableChecks, table: pd.DataFrame | None, absent_note: str = ""
    ) -> list[CheckResult]:
        """All validations of one table; ``table=None`` when the warehouse lacks it."""
        results: list[CheckResult] = []
        for validation in checks.validations:
            if table is None:
                status = FAILED if checks.required else SKIPPED
                note = absent_note or checks.absent_note or "bảng không có / table absent"
                results += self._unrun(checks, validation, status, note)
                continue
            missing = [c for c in validation.requires_columns if c not in table.columns]
            if missing:
                results += self._unrun(checks, validation, SKIPPED, validation.absent_note)
                continue
            results += self.run(checks, validation, table)
        return results

    def run(
        self, checks: TableChecks, validation: Validation, table: pd.DataFrame
    ) -> list[CheckResult]:
        try:
            frame = validation.frame(table)
        except KeyError as missing:
            note = f"không dựng được bảng phụ / derived frame failed: column {missing} absent"
            return self._unrun(checks, validation, FAILED, note)
        sample_columns = self._sample_columns(checks, validation, frame)
        return self.run_frame(
            checks.table, validation.name, validation.build_suite(), frame, sample_columns
        )

    def check_row_counts(
        self,
        current: Mapping[str, int],
        previous: Mapping[str, int] | None,
        append_only: Collection[str] = (),
    ) -> list[CheckResult]:
        frame = row_counts.row_count_changes(current, previous, append_only)
        return self.run_frame(
            row_counts.NAME,
            row_counts.NAME,
            row_counts.build_suite(),
            frame,
            list(row_counts.SAMPLE_COLUMNS),
        )

    def run_frame(
        self,
        table: str,
        name: str,
        suite: gx.ExpectationSuite,
        frame: pd.DataFrame,
        sample_columns: list[str],
    ) -> list[CheckResult]:
        asset = self.source.add_dataframe_asset(name)
        batch = asset.add_batch_definition_whole_dataframe("whole")
        suite = self.context.suites.add(suite)
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
        outcome = definition.run(
            batch_parameters={"dataframe": frame},
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": sample_columns,
                "partial_unexpected_count": MAX_SAMPLES,
            },
        )
        return [_to_result(table, name, r) for r in outcome.results]

    def build_data_docs(self) -> str | None:
        urls = self.context.build_data_docs(site_names=[DATA_DOCS_SITE])
        return urls.get(DATA_DOCS_SITE)

    @staticmethod
    def _sample_columns(
        checks: TableChecks, validation: Validation, frame: pd.DataFrame
    ) -> list[str]:
        wanted = validation.sample_columns or (*checks.key_columns, *SOURCE_COLUMNS)
        return [c for c in dict.fromkeys(wanted) if c in frame.columns]

    @staticmethod
    def _unrun(
        checks: TableChecks, validation: Validation, status: str, note: str
    ) -> list[CheckResult]:
        return [
            CheckResult(
                table=checks.table,
                validation=validation.name,
                check=expectation_check(e),
                expectation_type=e.expectation_type,
                columns=_columns(e.configuration.kwargs),
                severity=expectation_severity(e),
                status=status,
                note=note,
                why=_notes(e.notes),
                todo=str(e.meta.get("todo", "")),
            )
            for e in validation.build_suite().expectations
        ]


def _to_result(table: str, validation: str, result) -> CheckResult:
    config = result.expectation_config
    payload = result.result or {}
    error_message = _exception_message(result.exception_info)
    return CheckResult(
        table=table,
        validation=validation,
        check=str(config.meta["check"]),
        expectation_type=config.type,
        columns=_columns(config.kwargs),
        severity=str(config.meta["severity"]),
        status=PASSED if result.success else FAILED,
        unexpected_count=_int_or_none(payload.get("unexpected_count")),
        element_count=_int_or_none(payload.get("element_count")),
        observed_value=jsonable(payload.get("observed_value")),
        samples=tuple(
            {str(k): jsonable(v) for k, v in row.items()}
            for row in (payload.get("unexpected_index_list") or [])[:MAX_SAMPLES]
            if isinstance(row, dict)
        ),
        note=error_message,
        why=_notes(config.notes),
        todo=str(config.meta.get("todo", "")),
    )


def _exception_message(info: Any) -> str:
    """GX nests exception details per metric; the first message is the useful one."""
    if not isinstance(info, dict):
        return ""
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "")
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message") or "")
    return ""


def _columns(kwargs: Mapping[str, Any]) -> tuple[str, ...]:
    if "column" in kwargs:
        return (str(kwargs["column"]),)
    if "column_list" in kwargs:
        return tuple(str(c) for c in kwargs["column_list"])
    if "column_A" in kwargs:
        return (str(kwargs["column_A"]), str(kwargs["column_B"]))
    return ()


def _notes(notes: Any) -> str:
    if notes is None:
        return ""
    return notes if isinstance(notes, str) else " ".join(str(n) for n in notes)


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def jsonable(value: Any) -> Any:
    """Plain JSON values from what pandas and GX hand back (numpy scalars, NA, NaN)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else (int(value) if value.is_integer() else value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, str | int | bool):
        return value
    return str(value)
