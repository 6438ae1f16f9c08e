"""The shipped emission factors, grid factors and demo subsidy rates, with their sources.

What a Shenzhen filing should rest on
-------------------------------------
Chinese sources come first where they exist: the national voluntary-reduction (CCER)
methodology that follows the CDM small-scale methodology AMS-III.AJ, "Recovery and
recycling of materials from solid wastes"; a Guangdong or Shenzhen carbon-inclusive
(碳普惠) methodology for recyclables, where the district's authority has issued one;
published Chinese life-cycle figures, such as the 中国产品全生命周期温室气体排放系数库
(CPCD, 2022) or a journal's life-cycle assessment, as the difference between the virgin
and the recycled product. A shipped default comes from one of them only where its figure
was read in the retrieved text of the original (a standard's or methodology's text, an
article's abstract or full text), never from a page repeating it; an administrator enters
the others as new rows (source, year, scope and unit in the Chinese and English notes)
once checked against the original text. Every shipped row stays marked ``example``.

What was searched (issue 17.13, December 2026) and what ships: stored copies of public
pages were searched for Shenzhen and Guangdong 碳普惠 methodologies (only a
residential-electricity one, 2022, turned up: none for recyclables), CCER methodologies
covering material recycling (none found with figures), CPCD entries for recycled paper,
plastics, metals and glass (the 2022 release is described by 生态环境部环境规划院, 1,081
rows of which 60 on waste treatment, but no per-material value was retrieved from it; one
third-party transcription of a PET difference was found in a student project and not
taken), association figures (only national totals and popular "per tonne" claims without a
primary text), and Shanghai's proposed local standard on waste-plastic reduction
accounting (only its project notice was retrievable, no values). Two Chinese texts were
found that an administrator should check first, but only their first pages were
retrievable: the group standard T/ACEF 161-2024 公民绿色低碳行为温室气体减排量化指南
住：智能垃圾分类 (China Environmental Protection Federation, issued 2024-11-12; its
contents list an emission-factor table in Annex B; https://guifanku.com/878331.html) and
T/CACE 034-2021 基于项目的温室气体减排量评估技术规范 循环经济领域资源化过程 (China
Association of Circular Economy, 2021; only its announcement was retrieved:
http://591gg.com.cn/science/view?id=218). Every shipped note names both. A second search
(issue 17.13, 5 December 2026) found two local texts with per-material values, again
readable only up to their contents: the Shenzhen Municipal Ecology and Environment
Bureau's 深圳市奶盒回收减排碳普惠方法学（试行） (May 2024; its Annex D lists recommended
emission factors for carton recycling, the Shenzhen basis for ``composite_packaging``;
http://ziboxinyan.com/bgdown/165552.html) and Quzhou's local standard DB3308/T 102—2022
居民碳账户—生活垃圾资源回收碳减排工作规范 (2022-03-23; reported to set coefficients for
paper, plastics, glass, textiles, metals and appliances;
https://renrendoc.com/paper/302544172.html). The notes name them as the texts to obtain
first.

A third search (also 5 December 2026) looked for published Chinese figures whose numbers
stand in the retrieved text of the original. One was found and ships, :data:`PET_STUDY`:
the abstract of 刘奇汶, 毕莹莹, 董黎明 et al., 《基于生命周期评价的原生和再生PET纤维环境影响
对比分析》, 环境工程技术学报 2023, 13(4): 1635-1642, DOI 10.12153/j.issn.1674-991X.20220835
(Chinese Research Academy of Environmental Sciences; online 2023-05-15): per 100 kg of
recycled PET filament made from recycled bottle flakes, 32.09 kg CO2-eq less global
warming potential than virgin filament made from PTA and ethylene glycol. Found and not
shipped, with the reason: 唐君兰, 李斌 et al., 中国塑料 2025, 39(12): 107-113, DOI
10.19491/j.issn.1001-9278.2025.12.017, give 1.837 kg CO2eq for PP pellets recycled from
waste lunch boxes, 49.5 % below virgin PP, but the abstract as retrieved names no
functional unit and, under the circular footprint formula, the recycled figure carries
part of the waste's burden, so the difference is no avoided emission; 丁宁 et al., 中国有色
金属学报 2012, 22(10): 2908, give recycled aluminium 1/24 of primary aluminium's global
warming potential, a ratio without its absolute value; an article opening by 冶金工业规划
研究院 (title not retrieved) repeats 1.6 t CO2 per tonne of scrap steel with no method,
the popular figure already not taken; 江子萱 et al., 环境工程 2025, 43(1): 12-20, DOI
10.13205/j.hjgc.202501002, on recycled polyester filament from waste PET bottles, came up
without its abstract's figures. For paper and glass only national totals, process
emissions of virgin production and popular per-tonne claims turned up; the carton
methodology, DB3308/T 102—2022 and T/ACEF 161-2024 again came up only to their contents
or first pages. Metal, paper, glass, plastics and cartons therefore keep WARM.

Where the PET figure goes: the catalogue has no PET material. PET bottles are the grade
``lvp_pet`` of ``low_value_plastic`` (45 % of what the demo sorts of it), while ``plastic``
is rigid PP and HDPE. The figure ships as the default of ``low_value_plastic``, its proxy
said plainly in both notes: that material's WARM row was a proxy as well (WARM has no
low-value category), a published Chinese figure for its largest grade is the closer basis
for a Shenzhen filing, and it is the lower of the two (321 against WARM's 1,047 kg CO2e
per tonne), so a report claims less, not more. Its scope is narrower than WARM's
(production stages only, no avoided landfill) and, taken per tonne collected, it ignores
the yield from collected bottles to filament; the notes say both. ``plastic`` keeps WARM:
no Chinese figure covers PP or HDPE, and a PET-fibre result says nothing about them.

Fallback: US EPA WARM
---------------------
WARM gives, per material, the emissions of recycling and of landfilling one short ton,
in metric tonnes CO2e (MTCO2E) relative to the point of discard. The avoided emissions
of collecting a tonne for recycling instead of landfilling it are

    kg CO2e per metric tonne = (landfilling - recycling) MTCO2E/short ton x 1,102.311

(1 metric tonne = 1.102311 short tons; 1 MTCO2E = 1,000 kg). The values are WARM
**version 15** (November 2020) figures as transcribed, not copied from EPA's workbook:
every WARM row, like the Chinese one, is marked ``example`` (示例值，待核实) and its notes
give the source, year, scope and unit and ask for a check before a report is filed.
Where WARM has no category the proxy is named; materials without a defensible proxy
(waste textiles, waste wood, household batteries) ship with no factor and are reported
as "no factor".

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
from typing import TypeAlias

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
class WarmFactor:
    """A shipped WARM fallback: the WARM category (or proxy), its two MTCO2E/short ton
    values and the Chinese source to check it against."""

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
    def source_url(self) -> str:
        return WARM_URL

    @property
    def valid_from(self) -> date:
        """WARM v15's release: a report before it has no shipped factor."""
        return WARM_V15

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


@dataclass(frozen=True)
class StudyFactor:
    """A shipped factor read from a published Chinese study: the kg CO2e it finds recycling
    avoids per ``per_kg`` of recycled product, scaled to a tonne, with the study's address,
    the day it was published and both notes."""

    material: str
    citation: str
    avoided_kg: float
    per_kg: int
    source_url: str
    valid_from: date
    note_zh: str
    note_en: str

    @property
    def kg_co2e_per_t(self) -> int:
        """Avoided kg CO2e per tonne of recycled product, rounded to the kilogram."""
        return round(self.avoided_kg * 1000 / self.per_kg)

    @property
    def source(self) -> str:
        per_t = self.avoided_kg * 1000 / self.per_kg
        return (
            f"{self.citation}：每{self.per_kg} kg再生产品减排{self.avoided_kg:g} kg CO2e；"
            f"{self.avoided_kg:g} × 1,000 ÷ {self.per_kg} = {per_t:g} ≈ {self.kg_co2e_per_t:,} kg CO2e/t"
        )


#: A shipped default is a WARM fallback or a figure read from a Chinese study.
DefaultFactor: TypeAlias = WarmFactor | StudyFactor

# The only Chinese per-material figure read from its original text (see the module's
# docstring): PET bottle flakes to filament, shipped for low-value plastics as a proxy.
PET_STUDY = StudyFactor(
    "low_value_plastic",
    "刘奇汶等《基于生命周期评价的原生和再生PET纤维环境影响对比分析》，环境工程技术学报，2023，13(4)：1635-1642",
    32.09,
    100,
    "https://hjgcjsxb.org.cn/article/doi/10.12153/j.issn.1674-991X.20220835",
    date(2023, 5, 15),  # published online
    note_zh=(
        "来源：刘奇汶、毕莹莹、董黎明等《基于生命周期评价的原生和再生PET纤维环境影响对比分析》，"
        "《环境工程技术学报》2023年第13卷第4期，DOI：10.12153/j.issn.1674-991X.20220835"
        "（国内已发表的生命周期评价，数值读自其摘要）。"
        "原文：与原生PET长丝相比，每生产100 kg再生PET长丝（以回收PET瓶片为原料）全球变暖潜势"
        "减少32.09 kg（以CO2计），即每吨再生长丝320.9千克，取整321。"
        "口径：仅生产阶段（瓶片物理处理、熔融纺丝，对比以精对苯二甲酸和乙二醇制原生长丝）；"
        "单位：千克CO2e/吨。按回收量计时视每吨回收物全部制成长丝，未计得率（得率低于1则偏高），"
        "不含避免填埋、收运和分拣。"
        "替代：低值塑料中仅PET瓶有国内数值，薄膜、PP杂料以此代替；"
        "国外备选值为WARM v15“混合塑料”1,047千克/吨。"
        "示例值，待核实：申报前请核对论文全文，并查DB3308/T 102—2022、T/ACEF 161-2024附录B、"
        "T/CACE 034-2021。"
    ),
    note_en=(
        "Source: Chinese LCA, Liu Q W et al., J. Environ. Eng. Technol. 13(4), 2023, "
        "DOI 10.12153/j.issn.1674-991X.20220835, abstract: recycled PET filament from bottle flakes, "
        "32.09 kg CO2 eq less per 100 kg than virgin = 320.9 kg/t. Scope: production only; unit: kg CO2e/t, "
        "per tonne collected ignoring yield (so high), no avoided landfill or transport. Proxy: PET for "
        "all low-value plastics; WARM fallback 1,047. "
        "Example: check the full text, DB3308/T 102-2022, T/ACEF 161-2024 Annex B, T/CACE 034-2021."
    ),
)


_LCA_ZH = "可按《中国产品全生命周期温室气体排放系数库》（2022）中{}的系数差值计算，数值待查证"
_LCA_EN = "{} difference in the China Products Carbon Footprint Factors Database 2022, to look up"

DEFAULT_FACTORS: tuple[DefaultFactor, ...] = (
    WarmFactor(
        "paper",
        "Mixed Paper (general)",
        -3.55,
        0.07,
        china_zh=_LCA_ZH.format("原生纸浆与废纸浆"),
        china_en=_LCA_EN.format("virgin and recycled pulp"),
    ),
    WarmFactor(
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
    WarmFactor(
        "plastic",
        "Mixed Plastics",
        -0.93,
        0.02,
        china_zh=_LCA_ZH.format("原生树脂与再生塑料颗粒"),
        china_en=_LCA_EN.format("virgin resin and recycled pellets"),
    ),
    WarmFactor(
        "glass",
        "Glass",
        -0.28,
        0.02,
        china_zh=_LCA_ZH.format("玻璃原料与碎玻璃"),
        china_en=_LCA_EN.format("glass batch and cullet"),
    ),
    PET_STUDY,
    WarmFactor(
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
