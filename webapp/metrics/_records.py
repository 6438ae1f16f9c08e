"""Which records a figure is made of: the filters shared by the indicators and the drill.

Each function returns SQLAlchemy ``WHERE`` clauses (and the joins they need) for one
kind of record, so an indicator's ``GROUP BY`` and the drill's row list select the
same rows and the drill's sum is the figure by construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from traceability import EventKind
from webapp.metrics.figures import Scope
from webapp.models import (
    BatteryLink,
    Collection,
    CollectionOutcome,
    CollectionPlan,
    CollectionWeight,
    Outlet,
    PlannedRoute,
    PlannedStop,
    PlanStatus,
    TraceEventRow,
)
from webapp.models.residents import Booking, ResidentAddress, ServiceArea

#: Events by which a battery enters the company's custody.
RECEIPTS = (EventKind.RECEIVED_AT_OUTLET.value, EventKind.RECEIVED_BY_ENTERPRISE.value)


def in_force(collection: Any = Collection) -> ColumnElement[bool]:
    """The collection row is the latest version: no other row supersedes it."""
    newer = aliased(Collection)
    return ~exists().where(newer.supersedes_id == collection.id)


def booking_district(stop_id: Any) -> ColumnElement[Any]:
    """The district of the booking served at stop ``stop_id`` (a correlated scalar): its
    address's district, or its service area's when the address has none; NULL for a
    stop that serves no booking."""
    stop = aliased(PlannedStop)
    return (
        select(func.coalesce(ResidentAddress.district, ServiceArea.district))
        .select_from(stop)
        .join(Booking, col(Booking.id) == stop.booking_id)
        .join(ResidentAddress, col(ResidentAddress.id) == Booking.address_id)
        .join(ServiceArea, col(ServiceArea.id) == ResidentAddress.service_area_id)
        .where(stop.id == stop_id)
        .scalar_subquery()
    )


def booking_of(stop_id: Any) -> ColumnElement[Any]:
    """The booking served at stop ``stop_id`` (a correlated scalar; NULL at an outlet)."""
    stop = aliased(PlannedStop)
    return select(stop.booking_id).where(stop.id == stop_id).scalar_subquery()


def collection_district() -> ColumnElement[Any]:
    """The district a collection counts in: its outlet's, or the booking's at a door.

    Needs the outlet joined (:func:`collection_joins` with ``outlet=True``). COALESCE
    reads the booking only for the (few) doorstep rows on both databases.
    """
    return func.coalesce(Outlet.district, booking_district(Collection.stop_id))


def collection_joins(query: Select[Any], *, outlet: bool = True) -> Select[Any]:
    """Join a query on ``collection`` to its route, plan and (when asked) outlet.

    The outlet is an outer join: a doorstep collection (a booking stop) has none and
    still counts in the collected totals.
    """
    query = query.join(PlannedRoute, col(PlannedRoute.id) == Collection.route_id).join(
        CollectionPlan, col(CollectionPlan.id) == PlannedRoute.plan_id
    )
    return query.outerjoin(Outlet, col(Outlet.id) == Collection.outlet_id) if outlet else query


def collected(
    scope: Scope, *, outlet_id: int | None = None, doorstep: bool = False
) -> list[ColumnElement[bool]]:
    """Latest versions of the collections made on plans of the period (service day);
    with ``doorstep`` only those at residents' doors (booking stops)."""
    where = [
        col(CollectionPlan.day).between(scope.start, scope.end),
        Collection.outcome == CollectionOutcome.COLLECTED,
        in_force(),
    ]
    if scope.org_id is not None:
        where.append(Collection.org_id == scope.org_id)
    if scope.district:
        where.append(collection_district() == scope.district)
    if outlet_id is not None:
        where.append(Collection.outlet_id == outlet_id)
    if doorstep:
        where.append(col(Collection.outlet_id).is_(None))
    return where


def weight_filter(material_ids: Sequence[int] | None) -> list[ColumnElement[bool]]:
    """Only the weights of these materials (all when ``None``)."""
    if material_ids is None:
        return []
    return [col(CollectionWeight.material_id).in_(list(material_ids))]


def stop_joins(query: Select[Any]) -> Select[Any]:
    """Join a query on ``planned_stop`` to its route, plan, outlet and the record in force."""
    return (
        query.join(PlannedRoute, col(PlannedRoute.id) == PlannedStop.route_id)
        .join(CollectionPlan, col(CollectionPlan.id) == PlannedRoute.plan_id)
        .join(Outlet, col(Outlet.id) == PlannedStop.outlet_id)
        .outerjoin(Collection, and_(col(Collection.stop_id) == PlannedStop.id, in_force()))
    )


def due(scope: Scope) -> list[ColumnElement[bool]]:
    """Outlet stops of the plans in force (accepted) on the days of the period."""
    where = [
        PlannedStop.kind == "outlet",
        CollectionPlan.status == PlanStatus.ACCEPTED,
        col(CollectionPlan.day).between(scope.start, scope.end),
    ]
    if scope.org_id is not None:
        where.append(CollectionPlan.org_id == scope.org_id)
    if scope.district:
        where.append(Outlet.district == scope.district)
    return where


def stop_status(status: str | None, reason_id: int | None = None) -> list[ColumnElement[bool]]:
    """Stops by what the record in force says: served, skipped, pending (nothing yet)."""
    if status == "served":
        return [Collection.outcome == CollectionOutcome.COLLECTED]
    if status == "skipped":
        where = [Collection.outcome == CollectionOutcome.SKIPPED]
        if reason_id is not None:
            where.append(Collection.skip_reason_id == reason_id)
        return where
    if status == "pending":
        return [col(Collection.id).is_(None)]
    return []


def routes(scope: Scope) -> list[ColumnElement[bool]]:
    """Routes of the plans in force on the days of the period."""
    where = [
        CollectionPlan.status == PlanStatus.ACCEPTED,
        col(CollectionPlan.day).between(scope.start, scope.end),
    ]
    if scope.org_id is not None:
        where.append(CollectionPlan.org_id == scope.org_id)
    return where


def active_outlets(scope: Scope, on: date) -> list[ColumnElement[bool]]:
    """Outlets open on ``on``: opened by then and not closed by then."""
    where = [
        col(Outlet.opened_on).is_not(None),
        col(Outlet.opened_on) <= on,
        or_(col(Outlet.closed_on).is_(None), col(Outlet.closed_on) > on),
    ]
    return where + _outlet_scope(scope)


def opened_outlets(scope: Scope) -> list[ColumnElement[bool]]:
    """Outlets opened on a day of the period."""
    return [col(Outlet.opened_on).between(scope.start, scope.end), *_outlet_scope(scope)]


def _outlet_scope(scope: Scope) -> list[ColumnElement[bool]]:
    where = []
    if scope.org_id is not None:
        where.append(Outlet.org_id == scope.org_id)
    if scope.district:
        where.append(Outlet.district == scope.district)
    return where


def event_in_force(event: Any = TraceEventRow) -> ColumnElement[bool]:
    """The log entry is not superseded by a correction.

    An uncorrelated ``NOT IN`` (the few corrected ids, gathered once) rather than
    ``NOT EXISTS``: with the statistics of a real log, where ``corrects`` is nearly
    always NULL, SQLite judges its index useless and scanned the log once per row.
    """
    corrected = aliased(TraceEventRow)
    return col(event.event_id).not_in(select(corrected.corrects).where(col(corrected.corrects).is_not(None)))


def events(scope: Scope, kinds: Sequence[str]) -> list[ColumnElement[bool]]:
    """Entries in force of ``kinds`` that happened in the period."""
    where = [
        col(TraceEventRow.kind).in_(list(kinds)),
        event_in_force(),
        col(TraceEventRow.occurred_at) >= scope.start_utc,
        col(TraceEventRow.occurred_at) < scope.end_utc,
    ]
    if scope.org_id is not None:
        where.append(TraceEventRow.org_id == scope.org_id)
    return where


def regrouped_sources(scope: Scope) -> list[ColumnElement[bool]]:
    """Ties of batteries to the cascade product they went into during the period
    (ties a correction replaced are closed and left out). Query on ``battery_link``
    joined to ``trace_event`` on ``seq = since_seq``."""
    where = [
        BatteryLink.kind == "regrouped_from",
        col(BatteryLink.until_seq).is_(None),
        col(TraceEventRow.occurred_at) >= scope.start_utc,
        col(TraceEventRow.occurred_at) < scope.end_utc,
    ]
    if scope.org_id is not None:
        where.append(TraceEventRow.org_id == scope.org_id)
    return where


def first_receipts(scope: Scope) -> Select[Any]:
    """Batteries whose first receipt into custody (in force) happened in the period:
    columns ``code`` and ``first_at``. Each battery is counted in one period only."""
    where = [col(TraceEventRow.kind).in_(RECEIPTS), event_in_force()]
    if scope.org_id is not None:
        where.append(TraceEventRow.org_id == scope.org_id)
    first = func.min(TraceEventRow.occurred_at)
    return (
        select(col(TraceEventRow.battery_code).label("code"), first.label("first_at"))
        .where(*where)
        .group_by(TraceEventRow.battery_code)
        .having(first >= scope.start_utc, first < scope.end_utc)
    )
