"""Meaning of the text cells printed in the plans: numbers, targets and deadlines.

Every function here is pure and total: it takes the raw text of one cell and
returns a frozen result with a ``parse_status`` and a short English
``parse_note``. Nothing raises on odd input and nothing is guessed silently;
a cell that cannot be read is returned with status ``invalid`` or
``ambiguous`` so that it stays visible downstream.

- :mod:`.numbers`: Vietnamese number format, the one place that reads numbers.
- :mod:`.targets`: indicator target cells (``≥ 50%``, ``Top 20``, ``Có``...).
- :mod:`.deadlines`: task deadline cells (``Tháng 12/2025``, ``Hằng năm``...).
- :mod:`.agencies`: lead and coordinating agency cells.
"""

from __future__ import annotations

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")


def normalize_cell_text(text: str) -> str:
    """NFC-normalize, turn every run of whitespace (NBSP and newlines included)
    into one space, and strip.

    The web copies of the plans pad empty cells with NBSP and split long cells
    across lines; neither carries meaning, and comparing cells by this key keeps
    ``'- '`` and ``'-'`` from counting as two different strings.
    """
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()
