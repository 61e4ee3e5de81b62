"""Charts as server-rendered SVG, pure: a horizontal bar chart and a line chart by day.

The markup uses SVG presentation attributes (fill=, stroke=) only, never style attributes, which
the Content-Security-Policy forbids; every text is XML-escaped here, so callers may mark the
result safe. Colours come from the hub's palette.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

PALETTE = ("#1d4e89", "#067647", "#b54708", "#b42318", "#6941c6")
INK = "#1f2933"
MUTED = "#616e7c"
LINE = "#d9dee5"
FONT = 12


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]


def _text(
    x: float, y: float, content: str, *, anchor: str = "start", fill: str = INK, size: int = FONT
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}">'
        f"{escape(content)}</text>"
    )


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def nice_max(value: float) -> float:
    """A round upper bound for an axis: 1, 2 or 5 times a power of ten, at least ``value``."""
    if value <= 0:
        return 1.0
    scale = 1.0
    while scale * 10 <= value:
        scale *= 10
    while scale > value:
        scale /= 10
    for step in (1, 2, 5, 10):
        if step * scale >= value:
            return step * scale
    return 10 * scale  # pragma: no cover - the loop above always returns


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )


def bar_chart(items: Sequence[tuple[str, float]], *, title: str, width: int = 640, empty: str = "") -> str:
    """Horizontal bars, one per (label, value), labels on the left and values at the bar's end."""
    row, top, label_width = 24, 8, min(180, width // 3)
    height = top * 2 + max(1, len(items)) * row
    parts = [_open(width, height, title)]
    if not items:
        parts.append(_text(width / 2, height / 2 + 4, empty, anchor="middle", fill=MUTED))
        return "".join(parts) + "</svg>"
    top_value = nice_max(max(v for _, v in items))
    span = width - label_width - 48
    for i, (name, value) in enumerate(items):
        y = top + i * row
        length = span * value / top_value
        parts.append(_text(label_width - 6, y + row * 0.65, name, anchor="end"))
        parts.append(
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{row - 8}" '
            f'fill="{PALETTE[0]}" rx="2"><title>{escape(name)}: {_number(value)}</title></rect>'
        )
        parts.append(_text(label_width + length + 4, y + row * 0.65, _number(value), fill=MUTED))
    return "".join(parts) + "</svg>"


def line_chart(
    days: Sequence[date],
    series: Sequence[Series],
    *,
    title: str,
    width: int = 640,
    height: int = 240,
) -> str:
    """One line per series over the days, with a value axis, dates below and a legend on top."""
    for s in series:
        if len(s.values) != len(days):
            raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(days)} days")
    left, right, top, bottom = 36, 12, 28, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = nice_max(max((v for s in series for v in s.values), default=0))
    parts = [_open(width, height, title)]
    for k in range(5):  # horizontal grid lines with their values
        value = top_value * k / 4
        y = top + plot_h - plot_h * k / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="{LINE}" stroke-width="1"/>'
        )
        parts.append(_text(left - 4, y + 4, _number(round(value, 1)), anchor="end", fill=MUTED, size=10))

    def x_of(i: int) -> float:
        return left + (plot_w * i / (len(days) - 1) if len(days) > 1 else plot_w / 2)

    every = max(1, (len(days) + 6) // 7)
    for i, day in enumerate(days):
        if i % every == 0 or i == len(days) - 1:
            parts.append(
                _text(x_of(i), height - 8, day.strftime("%m-%d"), anchor="middle", fill=MUTED, size=10)
            )
    for n, s in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        points = " ".join(
            f"{x_of(i):.1f},{top + plot_h - plot_h * v / top_value:.1f}" for i, v in enumerate(s.values)
        )
        if points:
            parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        legend_x = left + n * 140
        parts.append(f'<rect x="{legend_x}" y="6" width="12" height="12" fill="{colour}"/>')
        parts.append(_text(legend_x + 16, 16, s.name))
    return "".join(parts) + "</svg>"
