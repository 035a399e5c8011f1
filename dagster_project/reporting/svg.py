"""Small SVG charts written as text, for the public site (hundreds of pages, no plotting library).

The site draws one chart per indicator page; matplotlib takes a tenth of a
second a chart, which for the 34-province site is most of its time budget.
These charts are plain SVG with the text as ``<text>`` in the page's font
(the page declares DejaVu Sans first, which covers Vietnamese).
"""

from __future__ import annotations

from html import escape

from dagster_project.semantics.display import vn_auto

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 60, 20, 20, 50


def _scale(low: float, high: float, size: float, start: float):
    span = (high - low) or 1.0
    return lambda value: start + (value - low) / span * size


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    step = (high - low) / (count - 1) if high > low else 1.0
    return [low + i * step for i in range(count)]


def bar_chart(labels: list[str], values: list[float], colors: list[str], title: str) -> str:
    """Horizontal bars with their values, e.g. the tasks of a province by status."""
    row = 26
    height = TOP + row * len(labels) + 30
    label_width = 230
    top = max(values, default=0) or 1
    scale = _scale(0, top, WIDTH - label_width - 60, label_width)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}"><title>{escape(title)}</title>'
    ]
    for i, (label, value, color) in enumerate(zip(labels, values, colors)):
        y = TOP + i * row
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" font-size="12">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{scale(value) - label_width:.1f}" height="{row - 8}" fill="{color}"/>'
            f'<text x="{scale(value) + 4:.1f}" y="{y + 15}" font-size="12">{escape(vn_auto(value))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    series: list[tuple[float, float, str]],
    targets: list[tuple[float, float, str]],
    national: tuple[float, float, str] | None,
    title: str,
) -> str:
    """Actuals (x = year as a fraction, y = value; one point per report) as dots, targets as diamonds, the
    national target as a square; each mark has a tooltip with its value and source."""
    points = [*series, *targets, *([national] if national else [])]
    xs = [p[0] for p in points] or [0.0, 1.0]
    ys = [p[1] for p in points] or [0.0, 1.0]
    x_low, x_high = min(xs) - 0.5, max(xs) + 0.5
    y_low, y_high = min(0.0, min(ys)), max(ys) * 1.1 or 1.0
    sx = _scale(x_low, x_high, WIDTH - LEFT - RIGHT, LEFT)
    sy = _scale(y_low, y_high, -(HEIGHT - TOP - BOTTOM), HEIGHT - BOTTOM)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}"><title>{escape(title)}</title>',
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" stroke="#444"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" stroke="#444"/>',
    ]
    for tick in _ticks(y_low, y_high):
        parts.append(
            f'<text x="{LEFT - 4}" y="{sy(tick) + 4:.1f}" text-anchor="end" font-size="11">{escape(vn_auto(tick, 1))}</text>'
            f'<line x1="{LEFT}" y1="{sy(tick):.1f}" x2="{WIDTH - RIGHT}" y2="{sy(tick):.1f}" stroke="#ddd"/>'
        )
    first, last = int(x_low) + 1, int(x_high)
    step = 1 if last - first <= 10 else 5
    for year in [
        y
        for y in range(first, last + 1)
        if y in (first, last) or ((y - first) % step == 0 and last - y >= step / 2)
    ]:
        parts.append(
            f'<text x="{sx(year):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" font-size="11">{year}</text>'
        )
    for x, y, note in series:
        parts.append(
            f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="4" fill="#1565c0"><title>{escape(note)}</title></circle>'
        )
    for x, y, note in targets:
        cx, cy = sx(x), sy(y)
        parts.append(
            f'<path d="M{cx:.1f},{cy - 6:.1f} L{cx + 6:.1f},{cy:.1f} L{cx:.1f},{cy + 6:.1f} L{cx - 6:.1f},{cy:.1f} Z" '
            f'fill="#ef6c00"><title>{escape(note)}</title></path>'
        )
    if national:
        x, y, note = national
        parts.append(
            f'<rect x="{sx(x) - 5:.1f}" y="{sy(y) - 5:.1f}" width="10" height="10" fill="#c62828"><title>{escape(note)}</title></rect>'
        )
    legend_y = HEIGHT - 12
    parts.append(
        f'<circle cx="{LEFT + 6}" cy="{legend_y - 4}" r="4" fill="#1565c0"/>'
        f'<text x="{LEFT + 14}" y="{legend_y}" font-size="11">Thực hiện</text>'
        f'<rect x="{LEFT + 90}" y="{legend_y - 9}" width="9" height="9" fill="#ef6c00"/>'
        f'<text x="{LEFT + 104}" y="{legend_y}" font-size="11">Mục tiêu của tỉnh</text>'
        f'<rect x="{LEFT + 230}" y="{legend_y - 9}" width="9" height="9" fill="#c62828"/>'
        f'<text x="{LEFT + 244}" y="{legend_y}" font-size="11">Mục tiêu quốc gia (NQ 57)</text>'
    )
    if not points:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" font-size="14">chưa có số liệu</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
