"""The shipped emission factors, grid factors and demo subsidy rates, with their sources.

What a Shenzhen filing should rest on
-------------------------------------
Chinese sources come first where they exist, and an administrator enters their figures
as new rows (source, year, scope and unit in the Chinese and English notes) once checked
against the original text: the national voluntary-reduction (CCER) methodology that
follows the CDM small-scale methodology AMS-III.AJ, "Recovery and recycling of materials
from solid wastes"; a Guangdong or Shenzhen carbon-inclusive (碳普惠) methodology for
recyclables, where the district's authority has issued one; published Chinese life-cycle
figures such as the 中国产品全生命周期温室气体排放系数库 (CPCD, 2022) as the difference
between the virgin and the recycled product.

What was searched (issue 17.13, December 2026) and why no Chinese per-material row
ships: stored copies of public pages were searched for Shenzhen and Guangdong 碳普惠
methodologies (only a residential-electricity one, 2022, turned up: none for
recyclables), CCER methodologies covering material recycling (none found with figures),
CPCD entries for recycled paper, plastics, metals and glass (the 2022 release is
described by 生态环境部环境规划院, 1,081 rows of which 60 on waste treatment, but no
per-material value was retrieved from it; one third-party transcription of a PET
difference was found in a student project and not taken), association figures (only
national totals and popular "per tonne" claims without a primary text), and Shanghai's
proposed local standard on waste-plastic reduction accounting (only its project notice
was retrievable, no values). Two Chinese texts were found that an administrator should check
first, but only their first pages were retrievable: the group standard T/ACEF 161-2024
公民绿色低碳行为温室气体减排量化指南 住：智能垃圾分类 (China Environmental Protection
Federation, issued 2024-11-12; its contents list an emission-factor table in Annex B;
https://guifanku.com/878331.html) and T/CACE 034-2021 基于项目的温室气体减排量评估技术
规范 循环经济领域资源化过程 (China Association of Circular Economy, 2021; only its
announcement was retrieved: http://591gg.com.cn/science/view?id=218). Every shipped note
names both. A second search (issue 17.13, 5 December 2026) found two local texts with
per-material values, again readable only up to their contents: the Shenzhen Municipal
Ecology and Environment Bureau's 深圳市奶盒回收减排碳普惠方法学（试行） (May 2024; its
Annex D lists recommended emission factors for carton recycling, the Shenzhen basis for
``composite_packaging``; http://ziboxinyan.com/bgdown/165552.html) and Quzhou's local
standard DB3308/T 102—2022 居民碳账户—生活垃圾资源回收碳减排工作规范 (2022-03-23; reported
to set coefficients for paper, plastics, glass, textiles, metals and appliances;
https://renrendoc.com/paper/302544172.html). The notes name them as the texts to obtain
first. Shipping a figure not read from its text would turn it into a claim, so the
per-material defaults stay the documented fallback.

Fallback: US EPA WARM
---------------------
WARM gives, per material, the emissions of recycling and of landfilling one short ton,
in metric tonnes CO2e (MTCO2E) relative to the point of discard. The avoided emissions
of collecting a tonne for recycling instead of landfilling it are

    kg CO2e per metric tonne = (landfilling - recycling) MTCO2E/short ton x 1,102.311

(1 metric tonne = 1.102311 short tons; 1 MTCO2E = 1,000 kg). The values are WARM
**version 15** (November 2020) figures as transcribed, not copied from EPA's workbook:
every shipped row is marked ``example`` (示例值，待核实) and its notes give the source,
year, scope and unit and ask for a check before a report is filed. Where WARM has no
category the proxy is named; materials without a defensible proxy (waste textiles,
waste wood, household batteries) ship with no factor and are reported as "no factor".

Electricity
-----------
:data:`GRID_FACTORS` are the electricity CO2 factors the Ministry of Ecology and
Environment (MEE) and the National Bureau of Statistics publish, each with the address
of the text its value was read from. They are shown for reference (the sorting centre's
purchased electricity) and not used by the tonnage-based figures.

Subsidy rates
-------------
No rate ships for production: the amounts differ by year and district notice. An
administrator enters the rates in force with the notice's title (文件名称), number (文号)
and effective date. ``reloop seed demo`` adds :data:`DEMO_RATES` for the demo
organisation only, marked ``example`` and labelled :data:`EXAMPLE_RATE_ZH`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from webapp.models import RateKind

WARM_URL = "https://www.epa.gov/warm/versions-waste-reduction-model-warm"
SHORT_TONS_PER_TONNE = 1.102311
WARM_V15 = date(2020, 11, 1)
# The two Chinese texts found for recyclables' reductions (their tables could not be
# retrieved): the admin checks these first.
_CHECK = "Example: check DB3308/T 102-2022, T/ACEF 161-2024 Annex B, T/CACE 034-2021 or current WARM first."
_CHECK_ZH = (
    "示例值，待核实：申报前请先查地方标准DB3308/T 102—2022（居民碳账户—生活垃圾资源回收碳减排）、"
    "团体标准T/ACEF 161-2024附录B排放因子表、T/CACE 034-2021，"
    "或EPA现行WARM表格核对，并以新记录录入核实后的数值。"
)
_SCOPE = (
    "Scope: recycling vs landfilling, virgin production displaced, no transport; unit: kg CO2e/t collected."
)
_SCOPE_ZH = "口径：回收替代填埋的避免排放（含替代原生材料生产，不含收运）；单位：千克CO2e/吨（回收量）。"

# WARM's category names as a Chinese note quotes them.
_WARM_CATEGORY_ZH = {
    "Mixed Paper (general)": "混合纸（通用）",
    "Mixed Metals": "混合金属",
    "Mixed Plastics": "混合塑料",
    "Glass": "玻璃",
}


@dataclass(frozen=True)
class DefaultFactor:
    """A shipped factor: the WARM category (or proxy), its two MTCO2E/short ton values and
    the Chinese source to check it against."""

    material: str
    warm_category: str
    recycling: float
    landfilling: float
    proxy_note: str = ""
    proxy_note_zh: str = ""
    china_zh: str = ""
    china_en: str = ""

    @property
    def kg_co2e_per_t(self) -> int:
        """Avoided kg CO2e per metric tonne, rounded to the kilogram."""
        return round((self.landfilling - self.recycling) * SHORT_TONS_PER_TONNE * 1000)

    @property
    def source(self) -> str:
        return (
            f"US EPA WARM v15 (Nov 2020), {self.warm_category}: recycling "
            f"{self.recycling:+.2f}, landfilling {self.landfilling:+.2f} MTCO2E/short ton; "
            f"({self.landfilling:+.2f} - {self.recycling:+.2f}) x 1,102.311 = "
            f"{self.kg_co2e_per_t:,} kg CO2e/t"
        )

    @property
    def note_zh(self) -> str:
        """Source, year, scope and unit in Chinese, the Chinese basis and the check asked for."""
        parts = (
            f"来源：美国环保署WARM模型v15（2020年11月）“{_WARM_CATEGORY_ZH[self.warm_category]}”类别，"
            "作为国外备选值。",
            _SCOPE_ZH,
            self.proxy_note_zh,
            f"国内依据：{self.china_zh}。" if self.china_zh else "",
            _CHECK_ZH,
        )
        return "".join(parts)

    @property
    def note_en(self) -> str:
        parts = (
            f"Source: US EPA WARM v15 (Nov 2020) fallback, {self.warm_category}.",
            _SCOPE,
            self.proxy_note,
            f"Chinese basis: {self.china_en}." if self.china_en else "",
            _CHECK,
        )
        return " ".join(p for p in parts if p)


_LCA_ZH = "可按《中国产品全生命周期温室气体排放系数库》（2022）中{}的系数差值计算，数值待查证"
_LCA_EN = "{} difference in the China Products Carbon Footprint Factors Database 2022, to look up"

DEFAULT_FACTORS: tuple[DefaultFactor, ...] = (
    DefaultFactor(
        "paper",
        "Mixed Paper (general)",
        -3.55,
        0.07,
        china_zh=_LCA_ZH.format("原生纸浆与废纸浆"),
        china_en=_LCA_EN.format("virgin and recycled pulp"),
    ),
    DefaultFactor(
        "metal",
        "Mixed Metals",
        -4.39,
        0.02,
        # The "1.6 t per tonne of scrap" often credited to the China Association of
        # Metalscrap Utilization was looked for and not found in any text of the
        # association; only second-hand pages repeat 1.3-1.6 t. Said as unconfirmed.
        china_zh="钢铁：常见转引每吨废钢减排约1.3至1.6吨CO2，未检索到中国废钢铁应用协会原文，待核实；"
        + _LCA_ZH.format("原生与再生铝、铜"),
        china_en="steel: 1.3-1.6 t CO2/t scrap is often repeated, no association text found; Al, Cu: "
        + _LCA_EN.format("virgin and recycled metal"),
    ),
    DefaultFactor(
        "plastic",
        "Mixed Plastics",
        -0.93,
        0.02,
        china_zh=_LCA_ZH.format("原生树脂与再生塑料颗粒"),
        china_en=_LCA_EN.format("virgin resin and recycled pellets"),
    ),
    DefaultFactor(
        "glass",
        "Glass",
        -0.28,
        0.02,
        china_zh=_LCA_ZH.format("玻璃原料与碎玻璃"),
        china_en=_LCA_EN.format("glass batch and cullet"),
    ),
    DefaultFactor(
        "low_value_plastic",
        "Mixed Plastics",
        -0.93,
        0.02,
        "Proxy: WARM has no low-value plastics category; Mixed Plastics used.",
        "替代：WARM无低值塑料类别，以“混合塑料”类别替代。",
        china_zh=_LCA_ZH.format("原生树脂与再生塑料颗粒"),
        china_en=_LCA_EN.format("virgin resin and recycled pellets"),
    ),
    DefaultFactor(
        "composite_packaging",
        "Mixed Paper (general)",
        -3.55,
        0.07,
        "Proxy: no carton category in WARM; Mixed Paper for the fibre (~3/4), may overstate.",
        "替代：WARM无复合包装（无菌纸盒）类别，以“混合纸（通用）”类别计其纸纤维部分"
        "（约占纸盒四分之三），可能偏高。",
        china_zh="深圳市生态环境局《深圳市奶盒回收减排碳普惠方法学（试行）》（2024年5月）"
        "附录D奶盒回收相关排放因子推荐值，原文待取得后录入",
        china_en="Shenzhen EEB carton-recycling methodology (trial, 2024), Annex D, to enter when obtained",
    ),
)


@dataclass(frozen=True)
class GridFactor:
    """An electricity CO2 factor, the document that publishes it and the address of the
    text its value was read from; ``confirmed`` is false for a value no retrieved text
    showed."""

    t_co2_per_mwh: str
    year: int
    document_zh: str
    document_en: str
    confirmed: bool
    url: str = ""


_MEE_2022 = "生态环境部、国家统计局《关于发布2022年电力二氧化碳排放因子的公告》（2024年12月20日）"
_MEE_2022_EN = "MEE and NBS, announcement of the 2022 electricity CO2 emission factors (20 Dec 2024)"
_MEE_2022_URL = "https://ets.sceex.com.cn/go.htm?id=33963&k=xin_wen_zi_xun&url=xxpl_xq"

#: Newest first; each value as the text at ``url`` gives it (kg CO2/kWh = t CO2/MWh).
GRID_FACTORS: tuple[GridFactor, ...] = (
    GridFactor(
        "0.5306",
        2023,
        "生态环境部、国家统计局《关于发布2023年电力二氧化碳排放因子的公告》，全国电力平均二氧化碳排放因子"
        "（据中国电力报2026年1月报道；公告文号待核实）",
        "MEE and NBS, announcement of the 2023 electricity CO2 emission factors, national average "
        "(as reported by China Electric Power News, Jan 2026; announcement number to confirm)",
        True,
        "https://reportify.ai/tags/concept?tagValue=%E7%94%B5%E5%8A%9B%E4%BA%8C%E6%B0%A7%E5%8C%96%E7%A2%B3"
        "%E6%8E%92%E6%94%BE%E5%9B%A0%E5%AD%90",
    ),
    GridFactor(
        "0.5366",
        2022,
        f"{_MEE_2022}，全国电力平均二氧化碳排放因子",
        f"{_MEE_2022_EN}, national average",
        True,
        _MEE_2022_URL,
    ),
    GridFactor(
        "0.3869",
        2022,
        f"{_MEE_2022}，南方区域电力平均二氧化碳排放因子（深圳所在的南方电网区域）",
        f"{_MEE_2022_EN}, Southern region average (the grid region Shenzhen is in)",
        True,
        _MEE_2022_URL,
    ),
    GridFactor(
        "0.5568",
        2021,
        "生态环境部、国家统计局《关于发布2021年电力二氧化碳排放因子的公告》（公告2024年第12号，"
        "2024年4月12日），全国电力平均二氧化碳排放因子",
        "MEE and NBS, announcement of the 2021 electricity CO2 emission factors (No. 12 of 2024, "
        "12 Apr 2024), national average",
        True,
        "https://daydaynews.cc/zh-hant/finance/3899452.html",
    ),
    GridFactor(
        "0.5703",
        2022,
        "生态环境部《关于做好2023—2025年发电行业企业温室气体排放报告管理有关工作的通知》"
        "（环办气候函〔2023〕43号），全国电网平均排放因子（用于发电行业报告；数值未在检索到的原文中核对）",
        "MEE, notice on 2023-2025 power-sector emission reporting (Huanban Qihou Han [2023] No. 43), "
        "national grid average for power-sector reports (value not checked against a retrieved text)",
        False,
    ),
)

#: Rates for the demo organisation (fen), marked as examples, never for production.
DEMO_RATES: tuple[tuple[RateKind, str | None, int], ...] = (
    (RateKind.LOW_VALUE_TONNE, "glass", 20_000),
    (RateKind.LOW_VALUE_TONNE, "textiles", 30_000),
    (RateKind.LOW_VALUE_TONNE, "low_value_plastic", 30_000),
    (RateKind.LOW_VALUE_TONNE, "waste_wood", 20_000),
    (RateKind.LOW_VALUE_TONNE, "composite_packaging", 30_000),
    (RateKind.NEW_OUTLET, None, 1_000_000),
)
EXAMPLE_RATE_ZH = "示例费率，非官方标准，请按所在区现行文件录入"
EXAMPLE_RATE_EN = "Example rate, not an official standard: enter the rates of your district's notice in force"
DEMO_BASIS = f"{EXAMPLE_RATE_ZH} / {EXAMPLE_RATE_EN}"
DEMO_DOCUMENT = "（示例，无文件）"
