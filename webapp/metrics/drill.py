"""The records behind a figure: :func:`records` lists, a page at a time, what a
:class:`~webapp.metrics.figures.Drill` names, with the sums over ALL its rows.

``DrillPage.sums[figure.unit] == figure.value`` for every figure that carries a drill
(tested): the rows use the same filters (:mod:`webapp.metrics._records`) as the
``GROUP BY`` that made the figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Select
from sqlmodel import Session, col, func, select

from traceability import CHINA_TZ
from webapp.audit import anomalies
from webapp.metrics import _records, batteries, mass_balance, residents, workshop
from webapp.metrics.figures import Drill, MetricsInputError, Scope, parse_day
from webapp.models import (
    Battery,
    BatteryLink,
    Collection,
    CollectionPlan,
    CollectionWeight,
    Material,
    Outlet,
    OutletKind,
    PlannedRoute,
    PlannedStop,
    SkipReason,
    TraceEventRow,
)
from webapp.trace.settings import TraceSettings

MAX_PER_PAGE = 500
Rows = tuple[list[dict[str, Any]], dict[str, int]]


@dataclass(frozen=True)
class _Context:
    """What judging deadlines and verifying chains needs besides the records."""

    now: datetime
    public_key: Ed25519PublicKey | None
    trace: TraceSettings | None


@dataclass(frozen=True)
class DrillPage:
    """One page of records and the sums over all of them, by unit."""

    drill: Drill
    rows: tuple[dict[str, Any], ...]
    sums: dict[str, int]
    page: int
    per_page: int
    columns: tuple[str, ...] = field(default=())

    @property
    def count(self) -> int:
        return self.sums.get("count", 0)

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    def to_json(self) -> dict[str, Any]:
        return {
            "drill": self.drill.to_json(),
            "sums": self.sums,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "columns": list(self.columns),
            "rows": [{k: _plain(v) for k, v in row.items()} for row in self.rows],
        }


def records(
    session: Session,
    drill: Drill,
    *,
    page: int = 1,
    per_page: int = 50,
    now: datetime | None = None,
    public_key: Ed25519PublicKey | None = None,
    trace: TraceSettings | None = None,
) -> DrillPage:
    """The records ``drill`` names; ``now``, ``public_key`` and ``trace`` as for
    :func:`webapp.metrics.compute` (pass the same, or the lists may differ)."""
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise MetricsInputError("page", f"page >= 1 and 1 <= per_page <= {MAX_PER_PAGE}")
    scope = Scope.from_params(drill.values)
    handler = _HANDLERS[drill.kind]
    context = _Context(now or datetime.now(UTC), public_key, trace)
    rows, sums = handler(session, scope, drill.values, (page - 1) * per_page, per_page, context)
    columns = tuple(rows[0]) if rows else ()
    return DrillPage(drill, tuple(rows), sums, page, per_page, columns)


def _page(session: Session, query: Select[Any], offset: int, limit: int) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in session.execute(query.offset(offset).limit(limit))]


def _outlets(
    session: Session, scope: Scope, params: dict[str, str], offset: int, limit: int, _context: _Context
) -> Rows:
    if "active_on" in params:
        where = _records.active_outlets(scope, parse_day(params["active_on"], "active_on"))
    elif "opened" in params:
        where = _records.opened_outlets(scope)
    else:
        raise MetricsInputError("params", "an outlets drill needs active_on or opened")
    if "outlet_kind" in params:
        where.append(Outlet.kind == OutletKind(params["outlet_kind"]))
    query = (
        select(
            Outlet.id,
            Outlet.code,
            Outlet.name,
            Outlet.kind,
            Outlet.status,
            Outlet.district,
            Outlet.partner,
            Outlet.opened_on,
            Outlet.closed_on,
            Outlet.lon,
            Outlet.lat,
        )
        .where(*where)
        .order_by(Outlet.code)
    )
    count = session.exec(select(func.count(col(Outlet.id))).where(*where)).one()
    return _page(session, query, offset, limit), {"count": int(count)}


def _material_ids(session: Session, params: dict[str, str]) -> list[int] | None:
    if "material" in params:
        found = session.exec(select(Material.id).where(Material.code == params["material"])).first()
        if found is None:
            raise MetricsInputError("material", f"no material with code {params['material']!r}")
        return [found]
    if params.get("low_value") == "1":
        return list(session.exec(select(Material.id).where(Material.low_value == True)).all())
    return None


def _collections(
    session: Session, scope: Scope, params: dict[str, str], offset: int, limit: int, _context: _Context
) -> Rows:
    outlet = int(params["outlet"]) if params.get("outlet", "").isdigit() else None
    channel = params.get("channel")
    if channel not in (None, "doorstep"):
        raise MetricsInputError("channel", f"unknown collection channel {channel!r} (doorstep)")
    where = [
        *_records.collected(scope, outlet_id=outlet, doorstep=channel == "doorstep"),
        *_records.weight_filter(_material_ids(session, params)),
    ]
    base = _records.collection_joins(
        select()
        .select_from(Collection)
        .join(CollectionWeight, col(CollectionWeight.collection_id) == Collection.id)
    ).where(*where)
    grams = func.sum(CollectionWeight.grams).label("grams")
    district = _records.collection_district().label("district")
    # A doorstep collection names its booking (the outlet columns are empty).
    booking = _records.booking_of(Collection.stop_id).label("booking_id")
    query = (
        base.add_columns(
            Collection.id,
            CollectionPlan.day,
            Outlet.code.label("outlet"),  # type: ignore[attr-defined]
            Outlet.name.label("outlet_name"),
            district,
            booking,
            Collection.driver_id,
            Collection.recorded_at,
            Collection.supersedes_id,
            Collection.correction_reason,
            grams,
        )
        .group_by(
            Collection.id,
            CollectionPlan.day,
            Outlet.code,
            Outlet.name,
            Outlet.district,
            Collection.stop_id,
            Collection.driver_id,
            Collection.recorded_at,
            Collection.supersedes_id,
            Collection.correction_reason,
        )
        .order_by(CollectionPlan.day, Collection.id)
    )
    count, total = session.execute(
        base.add_columns(
            func.count(func.distinct(Collection.id)), func.coalesce(func.sum(CollectionWeight.grams), 0)
        )
    ).one()
    return _page(session, query, offset, limit), {"count": int(count), "g": int(total)}


def _stops(
    session: Session, scope: Scope, params: dict[str, str], offset: int, limit: int, _context: _Context
) -> Rows:
    reason_id = None
    if params.get("reason"):
        reason_id = session.exec(select(SkipReason.id).where(SkipReason.code == params["reason"])).first()
    where = [*_records.due(scope), *_records.stop_status(params.get("status"), reason_id)]
    if params.get("reason") == "unknown":
        where.append(col(Collection.skip_reason_id).is_(None))
    base = _records.stop_joins(select().select_from(PlannedStop)).where(*where)
    query = base.add_columns(
        PlannedStop.id,
        CollectionPlan.day,
        PlannedRoute.number,
        Outlet.code.label("outlet"),
        Outlet.district,  # type: ignore[attr-defined]
        Collection.id.label("collection_id"),
        Collection.outcome,  # type: ignore[union-attr]
        Collection.skip_reason_id,
    ).order_by(CollectionPlan.day, PlannedStop.id)
    count = session.execute(base.add_columns(func.count(col(PlannedStop.id)))).scalar_one()
    return _page(session, query, offset, limit), {"count": int(count)}


def _routes(
    session: Session, scope: Scope, _params: dict[str, str], offset: int, limit: int, _context: _Context
) -> Rows:
    base = (
        select()
        .select_from(PlannedRoute)
        .join(CollectionPlan, col(CollectionPlan.id) == PlannedRoute.plan_id)
        .where(*_records.routes(scope))
    )
    query = base.add_columns(
        PlannedRoute.id,
        CollectionPlan.day,
        PlannedRoute.plan_id,
        PlannedRoute.number,
        PlannedRoute.driver_id,
        PlannedRoute.distance_m,
        PlannedRoute.stop_count,
    ).order_by(CollectionPlan.day, PlannedRoute.id)
    count, metres = session.execute(
        base.add_columns(
            func.count(col(PlannedRoute.id)), func.coalesce(func.sum(PlannedRoute.distance_m), 0)
        )
    ).one()
    return _page(session, query, offset, limit), {"count": int(count), "m": int(metres)}


def _batteries(
    session: Session, scope: Scope, params: dict[str, str], offset: int, limit: int, context: _Context
) -> Rows:
    which = params.get("set", "")
    if which == "cascade":
        codes = (
            select(col(BatteryLink.child_code).label("code"))
            .distinct()
            .join(TraceEventRow, col(TraceEventRow.seq) == BatteryLink.since_seq)
            .where(*_records.regrouped_sources(scope))
        ).subquery()
        where: list[Any] = []
    elif which in ("received", "complete", "verified", "complete_and_verified"):
        codes = _records.first_receipts(scope).subquery()
        where = []
        if which != "received":
            complete, verified, _note = batteries.chain_sets(
                session, scope, now=context.now, public_key=context.public_key
            )
            chosen = {
                "complete": complete,
                "verified": verified,
                "complete_and_verified": complete & verified,
            }[which]
            where = [col(Battery.code).in_(sorted(chosen))]
    else:
        raise MetricsInputError("set", f"unknown battery set {which!r}")
    tested = batteries.tested_energy().subquery()
    energy = func.coalesce(Battery.rated_energy_wh, tested.c.wh)
    base = (
        select()
        .select_from(codes)
        .join(Battery, col(Battery.code) == codes.c.code)
        .outerjoin(tested, tested.c.code == codes.c.code)
        .where(*where)
    )
    query = base.add_columns(
        Battery.code,
        Battery.status,
        Battery.product_type,
        Battery.chemistry,
        Battery.mass_g,
        energy.label("energy_wh"),
        Battery.holder,
        Battery.location,
        Battery.last_event_at,
    ).order_by(Battery.code)
    count, grams, wh = session.execute(
        base.add_columns(
            func.count(), func.coalesce(func.sum(Battery.mass_g), 0), func.coalesce(func.sum(energy), 0)
        )
    ).one()
    sums = {"count": int(count), "g": int(grams), "Wh": int(wh)}
    return _page(session, query, offset, limit), sums


def _battery_events(
    session: Session, scope: Scope, params: dict[str, str], offset: int, limit: int, context: _Context
) -> Rows:
    if "obligation" in params:
        return _obligations(session, scope, params["obligation"], offset, limit, context)
    where = _records.events(scope, [params.get("event", "")])
    if params.get("below_threshold"):
        metal = params["below_threshold"]
        ids = {a.event_id for a in anomalies.low_recovery(session) if a.values["metal"] == metal}
        where.append(col(TraceEventRow.event_id).in_(sorted(ids)))
    fed = TraceEventRow.payload["input_mass_g"].as_integer()  # type: ignore[index]
    base = (
        select()
        .select_from(TraceEventRow)
        .outerjoin(Battery, col(Battery.code) == TraceEventRow.battery_code)
        .where(*where)
    )
    query = base.add_columns(
        TraceEventRow.seq,
        TraceEventRow.event_id,
        TraceEventRow.kind,
        TraceEventRow.battery_code,
        TraceEventRow.actor,
        TraceEventRow.location,
        TraceEventRow.occurred_at,
        fed.label("input_mass_g"),
        Battery.rated_energy_wh,
    ).order_by(TraceEventRow.seq)
    count, grams, wh, *metals = session.execute(
        base.add_columns(
            func.count(),
            func.coalesce(func.sum(fed), 0),
            func.coalesce(func.sum(Battery.rated_energy_wh), 0),
            *batteries.recovery_sums(),
        )
    ).one()
    sums = {"count": int(count), "g": int(grams), "Wh": int(wh)}
    for index, metal in enumerate(anomalies.THRESHOLDS_PERMILLE):
        sums[f"{metal}_g"], sums[f"input_{metal}_g"] = (
            int(metals[2 * index] or 0),
            int(metals[2 * index + 1] or 0),
        )
    return _page(session, query, offset, limit), sums


def _obligations(
    session: Session, scope: Scope, which: str, offset: int, limit: int, context: _Context
) -> Rows:
    lists = batteries.classify(
        batteries.period_obligations(
            session, scope, today=context.now.astimezone(CHINA_TZ).date(), trace=context.trace
        )
    )
    if which == "decided":
        chosen = lists["on_time"] + lists["late"] + lists["overdue"]
    elif which in lists:
        chosen = lists[which]
    else:
        raise MetricsInputError("obligation", f"unknown obligation list {which!r}")
    chosen.sort(key=lambda ob: (ob.deadline.event_date, ob.deadline.event_id))
    rows = [
        {
            "event_id": ob.deadline.event_id,
            "battery_code": ob.deadline.battery_code,
            "kind": ob.deadline.kind.value,
            "role": ob.deadline.role.value,
            "actor": ob.actor,
            "event_date": ob.deadline.event_date,
            "due": ob.deadline.due,
            "reported_on": ob.reported_on,
            "provisional": ob.provisional,
        }
        for ob in chosen[offset : offset + limit]
    ]
    return rows, {"count": len(chosen)}


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


_HANDLERS = {
    "outlets": _outlets,
    "collections": _collections,
    "stops": _stops,
    "routes": _routes,
    "batteries": _batteries,
    "battery_events": _battery_events,
}


def _residents_drill(handler: Any) -> Any:
    """A residents' channel handler under the common signature (it needs no context)."""
    return lambda session, scope, params, offset, limit, _context: handler(
        session, scope, params, offset, limit
    )


_HANDLERS.update({kind: _residents_drill(handler) for kind, handler in residents.DRILLS.items()})
_HANDLERS["workshop"] = _residents_drill(workshop.drill)
_HANDLERS.update({kind: _residents_drill(handler) for kind, handler in mass_balance.DRILLS.items()})
