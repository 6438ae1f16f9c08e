"""The PDF report's charts place no label on another: every string the charts draw is measured
with the embedded font's widths, turned with its axis, and the boxes are tested pairwise."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace as NS
from typing import Any

import pytest
from reportlab.graphics.shapes import Drawing, Group, String
from reportlab.pdfbase.pdfmetrics import stringWidth
from sqlmodel import Session

from webapp.metrics import report_pdf
from webapp.metrics.indicators import compute

from .conftest import NOW, World

CHARTS: list[Callable[[Any], Drawing]] = [
    report_pdf._month_chart,
    report_pdf._mix_chart,
    report_pdf._coverage_chart,
    report_pdf._battery_chart,
]
Box = tuple[str, list[tuple[float, float]]]


def _times(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, ...]:
    """The affine transform ``a`` after ``b`` (reportlab's 6-tuples)."""
    return (
        a[0] * b[0] + a[2] * b[1],
        a[1] * b[0] + a[3] * b[1],
        a[0] * b[2] + a[2] * b[3],
        a[1] * b[2] + a[3] * b[3],
        a[0] * b[4] + a[2] * b[5] + a[4],
        a[1] * b[4] + a[3] * b[5] + a[5],
    )


def label_boxes(drawing: Drawing) -> list[Box]:
    """Each non-blank string's box (ascent 0.8, descent 0.2 of the size) in drawing coordinates."""
    found: list[Box] = []

    def walk(node: Any, m: tuple[float, ...]) -> None:
        if not isinstance(node, Group | String) and hasattr(node, "provideNode"):
            walk(node.provideNode(), m)  # a chart, axis or label widget: what it draws
        elif isinstance(node, Group):
            inner = _times(m, tuple(node.transform))
            for child in node.contents:
                walk(child, inner)
        elif isinstance(node, String) and node.text.strip():
            width = stringWidth(node.text, node.fontName, node.fontSize)
            left = {"middle": node.x - width / 2, "end": node.x - width}.get(node.textAnchor, node.x)
            low, high = node.y - 0.2 * node.fontSize, node.y + 0.8 * node.fontSize
            corners = [(left, low), (left + width, low), (left + width, high), (left, high)]
            found.append(
                (node.text, [(m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]) for x, y in corners])
            )

    walk(drawing, (1, 0, 0, 1, 0, 0))
    return found


def _apart(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> bool:
    """Separating-axis test of two convex quadrilaterals (touching counts as apart)."""
    for quad in (a, b):
        for i in range(4):
            (x1, y1), (x2, y2) = quad[i], quad[(i + 1) % 4]
            nx, ny = y2 - y1, x1 - x2
            pa, pb = [nx * x + ny * y for x, y in a], [nx * x + ny * y for x, y in b]
            if max(pa) <= min(pb) + 1e-6 or max(pb) <= min(pa) + 1e-6:
                return True
    return False


def overlaps(drawing: Drawing) -> list[tuple[str, str]]:
    """Pairs of labels whose boxes overlap."""
    boxes = label_boxes(drawing)
    return [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if not _apart(a[1], b[1])]


def outside(drawing: Drawing) -> list[str]:
    """Labels that reach out of the drawing (onto the text above or below it)."""
    return [
        text
        for text, quad in label_boxes(drawing)
        if min(x for x, _ in quad) < -0.5
        or min(y for _, y in quad) < -0.5
        or max(x for x, _ in quad) > drawing.width + 0.5
        or max(y for _, y in quad) > drawing.height + 0.5
    ]


def _crowded() -> NS:
    """Two years of months, eight materials with thin slices, ten districts: the worst the charts get."""

    def value(v: float) -> NS:
        return NS(value=v)

    months = [NS(key=f"20{y}-{m:02d}", grams=value(1e6 * (m + 3))) for y in (25, 26) for m in range(1, 13)]
    grams = [5e8, 3e8, 1e6, 2e6, 5e5, 4e5, 1e5, 3e5]
    names = ["废纸", "塑料", "玻璃", "金属", "织物", "电子废弃物", "有害垃圾", "大件家具"]
    districts = [f"4403{n:02d}" for n in range(3, 13)]
    return NS(
        collection=NS(
            by_month=months,
            by_material=[NS(label=n, grams=value(g)) for n, g in zip(names, grams, strict=True)],
        ),
        outlets=NS(by_district=[NS(district=d, within=50, households=100) for d in districts], radius_m=500),
        batteries=NS(
            received=value(1200), to_cascade=value(700), to_recycling=value(450), shipped=value(300)
        ),
    )


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.__name__)
def test_crowded_charts_keep_their_labels_apart_and_inside(chart: Callable[[Any], Drawing]) -> None:
    """At their most crowded, no two labels of a chart overlap and none leaves the chart."""
    found = _crowded()
    report_pdf.register_font(
        ["分月回收量吨品类构成按重量动力电池流向个接收梯次利用再生利用产品出库分区步行米覆盖率其他无记录"]
    )
    drawing = chart(found)
    assert len(label_boxes(drawing)) >= 9  # the axes' and the legend's labels are all measured
    assert overlaps(drawing) == [] and outside(drawing) == []


def test_the_reports_own_charts_keep_their_labels_apart(db: Session, world: World, cache_dir) -> None:
    """The charts of a computed report (the record set of the report tests) have no overlapping label."""
    found = compute(db, world.scope(), cache_dir=cache_dir, public_key=world.public_key, now=NOW)
    report_pdf.register_font()
    for chart in CHARTS:
        drawing = chart(found)
        assert overlaps(drawing) == [], chart.__name__
        assert outside(drawing) == [], chart.__name__


def test_the_measure_sees_an_overlap() -> None:
    """Two strings drawn on top of each other are reported (the check can fail)."""
    report_pdf.register_font()
    drawing = Drawing(200, 50)
    drawing.add(String(10, 10, "废纸 50.0%", fontName=report_pdf.FONT, fontSize=7))
    drawing.add(String(20, 12, "塑料 50.0%", fontName=report_pdf.FONT, fontSize=7))
    assert overlaps(drawing) == [("废纸 50.0%", "塑料 50.0%")]
