"""The receipt renders from one cached Jinja2 environment, with the same HTML as a fresh one."""

from __future__ import annotations

from datetime import datetime

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from dagster_project.submissions import receipts
from dagster_project.submissions.reasons import Issue
from dagster_project.submissions.receipts import ReceiptRow, render_receipt, render_receipt_rows

FILE = {
    "file_name": "bao-cao <script>alert(1)</script>.xlsx",
    "file_sha256": "ab" * 32,
    "size_bytes": 1234,
    "detected_format": "xlsx",
    "encoding": None,
    "csv_delimiter": None,
    "received_at": datetime(2026, 4, 5, 3, 0),
    "province_id": "nghe-an",
    "agency_id": "nghe-an:so-khcn",
    "period": "2026-Q1",
    "format_version": "1",
    "status": "partially_accepted",
    "rows_in": 2,
    "rows_loaded": 1,
    "rows_quarantined": 1,
    "rows_not_reported": 1,
    "supersedes_file_sha256": None,
}
REJECTED = [Issue("status_invalid", "task_progress", 4, "status", "<b>Xong</b>")]
ACCEPTED = [ReceiptRow("task_progress", 3, "I.2", "status: Hoàn thành & <i>xong</i>")]
NOT_REPORTED = [ReceiptRow("task_progress", 5, "I.4")]


def fresh_render() -> str:
    """The receipt as rendered before caching: a new environment for the file."""
    environment = Environment(
        loader=PackageLoader("dagster_project.submissions", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True,
    )
    status_vi, status_en = receipts.STATUS_TEXT[FILE["status"]]
    rows = environment.get_template("receipt_rows.html.j2").render(
        file=FILE,
        file_issues=[],
        rejected=REJECTED,
        rejected_more=0,
        accepted=ACCEPTED,
        accepted_more=0,
        not_reported=NOT_REPORTED,
        not_reported_more=0,
        ignored_sheets=("Ghi chú",),
        max_value_chars=receipts.MAX_VALUE_CHARS,
    )
    return environment.get_template("receipt.html.j2").render(
        file=FILE,
        received_ict="05/04/2026 10:00:00 (giờ Việt Nam)",
        received_utc="2026-04-05 03:00:00 UTC",
        status_vi=status_vi,
        status_en=status_en,
        rows=Markup(rows),
    )


def render() -> str:
    rows = render_receipt_rows(FILE, [], REJECTED, ACCEPTED, NOT_REPORTED, ("Ghi chú",))
    return render_receipt(FILE, rows)


def test_cached_environment_renders_the_same_html_every_time():
    first = render()
    assert receipts._environment() is receipts._environment()
    assert render() == first == fresh_render()
    assert first.endswith("</html>\n"), "keep_trailing_newline still applies"


def test_cached_environment_still_escapes_what_the_sender_wrote():
    html = render()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Xong</b>" not in html and "&lt;b&gt;Xong&lt;/b&gt;" in html
    assert "<i>xong</i>" not in html and "&amp; &lt;i&gt;xong&lt;/i&gt;" in html
    assert receipts._environment().autoescape is not False


def test_a_receipt_lists_a_bounded_number_of_entries_and_says_how_many_more():
    many = receipts.MAX_LISTED + 250
    rejected = [
        Issue("duplicate_key", "task_progress", n, "task_key", "I.2" * 1000, detail="3, 4")
        for n in range(many)
    ]
    accepted = [ReceiptRow("task_progress", n, "I.2") for n in range(many)]
    html = render_receipt(
        {**FILE, "status": "partially_accepted"},
        render_receipt_rows(FILE, [], rejected, accepted, []),
    )
    assert html.count("<tr><td>task_progress</td>") == 2 * receipts.MAX_LISTED
    assert "… and 250 more problems" in html and "… and 250 more rows" in html
    assert "I.2" * 200 not in html, "a long value is cut"
    assert len(html) < 2_000_000
