"""Printed issue dates: both spellings the documents use, and text that is no date.

These cases were the dbt unit test of the SQL macro ``parse_vietnamese_date``
before extraction took over the parsing (issue 17).
"""

from __future__ import annotations

from datetime import date

import pytest

from dagster_project.semantics.dates import parse_vn_date


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("14/05/2025", date(2025, 5, 14)),
        ("5/9/2025", date(2025, 9, 5)),
        (" 05/09/2025 ", date(2025, 9, 5)),
        ("ngày 28 tháng 02 năm 2025", date(2025, 2, 28)),
        ("Nghệ An, Ngày 14  tháng 5 năm 2025", date(2025, 5, 14)),
        ("14 tháng 02 năm 2025", date(2025, 2, 14)),
    ],
)
def test_issue_dates_parse_in_both_printed_formats(printed, expected):
    assert parse_vn_date(printed) == expected


@pytest.mark.parametrize(
    "printed",
    ["31/02/2025", "", "Tháng 11/202", "14/05/25", "Số 14/05/2025", "ngày 14 tháng 13 năm 2025"],
)
def test_text_that_prints_no_real_date_gives_none(printed):
    assert parse_vn_date(printed) is None
