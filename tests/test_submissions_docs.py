"""docs/submission_format.md stays in step with the format defined in code."""

from __future__ import annotations

import pytest

from dagster_project.extract.documents import REPO_ROOT
from dagster_project.submissions import spec
from dagster_project.submissions.reasons import REASONS, Issue

DOC = (REPO_ROOT / "docs" / "submission_format.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("code", sorted(REASONS))
def test_every_reason_code_is_documented_and_renders_in_both_languages(code):
    assert f"`{code}`" in DOC
    issue = Issue(code, sheet="task_progress", row_number=3, column_name="status", raw_value="x")
    assert issue.reason_vi and issue.reason_en
    assert "{" not in issue.reason_vi + issue.reason_en


@pytest.mark.parametrize("sheet", spec.DATA_SHEETS)
def test_every_column_is_documented(sheet):
    for column in spec.column_names(sheet):
        assert f"| `{column}` |" in DOC, column


def test_statuses_and_metadata_are_documented():
    for status in spec.STATUSES:
        assert f"| `{status.code}` | {status.label_vi} | {status.label_en} |" in DOC
    for key in spec.CSV_METADATA_COLUMNS:
        assert f"`{key}`" in DOC


def test_unknown_reason_code_is_refused():
    with pytest.raises(KeyError):
        Issue("no_such_reason")


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        ("raw.submission_files", "FILE_COLUMNS"),
        ("raw.submission_quarantine", "QUARANTINE_COLUMNS"),
    ],
)
def test_every_store_column_is_documented(table, columns):
    from dagster_project.submissions import tables

    section = DOC[DOC.index(f"- `{table}`") :]
    section = section[: section.index("\n- `raw.", 3)]
    for column in getattr(tables, columns):
        assert f"`{column}`" in section, f"{table}.{column}"
