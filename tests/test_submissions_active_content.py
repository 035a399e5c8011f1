"""Nothing executable in or out: formula-like text, macros, external links and embedded
objects are refused with a reason; the template writes text as text."""

from __future__ import annotations

import dataclasses
import re
import zipfile
from pathlib import Path

import pytest
from fixtures.submissions.builders import (
    GOOD_TASK,
    NGHE_AN_KHCN,
    write_csv,
    write_xlsx,
)
from fixtures.submissions.stores import ingest as ingest_into_store
from fixtures.submissions.stores import loaded, quarantine
from openpyxl import load_workbook

from dagster_project.submissions.template import build_workbook, template_content

pytest_plugins = ("fixtures.submissions.ingesting",)


def ingest(tmp_path: Path, reference, *files: Path):
    """Outcomes, quarantine entries (row, column, raw value, reason code) and rows loaded."""
    outcomes, store = ingest_into_store(tmp_path, reference, *files)
    entries = [(r[1], r[2], r[3], r[4]) for r in quarantine(store)]
    return outcomes, entries, len(loaded(store))


INJECTIONS = {
    "plus_dde": "+cmd|' /C calc'!A0",
    "minus_dde": "-2+3+cmd|' /C calc'!A0",
    "at_sum": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab_equals": "\t=1+1",
    "cr_equals": "\r=1+1",
    "dash_bullet": "- Thiếu kinh phí",
}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("text", list(INJECTIONS.values()), ids=list(INJECTIONS))
def test_text_a_spreadsheet_would_run_is_refused_like_a_formula(tmp_path, reference, fmt, text):
    row = {**GOOD_TASK, "output_document": text}
    if fmt == "xlsx":
        path = write_xlsx(tmp_path / "in" / "r.xlsx", tasks=[row])
    else:
        path = write_csv(tmp_path / "in" / "r.csv", "task_progress", [row])
    [outcome], entries, loaded = ingest(tmp_path, reference, path)
    assert (outcome.status, loaded) == ("rejected", 0)
    # openpyxl writes a CR raw (an XML reader turns it into a line feed) or, with lxml
    # installed, as &#13; (kept): either way the cell is refused with its value.
    stored = {text, text.replace("\r", "\n")} if fmt == "xlsx" else {text}
    [(column, value, reason)] = [e[1:] for e in entries]
    assert (column, reason) == ("output_document", "formula_cell")
    assert value in stored


def test_signed_numbers_and_plain_text_are_not_formulas(tmp_path, reference):
    rows = [
        {**GOOD_TASK, "status": "Đang thực hiện", "percent_complete": "+40", "completion_date": ""},
        {
            **GOOD_TASK,
            "task_key": "I.3",
            "status": "Đang thực hiện",
            "percent_complete": "40",
            "completion_date": "",
            "difficulties": "Thiếu kinh phí - chậm giải ngân",
        },
    ]
    path = write_csv(tmp_path / "in" / "r.csv", "task_progress", rows)
    [outcome], entries, loaded = ingest(tmp_path, reference, path)
    assert entries == [] and loaded == 2, entries


def test_a_metadata_cell_starting_with_plus_rejects_the_file(tmp_path, reference):
    path = write_xlsx(
        tmp_path / "in" / "r.xlsx",
        {**NGHE_AN_KHCN, "agency_id": "+nghe-an:so-khcn"},
        tasks=[GOOD_TASK],
    )
    [outcome], entries, _ = ingest(tmp_path, reference, path)
    assert outcome.reason_code == "formula_in_metadata"


def add_parts(path: Path, parts: dict[str, bytes], edit_types=None) -> Path:
    with zipfile.ZipFile(path) as archive:
        members = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            if name == "[Content_Types].xml" and edit_types:
                data = edit_types(data.decode("utf-8")).encode("utf-8")
            archive.writestr(name, data)
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


EXTERNAL_RELS = (
    b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
    b'Target="file:///\\\\attacker\\share\\book.xlsx" TargetMode="External"/></Relationships>'
)
ACTIVE = {
    "vba_project": ({"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 vba"}, None, "macro_content"),
    "xlsm_content_type": (
        {},
        lambda xml: xml.replace(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        ),
        "macro_content",
    ),
    "external_link_part": (
        {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"},
        None,
        "external_link",
    ),
    "file_target": ({"xl/worksheets/_rels/sheet2.xml.rels": EXTERNAL_RELS}, None, "external_link"),
    "ole_object": ({"xl/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0"}, None, "embedded_object"),
}


@pytest.mark.parametrize(("parts", "edit", "code"), list(ACTIVE.values()), ids=list(ACTIVE))
def test_macros_external_links_and_embedded_objects_are_refused(
    tmp_path, reference, parts, edit, code
):
    path = add_parts(write_xlsx(tmp_path / "in" / "r.xlsx", tasks=[GOOD_TASK]), parts, edit)
    [outcome], entries, loaded = ingest(tmp_path, reference, path)
    assert (outcome.status, outcome.reason_code, loaded) == ("rejected", code, 0)
    [entry] = entries
    assert entry[0] is None and entry[3] == code


def test_a_plan_text_starting_with_equals_stays_text_in_the_template(tmp_path, reference):
    content = template_content(reference, "nghe-an", "nghe-an:so-khcn", "2026-Q1")
    task, role, holder = content.tasks[0]
    hostile = dataclasses.replace(task, task_name='=HYPERLINK("http://x","bấm")')
    dash = dataclasses.replace(task, task_key="II.99", task_name="- Xây dựng cơ sở dữ liệu")
    content = dataclasses.replace(content, tasks=[(hostile, role, holder), (dash, role, holder)])
    path = tmp_path / "template.xlsx"
    build_workbook(content, reference).save(path)
    with zipfile.ZipFile(path) as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]
        styles = archive.read("xl/styles.xml").decode("utf-8")
    assert not any(re.search(rb"<f[ >]", xml) for xml in sheets), "no formula in the template"
    # Read back as text (openpyxl may write characters as XML references).
    texts = {
        cell.value
        for sheet in load_workbook(path).worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    }
    assert '=HYPERLINK("http://x","bấm")' in texts and "- Xây dựng cơ sở dữ liệu" in texts
    assert 'quotePrefix="1"' in styles
