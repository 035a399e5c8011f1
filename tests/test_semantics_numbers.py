"""Vietnamese number parsing: the examples from the documents, then properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dagster_project.semantics.numbers import (
    decimal_to_text,
    format_vn_number,
    parse_vn_amount,
    parse_vn_number,
    parse_vn_number_with_note,
)

# (printed, value, note fragment or "" for no note)
DOCUMENT_NUMBERS = [
    ("384.172", Decimal("384172"), ""),
    ("60.100", Decimal("60100"), ""),
    ("56.016,1", Decimal("56016.1"), ""),
    ("7.976,478", Decimal("7976.478"), ""),
    ("0,7", Decimal("0.7"), ""),
    ("1,0", Decimal("1.0"), ""),
    ("2,5", Decimal("2.5"), ""),
    ("05", Decimal("5"), ""),
    ("01", Decimal("1"), ""),
    ("1200", Decimal("1200"), ""),
    ("1.234.567", Decimal("1234567"), ""),
    ("0.60", Decimal("0.60"), "decimal point"),
    ("0.92", Decimal("0.92"), "decimal point"),
    ("1.5", Decimal("1.5"), "decimal point"),
    ("12.34", Decimal("12.34"), "decimal point"),
    ("0.600", Decimal("0.600"), "decimal point"),
    ("1,500", Decimal("1.500"), "comma read as decimal mark"),
    ("-5", Decimal("-5"), ""),
    (" 384.172 ", Decimal("384172"), ""),
]


@pytest.mark.parametrize(("printed", "value", "note"), DOCUMENT_NUMBERS)
def test_document_numbers_read_in_vietnamese_format(printed, value, note):
    result = parse_vn_number_with_note(printed)
    assert result.value == value
    assert not result.is_ambiguous
    if note:
        assert note in result.note
    else:
        assert result.note == ""


@pytest.mark.parametrize(
    "printed",
    ["", " ", "abc", "1.2.3", "12,", ",5", "1,2,3", "1 200", "0.600.000", "1.23,4", "5%", "--5"],
)
def test_text_that_is_not_one_number_gives_none(printed):
    assert parse_vn_number(printed) is None


def test_dot_with_three_digits_is_ambiguous_on_an_index_scale():
    result = parse_vn_number_with_note("1.000", fraction_scale=True)
    assert result.is_ambiguous
    assert result.value == Decimal("1000")
    assert "index" in result.note


def test_dot_with_three_digits_is_thousands_when_not_an_index():
    result = parse_vn_number_with_note("1.000")
    assert (result.value, result.is_ambiguous, result.note) == (Decimal("1000"), False, "")


def test_leading_zero_group_is_a_decimal_even_on_an_index_scale():
    result = parse_vn_number_with_note("0.850", fraction_scale=True)
    assert (result.value, result.is_ambiguous) == (Decimal("0.850"), False)


def test_format_writes_dots_for_thousands_and_comma_for_decimals():
    assert format_vn_number(Decimal("56016.1")) == "56.016,1"
    assert format_vn_number(Decimal("384172")) == "384.172"
    assert format_vn_number(Decimal("-0.7")) == "-0,7"


def test_format_refuses_values_with_no_printed_form():
    with pytest.raises(ValueError):
        format_vn_number(Decimal("NaN"))


def test_decimal_to_text_has_no_exponent_and_no_trailing_zeros():
    assert decimal_to_text(Decimal("1E+2")) == "100"
    assert decimal_to_text(Decimal("0.60")) == "0.6"
    assert decimal_to_text(None) is None


@given(st.text(alphabet=st.sampled_from("0123456789.,-+ \ufffd%≥a\u00a0"), max_size=30))
def test_parsing_never_raises_on_number_like_text(text):
    result = parse_vn_number_with_note(text, fraction_scale=True)
    assert result.value is None or result.value.is_finite()
    assert parse_vn_number(text) == parse_vn_number_with_note(text).value


@given(st.text())
def test_parsing_never_raises_on_any_text(text):
    parse_vn_number_with_note(text)


@given(
    st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4, allow_nan=False)
)
def test_format_then_parse_gives_back_the_same_value(value):
    printed = format_vn_number(value)
    result = parse_vn_number_with_note(printed)
    assert result.value == value
    assert not result.is_ambiguous


@given(st.integers(min_value=0, max_value=10**15))
def test_plain_digit_strings_are_integers(number):
    assert parse_vn_number(str(number)) == Decimal(number)


# The dbt unit tests of the SQL macro parse_vietnamese_number, before
# extraction took over the parsing (issue 17): amounts take the Vietnamese
# reading only.
@pytest.mark.parametrize(
    ("printed", "value"),
    [
        ("384.172", Decimal("384172")),
        ("56.016,1", Decimal("56016.1")),
        ("7.976,478", Decimal("7976.478")),
        ("7.991.147.000", Decimal("7991147000")),
        ("0", Decimal("0")),
        ("0,7", Decimal("0.7")),
        ("2.660,0", Decimal("2660.0")),
        (" 118 ", Decimal("118")),
    ],
)
def test_amounts_in_vietnamese_format_are_read_exactly(printed, value):
    assert parse_vn_amount(printed) == value


@pytest.mark.parametrize("printed", ["0.60", "0.600", "1.2.3", "khoảng 5", "56.01…", "56.01�", ""])
def test_amounts_that_are_not_vietnamese_numbers_are_none(printed):
    assert parse_vn_amount(printed) is None
