"""Mass balance per material: collected -> weighed -> sorted -> sold / in stock / residue.

For each material code, integer grams of the period (Shenzhen days, both ends included):

- ``collected_g``: what the drivers recorded (the collection figures' own tonnage);
- ``weighed_g``: net weight of the inbound weighbridge tickets in force, each mixed
  load shared out over the materials the drivers recorded on its trip
  (:func:`webapp.weighbridge.tickets.apportion`); a ticket naming its material counts
  whole under it, a load with no recorded pickups under no material;
- ``sorted_g``: input of the sorting batches of the material, ``residue_g`` their residue;
- ``sold_g``: grams of its grades sold (shipped);
- ``opening_stock_g`` / ``stock_g``: its graded stock (the sum of the stock movements)
  at the start of the first day and at the end of the last.

So ``opening_stock_g + sorted_g - residue_g - sold_g`` is ``stock_g`` up to the sorting
batches' tolerated imbalance. The sorting-side figures belong to facilities, not to a
district: a district scope narrows ``collected_g`` only. Grouped queries do the work.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from webapp.metrics.collection import CollectionIndicators
from webapp.metrics.figures import Scope
from webapp.models.sorting import MaterialGrade, Sale, SortingBatch, StockMovement
from webapp.models.weighbridge import TicketDirection
from webapp.weighbridge import tickets as wb_tickets
from webapp.weighbridge import trips

KEYS = ("collected_g", "weighed_g", "sorted_g", "sold_g", "opening_stock_g", "stock_g", "residue_g")


@dataclass(frozen=True)
class MaterialBalance:
    """One material's line of the balance, in grams."""

    code: str
    name_zh: str
    name_en: str
    collected_g: int
    weighed_g: int
    sorted_g: int
    sold_g: int
    opening_stock_g: int
    stock_g: int
    residue_g: int

    def to_json(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in KEYS}


@dataclass(frozen=True)
class MassBalance:
    """The balance of every material; ``unattributed_weighed_g`` is net weight of loads
    with no recorded pickups (shown on the report, not in any material's line)."""

    lines: tuple[MaterialBalance, ...]
    unattributed_weighed_g: int = 0

    def to_json(self) -> dict[str, Any]:
        return {line.code: line.to_json() for line in self.lines}


def compute(session: Session, scope: Scope, collection: CollectionIndicators) -> MassBalance:
    """The balance of ``scope``; ``collection`` gives the drivers' grams per material."""
    collected = {t.key: t.grams.value for t in collection.by_material}
    weighed, unattributed = _weighed(session, scope)
    sorted_g, residue = _batches(session, scope)
    sold = _sold(session, scope)
    opening = _stock(session, scope, before=scope.start)
    closing = _stock(session, scope, before=scope.end + timedelta(days=1))
    lines = tuple(
        MaterialBalance(
            m.code,
            m.name_zh,
            m.name_en,
            collected.get(m.code, 0),
            weighed.get(m.id, 0),
            sorted_g.get(m.id, 0),
            sold.get(m.id, 0),
            opening.get(m.id, 0),
            closing.get(m.id, 0),
            residue.get(m.id, 0),
        )
        for m in collection.materials
    )
    return MassBalance(lines, unattributed)


def _weighed(session: Session, scope: Scope) -> tuple[dict[int, int], int]:
    tickets = wb_tickets.tickets_between(
        session, scope.start, scope.end + timedelta(days=1), direction=TicketDirection.IN
    )
    if scope.org_id is not None:
        tickets = [t for t in tickets if t.org_id == scope.org_id]
    shares = trips.collected_by_ticket(session, [t for t in tickets if t.material_id is None])
    totals: dict[int | None, int] = defaultdict(int)
    for ticket in tickets:
        if ticket.material_id is not None:
            split: dict[int | None, int] = {ticket.material_id: ticket.net_g}
        else:
            split = wb_tickets.apportion(ticket.net_g, shares.get(ticket.id, {}))  # type: ignore[arg-type]
        for material, grams in split.items():
            totals[material] += grams
    unattributed = totals.pop(None, 0)
    return {k: v for k, v in totals.items() if k is not None}, unattributed


def _org(table: Any, scope: Scope) -> list[Any]:
    return [] if scope.org_id is None else [table.org_id == scope.org_id]


def _batches(session: Session, scope: Scope) -> tuple[dict[int, int], dict[int, int]]:
    rows = session.exec(
        select(SortingBatch.material_id, func.sum(SortingBatch.input_g), func.sum(SortingBatch.residue_g))
        .where(col(SortingBatch.day).between(scope.start, scope.end), *_org(SortingBatch, scope))
        .group_by(col(SortingBatch.material_id))
    ).all()
    return {m: int(i or 0) for m, i, _r in rows}, {m: int(r or 0) for m, _i, r in rows}


def _sold(session: Session, scope: Scope) -> dict[int, int]:
    rows = session.exec(
        select(MaterialGrade.material_id, func.sum(Sale.grams))
        .join(MaterialGrade, col(MaterialGrade.id) == Sale.grade_id)
        .where(col(Sale.day).between(scope.start, scope.end), *_org(Sale, scope))
        .group_by(col(MaterialGrade.material_id))
    ).all()
    return {m: int(g or 0) for m, g in rows}


def _stock(session: Session, scope: Scope, *, before: Any) -> dict[int, int]:
    rows = session.exec(
        select(MaterialGrade.material_id, func.sum(StockMovement.grams))
        .join(MaterialGrade, col(MaterialGrade.id) == StockMovement.grade_id)
        .where(col(StockMovement.day) < before, *_org(StockMovement, scope))
        .group_by(col(MaterialGrade.material_id))
    ).all()
    return {m: int(g or 0) for m, g in rows}
