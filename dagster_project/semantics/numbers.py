"""Vietnamese number format: the one place where printed numbers become Decimals.

In Vietnamese documents ``.`` groups thousands and ``,`` is the decimal mark:
``384.172`` is 384172, ``56.016,1`` is 56016.1, ``0,7`` is 0.7. The plans are
copied from web pages that sometimes use the English decimal point instead
(``≥ 0.60``), so a few shapes are read with a note rather than refused:

========================  ===========  =======================================
printed                   value        note / ambiguity
========================  ===========  =======================================
``05``, ``1200``          5, 1200      none (zero padding is common: ``01``)
``0,7``, ``2,5``          0.7, 2.5     none
``384.172``               384172       none; ambiguous only when
                                       ``fraction_scale`` (see below)
``1.234.567``             1234567      none
``56.016,1``              56016.1      none
``0.60``, ``1.5``         0.60, 1.5    decimal point: one ``.`` not followed
                                       by exactly 3 digits cannot be a
                                       thousands separator
``0.600``                 0.600        decimal point: a thousands group never
                                       starts with a lone ``0``
``1,500``                 1.500        comma followed by 3 digits: read as the
                                       Vietnamese decimal mark, noted because an
                                       English reader would see 1500
========================  ===========  =======================================

``fraction_scale=True`` tells the reader the quantity lives in 0..1 (an index
such as the provincial digital transformation index). Then ``X.YYY`` is
genuinely ambiguous (thousands in Vietnamese, a fraction in English) and the
result is flagged ``is_ambiguous`` so callers refuse to pick a reading.

Anything else (letters, ``1.2.3``, ``12.34,5,6``, a lone ``,``) is not a
number: the value is ``None``.

Amounts of money (:func:`parse_vn_amount`, the budget seed's
``amount_in_unit``) take the Vietnamese reading only: a decimal point there
is refused, not read, since ``0.60`` triệu đồng could be 0.6 or 60.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from dagster_project.semantics import normalize_cell_text

# A number token as it can appear inside a longer cell: starts and ends with a
# digit so that sentence punctuation ("50%.") is never swallowed.
NUMBER_TOKEN = r"[0-9](?:[0-9.,]*[0-9])?"
# A number in the Vietnamese format only (384.172, 56.016,1, 0, 2.660,0), to
# find amounts in a line of text.
VN_NUMBER = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"

_SIGN = r"(?P<sign>[-+−]?)"
_PLAIN = re.compile(rf"{_SIGN}(?P<int>[0-9]+)")
_COMMA_DECIMAL = re.compile(rf"{_SIGN}(?P<int>[0-9]+),(?P<frac>[0-9]+)")
_GROUPED = re.compile(rf"{_SIGN}(?P<int>[0-9]{{1,3}}(?:\.[0-9]{{3}})+)(?:,(?P<frac>[0-9]+))?")
_POINT_DECIMAL = re.compile(rf"{_SIGN}(?P<int>[0-9]+)\.(?P<frac>[0-9]+)")


@dataclass(frozen=True)
class NumberParse:
    """A number read from text, with the reason for any doubt.

    ``value`` is the Vietnamese reading (``None`` when the text is not a
    number). ``is_ambiguous`` means two readings are plausible and the caller
    should not use ``value`` without review; ``note`` says why, in short English.
    ``decimal_point`` says ``value`` was read with the English decimal point.
    """

    value: Decimal | None
    note: str = ""
    is_ambiguous: bool = False
    decimal_point: bool = False


def _decimal(sign: str, integer: str, fraction: str | None) -> Decimal | None:
    literal = integer if not fraction else f"{integer}.{fraction}"
    try:
        value = Decimal(literal)
    except InvalidOperation:
        return None
    return -value if sign in ("-", "−") else value


def parse_vn_number_with_note(text: str, *, fraction_scale: bool = False) -> NumberParse:
    """Read one number written in Vietnamese format; never raises.

    ``fraction_scale`` says the quantity is expected in 0..1 (an index), which
    makes ``X.YYY`` ambiguous instead of plainly thousands.
    """
    token = normalize_cell_text(text)
    if not token:
        return NumberParse(None)

    if match := _PLAIN.fullmatch(token):
        return NumberParse(_decimal(match["sign"], match["int"], None))

    if match := _COMMA_DECIMAL.fullmatch(token):
        value = _decimal(match["sign"], match["int"], match["frac"])
        if len(match["frac"]) == 3 and match["int"] != "0":
            return NumberParse(
                value,
                f"'{token}': comma read as decimal mark; in English format it would be thousands",
            )
        return NumberParse(value)

    if match := _GROUPED.fullmatch(token):
        integer = match["int"]
        groups = integer.split(".")
        if groups[0] == "0":
            # "0.600" cannot be thousands: no group starts with a lone zero.
            if match["frac"] is not None or len(groups) > 2:
                return NumberParse(None)
            value = _decimal(match["sign"], "0", groups[1])
            return NumberParse(value, f"'{token}': '.' read as decimal point", decimal_point=True)
        thousands = _decimal(match["sign"], "".join(groups), match["frac"])
        if fraction_scale and len(groups) == 2 and match["frac"] is None:
            return NumberParse(
                thousands,
                f"'{token}': thousands in Vietnamese format, {groups[0]}.{groups[1]} "
                "as a decimal; the quantity is an index in 0..1",
                is_ambiguous=True,
            )
        return NumberParse(thousands)

    if match := _POINT_DECIMAL.fullmatch(token):
        # One dot not followed by exactly three digits cannot group thousands.
        value = _decimal(match["sign"], match["int"], match["frac"])
        return NumberParse(value, f"'{token}': '.' read as decimal point", decimal_point=True)

    return NumberParse(None)


def parse_vn_number(text: str) -> Decimal | None:
    """The Vietnamese reading of ``text`` as a Decimal, or ``None`` if it is
    not a number. Use :func:`parse_vn_number_with_note` to see doubts."""
    return parse_vn_number_with_note(text).value


def parse_vn_amount(text: str) -> Decimal | None:
    """An amount printed the Vietnamese way as a Decimal; ``None`` for anything else,
    a decimal point included (``0.60``: 0.6 or 60?)."""
    parsed = parse_vn_number_with_note(text)
    return None if parsed.decimal_point else parsed.value


def format_vn_number(value: Decimal) -> str:
    """Write a Decimal the way the documents do: ``.`` thousands, ``,`` decimals.

    The inverse of :func:`parse_vn_number` for finite values, used in reports
    and to test that parsing is exact.
    """
    if not value.is_finite():
        raise ValueError(f"{value} has no printed form")
    sign = "-" if value < 0 else ""
    text = format(abs(value), "f")
    integer, _, fraction = text.partition(".")
    grouped = f"{int(integer):,}".replace(",", ".")
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"


def decimal_to_text(value: Decimal | None) -> str | None:
    """Plain decimal-point text without exponent (``Decimal('1E+2')`` -> ``'100'``)."""
    if value is None:
        return None
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
