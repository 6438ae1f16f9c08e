"""The report tables: one list of tables rendered by the CSV, XLSX and PDF writers alike,
so the three files show the same numbers (cells are rounded here, once).

Units for reading: tonnes (3 decimals, i.e. kilograms), kWh, yuan (2 decimals: fen),
tonnes CO2e, percentages (1 decimal). Labels are Chinese by default, English with
``locale="en"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from webapp.metrics.figures import Ratio
from webapp.metrics.indicators import Indicators
from webapp.metrics.subsidy import LABEL_EN, LABEL_ZH

_DISTRICTS = {"futian": ("福田区", "Futian"), "nanshan": ("南山区", "Nanshan")}
_METALS = {
    "li": ("锂", "Lithium"),
    "ni": ("镍", "Nickel"),
    "co": ("钴", "Cobalt"),
    "mn": ("锰", "Manganese"),
    "electrode_powder": ("电极粉料", "Electrode powder"),
}


@dataclass(frozen=True)
class Column:
    """A column heading in both languages and, for numbers, the decimals shown."""

    zh: str
    en: str
    decimals: int | None = None

    def title(self, locale: str) -> str:
        return self.en if locale.startswith("en") else self.zh


@dataclass(frozen=True)
class Table:
    """One table of the report: ``key`` names its CSV file and XLSX sheet."""

    key: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]

    def title(self, locale: str) -> str:
        return self.en if locale.startswith("en") else self.zh


def cell_text(value: Any, column: Column) -> str:
    """How a cell is written in every format."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if column.decimals is not None:
            return f"{value:.{column.decimals}f}"
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return str(value)


def _t(grams: int) -> float:
    return round(grams / 1_000_000, 3)


def _pct(ratio: Ratio | None) -> float | None:
    if ratio is None or ratio.value is None:
        return None
    return round(ratio.value * 100, 1)


def _yuan(fen: int) -> float:
    return round(fen / 100, 2)


def _kwh(wh: int) -> float:
    return round(wh / 1000, 3)


def _name(zh: str, en: str, locale: str) -> str:
    return en if locale.startswith("en") else zh


def build(found: Indicators, *, locale: str = "zh") -> list[Table]:
    """Every table of the report."""
    return [
        _summary(found, locale),
        _districts(found, locale),
        _materials(found, locale),
        _months(found, locale),
        _outlets(found, locale),
        _skips(found, locale),
        _battery_flow(found, locale),
        _recovery(found, locale),
        _factors(found, locale),
        _subsidy(found, locale),
        _mass_balance(found, locale),
        *([_weighed(found, locale)] if found.collection_weighed else []),
        *([_residents(found, locale)] if found.residents else []),
        *([_workshop(found, locale)] if found.workshop else []),
    ]


_VALUE = (Column("指标", "Indicator"), Column("数值", "Value"), Column("单位", "Unit"))


def _summary(found: Indicators, locale: str) -> Table:
    o, c, b = found.outlets, found.collection, found.batteries
    rows = [
        ("在运营回收网点", "Active outlets", o.active.value, "个", "outlets"),
        ("本期新建网点", "New outlets", o.new.value, "个", "outlets"),
        ("与生产企业共建网点", "Co-built with manufacturers", o.co_built.value, "个", "outlets"),
        ("住户（估算）", "Households (estimate)", o.households.value, "户", "households"),
        (
            "每2000户网点数",
            "Outlets per 2,000 households",
            None if o.per_2000_households.value is None else round(o.per_2000_households.value, 3),
            "个",
            "outlets",
        ),
        ("步行500米覆盖住户比例", "Households within 500 m walk", _pct(o.coverage), "%", "%"),
        ("回收总量", "Collected", _t(c.total.value), "吨", "t"),
        ("低值可回收物占比", "Low-value share", _pct(c.low_value_share), "%", "%"),
        ("应收运次", "Pickups due", c.due.value, "次", "stops"),
        ("已收运次", "Pickups served", c.served.numerator.value, "次", "stops"),
        ("跳过次数", "Pickups skipped", c.skipped.numerator.value, "次", "stops"),
        ("收运完成率", "Served share", _pct(c.served), "%", "%"),
        ("计划路线里程", "Route distance", round(c.distance.value / 1000, 3), "公里", "km"),
        (
            "每吨公里数",
            "km per tonne",
            None
            if c.km_per_tonne is None or c.km_per_tonne.value is None
            else round(c.km_per_tonne.value, 3),
            "公里/吨",
            "km/t",
        ),
        ("接收动力电池", "Batteries received", b.received.value, "个", "batteries"),
        ("接收电池重量", "Batteries received (mass)", _t(b.received_mass.value), "吨", "t"),
        ("接收电池电量", "Batteries received (energy)", _kwh(b.received_energy.value), "千瓦时", "kWh"),
        ("进入梯次利用", "To cascade use", b.to_cascade.value, "个", "batteries"),
        ("进入再生利用", "To recycling", b.to_recycling.value, "个", "batteries"),
        ("梯次产品出库", "Cascade products shipped", b.shipped.value, "个", "products"),
        ("按期上报率", "Events reported on time", _pct(b.reported_on_time), "%", "%"),
        ("溯源链完整率", "Chains complete", _pct(b.chains_complete), "%", "%"),
        ("溯源链验证率", "Chains verified", _pct(b.chains_verified), "%", "%"),
        ("减少碳排放", "CO2e avoided", _t(found.carbon.total.value), "吨CO2e", "t CO2e"),
        (LABEL_ZH, LABEL_EN, _yuan(found.subsidy.total.value), "元", "yuan"),
    ]
    return Table(
        "summary",
        "指标汇总",
        "Summary",
        _VALUE,
        tuple((_name(zh, en, locale), value, _name(uz, ue, locale)) for zh, en, value, uz, ue in rows),
    )


def _districts(found: Indicators, locale: str) -> Table:
    columns = (
        Column("区", "District"),
        Column("住户", "Households"),
        Column("500米内住户", "Within 500 m"),
        Column("覆盖率%", "Share %", 1),
        Column("在运营网点", "Active outlets"),
    )
    rows = tuple(
        (
            _name(*_DISTRICTS.get(d.district, (d.district, d.district)), locale),
            d.households,
            d.within,
            round(d.within * 100 / d.households, 1) if d.households else None,
            d.outlets.value,
        )
        for d in found.outlets.by_district
    )
    return Table("coverage_by_district", "分区覆盖", "Coverage by district", columns, rows)


def _materials(found: Indicators, locale: str) -> Table:
    carbon = {m.material: m for m in found.carbon.by_material}
    columns = (
        Column("品类代码", "Code"),
        Column("品类", "Material"),
        Column("低值", "Low value"),
        Column("重量（吨）", "Tonnes", 3),
        Column("减排（吨CO2e）", "t CO2e", 3),
    )
    info = {m.code: m for m in found.collection.materials}
    rows = []
    for t in found.collection.by_material:
        m = info[t.key]
        co2e = carbon[t.key].co2e.value if t.key in carbon else 0
        rows.append((t.key, _name(m.name_zh, m.name_en, locale), m.low_value, _t(t.grams.value), _t(co2e)))
    return Table("tonnes_by_material", "分品类回收量", "Tonnes by material", columns, tuple(rows))


def _months(found: Indicators, locale: str) -> Table:
    codes = [
        m.code
        for m in found.collection.materials
        if any(t.key == m.code for t in found.collection.by_material)
    ]
    names = {m.code: _name(m.name_zh, m.name_en, locale) for m in found.collection.materials}
    columns = (
        Column("月份", "Month"),
        Column("合计（吨）", "Total t", 3),
        *(Column(names[c], names[c], 3) for c in codes),
    )
    rows = []
    for month in found.collection.by_month:
        parts = dict(month.parts)
        rows.append(
            (month.key, _t(month.grams.value), *(_t(parts[c].value) if c in parts else 0.0 for c in codes))
        )
    return Table("tonnes_by_month", "分月回收量", "Tonnes by month", columns, tuple(rows))


def _outlets(found: Indicators, locale: str) -> Table:
    columns = (
        Column("网点", "Outlet"),
        Column("区", "District"),
        Column("收运次数", "Collections"),
        Column("重量（吨）", "Tonnes", 3),
    )
    rows = tuple(
        (
            t.label,
            _name(*_DISTRICTS.get(t.district or "", (t.district or "-",) * 2), locale),
            t.collections,
            _t(t.grams.value),
        )
        for t in found.collection.by_outlet
    )
    return Table("tonnes_by_outlet", "分网点回收量", "Tonnes by outlet", columns, rows)


def _skips(found: Indicators, locale: str) -> Table:
    columns = (Column("原因", "Reason"), Column("次数", "Skipped"), Column("占应收%", "% of due", 1))
    rows = tuple(
        (_name(r.name_zh, r.name_en, locale), r.rate.numerator.value, _pct(r.rate))
        for r in found.collection.skip_rates
    )
    return Table("skip_reasons", "跳过原因", "Skips by reason", columns, rows)


def _battery_flow(found: Indicators, locale: str) -> Table:
    b = found.batteries
    columns = (
        Column("环节", "Stage"),
        Column("数量", "Count"),
        Column("重量（吨）", "Tonnes", 3),
        Column("电量（千瓦时）", "kWh", 3),
    )
    rows = (
        (
            _name("接收", "Received", locale),
            b.received.value,
            _t(b.received_mass.value),
            _kwh(b.received_energy.value),
        ),
        (_name("梯次利用", "Cascade use", locale), b.to_cascade.value, _t(b.to_cascade_mass.value), None),
        (_name("再生利用", "Recycling", locale), b.to_recycling.value, _t(b.to_recycling_mass.value), None),
        (
            _name("梯次产品出库", "Cascade products shipped", locale),
            b.shipped.value,
            None,
            _kwh(b.shipped_energy.value),
        ),
        (_name("按期上报", "Reported on time", locale), b.reported_on_time.numerator.value, None, None),
        (_name("逾期上报", "Reported late", locale), b.reported_late.value, None, None),
        (_name("逾期未报", "Overdue, not reported", locale), b.overdue_open.value, None, None),
        (_name("未到期未报", "Not yet due", locale), b.not_yet_due.value, None, None),
    )
    return Table("battery_flow", "动力电池流向与上报", "Battery flow and reporting", columns, rows)


def _recovery(found: Indicators, locale: str) -> Table:
    columns = (
        Column("元素", "Element"),
        Column("回收（克）", "Recovered g"),
        Column("投入（克）", "Input g"),
        Column("回收率%", "Rate %", 1),
        Column("门槛%", "Threshold %", 1),
        Column("达标", "Meets"),
    )
    rows = tuple(
        (
            _name(*_METALS[r.metal], locale),
            r.rate.numerator.value,
            r.rate.denominator.value,
            _pct(r.rate),
            r.threshold_permille / 10,
            r.meets,
        )
        for r in found.batteries.recovery
    )
    return Table(
        "recovery_rates",
        "再生利用回收率（2024年行业规范条件）",
        "Recovery rates (2024 industry conditions)",
        columns,
        rows,
    )


def _factors(found: Indicators, locale: str) -> Table:
    """Each factor used beside its provenance: source, note (source, year, scope, unit) in
    the report's language, and whether it is an example value still to be confirmed."""
    columns = (
        Column("品类", "Material"),
        Column("因子（千克CO2e/吨）", "kg CO2e/t"),
        Column("起用日期", "Valid from"),
        Column("数值状态", "Status of the value"),
        Column("来源及链接", "Source and URL"),
        Column("说明（来源、年份、口径、单位）", "Note (source, year, scope, unit)"),
    )
    rows = tuple(
        (
            _name(m.name_zh, m.name_en, locale),
            f.kg_co2e_per_t,
            f.valid_from,
            _name("示例值，待核实", "example, to be confirmed", locale)
            if f.example
            else _name("已录入", "entered", locale),
            " ".join(p for p in (f.source, f.source_url) if p),
            _name(f.note_zh or f.note, f.note or f.note_zh, locale),
        )
        for m in found.carbon.by_material
        for f in m.factors
    )
    return Table("emission_factors", "排放因子及来源", "Emission factors and sources", columns, rows)


def _unit(line: Any, per_tonne: bool, locale: str) -> str:
    """t or outlets; a weighbridge tonnage says so, with the drivers' tonnes beside it."""
    if not per_tonne:
        return _name("个", "outlets", locale)
    if line.drivers is None:
        return _name("吨", "t", locale)
    drivers = f"{_t(line.drivers.value):.3f}"
    return _name(f"吨（地磅净重；司机记录{drivers}吨）", f"t (weighbridge net; drivers {drivers} t)", locale)


def _subsidy(found: Indicators, locale: str) -> Table:
    columns = (
        Column("项目", "Item"),
        Column("数量", "Quantity", 3),
        Column("单位", "Unit"),
        Column("费率（元）", "Rate (yuan)"),
        Column("费率依据（文件名称、文号、施行日期）", "Rate basis (notice, number, effective date)"),
        Column("金额上限（元）", "Upper bound (yuan)", 2),
        Column("无费率部分", "Without a rate", 3),
    )
    rows = []
    for line in found.subsidy.lines:
        per_tonne = line.key != "new_outlets"
        quantity = (
            _t(line.quantity.value) if per_tonne else line.quantity.value
        )  # a count: "2", never "2.000"
        bare = _t(line.quantity_without_rate) if per_tonne else line.quantity_without_rate
        rates = "; ".join(f"{r.fen / 100:g}" for r in line.rates) or "-"
        basis = "；".join(sorted({r.provenance(locale) for r in line.rates})) or "-"
        rows.append(
            (
                _name(line.name_zh, line.name_en, locale),
                quantity,
                _unit(line, per_tonne, locale),
                rates,
                basis,
                _yuan(line.fen.value),
                bare,
            )
        )
    return Table("subsidy_estimate", LABEL_ZH, LABEL_EN, columns, tuple(rows))


def _mass_balance(found: Indicators, locale: str) -> Table:
    """Collected -> weighed -> sorted -> sold / in stock / residue, per material with any figure."""
    columns = (
        Column("品类代码", "Code"),
        Column("品类", "Material"),
        Column("收运（司机，吨）", "Collected (drivers, t)", 3),
        Column("过磅净重（吨）", "Weighed net (t)", 3),
        Column("分拣投入（吨）", "Sorted (t)", 3),
        Column("销售（吨）", "Sold (t)", 3),
        Column("期初库存（吨）", "Opening stock (t)", 3),
        Column("期末库存（吨）", "Closing stock (t)", 3),
        Column("残渣（吨）", "Residue (t)", 3),
    )
    rows = tuple(
        (
            m.code,
            _name(m.name_zh, m.name_en, locale),
            _t(m.collected_g),
            _t(m.weighed_g),
            _t(m.sorted_g),
            _t(m.sold_g),
            _t(m.opening_stock_g),
            _t(m.stock_g),
            _t(m.residue_g),
        )
        for m in found.mass_balance.lines
        if any(m.to_json().values())
    )
    return Table("mass_balance", "物料平衡", "Mass balance", columns, rows)


def _weighed(found: Indicators, locale: str) -> Table:
    """Tonnes by material and by month on weighbridge net weight, the drivers' beside."""
    weighed = found.collection_weighed
    assert weighed is not None  # nosec B101 # narrows the type: build() checks it
    columns = (
        Column("项目", "Heading"),
        Column("名称", "Name"),
        Column("过磅净重（吨）", "Weighed net (t)", 3),
        Column("司机记录（吨）", "Drivers (t)", 3),
        Column("差额（吨）", "Difference (t)", 3),
    )
    lines = (weighed.total, *weighed.by_material, *weighed.by_month)
    rows = [
        (line.key, _name(line.name_zh, line.name_en, locale), *_pair(line.weighed.value, line.drivers.value))
        for line in lines
    ]
    if weighed.unattributed.value:
        rows.append(
            (
                "unattributed",
                _name("无收运记录的车次", "Loads with no pickups", locale),
                _t(weighed.unattributed.value),
                None,
                None,
            )
        )
    low = ("low_value_share", _name("低值可回收物占比（%）", "Low-value share (%)", locale))
    rows.append((*low, _pct(weighed.low_value_share), _pct(weighed.drivers_low_value_share), None))
    km = ("km_per_tonne", _name("每吨公里", "km per tonne", locale))
    rows.append((*km, _ratio(weighed.km_per_tonne), _ratio(weighed.drivers_km_per_tonne), None))
    return Table(
        "tonnes_weighed",
        "过磅回收量（司机记录对照）",
        "Tonnes on the weighbridge (drivers beside)",
        columns,
        tuple(rows),
    )


def _pair(weighed_g: int, drivers_g: int) -> tuple[float, float, float]:
    return _t(weighed_g), _t(drivers_g), _t(weighed_g - drivers_g)


def _ratio(ratio: Ratio) -> float | None:
    return None if ratio.value is None else round(ratio.value, 3)


def _residents(found: Indicators, locale: str) -> Table:
    """The residents' channel (互联网+回收): residents, bookings, kilograms by channel, points."""
    r = found.residents
    assert r is not None  # nosec B101 # narrows the type
    rows = [
        ("注册居民", "Registered residents", r.registered.value, "人", "residents"),
        ("本期新注册居民", "New residents", r.new.value, "人", "residents"),
        ("活跃居民", "Active residents", r.active.value, "人", "residents"),
        ("预约上门回收单", "Doorstep bookings", r.bookings.value, "单", "bookings"),
        ("已上门收运", "Bookings collected", r.collected.value, "单", "bookings"),
        ("按预约时段完成比例", "Served in their slot", _pct(r.served_in_slot), "%", "%"),
        ("网点收运量", "Collected at outlets", _t(r.outlet_g.value), "吨", "t"),
        ("上门回收量", "Collected at the door", _t(r.doorstep_g.value), "吨", "t"),
        ("智能回收箱投放量", "Deposited at kiosks", _t(r.kiosk_g.value), "吨", "t"),
        ("发放积分", "Points issued", r.points_issued.value, "分", "points"),
        ("冲正积分", "Points reversed", r.points_reversed.value, "分", "points"),
        ("兑换积分", "Points redeemed", r.points_redeemed.value, "分", "points"),
        ("提现应付", "Cash-outs payable", _yuan(r.cash_out_fen.value), "元", "yuan"),
    ]
    return Table(
        "residents",
        "居民回收渠道",
        "Residents' channel",
        _VALUE,
        tuple((_name(zh, en, locale), value, _name(uz, ue, locale)) for zh, en, value, uz, ue in rows),
    )


def _workshop(found: Indicators, locale: str) -> Table:
    """The cascade-use workshop (梯次利用): packs in, tested, cascade vs recycling, products."""
    w = found.workshop
    assert w is not None  # nosec B101 # narrows the type
    spread = "—" if w.average_spread.value is None else round(w.average_spread.value / 100, 2)
    rows = [
        ("接收电池包", "Packs received", w.packs_received.value, "个", "packs"),
        ("完成余能检测", "Units tested", w.units_tested.value, "个", "units"),
        ("进入梯次利用", "Units to cascade use", w.to_cascade.value, "个", "units"),
        ("进入再生利用", "Batteries to recycling", w.to_recycling.value, "个", "batteries"),
        ("梯次利用占比", "Share to cascade use", _pct(w.cascade_share), "%", "%"),
        ("梯次利用电量", "kWh given a second life", round(w.second_life_wh.value / 1000, 1), "kWh", "kWh"),
        ("重组梯次产品", "Products built", w.products_built.value, "件", "products"),
        ("在用梯次产品", "Products in service", w.in_service.value, "件", "products"),
        ("回收梯次产品", "Products taken back", w.taken_back.value, "件", "products"),
        ("平均容量极差", "Average capacity spread", spread, "%", "%"),
    ]
    return Table(
        "workshop",
        "梯次利用车间",
        "Cascade-use workshop",
        _VALUE,
        tuple((_name(zh, en, locale), value, _name(uz, ue, locale)) for zh, en, value, uz, ue in rows),
    )
