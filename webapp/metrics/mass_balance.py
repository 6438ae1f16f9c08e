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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists
from sqlmodel import Session, col, func, select

from traceability import CHINA_TZ
from webapp.metrics.collection import CollectionIndicators
from webapp.metrics.figures import Drill, Figure, MetricsInputError, Scope
from webapp.models import Collection, CollectionOutcome, CollectionWeight, Material, PlannedStop
from webapp.models.sorting import Buyer, MaterialGrade, Sale, SortingBatch, StockMovement
from webapp.models.weighbridge import TicketDirection, WeighTicket
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

    def figure(self, key: str, scope: Scope) -> Figure:
        """One figure of the line in grams, with its drill (for the dashboard's links)."""
        drill = self.drill(key, scope)
        return Figure(getattr(self, key), "g", drill) if drill else Figure(getattr(self, key), "g")

    def drill(self, key: str, scope: Scope) -> Drill | None:
        """The records behind one figure of the line (stock has none: it is a running sum)."""
        kind = {
            "collected_g": "collections",
            "weighed_g": "tickets",
            "sorted_g": "batches",
            "residue_g": "batches",
            "sold_g": "sales",
        }.get(key)
        return Drill.of(kind, scope, material=self.code) if kind else None


@dataclass(frozen=True)
class MassBalance:
    """The balance of every material; ``unattributed_weighed_g`` is net weight of loads
    with no recorded pickups (shown on the report, not in any material's line)."""

    lines: tuple[MaterialBalance, ...]
    unattributed_weighed_g: int = 0

    def to_json(self) -> dict[str, Any]:
        return {line.code: line.to_json() for line in self.lines}


def compute(
    session: Session,
    scope: Scope,
    collection: CollectionIndicators,
    weighed: Sequence[tuple[date, int | None, int]] | None = None,
) -> MassBalance:
    """The balance of ``scope``; ``collection`` gives the drivers' grams per material and
    ``weighed`` the tickets' (:func:`weighed_daily`, computed here when not given)."""
    collected = {t.key: t.grams.value for t in collection.by_material}
    by_material: dict[int | None, int] = defaultdict(int)
    for _day, material, grams in weighed_daily(session, scope, collection) if weighed is None else weighed:
        by_material[material] += grams
    unattributed = by_material.pop(None, 0)
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
            by_material.get(m.id, 0),
            sorted_g.get(m.id, 0),
            sold.get(m.id, 0),
            opening.get(m.id, 0),
            closing.get(m.id, 0),
            residue.get(m.id, 0),
        )
        for m in collection.materials
    )
    return MassBalance(lines, unattributed)


def weighed_daily(
    session: Session, scope: Scope, collection: CollectionIndicators | None = None
) -> list[tuple[date, int | None, int]]:
    """Net grams of the inbound tickets in force per Shenzhen day and material id (None:
    a load with no recorded pickups), sorted; a mixed load shared by the trip's pickups.

    ``collection`` (the period's collection figures) lends its per-route grams, so the
    year's weights are read once; without it they are read here."""
    totals: dict[tuple[date, int | None], int] = defaultdict(int)
    for ticket, split in _ticket_shares(session, scope, collection):
        day = ticket.weighed_at.astimezone(CHINA_TZ).date()
        for material, grams in split.items():
            totals[(day, material)] += grams
    return sorted(((d, m, g) for (d, m), g in totals.items()), key=lambda r: (r[0], r[1] or 0))


@dataclass(frozen=True)
class _Ticket:
    """The columns of an inbound ticket the balance and its drill read (no ORM objects:
    a year holds thousands)."""

    id: int
    number: str
    facility_id: int
    org_id: int | None
    route_id: int | None
    stop_id: int | None
    material_id: int | None
    net_g: int
    weighed_at: Any
    direction: TicketDirection = TicketDirection.IN


def _tickets(session: Session, scope: Scope) -> Select[Any]:
    """Inbound tickets in force of the period (Shenzhen days), oldest first."""
    lo = datetime.combine(scope.start, datetime.min.time(), CHINA_TZ)
    hi = datetime.combine(scope.end + timedelta(days=1), datetime.min.time(), CHINA_TZ)
    query = select(
        WeighTicket.id,
        WeighTicket.number,
        WeighTicket.facility_id,
        WeighTicket.org_id,
        WeighTicket.route_id,
        WeighTicket.stop_id,
        WeighTicket.material_id,
        WeighTicket.net_g,
        WeighTicket.weighed_at,
    ).where(
        col(WeighTicket.weighed_at) >= lo,
        col(WeighTicket.weighed_at) < hi,
        WeighTicket.direction == TicketDirection.IN,
        wb_tickets.in_force(),
        *_org(WeighTicket, scope),
    )
    return query


def _ticket_shares(
    session: Session, scope: Scope, collection: CollectionIndicators | None = None
) -> list[tuple[_Ticket, dict[int | None, int]]]:
    """Each inbound ticket in force of the period with its grams per material.

    A route with no unload stop is one trip: the pickups of every such route with a
    mixed ticket are summed per route and material in one grouped query, the routes
    chosen in SQL from the tickets (no id lists sent back and forth); the few routes
    with unload stops are split into trips by
    :func:`webapp.weighbridge.trips.collected_by_ticket`.
    """
    query = _tickets(session, scope)
    tickets = [
        _Ticket(*row)
        for row in session.execute(query.order_by(col(WeighTicket.weighed_at), col(WeighTicket.id)))
    ]
    mixed = query.where(col(WeighTicket.material_id).is_(None), col(WeighTicket.route_id).is_not(None))
    mixed_routes = select(mixed.subquery().c.route_id)
    split_up = set(
        session.exec(
            select(PlannedStop.route_id)
            .where(col(PlannedStop.route_id).in_(mixed_routes), PlannedStop.kind == "unload")
            .distinct()
        ).all()
    )
    whole = _whole_routes(session, scope, collection, mixed_routes, split_up)
    shares = trips.collected_by_ticket(
        session,
        [t for t in tickets if t.material_id is None and t.route_id in split_up],  # type: ignore[misc]
    )
    found = []
    for ticket in tickets:
        if ticket.material_id is not None:
            split: dict[int | None, int] = {ticket.material_id: ticket.net_g}
        elif ticket.route_id is None:
            split = wb_tickets.apportion(ticket.net_g, {})
        else:
            basis = shares.get(ticket.id) if ticket.route_id in split_up else whole.get(ticket.route_id)
            split = wb_tickets.apportion(ticket.net_g, basis or {})
        found.append((ticket, split))
    return found


def _whole_routes(
    session: Session,
    scope: Scope,
    collection: CollectionIndicators | None,
    route_ids: Select[Any],
    split_up: set[int],
) -> dict[int, dict[int, int]]:
    """:func:`_route_totals` of the routes ``route_ids`` selects, taken from the collection
    figures' per-route grams where those are the same numbers.

    They are when the scope is not narrowed (no organisation, no district: a route in it
    has every record counted) and the route has no record at a stop other than an outlet
    (a resident's door): those routes are read here, as are the ticketed routes the
    period's plans do not hold.
    """
    if collection is None or scope.org_id is not None or scope.district:
        return _route_totals(session, route_ids)
    wanted = set(session.exec(route_ids).all()) - split_up
    other_stops = set(
        session.exec(
            select(PlannedStop.route_id)
            .where(col(PlannedStop.route_id).in_(route_ids), PlannedStop.kind != "outlet")
            .where(exists().where(Collection.stop_id == PlannedStop.id))
            .distinct()
        ).all()
    )
    lent: dict[int, dict[int, int]] = defaultdict(dict)
    for route_id, material_id, grams in collection.by_route:
        if route_id in wanted and route_id not in other_stops:
            lent[route_id][material_id] = grams
    missing = sorted(wanted - set(lent))
    for at in range(0, len(missing), trips.CHUNK):
        lent.update(_route_totals(session, missing[at : at + trips.CHUNK]))
    return lent


def _route_totals(session: Session, route_ids: Any) -> dict[int, dict[int, int]]:
    """The drivers' grams per route and material at pickup stops (records in force), for
    the routes ``route_ids`` lists or selects (a subquery)."""
    newer = select(Collection.supersedes_id).where(col(Collection.supersedes_id).is_not(None))
    totals: dict[int, dict[int, int]] = defaultdict(dict)
    rows = session.exec(
        select(Collection.route_id, CollectionWeight.material_id, func.sum(CollectionWeight.grams))
        .join(CollectionWeight, col(CollectionWeight.collection_id) == Collection.id)
        .join(PlannedStop, col(PlannedStop.id) == Collection.stop_id)
        .where(col(Collection.route_id).in_(route_ids), col(PlannedStop.kind).in_(trips.PICKUP_KINDS))
        .where(Collection.outcome == CollectionOutcome.COLLECTED, col(Collection.id).not_in(newer))
        .group_by(Collection.route_id, CollectionWeight.material_id)
    ).all()
    for route_id, material_id, grams in rows:
        totals[route_id][material_id] = int(grams or 0)
    return totals


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


# --- drill-down: the tickets, batches and sales behind a line ------------------------------

Rows = tuple[list[dict[str, Any]], dict[str, int]]


def _material_filter(session: Session, params: dict[str, str]) -> int | None:
    code = params.get("material")
    if not code:
        return None
    found = session.exec(select(Material.id).where(Material.code == code)).first()
    if found is None:
        raise MetricsInputError("material", f"no material with code {code!r}")
    return found


def drill_tickets(session: Session, scope: Scope, params: dict[str, str], offset: int, limit: int) -> Rows:
    """Inbound tickets of the period with the grams each holds of ``material`` (its share),
    of the low-value materials (``low_value=1``) or of no material (``unattributed=1``:
    loads with no recorded pickups); all their net weight without a filter."""
    material = _material_filter(session, params)
    wanted: set[int | None] | None = None if material is None else {material}
    if params.get("low_value") == "1":
        wanted = set(session.exec(select(Material.id).where(col(Material.low_value).is_(True))).all())
    elif params.get("unattributed") == "1":
        wanted = {None}
    rows = []
    for ticket, split in _ticket_shares(session, scope):
        grams = ticket.net_g if wanted is None else sum(g for m, g in split.items() if m in wanted)
        if wanted is not None and not grams:
            continue
        rows.append(
            {
                "ticket": ticket.number,
                "facility_id": ticket.facility_id,
                "weighed_at": ticket.weighed_at,
                "route_id": ticket.route_id,
                "net_g": ticket.net_g,
                "g": grams,
            }
        )
    return rows[offset : offset + limit], {"count": len(rows), "g": sum(r["g"] for r in rows)}


def drill_batches(session: Session, scope: Scope, params: dict[str, str], offset: int, limit: int) -> Rows:
    """Sorting batches of the period (of ``material``): input as ``g``, and their residue."""
    material = _material_filter(session, params)
    where = [col(SortingBatch.day).between(scope.start, scope.end), *_org(SortingBatch, scope)]
    if material is not None:
        where.append(SortingBatch.material_id == material)
    count, grams, residue = session.exec(
        select(
            func.count(),
            func.coalesce(func.sum(SortingBatch.input_g), 0),
            func.coalesce(func.sum(SortingBatch.residue_g), 0),
        ).where(*where)
    ).one()
    query = (
        select(
            SortingBatch.id,
            SortingBatch.day,
            SortingBatch.facility_id,
            Material.code.label("material"),  # type: ignore[attr-defined]
            SortingBatch.input_g.label("g"),  # type: ignore[attr-defined]
            SortingBatch.residue_g,
        )
        .join(Material, col(Material.id) == SortingBatch.material_id)
        .where(*where)
        .order_by(col(SortingBatch.day), col(SortingBatch.id))
    )
    rows = [dict(r._mapping) for r in session.execute(query.offset(offset).limit(limit))]
    return rows, {"count": int(count), "g": int(grams), "residue_g": int(residue)}


def drill_sales(session: Session, scope: Scope, params: dict[str, str], offset: int, limit: int) -> Rows:
    """Sales of the period (of ``material``'s grades), with buyer, ticket and amount."""
    material = _material_filter(session, params)
    where = [col(Sale.day).between(scope.start, scope.end), *_org(Sale, scope)]
    if material is not None:
        where.append(MaterialGrade.material_id == material)
    count, grams, fen = session.exec(
        select(
            func.count(), func.coalesce(func.sum(Sale.grams), 0), func.coalesce(func.sum(Sale.amount_fen), 0)
        )
        .join(MaterialGrade, col(MaterialGrade.id) == Sale.grade_id)
        .where(*where)
    ).one()
    query = (
        select(
            Sale.id,
            Sale.day,
            Buyer.name.label("buyer"),  # type: ignore[attr-defined]
            Buyer.licence_no,
            MaterialGrade.code.label("grade"),  # type: ignore[attr-defined]
            Sale.grams.label("g"),  # type: ignore[attr-defined]
            Sale.amount_fen.label("fen"),  # type: ignore[attr-defined]
            WeighTicket.number.label("ticket"),  # type: ignore[attr-defined]
        )
        .join(MaterialGrade, col(MaterialGrade.id) == Sale.grade_id)
        .join(Buyer, col(Buyer.id) == Sale.buyer_id)
        .outerjoin(WeighTicket, col(WeighTicket.id) == Sale.ticket_id)
        .where(*where)
        .order_by(col(Sale.day), col(Sale.id))
    )
    rows = [dict(r._mapping) for r in session.execute(query.offset(offset).limit(limit))]
    return rows, {"count": int(count), "g": int(grams), "fen": int(fen)}


DRILLS = {"tickets": drill_tickets, "batches": drill_batches, "sales": drill_sales}
