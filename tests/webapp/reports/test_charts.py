"""Server-drawn SVG charts: well-formed, proportional, linked, safe to embed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from webapp.reports.charts import (
    Bar,
    Flow,
    Series,
    bar_chart,
    donut_chart,
    flow_chart,
    hbar_chart,
    stacked_bar_chart,
)

NS = "{http://www.w3.org/2000/svg}"


def _rects(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [r for r in root.iter(f"{NS}rect") if r.find(f"{NS}title") is not None]


def test_bar_heights_are_proportional_to_values() -> None:
    """A bar twice the value is twice as tall."""
    svg = str(bar_chart([Bar("1月", 10), Bar("2月", 20)], unit="t", label="tonnes"))
    a, b = (float(r.get("height")) for r in _rects(svg))
    assert abs(b - 2 * a) < 0.2


def test_bars_link_to_their_records() -> None:
    """A bar with an href is wrapped in a link to it (the drill-down)."""
    svg = str(bar_chart([Bar("1月", 3, href="/reports/collections?month=2026-01")], unit="t", label="x"))
    assert '<a href="/reports/collections?month=2026-01">' in svg
    ET.fromstring(svg)


def test_labels_are_escaped() -> None:
    """Text from records cannot inject markup into the page."""
    svg = str(hbar_chart([Bar("<script>alert(1)</script>", 50)], unit="%", label="cov", top=100))
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_no_style_attributes_so_a_strict_csp_keeps_them() -> None:
    """Charts use presentation attributes only."""
    charts = [
        bar_chart([Bar("a", 1)], unit="t", label="x"),
        stacked_bar_chart(["a"], [Series("p", (1,), "#000"), Series("q", (2,), "#111")], unit="t", label="x"),
        hbar_chart([Bar("a", 1)], unit="t", label="x"),
        donut_chart([Bar("a", 1), Bar("b", 3)], unit="t", label="x"),
        flow_chart("in", 10, [Flow("out", 4, "#000")], unit="t", label="x", held_label="held"),
    ]
    for chart in charts:
        ET.fromstring(str(chart))
        assert "style=" not in str(chart)


def test_stacked_bars_reach_the_category_total() -> None:
    """The stacked segments of one category add up to the height of its total."""
    svg = str(
        stacked_bar_chart(
            ["1月", "2月"],
            [Series("纸", (1, 4), "#000"), Series("塑料", (3, 4), "#111")],
            unit="t",
            label="x",
        )
    )
    heights = [float(r.get("height")) for r in _rects(svg)]
    assert abs((heights[0] + heights[1]) * 2 - (heights[2] + heights[3])) < 0.3


def test_donut_legend_shows_shares() -> None:
    """The legend gives each slice's share of the whole."""
    svg = str(donut_chart([Bar("纸类", 1), Bar("玻璃", 3)], unit="t", label="mix"))
    assert "(25%)" in svg and "(75%)" in svg


def test_flow_never_shows_more_out_than_in() -> None:
    """What has not gone to any destination is drawn as still held."""
    svg = str(
        flow_chart(
            "接收",
            10,
            [Flow("梯次利用", 3, "#0a0"), Flow("再生利用", 5, "#a00")],
            unit="块",
            label="flow",
            held_label="在库",
        )
    )
    assert "在库 2 块" in svg
    assert len(re.findall("<path", svg)) == 3


def test_empty_data_draws_an_empty_chart() -> None:
    """No data gives a valid chart, not a division by zero."""
    for chart in (
        bar_chart([], unit="t", label="x"),
        donut_chart([], unit="t", label="x"),
        flow_chart("in", 0, [], unit="t", label="x"),
        hbar_chart([], unit="%", label="x"),
    ):
        ET.fromstring(str(chart))


def _text_boxes(svg: str) -> list[tuple[str, float, float, float, float]]:
    """(text, left, top, right, bottom) of every label at 11 px: a CJK glyph 1 em, others 0.6 em."""
    boxes = []
    for t in ET.fromstring(svg).iter(f"{NS}text"):
        text = "".join(t.itertext())
        width = sum(11 if ord(ch) > 0x2E7F else 6.6 for ch in text)
        x, y = float(t.get("x")), float(t.get("y"))
        left = {"middle": x - width / 2, "end": x - width}.get(t.get("text-anchor", ""), x)
        boxes.append((text, left, y - 11, left + width, y + 3))
    return boxes


def _overlaps(svg: str) -> list[tuple[str, str]]:
    boxes = _text_boxes(svg)
    return [
        (a[0], b[0])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]
    ]


def test_counts_are_written_without_a_decimal() -> None:
    """A count of 12 batteries reads "12 块", never "12.0 块"."""
    svg = str(hbar_chart([Bar("福田区", 12)], unit="块", label="n"))
    assert "12 块" in svg and "12.0" not in svg


def test_many_day_labels_do_not_overlap() -> None:
    """31 day labels on a bar chart are thinned so that no two labels touch."""
    bars = [Bar(f"12月{d}日", d) for d in range(1, 32)]
    svg = str(bar_chart(bars, unit="t", label="days"))
    assert _overlaps(svg) == [] and "12月1日" in svg


def test_thin_flow_bands_keep_their_labels_apart() -> None:
    """Bands of 1 and 2 beside one of 500 still get labels that do not overlap."""
    flows = [Flow("梯次利用", 500, "#0a0"), Flow("再生利用", 1, "#a00"), Flow("退回", 2, "#00a")]
    svg = str(flow_chart("接收", 503, flows, unit="块", label="flow", held_label="在库"))
    assert _overlaps(svg) == []
