"""The .xlsx reader (python-calamine, plus the sheet XML for formulas and percentages)
reads every value where the sheet puts it, and the same text as openpyxl's public reader.

Templates carry hundreds of spare rows of styled, validated empty cells: they
add no row. A value typed after any gap, with the sheet's ``<dimension>`` tag
saying the sheet ends long before, is still read, under its own sheet row
number, and balances rows in = loaded + quarantined. Odd XML that openpyxl's
read-only rows would silently drop a value from (cells out of column order, a
row numbered before one already read) is read at the cells' own positions.

The oracle below is openpyxl's public read-only API (``reset_dimensions`` then
``iter_rows``), converted to text the same way: for the shapes openpyxl reads
faithfully, the new reader must give exactly its texts.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from fixtures.submissions.builders import (
    GOOD_INDICATOR,
    GOOD_TASK,
    NGHE_AN_KHCN,
    ingest_files,
    real_reference,
    store_rows,
    write_xlsx,
)
from openpyxl.styles import PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from dagster_project.submissions import readers, spec
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


def reference_texts(path: Path) -> dict[str, list[tuple[int, list[str]]]]:
    """Every sheet's non-blank rows as text, read with openpyxl's public API."""
    texts = {}
    for name, rows in reference_rows(path).items():
        converted = []
        for number, cells in rows:
            values = [readers.cell_text(value, number_format) for value, number_format, _ in cells]
            if any(value.strip() for value in values):
                converted.append((number, values))
        texts[readers.nfc(name)] = converted
    return texts


def reader_texts(path: Path) -> dict[str, list[tuple[int, list[str]]]]:
    sheets, _ = readers._load_workbook_cells(path.read_bytes())
    return {
        name: [(number, [cell.text for cell in cells]) for number, cells in sheet.rows]
        for name, sheet in sheets.items()
    }


def same_row(expected: list[str], actual: list[str]) -> bool:
    """Equal up to trailing empty cells (openpyxl pads a row to the sheet's width)."""
    width = max(len(expected), len(actual))
    return expected + [""] * (width - len(expected)) == actual + [""] * (width - len(actual))


def assert_same_as_reference(path: Path) -> dict[str, list[tuple[int, list[str]]]]:
    expected = reference_texts(path)
    actual = reader_texts(path)
    assert list(actual) == list(expected)
    for name in expected:
        assert [n for n, _ in actual[name]] == [n for n, _ in expected[name]], name
        for (number, want), (_, got) in zip(expected[name], actual[name]):
            assert same_row(want, got), (name, number, want, got)
    return actual


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

    texts = assert_same_as_reference(path)
    assert [number for number, _ in texts[spec.TASK_PROGRESS]] == [1, 2, 3, FAR_ROW]

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
    [outcome] = ingest_files(tmp_path / "store" / "submissions.duckdb", reference, path)
    assert outcome.rows_in == outcome.rows_loaded + outcome.rows_quarantined == 3
    assert outcome.rows_quarantined == 1
    quarantined = store_rows(
        tmp_path / "store" / "submissions.duckdb",
        "select sheet, row_number, reason_code from raw.submission_quarantine",
    )
    loaded = store_rows(
        tmp_path / "store" / "submissions.duckdb",
        "select sheet, row_number from raw.submission_rows order by sheet, row_number",
    )
    assert quarantined == [(spec.TASK_PROGRESS, FAR_ROW, "status_invalid")]
    assert loaded == [(spec.INDICATOR_VALUES, 3), (spec.TASK_PROGRESS, 3)]


def test_untouched_spare_rows_add_no_row(tmp_path):
    path = template_like_xlsx(tmp_path / "spare.xlsx", None)
    texts = assert_same_as_reference(path)
    assert [number for number, _ in texts[spec.TASK_PROGRESS]] == [1, 2, 3]
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


def test_odd_sheet_xml_reads_the_values_and_formulas_where_the_sheet_puts_them(tmp_path):
    path = crafted_sheet_xlsx(tmp_path)
    texts = dict(reader_texts(path)[spec.TASK_PROGRESS])
    assert list(texts) == [1, 2, 4, 6, 7, 8, 9, 13, FAR_ROW]
    assert texts[FAR_ROW][3] == "far"
    assert texts[13][0] == "cell says 13", "a cell goes to its own row, as openpyxl put it"
    # A date, a percentage, a custom number format, a boolean, a formula (its text, never its result).
    assert texts[6][4:10] == ["09/12/2025", "", "45%", "1234.5", "TRUE", "=SUM(1,2)"]
    # A shared formula and its copy are both formulas.
    assert texts[7][:2] == ["=1+1", "=1+1"]
    sheets, _ = readers._load_workbook_cells(path.read_bytes())
    cells = dict(sheets[spec.TASK_PROGRESS].rows)
    assert [cell.is_formula for cell in cells[6]][-1] is True
    assert [cell.is_formula for cell in cells[7]][:2] == [True, True]
    # The other rows read as openpyxl reads them.
    expected = dict(reference_texts(path)[spec.TASK_PROGRESS])
    for number in (1, 2, 4, 8, 9, 13, FAR_ROW):
        assert same_row(expected[number], texts[number]), number


def test_a_far_away_cell_is_refused_before_the_sheet_is_loaded(tmp_path):
    """calamine holds a sheet as a dense grid: one cell at XFD1048576 would be 17 billion."""
    path = write_xlsx(tmp_path / "far.xlsx", tasks=[GOOD_TASK])
    replace_member(
        path,
        sheet_member(path, spec.TASK_PROGRESS),
        lambda xml: xml.replace(
            "</sheetData>",
            '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
        ),
    )
    with pytest.raises(FileRejected) as rejected:
        read_submission(path)
    assert rejected.value.issue.reason_code == "zip_bomb"
    assert "1048576 rows × 16384 columns" in rejected.value.issue.detail


def test_metadata_sheet_unchanged(tmp_path):
    path = template_like_xlsx(tmp_path / "meta.xlsx", None)
    assert read_submission(path).metadata == NGHE_AN_KHCN


@pytest.mark.parametrize(
    ("row_xml", "expected"),
    [
        (
            '<row r="3"><c r="C3" t="inlineStr"><is><t>late column</t></is></c>'
            '<c r="A3" t="inlineStr"><is><t>nghe-an-348-2025</t></is></c></row>',
            {3: ["nghe-an-348-2025", "", "late column"]},
        ),
        (
            '<row r="4"><c r="A4" t="inlineStr"><is><t>I.2</t></is></c></row>'
            '<row r="3"><c r="A3" t="inlineStr"><is><t>out of order</t></is></c></row>',
            {3: ["out of order"], 4: ["I.2"]},
        ),
    ],
    ids=["cell_left_of_the_previous", "row_out_of_order"],
)
def test_a_value_openpyxl_would_drop_is_read_at_its_own_position(tmp_path, row_xml, expected):
    """openpyxl's read-only rows silently drop these values; every one is read."""
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
    texts = dict(reader_texts(path)[spec.TASK_PROGRESS])
    for number, values in expected.items():
        assert texts[number][: len(values)] == values


def test_string_cells_kept_between_files_are_those_of_each_string(monkeypatch):
    """A string's cell is kept for the next file that holds it (most strings recur):
    the kept cell is what reading the string gives (NFC text, formula marking), long
    strings are not kept, and the store is emptied when full."""
    monkeypatch.setattr(readers, "_KNOWN_CELLS", {})
    monkeypatch.setattr(readers, "_KNOWN_CELLS_MAX", 3)
    decomposed = "Hoa\u0300n tha\u0300nh"
    for text in ("=1+1", "-5", "+ 3 tasks", decomposed, "\tx", "x" * 201):
        first, again = readers._string_cell(text), readers._string_cell(text)
        assert first == again == readers._text_cell(readers.nfc(text))
    assert readers._string_cell("=1+1").is_formula
    assert not readers._string_cell("-5").is_formula
    assert readers._string_cell(decomposed).text == "Hoàn thành"
    assert "x" * 201 not in readers._KNOWN_CELLS
    assert 0 < len(readers._KNOWN_CELLS) <= 3
