"""Carbon: tonnes CO2e avoided by material, from the emission-factor table.

Each day's tonnage of a material is multiplied by the factor in force that day, so an
edited factor changes the days from its ``valid_from`` on and leaves earlier reports
as they were. A figure's drill lists the collections whose tonnage it converts; the
factors used, with their sources, stand beside it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from webapp.metrics.collection import CollectionIndicators
from webapp.metrics.factors import factor_history
from webapp.metrics.figures import Drill, Figure, Scope


@dataclass(frozen=True)
class FactorUsed:
    """An emission-factor row applied to some of the period's days, with its provenance:
    source, notes in English and Chinese, and whether it is an example to be confirmed."""

    id: int
    kg_co2e_per_t: int
    source: str
    source_url: str
    note: str
    valid_from: str
    note_zh: str = ""
    example: bool = False

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class MaterialCarbon:
    """CO2e avoided by collecting one material; ``grams_without_factor`` fell on days no
    factor covered and count for nothing."""

    material: str
    name_zh: str
    name_en: str
    grams: Figure
    co2e: Figure
    factors: tuple[FactorUsed, ...]
    grams_without_factor: int

    def to_json(self) -> dict[str, Any]:
        return {
            "material": self.material,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "grams": self.grams.to_json(),
            "co2e": self.co2e.to_json(),
            "factors": [f.to_json() for f in self.factors],
            "grams_without_factor": self.grams_without_factor,
        }


@dataclass(frozen=True)
class CarbonIndicators:
    """Avoided emissions in grams CO2e (``g_co2e``), by material and in total."""

    total: Figure
    by_material: tuple[MaterialCarbon, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total.to_json(),
            "by_material": [m.to_json() for m in self.by_material],
            "method": "tonnes collected x emission factor in force on the service day",
        }


def compute(session: Session, scope: Scope, collection: CollectionIndicators) -> CarbonIndicators:
    """Carbon indicators from the collection figures of the same scope."""
    history = factor_history(session, scope.org_id)
    milli: dict[int, int] = defaultdict(int)  # grams x kg/t is milligrams CO2e
    bare: dict[int, int] = defaultdict(int)
    used: dict[int, dict[int, FactorUsed]] = defaultdict(dict)
    for day, material_id, grams in collection.daily:
        row = history.on(material_id, day)
        if row is None:
            bare[material_id] += grams
            continue
        milli[material_id] += grams * row.kg_co2e_per_t
        used[material_id][row.id] = FactorUsed(
            row.id,
            row.kg_co2e_per_t,
            row.source,
            row.source_url,
            row.note,
            row.valid_from.isoformat(),
            row.note_zh,
            row.example,
        )
    by_material = []
    for info, tonnage in _tonnages(collection):
        co2e = (milli[info.id] + 500) // 1000
        by_material.append(
            MaterialCarbon(
                info.code,
                info.name_zh,
                info.name_en,
                tonnage,
                Figure(co2e, "g_co2e", tonnage.drill),
                tuple(used[info.id].values()),
                bare[info.id],
            )
        )
    total = sum(m.co2e.value for m in by_material)
    return CarbonIndicators(Figure(total, "g_co2e", Drill.of("collections", scope)), tuple(by_material))


def _tonnages(collection: CollectionIndicators) -> list[tuple[Any, Figure]]:
    grams = {t.key: t.grams for t in collection.by_material}
    return [(m, grams[m.code]) for m in collection.materials if m.code in grams]
