"""Extraction writes the parsed date and amount beside their text; text that does
not parse is flagged and kept, never dropped or guessed. (Corrections of the text
and of the parsed value: test_extract_runner.)"""

from __future__ import annotations

from dagster_project.extract.parsed import add_parsed_values


def _plan(issue_date_text: str) -> dict:
    return {"plan_id": "p", "issue_date_text": issue_date_text, "issue_date": "", "flags": ""}


def _budget_line(amount_text: str, flags: str = "") -> dict:
    return {
        "budget_line_id": "b",
        "stage": "estimate",
        "amount_text": amount_text,
        "amount_in_unit": "",
        "amount_unit": "triệu đồng",
        "flags": flags,
    }


def test_the_parsed_values_are_written_beside_the_text():
    tables = {
        "plans": [_plan("ngày 28 tháng 02 năm 2025"), _plan("05/09/2025")],
        "budget_lines": [_budget_line("384.172"), _budget_line("56.016,1")],
    }
    add_parsed_values(tables)
    assert [row["issue_date"] for row in tables["plans"]] == ["2025-02-28", "2025-09-05"]
    assert [row["amount_in_unit"] for row in tables["budget_lines"]] == ["384172", "56016.1"]
    assert all(row["flags"] == "" for rows in tables.values() for row in rows)


def test_text_that_does_not_parse_is_flagged_and_the_row_kept():
    tables = {
        "plans": [_plan("31/02/2025"), _plan("")],
        "budget_lines": [_budget_line("khoảng 5"), _budget_line("0.60")],
    }
    add_parsed_values(tables)
    impossible, missing = tables["plans"]
    assert impossible["issue_date"] == ""
    assert impossible["flags"].startswith("issue_date_unreadable: '31/02/2025' is not a date")
    # A missing date is extract_plan's issue_date_missing flag, not a parse failure.
    assert missing["flags"] == ""
    words, point = tables["budget_lines"]
    assert (words["amount_in_unit"], point["amount_in_unit"]) == ("", "")
    assert words["flags"].startswith('not_a_number: "khoảng 5" is not a Vietnamese number')
    assert point["flags"].startswith("not_a_number:")


def test_an_amount_the_extractor_already_flagged_is_not_flagged_twice():
    flag = 'ambiguous_number: "0.60" uses a decimal point, not the Vietnamese decimal comma'
    tables = {"budget_lines": [_budget_line("0.60", flag)]}
    add_parsed_values(tables)
    assert tables["budget_lines"][0]["flags"] == flag
