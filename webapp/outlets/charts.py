"""The outlet page's fill trend as inline SVG, drawn on the server like the report charts
(no chart library, nothing blocked by the content security policy, prints as shown)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from markupsafe import Markup, escape

from traceability import CHINA_TZ

_FONT = 'font-family="system-ui, sans-serif" font-size="11"'
_LINE, _EMPTIED, _THRESHOLD, _AXIS = "#0072B2", "#009E73", "#D55E00", "#5f6b7a"


def fill_trend_chart(
    readings: Sequence[tuple[datetime, float]],
    emptied: Sequence[datetime],
    *,
    start: datetime,
    end: datetime,
    threshold_pct: int,
    labels: dict[str, str],
    width: int = 640,
    height: int = 200,
) -> Markup:
    """Fill level (0–100 %) over ``start``–``end`` as a line, the due level dashed, and each
    emptying as a green vertical mark. ``labels`` gives the texts: title, due, emptied, fill."""
    left, right, top, bottom = 40, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    span = max((end - start).total_seconds(), 1.0)

    def x(at: datetime) -> float:
        return left + plot_w * min(max((at - start).total_seconds() / span, 0.0), 1.0)

    def y(pct: float) -> float:
        return top + plot_h * (1 - min(max(pct, 0.0), 100.0) / 100)

    body = [f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#f8fafc"/>']
    for pct in (0, 50, 100):
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(pct)}" y2="{y(pct)}" stroke="#e5e7eb"/>')
        body.append(f'<text x="{left - 6}" y="{y(pct) + 4}" text-anchor="end" fill="{_AXIS}">{pct}%</text>')
    for day in range(0, (end - start).days + 1, 7):
        at = start + timedelta(days=day)
        body.append(
            f'<text x="{x(at):.1f}" y="{height - 8}" text-anchor="middle" fill="{_AXIS}">'
            f"{at.astimezone(CHINA_TZ):%m-%d}</text>"
        )
    body.append(
        f'<line class="threshold" x1="{left}" x2="{left + plot_w}" y1="{y(threshold_pct):.1f}" '
        f'y2="{y(threshold_pct):.1f}" stroke="{_THRESHOLD}" stroke-dasharray="4 3">'
        f"<title>{escape(labels['due'])} {threshold_pct}%</title></line>"
    )
    for at in emptied:
        body.append(
            f'<line class="emptied" x1="{x(at):.1f}" x2="{x(at):.1f}" y1="{top}" y2="{top + plot_h}" '
            f'stroke="{_EMPTIED}" stroke-width="1.5"><title>{escape(labels["emptied"])} '
            f"{at.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}</title></line>"
        )
    if readings:
        points = " ".join(f"{x(at):.1f},{y(pct):.1f}" for at, pct in readings)
        body.append(
            f'<polyline class="fill" points="{points}" fill="none" stroke="{_LINE}" stroke-width="2"/>'
        )
        for at, pct in readings:
            body.append(
                f'<circle cx="{x(at):.1f}" cy="{y(pct):.1f}" r="2.5" fill="{_LINE}"><title>'
                f"{at.astimezone(CHINA_TZ):%Y-%m-%d %H:%M} {escape(labels['fill'])} {pct:g}%</title></circle>"
            )
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(labels["title"])}" {_FONT}>'
    )
    # Every text put in ``body`` went through escape() or is a number or a date.
    return Markup(head + f"<title>{escape(labels['title'])}</title>" + "".join(body) + "</svg>")  # nosec B704
