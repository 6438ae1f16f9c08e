"""Collection indicators on weighbridge weight, the drivers' weights beside them.

The tonnes collected by material and month, the low-value share and km per tonne,
computed on the net weight of the inbound weighbridge tickets in force (each mixed load
shared out over the materials the drivers recorded on its trip, as in the mass balance:
:func:`webapp.metrics.mass_balance.weighed_daily`). Every weighbridge figure drills down
to its tickets, every drivers' figure to its collections. Loads with no recorded pickups
count in the total and in no material (``unattributed``).

Tickets belong to a facility, not to a district: with a district scope there is no
weighbridge figure (``None``), as the mass balance narrows only the drivers' tonnage.
Nothing here reads the database: it folds the figures already computed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from webapp.metrics.collection import CollectionIndicators, Tonnage
from webapp.metrics.figures import Drill, Figure, Ratio, Scope


@dataclass(frozen=True)
class WeighedLine:
    """Grams under one heading (a material or a month): weighed at the weighbridge, and
    what the drivers recorded for it."""

    key: str
    name_zh: str
    name_en: str
    weighed: Figure
    drivers: Figure

    @property
    def difference_g(self) -> int:
        """Weighbridge minus drivers (negative: the drivers recorded more)."""
        return self.weighed.value - self.drivers.value

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "weighed": self.weighed.to_json(),
            "drivers": self.drivers.to_json(),
            "difference_g": self.difference_g,
        }


@dataclass(frozen=True)
class WeighedCollection:
    """The collection indicators on weighbridge net weight, drivers' weights beside."""

    total: WeighedLine
    unattributed: Figure
    by_material: tuple[WeighedLine, ...]
    by_month: tuple[WeighedLine, ...]
    low_value_share: Ratio
    drivers_low_value_share: Ratio
    km_per_tonne: Ratio
    drivers_km_per_tonne: Ratio

    def to_json(self) -> dict[str, Any]:
        return {
            "basis": "weighbridge",
            "total": self.total.to_json(),
            "unattributed": self.unattributed.to_json(),
            "by_material": [line.to_json() for line in self.by_material],
            "by_month": [line.to_json() for line in self.by_month],
            "low_value_share": {
                "weighed": self.low_value_share.to_json(),
                "drivers": self.drivers_low_value_share.to_json(),
            },
            "km_per_tonne": {
                "weighed": self.km_per_tonne.to_json(),
                "drivers": self.drivers_km_per_tonne.to_json(),
            },
        }


def compute(
    scope: Scope, collection: CollectionIndicators, weighed: Sequence[tuple[date, int | None, int]]
) -> WeighedCollection | None:
    """The weighbridge view of ``collection`` from ``weighed`` (net grams per Shenzhen day
    and material id, None for a load with no pickups); None with a district scope."""
    if scope.district:
        return None
    by_id = {m.id: m for m in collection.materials}
    grams: dict[int | None, int] = defaultdict(int)
    for _day, material, g in weighed:
        grams[material] += g
    drivers = {t.key: t.grams for t in collection.by_material}
    lines = tuple(
        WeighedLine(
            m.code,
            m.name_zh,
            m.name_en,
            Figure(grams.get(m.id, 0), "g", Drill.of("tickets", scope, material=m.code)),
            drivers.get(m.code, Figure(0, "g", Drill.of("collections", scope, material=m.code))),
        )
        for m in collection.materials
        if grams.get(m.id) or m.code in drivers
    )
    total = WeighedLine(
        "total",
        "合计",
        "Total",
        Figure(sum(grams.values()), "g", Drill.of("tickets", scope)),
        collection.total,
    )
    low_ids = {i for i, m in by_id.items() if m.low_value}
    attributed = Figure(sum(g for m, g in grams.items() if m is not None), "g", Drill.of("tickets", scope))
    low = Figure(
        sum(g for m, g in grams.items() if m in low_ids), "g", Drill.of("tickets", scope, low_value=1)
    )
    return WeighedCollection(
        total=total,
        unattributed=Figure(grams.get(None, 0), "g", Drill.of("tickets", scope, unattributed=1)),
        by_material=lines,
        by_month=_months(scope, collection, weighed),
        low_value_share=Ratio(low, attributed),
        drivers_low_value_share=collection.low_value_share,
        km_per_tonne=Ratio(collection.distance, total.weighed, 1000),
        drivers_km_per_tonne=Ratio(collection.distance, collection.total, 1000),
    )


def _months(
    scope: Scope, collection: CollectionIndicators, weighed: Sequence[tuple[date, int | None, int]]
) -> tuple[WeighedLine, ...]:
    """Weighed and drivers' grams per calendar month of the period (the drivers' months
    carry the month's own scope, which the tickets' drill reuses)."""
    grams: dict[str, int] = defaultdict(int)
    for day, _material, g in weighed:
        grams[f"{day:%Y-%m}"] += g
    return tuple(_month_line(scope, month, grams.get(month.key, 0)) for month in collection.by_month)


def _month_line(scope: Scope, month: Tonnage, grams: int) -> WeighedLine:
    part = Scope.from_params(month.grams.drill.values) if month.grams.drill else scope
    return WeighedLine(
        month.key, month.key, month.key, Figure(grams, "g", Drill.of("tickets", part)), month.grams
    )
