"""Receipts show names and Vietnam time first, ids and UTC second (issue 12, item 6)."""

from __future__ import annotations

from datetime import UTC, datetime

from dagster_project.semantics.display import utc_text, vn_date, vn_time
from dagster_project.submissions.receipts import render_receipt, render_receipt_rows

FILE = {
    "file_name": "bao-cao-nhnn.xlsx",
    "file_sha256": "cd" * 32,
    "size_bytes": 2048,
    "detected_format": "xlsx",
    "encoding": None,
    "csv_delimiter": None,
    # Stored naive, in UTC: sent at 07:33:29 in Vinh.
    "received_at": datetime(2026, 3, 14, 0, 33, 29, 512000),
    "province_id": "nghe-an",
    "agency_id": "nghe-an:nhnn",
    "province_name": "Nghệ An",
    "agency_name": "Ngân hàng Nhà nước Việt Nam, chi nhánh tỉnh Nghệ An",
    "period": "2026-Q1",
    "format_version": "1",
    "status": "accepted",
    "rows_in": 1,
    "rows_loaded": 1,
    "rows_quarantined": 0,
    "rows_not_reported": 0,
    "supersedes_file_sha256": None,
}


def test_the_receipt_shows_names_then_ids_and_vietnam_time_then_utc():
    html = render_receipt(FILE, render_receipt_rows(FILE, [], [], [], []))
    province = html.index("Nghệ An <span")
    assert province < html.index("<code>nghe-an</code>")
    assert html.index("chi nhánh tỉnh Nghệ An") < html.index("<code>nghe-an:nhnn</code>")
    assert "14/03/2026 07:33:29 (giờ Việt Nam)" in html
    assert "(2026-03-14 00:33:29 UTC)" in html
    assert "00:33:29.512" not in html


def test_without_names_the_receipt_falls_back_to_the_ids():
    unnamed = {**FILE, "province_name": None, "agency_name": None}
    html = render_receipt(unnamed, render_receipt_rows(unnamed, [], [], [], []))
    assert "<td>nghe-an</td>" in html and "<td>nghe-an:nhnn</td>" in html


def test_an_aware_timestamp_is_converted_not_relabelled():
    moment = datetime(2026, 3, 14, 0, 33, 29, tzinfo=UTC)
    assert utc_text(moment) == "2026-03-14 00:33:29 UTC"
    assert vn_time(moment) == "14/03/2026 07:33:29 (giờ Việt Nam)"
    # 23:30 UTC is already the next day in Vietnam.
    assert vn_date(datetime(2026, 3, 13, 23, 30)) == "14/03/2026"


def test_an_ingested_file_gets_a_receipt_with_the_registry_names(tmp_path):
    from fixtures.submissions.builders import real_reference

    from dagster_project.simulate.real_figures import write_real_figures
    from dagster_project.submissions.ingest import ingest_paths
    from dagster_project.submissions.signing import load_keys
    from dagster_project.warehouse.paths import SEEDS_DIR

    store = tmp_path / "store" / "submissions.duckdb"
    path = write_real_figures(SEEDS_DIR, tmp_path / "landing", load_keys(store))
    [outcome] = ingest_paths(
        [path],
        store=store,
        reference=real_reference(),
        received_at_basis="file_mtime",
        progress=str,
    )
    html = outcome.receipt_path.read_text(encoding="utf-8")
    assert "Lạng Sơn <span" in html and "<code>lang-son</code>" in html
    assert "Sở Khoa học và Công nghệ" in html and "<code>lang-son:so-khcn</code>" in html
    assert "/09/2025 " in html and "(giờ Việt Nam)" in html and " UTC)" in html
