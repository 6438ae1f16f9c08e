"""Emission factors and subsidy rates: the shipped defaults, edits as new rows, and the
row in force on a day.

What a Shenzhen filing should rest on
-------------------------------------
Chinese sources come first where they exist, and an administrator enters their
figures as new rows (with the source, year, scope and unit in the Chinese and English
notes) once checked against the original text:

- the national voluntary-reduction (CCER) methodology that follows the UNFCCC CDM
  small-scale methodology AMS-III.AJ, "Recovery and recycling of materials from solid
  wastes" (its Chinese number is not recorded here: to be confirmed);
- a Guangdong or Shenzhen carbon-inclusive (碳普惠) methodology for recyclables,
  where the district's authority has issued one (none is transcribed here);
- published Chinese life-cycle figures, e.g. the 中国产品全生命周期温室气体排放系数库
  (China Products Carbon Footprint Factors Database, 2022), as the difference between
  the virgin and the recycled product; and the figure the China Association of Metalscrap
  Utilization (中国废钢铁应用协会) is often quoted for, about 1.6 t CO2 avoided per
  tonne of steel scrap used instead of iron ore (steel only; year and page to be
  confirmed).

None of those per-material figures could be checked in this build (it has no
network), so none ships as a value: inventing one would turn into an invented claim.

Shipped defaults: US EPA WARM as the documented fallback
--------------------------------------------------------
US EPA WARM gives, per material, the emissions of recycling and of landfilling one
short ton, in metric tonnes CO2e (MTCO2E) relative to the point of discard. The
avoided emissions of collecting a tonne for recycling instead of landfilling it are

    kg CO2e per metric tonne = (landfilling - recycling) MTCO2E/short ton x 1,102.311

(1 metric tonne = 1.102311 short tons; 1 MTCO2E = 1,000 kg). The values below are
WARM **version 15** (November 2020) figures as transcribed, not copied from EPA's
workbook: every shipped row is marked ``example`` (示例值，待核实) and its notes, in
Chinese and English, give the source, year, scope and unit and ask for a check before
a report is filed. Where WARM has no category the proxy is named; materials without a
defensible proxy (waste textiles, waste wood, household batteries) ship with no factor
and are reported as "no factor" rather than guessed.

Electricity
-----------
:data:`GRID_FACTORS` lists the national grid factors a Chinese inventory uses for
purchased electricity (the sorting centre's meters), with their documents; they are
shown on the factors page for reference and not used by the tonnage-based figures.

Subsidy rates
-------------
No rate ships for production: the amounts differ by year and district notice, and a
made-up rate would turn into a made-up claim. An administrator enters the rates in
force with the notice's title (文件名称), number (文号) and effective date.
``reloop seed demo`` adds rates for the demo organisation only, marked ``example``
and labelled "示例费率，非官方标准，请按所在区现行文件录入".
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import true
from sqlmodel import Session, col, or_, select

from webapp.metrics.figures import MetricsInputError
from webapp.models import EmissionFactor, Material, RateKind, SubsidyRate

WARM_URL = "https://www.epa.gov/warm/versions-waste-reduction-model-warm"
SHORT_TONS_PER_TONNE = 1.102311
WARM_V15 = date(2020, 11, 1)
_CHECK = "Example value: confirm with EPA's current WARM or a Chinese methodology before filing."
_CHECK_ZH = "示例值，待核实：申报前请按EPA现行WARM表格或国内方法学核对，并以新记录录入核实后的数值。"
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
        china_zh="中国废钢铁应用协会常引数据为每利用1吨废钢约减排1.6吨CO2（仅钢铁、相对长流程炼钢，出处年份待核实）；"
        + _LCA_ZH.format("原生与再生铝、铜"),
        china_en="steel scrap ~1.6 t CO2/t as quoted from the China Association of Metalscrap "
        "Utilization (year to confirm); Al, Cu: " + _LCA_EN.format("virgin and recycled metal"),
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
        china_zh=_LCA_ZH.format("原生纸浆与废纸浆"),
        china_en=_LCA_EN.format("virgin and recycled pulp"),
    ),
)


@dataclass(frozen=True)
class GridFactor:
    """A national grid emission factor and the document that publishes it."""

    t_co2_per_mwh: str
    year: int
    document_zh: str
    document_en: str
    confirmed: bool


GRID_FACTORS: tuple[GridFactor, ...] = (
    GridFactor(
        "0.5703",
        2022,
        "生态环境部《关于做好2023—2025年发电行业企业温室气体排放报告管理有关工作的通知》"
        "（环办气候函〔2023〕43号），全国电网平均排放因子",
        "Ministry of Ecology and Environment, notice on 2023-2025 power-sector emission reporting "
        "(Huanban Qihou Han [2023] No. 43), national grid average factor",
        True,
    ),
    GridFactor(
        "0.5568",
        2021,
        "生态环境部、国家统计局《关于发布2021年电力二氧化碳排放因子的公告》（2024年4月），"
        "全国电力平均二氧化碳排放因子（数值待核实）",
        "MEE and National Bureau of Statistics, 2021 electricity CO2 emission factors (April 2024), "
        "national average (value to be confirmed)",
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


def seed_factors(session: Session) -> int:
    """Add the shipped factor of each material that has no factor yet (no commit)."""
    ids = dict(session.exec(select(Material.code, Material.id)).all())
    have = set(session.exec(select(EmissionFactor.material_id)).all())
    added = 0
    for default in DEFAULT_FACTORS:
        material_id = ids.get(default.material)
        if material_id is None or material_id in have:
            continue
        session.add(
            EmissionFactor(
                material_id=material_id,
                kg_co2e_per_t=default.kg_co2e_per_t,
                source=default.source,
                source_url=WARM_URL,
                note=default.note_en,
                note_zh=default.note_zh,
                example=True,
                valid_from=WARM_V15,
            )
        )
        added += 1
    return added


def seed_demo_rates(session: Session, *, org_id: int, valid_from: date) -> int:
    """Example subsidy rates for the demo organisation, once (no commit), marked as
    examples so that no page or report passes them off as official."""
    if session.exec(select(SubsidyRate.id).where(SubsidyRate.org_id == org_id)).first():
        return 0
    ids = dict(session.exec(select(Material.code, Material.id)).all())
    added = 0
    for kind, material, fen in DEMO_RATES:
        if material is not None and material not in ids:
            continue
        session.add(
            SubsidyRate(
                org_id=org_id,
                kind=kind,
                material_id=ids.get(material or ""),
                fen=fen,
                basis=DEMO_BASIS,
                document_title=DEMO_DOCUMENT,
                example=True,
                valid_from=valid_from,
            )
        )
        added += 1
    return added


def add_factor(
    session: Session,
    *,
    material: str,
    kg_co2e_per_t: int,
    source: str,
    valid_from: date,
    source_url: str = "",
    note: str = "",
    note_zh: str = "",
    example: bool = False,
    actor_id: int | None = None,
    org_id: int | None = None,
) -> EmissionFactor:
    """Record a new factor for ``material`` from ``valid_from`` on (no commit); the
    earlier rows stay and keep applying to the days before."""
    material_id = _material_id(session, material)
    if not isinstance(kg_co2e_per_t, int) or isinstance(kg_co2e_per_t, bool):
        raise MetricsInputError("kg_co2e_per_t", "must be a whole number of kilograms")
    if not source.strip():
        raise MetricsInputError("source", "name the source of the factor")
    row = EmissionFactor(
        material_id=material_id,
        kg_co2e_per_t=kg_co2e_per_t,
        source=source.strip()[:255],
        source_url=source_url.strip()[:255],
        note=note.strip()[:500],
        note_zh=note_zh.strip()[:500],
        example=example,
        valid_from=valid_from,
        created_by_id=actor_id,
        org_id=org_id,
    )
    session.add(row)
    return row


def add_rate(
    session: Session,
    *,
    kind: RateKind | str,
    fen: int,
    valid_from: date,
    basis: str = "",
    material: str | None = None,
    document_title: str = "",
    document_number: str = "",
    example: bool = False,
    source_url: str = "",
    actor_id: int | None = None,
    org_id: int | None = None,
) -> SubsidyRate:
    """Record a new subsidy rate in integer fen (no commit): per tonne of a low-value
    material, or per new outlet, in force from ``valid_from`` (the notice's effective
    date). The notice is named by ``document_title`` (文件名称) and ``document_number``
    (文号); ``basis`` adds the article or conditions. One of title and basis is needed."""
    kind = RateKind(kind)
    if not isinstance(fen, int) or isinstance(fen, bool) or fen < 0:
        raise MetricsInputError("fen", "must be a whole, non-negative number of fen")
    if not document_title.strip() and not basis.strip():
        raise MetricsInputError("document_title", "name the notice (文件名称) that sets the rate")
    material_id = None
    if kind is RateKind.LOW_VALUE_TONNE:
        if not material:
            raise MetricsInputError("material", "a per-tonne rate names its material")
        material_id = _material_id(session, material)
        if not session.get(Material, material_id).low_value:  # type: ignore[union-attr]
            raise MetricsInputError("material", f"{material} is not a low-value material")
    row = SubsidyRate(
        kind=kind,
        material_id=material_id,
        fen=fen,
        basis=basis.strip()[:255],
        document_title=document_title.strip()[:255],
        document_number=document_number.strip()[:100],
        example=example,
        source_url=source_url.strip()[:255],
        valid_from=valid_from,
        created_by_id=actor_id,
        org_id=org_id,
    )
    session.add(row)
    return row


def _material_id(session: Session, code: str) -> int:
    found = session.exec(select(Material.id).where(Material.code == code)).first()
    if found is None:
        raise MetricsInputError("material", f"no material with code {code!r}")
    return found


class History:
    """Rows of one table by key, each list ordered so the last row valid on a day wins:
    by ``valid_from``, then the organisation's own rows over shared ones, then newest."""

    def __init__(self, rows: Iterable[Any], key: Any) -> None:
        grouped: dict[Any, list[Any]] = defaultdict(list)
        for row in rows:
            grouped[key(row)].append(row)
        self._rows = {
            k: sorted(v, key=lambda r: (r.valid_from, r.org_id is not None, r.id)) for k, v in grouped.items()
        }
        self._days = {k: [r.valid_from for r in v] for k, v in self._rows.items()}

    def on(self, key: Any, day: date) -> Any | None:
        """The row in force for ``key`` on ``day`` (``None`` before the first)."""
        days = self._days.get(key)
        if not days:
            return None
        index = bisect_right(days, day)
        return self._rows[key][index - 1] if index else None


def factor_history(session: Session, org_id: int | None) -> History:
    """Emission factors by material id (shared rows and ``org_id``'s own)."""
    return History(
        session.exec(select(EmissionFactor).where(_org(EmissionFactor, org_id))).all(),
        key=lambda r: r.material_id,
    )


def rate_history(session: Session, org_id: int | None) -> History:
    """Subsidy rates by ``(kind, material id)``."""
    return History(
        session.exec(select(SubsidyRate).where(_org(SubsidyRate, org_id))).all(),
        key=lambda r: (RateKind(r.kind), r.material_id),
    )


def _org(table: Any, org_id: int | None) -> Any:
    if org_id is None:
        return true()
    return or_(col(table.org_id).is_(None), table.org_id == org_id)
