"""Charts for the dashboard as inline SVG, drawn on the server.

Server-side SVG needs no chart library in the browser (nothing to fetch, nothing to
break under the content security policy), prints as it looks, and lets every bar be
a link to the records behind it. Styling uses presentation attributes, never
``style=``, so a strict ``style-src`` does not blank the charts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = [
    "PALETTE",
    "Bar",
    "Series",
    "Flow",
    "bar_chart",
    "stacked_bar_chart",
    "hbar_chart",
    "donut_chart",
    "flow_chart",
]

# Colour-blind-safe (Okabe-Ito, then Tol's muted) so material colours stay apart.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
)
_AXIS = "#5f6b7a"
_FONT = 'font-family="system-ui, sans-serif" font-size="11"'


@dataclass(frozen=True)
class Bar:
    """One value with its label, an optional link to its records and a tooltip."""

    label: str
    value: float
    href: str | None = None
    title: str = ""


@dataclass(frozen=True)
class Series:
    """A named row of values, one per category, drawn in one colour."""

    name: str
    values: tuple[float, ...]
    colour: str
    hrefs: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class Flow:
    """A quantity going from the source to one destination (battery flow)."""

    label: str
    value: float
    colour: str
    href: str | None = None


def _fmt(value: float) -> str:
    if float(value).is_integer():  # counts (and whole quantities) never read "2.0"
        return f"{value:,.0f}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}" if abs(value) >= 1 else f"{value:.2f}"


_FONT_PX = 11
_LINE_PX = 14  # the least distance between two text baselines that keeps them apart


def text_width(text: str) -> float:
    """A generous width of ``text`` at the charts' font size: a CJK glyph is one em, other
    characters 0.62 em (wider than most Latin glyphs), so a label never needs more room."""
    return sum(_FONT_PX if ord(ch) > 0x2E7F else _FONT_PX * 0.62 for ch in text)


def _label_every(categories: Sequence[str], step: float) -> int:
    """Show every n-th category label so that neighbouring labels keep 4 px apart."""
    widest = max((text_width(c) for c in categories), default=0.0)
    return max(1, math.ceil((widest + 4) / step)) if step > 0 else 1


def _linked(svg: str, href: str | None) -> str:
    return f'<a href="{escape(href)}">{svg}</a>' if href else svg


def _svg(width: int, height: int, body: list[str], label: str) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(label)}" {_FONT}>'
    )
    # Every text and attribute value in ``body`` went through escape() where it was built.
    svg = head + f"<title>{escape(label)}</title>" + "".join(body) + "</svg>"
    return Markup(svg)  # nosec B704


def _nice_max(value: float) -> float:
    """Round an axis maximum up to 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


def _y_axis(top: float, *, x0: int, y0: int, plot_h: int, width: int, unit: str) -> list[str]:
    parts = []
    for i in range(5):
        value = top * i / 4
        y = y0 - plot_h * i / 4
        parts.append(f'<line x1="{x0}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e7ec"/>')
        parts.append(
            f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{_AXIS}">{_fmt(value)}</text>'
        )
    parts.append(f'<text x="4" y="12" fill="{_AXIS}">{escape(unit)}</text>')
    return parts


def stacked_bar_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    unit: str,
    label: str,
    width: int = 680,
    height: int = 260,
) -> Markup:
    """Vertical bars per category, each stacked from the series in order."""
    x0, y0, plot_h = 52, height - 28, height - 56
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    top = _nice_max(max(totals, default=0))
    body = _y_axis(top, x0=x0, y0=y0, plot_h=plot_h, width=width, unit=unit)
    step = (width - x0 - 8) / max(len(categories), 1)
    every = _label_every(categories, step)
    for i, category in enumerate(categories):
        x, base = x0 + i * step + step * 0.15, float(y0)
        for s in series:
            h = plot_h * s.values[i] / top
            if h > 0:
                tip = f"{category} {s.name}: {_fmt(s.values[i])} {unit}"
                rect = (
                    f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
                    f'fill="{s.colour}"><title>{escape(tip)}</title></rect>'
                )
                body.append(_linked(rect, s.hrefs[i] if i < len(s.hrefs) else None))
            base -= h
        if i % every == 0:  # the others' names are in the bars' tooltips
            centre = x + step * 0.35
            # A label wider than its bar starts at the axis rather than under the axis figures.
            at, anchor = (x0 + 2, "start") if centre - text_width(category) / 2 < x0 else (centre, "middle")
            body.append(
                f'<text x="{at:.1f}" y="{y0 + 16}" text-anchor="{anchor}" '
                f'fill="{_AXIS}">{escape(category)}</text>'
            )
    return _svg(width, height, body, label)


def bar_chart(
    bars: Sequence[Bar],
    *,
    unit: str,
    label: str,
    colour: str = PALETTE[0],
    width: int = 680,
    height: int = 260,
) -> Markup:
    """Vertical bars, one per value (e.g. tonnes by month)."""
    series = Series("", tuple(b.value for b in bars), colour, tuple(b.href for b in bars))
    return stacked_bar_chart(
        [b.label for b in bars], [series], unit=unit, label=label, width=width, height=height
    )


def hbar_chart(
    bars: Sequence[Bar],
    *,
    unit: str,
    label: str,
    top: float | None = None,
    colour: str = PALETTE[2],
    width: int = 680,
) -> Markup:
    """Horizontal bars with their values written beside them (coverage by district)."""
    row, x0 = 26, 150
    height = row * len(bars) + 12
    top = top or _nice_max(max((b.value for b in bars), default=0))
    plot_w = width - x0 - 90
    body = []
    for i, bar in enumerate(bars):
        y, w = 6 + i * row, plot_w * min(bar.value, top) / top
        body.append(
            f'<text x="{x0 - 8}" y="{y + 15}" text-anchor="end" fill="#222">{escape(bar.label)}</text>'
        )
        body.append(f'<rect x="{x0}" y="{y + 3}" width="{plot_w}" height="16" fill="#eef1f4"/>')
        rect = (
            f'<rect x="{x0}" y="{y + 3}" width="{w:.1f}" height="16" fill="{colour}">'
            f"<title>{escape(bar.title or bar.label)}</title></rect>"
        )
        body.append(_linked(rect, bar.href))
        body.append(
            f'<text x="{x0 + plot_w + 6}" y="{y + 15}" fill="#222">{_fmt(bar.value)} {escape(unit)}</text>'
        )
    return _svg(width, height, body, label)


def donut_chart(slices: Sequence[Bar], *, unit: str, label: str, size: int = 220) -> Markup:
    """Shares of a whole as a ring with a legend (material mix)."""
    total = sum(max(s.value, 0) for s in slices)
    width, cx, cy, r = size + 230, size / 2, size / 2, size / 2 - 20
    body = [f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="none" stroke="#eef1f4" stroke-width="34"/>']
    angle = -math.pi / 2
    for i, piece in enumerate(slices):
        share = max(piece.value, 0) / total if total else 0
        colour = PALETTE[i % len(PALETTE)]
        if share > 0:
            body.append(
                _linked(_arc(cx, cy, r, angle, share, colour, f"{piece.label}: {share:.1%}"), piece.href)
            )
        angle += share * 2 * math.pi
        y = 16 + i * 20
        body.append(f'<rect x="{size + 4}" y="{y - 10}" width="12" height="12" fill="{colour}"/>')
        text = f"{piece.label} {_fmt(piece.value)} {unit} ({share:.0%})"
        body.append(_linked(f'<text x="{size + 22}" y="{y}" fill="#222">{escape(text)}</text>', piece.href))
    return _svg(int(width), max(size, 24 + 20 * len(slices)), body, label)


def _arc(cx: float, cy: float, r: float, start: float, share: float, colour: str, tip: str) -> str:
    if share >= 0.9999:  # a full ring cannot be drawn as one arc
        return (
            f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="none" stroke="{colour}" stroke-width="34">'
            f"<title>{escape(tip)}</title></circle>"
        )
    end = start + share * 2 * math.pi
    x1, y1 = cx + r * math.cos(start), cy + r * math.sin(start)
    x2, y2 = cx + r * math.cos(end), cy + r * math.sin(end)
    large = 1 if share > 0.5 else 0
    return (
        f'<path d="M{x1:.2f},{y1:.2f} A{r},{r} 0 {large} 1 {x2:.2f},{y2:.2f}" fill="none" '
        f'stroke="{colour}" stroke-width="34"><title>{escape(tip)}</title></path>'
    )


def flow_chart(
    source: str,
    total: float,
    flows: Sequence[Flow],
    *,
    unit: str,
    label: str,
    held_label: str = "",
    width: int = 680,
    height: int = 220,
) -> Markup:
    """A source bar split into bands to its destinations, band widths by quantity.

    The part of ``total`` not in any flow is drawn as a grey band named ``held_label``
    (still in stock), so the picture never claims more went out than came in.
    """
    received = total
    held = max(total - sum(f.value for f in flows), 0)
    bands = [*flows, Flow(held_label, held, "#c7ced6")] if held > 0 else list(flows)
    # Stock received before the period can leave during it: the bands may outgrow the source.
    total = max(total, sum(f.value for f in bands))
    scale = (height - 20) / total if total > 0 else 0
    body = [
        f'<rect x="8" y="10" width="22" height="{height - 20}" fill="#4a5868"/>',
        f'<text x="40" y="24" fill="#222">{escape(source)} {_fmt(received)} {escape(unit)}</text>',
    ]
    y_left = y_right = 10.0
    last_label = -math.inf  # baseline of the band label above: thin bands push theirs down
    gap = 12 if len(bands) > 1 else 0
    right_h = height - 20 - gap * (len(bands) - 1)
    for band in bands:
        h_left = band.value * scale
        h_right = right_h * (band.value / total) if total > 0 else 0
        x1, x2 = 30, width - 190
        path = (
            f'<path d="M{x1},{y_left:.1f} C{(x1 + x2) / 2},{y_left:.1f} {(x1 + x2) / 2},{y_right:.1f} '
            f"{x2},{y_right:.1f} L{x2},{y_right + h_right:.1f} C{(x1 + x2) / 2},{y_right + h_right:.1f} "
            f'{(x1 + x2) / 2},{y_left + h_left:.1f} {x1},{y_left + h_left:.1f} Z" fill="{band.colour}" '
            f'fill-opacity="0.55"><title>{escape(band.label)}: {_fmt(band.value)} '
            f"{escape(unit)}</title></path>"
        )
        body.append(_linked(path, band.href))
        if band.label:
            last_label = max(y_right + max(h_right, 12) / 2 + 4, last_label + _LINE_PX)
            body.append(
                _linked(
                    f'<text x="{x2 + 8}" y="{last_label:.1f}" fill="#222">'
                    f"{escape(band.label)} {_fmt(band.value)} {escape(unit)}</text>",
                    band.href,
                )
            )
        y_left += h_left
        y_right += h_right + gap
    return _svg(width, height, body, label)
