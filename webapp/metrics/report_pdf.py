"""The application report as PDF (reportlab): Chinese text, the tables and four charts.

The Chinese font is embedded, never left to the reader's viewer: the app ships a
GB 2312 subset of WenQuanYi Micro Hei (``webapp/static/fonts``, Apache-2.0), so the
report needs no font installed. Text with a character outside GB 2312 (a rare name
in an edited material list) falls back to the full system font when one of
:data:`SYSTEM_FONTS` is installed; without one such a character prints as a blank.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from traceability import CHINA_TZ
from webapp.metrics.indicators import Indicators
from webapp.metrics.subsidy import LABEL_ZH
from webapp.metrics.tables import Table as ReportTable
from webapp.metrics.tables import build, cell_text

FONT = "ReLoopCJK"
SHIPPED_FONT = Path(__file__).resolve().parents[1] / "static" / "fonts" / "wqy-microhei-gb2312.ttf"
SYSTEM_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#332288", "#88CCEE")
#: Rows of the per-outlet table printed; the CSV and XLSX hold them all.
OUTLET_ROWS = 40
_DISTRICTS = {"futian": "福田区", "nanshan": "南山区"}


def register_font(texts: Iterable[str] = ()) -> str:
    """Register the CJK font (the shipped subset unless ``texts`` need the full one)."""
    shipped = TTFont(FONT, str(SHIPPED_FONT))
    wanted = {ord(ch) for text in texts for ch in text if ord(ch) > 0x7F}
    missing = wanted - set(shipped.face.charToGlyph)
    system = next((p for p in SYSTEM_FONTS if p.exists()), None)
    font = TTFont(FONT, str(system), subfontIndex=0) if missing and system else shipped
    pdfmetrics.registerFont(font)
    return FONT


def write(found: Indicators, path: Path | str) -> Path:
    """Write the report to ``path``."""
    tables = build(found, locale="zh")
    register_font(_texts(tables))
    path = Path(path)
    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title="示范企业申报指标报告",
        author="ReLoop",
    )
    story: list[Any] = [*_cover(found)]
    by_key = {t.key: t for t in tables}
    story += _section("一、指标汇总", by_key["summary"])
    story += [KeepTogether([_heading("二、回收量"), _month_chart(found)]), _mix_chart(found)]
    for key in ("tonnes_by_month", "tonnes_by_material", "tonnes_weighed", "skip_reasons"):
        if key in by_key:  # no weighbridge table with a district scope
            story += _section(None, by_key[key])
    outlets = by_key["tonnes_by_outlet"]
    title = outlets.zh + f"（前{OUTLET_ROWS}个，全部见CSV）"
    story += _section(
        None, ReportTable(outlets.key, title, outlets.en, outlets.columns, outlets.rows[:OUTLET_ROWS])
    )
    story += [KeepTogether([_heading("三、网点覆盖"), _coverage_chart(found)])]
    story += _section(None, by_key["coverage_by_district"])
    story += [KeepTogether([_heading("四、动力电池"), _battery_chart(found)])]
    story += _section(None, by_key["battery_flow"]) + _section(None, by_key["recovery_rates"])
    story += _section("五、碳减排", by_key["emission_factors"])
    story += _section("六、" + LABEL_ZH, by_key["subsidy_estimate"])
    story.append(_para("补贴金额为上限估算：假定全部吨数与网点均符合条件，实际以主管部门审核为准。", size=8))
    story += _mass_balance_page(found, by_key["mass_balance"])
    footer = f"生成时间：{beijing_time(found)}（北京时间）"
    doc.build(story, canvasmaker=lambda *a, **k: _NumberedCanvas(*a, footer=footer, **k))
    return path


def _mass_balance_page(found: Indicators, table: ReportTable) -> list[Any]:
    """A page of its own: each material from pickup to buyer, stock or disposal."""
    notes = [
        "收运：司机在网点记录的重量；过磅净重：入场磅单（未作废）净重，按该趟各品类司机重量比例分摊；"
        "分拣投入、残渣：分拣批次；销售：出库发运给持证买方的重量；库存：库存流水之和（期初为首日零点，期末为末日24点）。",
    ]
    if found.mass_balance.unattributed_weighed_g:
        kg = found.mass_balance.unattributed_weighed_g / 1000
        notes.append(f"另有无司机记录的入场过磅净重 {kg:,.1f} 千克，未计入任何品类。")
    return [PageBreak(), *_section("七、物料平衡（收运→过磅→分拣→销售/库存/残渣）", table)] + [
        _para(n, size=8) for n in notes
    ]


def beijing_time(found: Indicators) -> str:
    """When the figures were computed, in Beijing time, to the minute."""
    return found.computed_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


class _NumberedCanvas(Canvas):
    """Prints "第 n 页 / 共 m 页" and the generated-at time at the foot of every page.

    The total is only known once every page is laid out, so pages are kept until save.
    """

    def __init__(self, *args: Any, footer: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self._footer = footer

    def showPage(self) -> None:  # noqa: N802 # reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.setFont(FONT, 8)
            self.setFillColor(colors.grey)
            self.drawString(15 * mm, 8 * mm, self._footer)
            self.drawRightString(A4[0] - 15 * mm, 8 * mm, f"第 {number} 页 / 共 {total} 页")
            super().showPage()
        super().save()


def _texts(tables: list[ReportTable]) -> list[str]:
    texts = [t.zh for t in tables] + ["生成时间（北京时间）第页共"]
    for table in tables:
        texts += [c.zh for c in table.columns]
        texts += [cell_text(v, c) for row in table.rows for v, c in zip(row, table.columns, strict=True)]
    return texts


def _style(size: float = 9, *, bold: bool = False) -> ParagraphStyle:
    return ParagraphStyle(
        f"s{size}{bold}",
        fontName=FONT,
        fontSize=size,
        leading=size * 1.4,
        wordWrap="CJK",
        textColor=colors.black,
    )


def _para(text: str, *, size: float = 9) -> Paragraph:
    return Paragraph(_escape(text), _style(size))


def _heading(text: str) -> Paragraph:
    return Paragraph(_escape(text), _style(13))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cover(found: Indicators) -> list[Any]:
    scope = found.scope
    where = _DISTRICTS.get(scope.district or "", scope.district or "全部区域")
    return [
        Paragraph("市级废旧物资示范企业申报指标报告", _style(18)),
        Spacer(1, 4 * mm),
        _para(f"企业：{found.org_name or '全部组织'}　区域：{where}"),
        _para(f"统计期间：{scope.start.isoformat()} 至 {scope.end.isoformat()}（北京时间）"),
        _para(f"生成时间：{beijing_time(found)}（北京时间）　数据来源：ReLoop 业务记录（非人工填报）"),
        Spacer(1, 6 * mm),
    ]


def _section(title: str | None, table: ReportTable) -> list[Any]:
    flow: list[Any] = []
    if title:
        flow.append(_heading(title))
    flow.append(_para(table.zh, size=10))
    cell = _style(7.5)
    data = [[Paragraph(_escape(c.zh), cell) for c in table.columns]]
    data += [
        [Paragraph(_escape(cell_text(v, c)), cell) for v, c in zip(row, table.columns, strict=True)]
        for row in table.rows
    ]
    if len(data) == 1:
        data.append([Paragraph("（无记录）", cell)] + [""] * (len(table.columns) - 1))
    grid = Table(data, colWidths=_col_widths(table), repeatRows=1, hAlign="LEFT")
    grid.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e5eef7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return [*flow, grid, Spacer(1, 5 * mm)]


def _col_widths(table: ReportTable) -> list[float]:
    """Share the page width by each column's longest text, capped, so a long note wraps
    instead of squeezing its neighbours below their padding."""
    weights = []
    for index, column in enumerate(table.columns):
        longest = max((len(cell_text(row[index], column)) for row in table.rows), default=0)
        weights.append(max(4, min(40, max(longest, len(column.zh)))))
    usable = A4[0] - 30 * mm
    return [usable * w / sum(weights) for w in weights]


def _chart_title(drawing: Drawing, text: str) -> None:
    drawing.add(String(0, drawing.height - 12, text, fontName=FONT, fontSize=10))


def _bars(drawing: Drawing, chart: Any, labels: list[str], values: list[float]) -> None:
    chart.data = [values or [0]]
    chart.categoryAxis.categoryNames = labels or [""]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.HexColor(PALETTE[0])
    drawing.add(chart)


def _month_chart(found: Indicators) -> Drawing:
    drawing = Drawing(170 * mm, 70 * mm)
    _chart_title(drawing, "分月回收量（吨）")
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 25, 150 * mm, 45 * mm
    months = found.collection.by_month
    _bars(drawing, chart, [m.key[2:] for m in months], [m.grams.value / 1e6 for m in months])
    chart.categoryAxis.labels.angle = 45 if len(months) > 8 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(months) > 8 else "n"
    return drawing


def _mix_chart(found: Indicators) -> Drawing:
    drawing = Drawing(170 * mm, 65 * mm)
    _chart_title(drawing, "品类构成（按重量）")
    parts = [t for t in found.collection.by_material if t.grams.value > 0]
    pie = Pie()
    pie.x, pie.y, pie.width, pie.height = 20, 10, 45 * mm, 45 * mm
    pie.data = [t.grams.value for t in parts] or [1]
    total = sum(pie.data)
    names = [f"{t.label} {t.grams.value * 100 / total:.1f}%" for t in parts] or ["无记录"]
    fills = [colors.HexColor(PALETTE[index % len(PALETTE)]) for index in range(len(pie.data))]
    for index, fill in enumerate(fills):
        pie.slices[index].fillColor = fill
    drawing.add(pie)
    # A legend, not labels on the slices: thin slices' side labels piled on one another.
    legend = Legend()
    legend.x, legend.y = pie.x + pie.width + 30, pie.y + pie.height
    legend.fontName, legend.fontSize, legend.deltay = FONT, 7, 10
    legend.columnMaximum, legend.deltax = 14, 110
    legend.colorNamePairs = list(zip(fills, names, strict=True))
    drawing.add(legend)
    return drawing


def _coverage_chart(found: Indicators) -> Drawing:
    rows = found.outlets.by_district
    drawing = Drawing(170 * mm, 20 * mm + 12 * mm * max(1, len(rows)))
    _chart_title(drawing, f"分区步行{found.outlets.radius_m:g}米覆盖率（%）")
    chart = HorizontalBarChart()
    chart.x, chart.y = 50, 14  # room below for the value axis' labels
    chart.width, chart.height = 120 * mm, 12 * mm * max(1, len(rows))
    _bars(
        drawing,
        chart,
        [_DISTRICTS.get(d.district, d.district) for d in rows],
        [d.within * 100 / d.households if d.households else 0 for d in rows],
    )
    chart.valueAxis.valueMax = 100
    return drawing


def _battery_chart(found: Indicators) -> Drawing:
    b = found.batteries
    drawing = Drawing(170 * mm, 60 * mm)
    _chart_title(drawing, "动力电池流向（个）：接收 → 梯次利用 / 再生利用")
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 20, 150 * mm, 40 * mm
    _bars(
        drawing,
        chart,
        ["接收", "梯次利用", "再生利用", "梯次产品出库"],
        [b.received.value, b.to_cascade.value, b.to_recycling.value, b.shipped.value],
    )
    for index, colour in enumerate((PALETTE[0], PALETTE[2], PALETTE[5], PALETTE[1])):
        chart.bars[(0, index)].fillColor = colors.HexColor(colour)
    return drawing
