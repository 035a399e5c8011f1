"""Vietnamese number and date formats for display: reports, the site and receipts.

Numbers: ``.`` groups thousands and ``,`` marks decimals (384.172; 84,03%).
Times: Vietnam time (ICT, UTC+7) written ``dd/mm/yyyy``; a naive timestamp
from the warehouse is UTC (the store records ``received_at`` in UTC).
Missing values are written as missing (:data:`MISSING`), never as 0.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

ICT = timezone(timedelta(hours=7), "ICT")
MISSING = "chưa có số liệu"


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value) or (isinstance(value, float) and math.isnan(value))
    except (TypeError, ValueError):
        return False


def vn_number(value: Any, decimals: int = 0) -> str:
    """``384172`` -> ``384.172``; ``155673.2`` with ``decimals=1`` -> ``155.673,2``."""
    if is_missing(value):
        return MISSING
    quantum = Decimal(1).scaleb(-decimals)
    number = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    integer, _, fraction = f"{abs(number):f}".partition(".")
    groups = []
    while len(integer) > 3:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    groups.insert(0, integer)
    text = ".".join(groups)
    return f"{sign}{text},{fraction}" if fraction else f"{sign}{text}"


def vn_auto(value: Any, max_decimals: int = 2) -> str:
    """A number with as many decimals as it has, up to ``max_decimals`` (84.03 -> 84,03)."""
    if is_missing(value):
        return MISSING
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-max_decimals), ROUND_HALF_UP)
    number = number.normalize()
    decimals = max(-number.as_tuple().exponent, 0)
    return vn_number(number, decimals)


def vn_percent(rate: Any, decimals: int = 2, *, is_share: bool = True) -> str:
    """A share (0.8403) or a percentage (84.03 with ``is_share=False``) as ``84,03%``."""
    if is_missing(rate):
        return MISSING
    value = Decimal(str(rate)) * (100 if is_share else 1)
    return f"{vn_number(value, decimals)}%"


def as_ict(moment: datetime) -> datetime:
    """A warehouse timestamp in Vietnam time (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ICT)


def vn_date(value: Any) -> str:
    """``dd/mm/yyyy``; a datetime is converted to Vietnam time first."""
    if is_missing(value):
        return MISSING
    if isinstance(value, datetime):
        value = as_ict(value)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def vn_datetime(value: Any) -> str:
    """``14/03/2026 07:33 (giờ Việt Nam)`` for a UTC or aware timestamp."""
    if is_missing(value):
        return MISSING
    return as_ict(value).strftime("%d/%m/%Y %H:%M (giờ Việt Nam)")


# The formats above as Jinja filters, under the names the page templates use.
TEMPLATE_FILTERS = {f.__name__: f for f in (vn_number, vn_auto, vn_percent, vn_date, vn_datetime)}


def vn_time(value: datetime) -> str:
    """``14/03/2026 07:33:29 (giờ Việt Nam)`` for a UTC or aware timestamp, to the second."""
    return as_ict(value).strftime("%d/%m/%Y %H:%M:%S (giờ Việt Nam)")


def utc_text(value: datetime) -> str:
    """``2026-03-14 00:33:29 UTC`` (naive means UTC already)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")
