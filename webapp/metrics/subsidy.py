"""Subsidy estimate: tonnes of each low-value material x its rate, and new outlets x the
outlet rate, in integer fen.

An UPPER BOUND, labelled so everywhere it is shown: it assumes every tonne and every
outlet qualifies, which the notice's own conditions (eligible districts, caps,
documentation) may not allow. Rates come from the editable rate table, the one in
force on each service day (per tonne) or opening day (per outlet).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, select

from webapp.metrics import _records
from webapp.metrics.collection import CollectionIndicators
from webapp.metrics.factors import EXAMPLE_RATE_EN, EXAMPLE_RATE_ZH, rate_history
from webapp.metrics.figures import Drill, Figure, Scope
from webapp.models import Outlet, RateKind

LABEL_ZH = "补贴估算（上限）"
#: The tonnage a per-tonne subsidy is computed on: the weighbridge's net weight (the
#: default wherever inbound tickets exist) or, without tickets, the drivers' weights.
BASIS_WEIGHBRIDGE = "weighbridge"
BASIS_DRIVERS = "drivers"
LABEL_EN = "Subsidy estimate (upper bound)"


@dataclass(frozen=True)
class RateUsed:
    """A rate row applied to some of the period's days, with the notice that sets it
    (文件名称, 文号, effective date) or, for the demo's rates, the example mark."""

    id: int
    fen: int
    basis: str
    source_url: str
    valid_from: str
    document_title: str = ""
    document_number: str = ""
    example: bool = False

    def provenance(self, locale: str = "zh") -> str:
        """Where the rate comes from, as a report prints it beside the figure."""
        zh = not locale.startswith("en")
        if self.example:
            return EXAMPLE_RATE_ZH if zh else EXAMPLE_RATE_EN
        notice = " ".join(p for p in (self.document_title, self.document_number) if p)
        since = f"{self.valid_from}起施行" if zh else f"in force from {self.valid_from}"
        return ("，" if zh else "; ").join(p for p in (notice, self.basis, since) if p)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class SubsidyLine:
    """One claim line: a low-value material's tonnage, or the outlets opened."""

    key: str
    name_zh: str
    name_en: str
    quantity: Figure  # grams, or a count of outlets
    fen: Figure
    rates: tuple[RateUsed, ...]
    quantity_without_rate: int
    drivers: Figure | None = None  # the drivers' grams beside a weighbridge quantity

    def to_json(self) -> dict[str, Any]:
        found = {
            "key": self.key,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "quantity": self.quantity.to_json(),
            "fen": self.fen.to_json(),
            "rates": [r.to_json() for r in self.rates],
            "quantity_without_rate": self.quantity_without_rate,
        }
        if self.drivers is not None:
            found["drivers_quantity"] = self.drivers.to_json()
        return found


@dataclass(frozen=True)
class SubsidyIndicators:
    """The estimate, its lines and its label."""

    total: Figure
    lines: tuple[SubsidyLine, ...]
    upper_bound: bool = True
    basis: str = BASIS_DRIVERS

    def to_json(self) -> dict[str, Any]:
        return {
            "basis": self.basis,
            "total": self.total.to_json(),
            "lines": [line.to_json() for line in self.lines],
            "upper_bound": self.upper_bound,
            "label_zh": LABEL_ZH,
            "label_en": LABEL_EN,
        }


def compute(
    session: Session,
    scope: Scope,
    collection: CollectionIndicators,
    new_outlets: Figure,
    weighed: Sequence[tuple[date, int | None, int]] | None = None,
) -> SubsidyIndicators:
    """The subsidy estimate of ``scope`` from its collection and outlet figures.

    With ``weighed`` (the inbound tickets' net grams per day and material) holding any
    ticket, the tonnage is the weighbridge's, the drivers' grams shown beside it;
    without tickets (no weighbridge in use) it is the drivers'.
    """
    history = rate_history(session, scope.org_id)
    weighed = weighed if weighed and any(m is not None for _d, m, _g in weighed) else None
    basis = BASIS_WEIGHBRIDGE if weighed else BASIS_DRIVERS
    lines = [
        *_material_lines(collection, history, scope, weighed),
        _outlet_line(session, scope, history, new_outlets),
    ]
    total = sum(line.fen.value for line in lines)
    return SubsidyIndicators(Figure(total, "fen"), tuple(lines), basis=basis)


def _material_lines(
    collection: CollectionIndicators,
    history: Any,
    scope: Scope,
    weighed: Sequence[tuple[date, int | None, int]] | None,
) -> list[SubsidyLine]:
    low = {m.id: m for m in collection.materials if m.low_value}
    micro: dict[int, int] = defaultdict(int)  # grams x fen per tonne; /1e6 -> fen
    bare: dict[int, int] = defaultdict(int)
    used: dict[int, dict[int, RateUsed]] = defaultdict(dict)
    daily = collection.daily if weighed is None else [(d, m, g) for d, m, g in weighed if m is not None]
    for day, material_id, grams in daily:
        if material_id not in low:
            continue
        row = history.on((RateKind.LOW_VALUE_TONNE, material_id), day)
        if row is None:
            bare[material_id] += grams
            continue
        micro[material_id] += grams * row.fen
        used[material_id][row.id] = _used(row)
    drivers = {t.key: t.grams for t in collection.by_material}
    grams = drivers
    if weighed is not None:
        sums: dict[int, int] = defaultdict(int)
        for _day, material_id, g in daily:
            sums[material_id] += g  # type: ignore[index]
        grams = {
            m.code: Figure(sums[i], "g", Drill.of("tickets", scope, material=m.code))
            for i, m in low.items()
            if sums.get(i)
        }
    lines = []
    for material_id, info in low.items():
        if info.code not in grams:
            continue
        tonnage = grams[info.code]
        lines.append(
            SubsidyLine(
                info.code,
                info.name_zh,
                info.name_en,
                tonnage,
                Figure((micro[material_id] + 500_000) // 1_000_000, "fen", tonnage.drill),
                tuple(used[material_id].values()),
                bare[material_id],
                drivers.get(info.code, Figure(0, "g")) if weighed is not None else None,
            )
        )
    return lines


def _outlet_line(session: Session, scope: Scope, history: Any, new_outlets: Figure) -> SubsidyLine:
    fen, bare, used = 0, 0, {}
    days = session.exec(select(Outlet.opened_on).where(*_records.opened_outlets(scope))).all()
    for opened in days:
        row = history.on((RateKind.NEW_OUTLET, None), opened)
        if row is None:
            bare += 1
            continue
        fen += row.fen
        used[row.id] = _used(row)
    return SubsidyLine(
        "new_outlets",
        "新建回收网点",
        "New outlets",
        new_outlets,
        Figure(fen, "fen", new_outlets.drill),
        tuple(used.values()),
        bare,
    )


def _used(row: Any) -> RateUsed:
    return RateUsed(
        row.id,
        row.fen,
        row.basis,
        row.source_url,
        row.valid_from.isoformat(),
        row.document_title,
        row.document_number,
        row.example,
    )
