"""The .xlsx reader passes over the template's empty spare rows without losing a row.

Templates carry hundreds of spare rows of styled, validated empty cells.
:func:`readers._worksheet_rows` skips the rows with no value once the XML
parser has read them, instead of building openpyxl cell objects for them,
and never stops early: a value typed after any gap, with the sheet's
``<dimension>`` tag saying the sheet ends long before, is still read, under
its own sheet row number, and balances rows in = loaded + quarantined.

The reference below is the reader as it was (``reset_dimensions`` then
``iter_rows``): the new one must return exactly its rows that hold a value.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest
from fixtures.submissions.builders import (
    GOOD_INDICATOR,
    GOOD_TASK,
    NGHE_AN_KHCN,
    real_reference,
    received_at,
    write_xlsx,
)
from openpyxl.styles import PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from dagster_project.submissions import readers, spec
from dagster_project.submissions.ingest import ingest_paths
from dagster_project.submissions.readers import FileRejected, read_submission

FAR_ROW = 5000


def reference_rows(path: Path) -> dict[str, list[tuple[int, list[tuple]]]]:
    """Every sheet's rows as the reader read them before: openpyxl's own iter_rows."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
    try:
        raw = {}
        for name in workbook.sheetnames:
            worksheet = workbook[name]
            worksheet.reset_dimensions()
            rows = raw.setdefault(name, [])
            for cells in worksheet.iter_rows():
                row_number = next(
                    (c.row for c in cells if getattr(c, "row", None) is not None), None
                )
                if row_number is not None:
                    rows.append(
                        (
                            row_number,
                            [
                                (
                                    cell.value,
                                    getattr(cell, "number_format", None),
                                    getattr(cell, "data_type", None) == "f",
                                )
                                for cell in cells
                            ],
                        )
                    )
        return raw
    finally:
        workbook.close()


def with_value(rows: list[tuple[int, list[tuple]]]) -> list[tuple[int, list[tuple]]]:
    return [(number, cells) for number, cells in rows if any(c[0] is not None for c in cells)]


def assert_same_as_reference(path: Path) -> dict[str, list[tuple[int, list[tuple]]]]:
    names, raw = readers._read_workbook(path)
    expected = reference_rows(path)
    assert names == list(expected)
    for name in names:
        assert raw[name] == with_value(expected[name]), name
    return raw


def replace_member(path: Path, member: str, edit) -> None:
    """Rewrite one part of the workbook's zip, as a hand-edited or forged file would."""
    with zipfile.ZipFile(path) as archive:
        parts = [(info, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts:
            if info.filename == member:
                data = edit(data.decode("utf-8")).encode("utf-8")
            archive.writestr(info.filename, data)


def sheet_member(path: Path, title: str) -> str:
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        index = workbook.sheetnames.index(title)
    finally:
        workbook.close()
    return f"xl/worksheets/sheet{index + 1}.xml"


def forge_dimension(path: Path, title: str, ref: str) -> None:
    replace_member(
        path,
        sheet_member(path, title),
        lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>', xml),
    )


def template_like_xlsx(path: Path, far_task: dict[str, object] | None) -> Path:
    """A v1 workbook with 500 spare rows of styled, validated empty cells per data sheet,
    and optionally one task typed far below them, at row FAR_ROW."""
    write_xlsx(path, tasks=[GOOD_TASK], indicators=[GOOD_INDICATOR])
    workbook = openpyxl.load_workbook(path)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for sheet in spec.DATA_SHEETS:
        worksheet = workbook[sheet]
        last = worksheet.max_row + 500
        for row in range(worksheet.max_row + 1, last + 1):
            for column in (2, 5, 6):
                worksheet.cell(row=row, column=column).fill = fill
        validation = DataValidation(type="list", formula1='"A,B,C"', allow_blank=True)
        validation.add(f"F3:F{last}")
        worksheet.add_data_validation(validation)
    if far_task is not None:
        tasks = workbook[spec.TASK_PROGRESS]
        for position, column in enumerate(spec.SHEET_COLUMNS[spec.TASK_PROGRESS], start=1):
            if column.name in far_task:
                tasks.cell(row=FAR_ROW, column=position, value=far_task[column.name])
    workbook.save(path)
    return path


FAR_TASK = {**GOOD_TASK, "task_key": "I.3", "status": "Đang thực hiện", "percent_complete": 40}


def test_spare_rows_are_passed_over_and_a_value_after_them_is_read(tmp_path):
    path = template_like_xlsx(tmp_path / "far.xlsx", FAR_TASK)
    # A sender's tool (or a forger) records a used range that ends at the header.
    forge_dimension(path, spec.TASK_PROGRESS, "A1:J2")

    raw = assert_same_as_reference(path)
    assert [number for number, _ in raw[spec.TASK_PROGRESS]] == [1, 2, 3, FAR_ROW]

    parsed = read_submission(path)
    tasks = [row for row in parsed.rows if row.sheet == spec.TASK_PROGRESS]
    assert [(row.row_number, row.values["task_key"]) for row in tasks] == [
        (3, "I.2"),
        (FAR_ROW, "I.3"),
    ]
    assert tasks[1].values["percent_complete"] == "40"
    assert tasks[1].values["status"] == "Đang thực hiện"


def test_a_row_far_below_the_spare_rows_is_loaded_or_quarantined_never_lost(tmp_path):
    reference = real_reference()
    bad_far_task = {**FAR_TASK, "status": "Xong"}
    path = template_like_xlsx(tmp_path / "in" / "far.xlsx", bad_far_task)
    forge_dimension(path, spec.TASK_PROGRESS, "A1:J2")
    [outcome] = ingest_paths(
        [path],
        store=tmp_path / "store" / "submissions.duckdb",
        reference=reference,
        now=received_at,
        progress=lambda line: None,
    )
    assert outcome.rows_in == outcome.rows_loaded + outcome.rows_quarantined == 3
    assert outcome.rows_quarantined == 1
    with duckdb.connect(str(tmp_path / "store" / "submissions.duckdb"), read_only=True) as con:
        quarantined = con.execute(
            "select sheet, row_number, reason_code from raw.submission_quarantine"
        ).fetchall()
        loaded = con.execute(
            "select sheet, row_number from raw.submission_rows order by sheet, row_number"
        ).fetchall()
    assert quarantined == [(spec.TASK_PROGRESS, FAR_ROW, "status_invalid")]
    assert loaded == [(spec.INDICATOR_VALUES, 3), (spec.TASK_PROGRESS, 3)]


def test_untouched_spare_rows_add_no_row(tmp_path):
    path = template_like_xlsx(tmp_path / "spare.xlsx", None)
    raw = assert_same_as_reference(path)
    assert [number for number, _ in raw[spec.TASK_PROGRESS]] == [1, 2, 3]
    parsed = read_submission(path)
    assert [(row.sheet, row.row_number) for row in parsed.rows] == [
        (spec.TASK_PROGRESS, 3),
        (spec.INDICATOR_VALUES, 3),
    ]


def crafted_sheet_xlsx(tmp_path: Path) -> Path:
    """A workbook whose task sheet is hand-written XML with the odd shapes writers produce."""
    path = write_xlsx(tmp_path / "crafted.xlsx", tasks=[GOOD_TASK])
    workbook = openpyxl.load_workbook(path)
    styled = workbook[spec.TASK_PROGRESS]
    styled["A10"].number_format = "dd/mm/yyyy"
    styled["A10"].value = 1
    styled["B10"].number_format = "0%"
    styled["B10"].value = 1
    styled["C10"].number_format = "#,##0.000"
    styled["C10"].value = 1
    workbook.save(path)
    member = sheet_member(path, spec.TASK_PROGRESS)
    with zipfile.ZipFile(path) as archive:
        original = archive.read(member).decode("utf-8")
    style = {
        cell: re.search(rf'<c r="{cell}"[^>]* s="(\d+)"', original).group(1)
        for cell in ("A10", "B10", "C10")
    }
    header = re.search(r'<row r="1".*?</row>', original, re.S).group(0)
    labels = re.search(r'<row r="2".*?</row>', original, re.S).group(0)
    body = "".join(
        [
            header,
            labels,
            # Styled empty cells, an empty value, an empty inline string: no value.
            '<row r="3"><c r="B3" s="{d}"/><c r="F3" t="n"><v></v></c>'
            '<c r="H3" t="inlineStr"/></row>'.format(d=style["A10"]),
            # Cells out of column order, the dropped one empty: nothing is lost.
            '<row r="4"><c r="C4" s="{d}"/>'
            '<c r="A4" t="inlineStr"><is><t>nghe-an-348-2025</t></is></c></row>'.format(
                d=style["A10"]
            ),
            # A date, a percentage, a custom number format, a boolean, a formula.
            '<row r="6"><c r="A6" t="inlineStr"><is><t>nghe-an-348-2025</t></is></c>'
            '<c r="B6" t="inlineStr"><is><t>I.2</t></is></c>'
            f'<c r="E6" s="{style["A10"]}"><v>46000</v></c>'
            f'<c r="G6" s="{style["B10"]}"><v>0.45</v></c>'
            f'<c r="H6" s="{style["C10"]}"><v>1234.5</v></c>'
            '<c r="I6" t="b"><v>1</v></c>'
            '<c r="J6"><f>SUM(1,2)</f><v>3</v></c></row>',
            # Shared formula, its master and a copy.
            '<row r="7"><c r="A7"><f t="shared" ref="A7:B7" si="0">1+1</f><v>2</v></c>'
            '<c r="B7"><f t="shared" si="0"/><v>2</v></c></row>',
            # Rows without r: numbered after the previous one.
            '<row><c t="inlineStr"><is><t>no r 8</t></is></c></row>',
            '<row><c r="B9" t="inlineStr"><is><t>no r 9</t></is></c></row>',
            # An empty row numbered before one already read (openpyxl passes over it).
            '<row r="5"><c r="A5" s="{d}"/></row>'.format(d=style["A10"]),
            # A cell whose coordinate disagrees with its row element.
            '<row r="12"><c r="A13" t="inlineStr"><is><t>cell says 13</t></is></c></row>',
            # A long gap of spare rows, then a value.
            "".join(
                f'<row r="{n}"><c r="B{n}" s="{style["A10"]}"/><c r="F{n}" s="{style["B10"]}"/></row>'
                for n in range(20, 800)
            ),
            f'<row r="{FAR_ROW}"><c r="D{FAR_ROW}" t="inlineStr"><is><t>far</t></is></c></row>',
        ]
    )

    def edit(xml: str) -> str:
        xml = re.sub(
            r"<sheetData>.*</sheetData>", f"<sheetData>{body}</sheetData>", xml, flags=re.S
        )
        return re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:B2"/>', xml)

    replace_member(path, member, edit)
    return path


def test_odd_sheet_xml_reads_exactly_as_openpyxl_iter_rows(tmp_path):
    path = crafted_sheet_xlsx(tmp_path)
    raw = assert_same_as_reference(path)
    numbers = [number for number, _ in raw[spec.TASK_PROGRESS]]
    assert numbers == [1, 2, 4, 6, 7, 8, 9, 13, FAR_ROW]
    by_number = dict(raw[spec.TASK_PROGRESS])
    assert by_number[FAR_ROW][3][0] == "far"
    assert [cell[2] for cell in by_number[6]][-1] is True, "the formula is marked"
    # The converted text is the same as well (numbers, dates, percentages).
    sheets, _ = readers._load_workbook_cells(path)
    cells = dict(sheets[spec.TASK_PROGRESS].rows)
    assert [cell.text for cell in cells[6]][4:10] == [
        "09/12/2025",
        "",
        "45%",
        "1234.5",
        "TRUE",
        "=SUM(1,2)",
    ]


def test_a_bad_style_in_an_empty_spare_cell_still_fails_the_file_as_before(tmp_path):
    path = write_xlsx(tmp_path / "style.xlsx", tasks=[GOOD_TASK])
    member = sheet_member(path, spec.TASK_PROGRESS)
    replace_member(
        path,
        member,
        lambda xml: xml.replace(
            "</sheetData>", '<row r="300"><c r="B300" s="999"/></row></sheetData>'
        ),
    )
    with pytest.raises(IndexError):
        reference_rows(path)
    with pytest.raises(FileRejected) as rejected:
        read_submission(path)
    assert rejected.value.issue.reason_code == "corrupt_xlsx"


def test_metadata_sheet_unchanged(tmp_path):
    path = template_like_xlsx(tmp_path / "meta.xlsx", None)
    assert read_submission(path).metadata == NGHE_AN_KHCN


@pytest.mark.parametrize(
    ("row_xml", "message"),
    [
        (
            '<row r="3"><c r="C3" t="inlineStr"><is><t>late column</t></is></c>'
            '<c r="A3" t="inlineStr"><is><t>nghe-an-348-2025</t></is></c></row>',
            "row 3 holds a value in column 3 out of column order",
        ),
        (
            '<row r="3"><c r="A3" t="inlineStr"><is><t>first</t></is></c>'
            '<c r="A3" t="inlineStr"><is><t>second</t></is></c></row>',
            "row 3 holds a value in column 1 out of column order",
        ),
        (
            '<row r="4"><c r="A4" t="inlineStr"><is><t>I.2</t></is></c></row>'
            '<row r="3"><c r="A3" t="inlineStr"><is><t>out of order</t></is></c></row>',
            "row 3 holds a value but comes after row 4",
        ),
    ],
    ids=["cell_right_of_the_last", "two_cells_one_position", "row_out_of_order"],
)
def test_a_value_openpyxl_would_drop_rejects_the_file_instead(tmp_path, row_xml, message):
    """openpyxl's read-only rows silently drop these values; the file is rejected, naming them."""
    path = write_xlsx(tmp_path / "odd.xlsx", tasks=[GOOD_TASK])
    member = sheet_member(path, spec.TASK_PROGRESS)
    header_rows = 2

    def edit(xml: str) -> str:
        rows = re.findall(r"<row .*?</row>", xml, re.S)[:header_rows]
        return re.sub(
            r"<sheetData>.*</sheetData>",
            f"<sheetData>{''.join(rows)}{row_xml}</sheetData>",
            xml,
            flags=re.S,
        )

    replace_member(path, member, edit)
    with pytest.raises(FileRejected) as rejected:
        read_submission(path)
    assert rejected.value.issue.reason_code == "corrupt_xlsx"
    assert message in rejected.value.issue.detail
    assert "task_progress" in rejected.value.issue.detail
