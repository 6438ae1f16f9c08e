"""Trips: which route and unload stop a truck at the weighbridge is on, and what its
drivers recorded since the previous unload.

A trip is the run of outlet stops on a route between two unload stops (or from the
start of the route). An inbound ticket names the unload stop that ends its trip; a
ticket without one (the truck's last run, home to a depot that sorts) takes the
stops after the route's last unload stop.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func
from sqlmodel import Session, col, select

from webapp.models import (
    Collection,
    CollectionOutcome,
    CollectionPlan,
    CollectionWeight,
    PlannedRoute,
    PlannedStop,
    PlanStatus,
)
from webapp.models.weighbridge import TicketDirection, WeighTicket

CHUNK = 2000  # ids per IN (...) list: well under either database's parameter limit
#: Stops whose pickups ride to the next unload: outlets and residents' doorstep bookings.
PICKUP_KINDS = ("outlet", "booking")


@dataclass(frozen=True)
class Trip:
    """The route, unload stop and driver a ticket belongs to."""

    route_id: int
    stop_id: int | None
    driver_id: int | None


@dataclass(frozen=True)
class TripRefusal:
    """Why no trip was found, and which field to blame."""

    field: str
    message: str


def routes_of_day(session: Session, vehicle_id: int, day: date) -> list[PlannedRoute]:
    """The vehicle's routes in the day's accepted plans."""
    return list(
        session.exec(
            select(PlannedRoute)
            .join(CollectionPlan, col(CollectionPlan.id) == PlannedRoute.plan_id)
            .where(
                PlannedRoute.vehicle_id == vehicle_id,
                CollectionPlan.day == day,
                CollectionPlan.status == PlanStatus.ACCEPTED,
            )
            .order_by(col(PlannedRoute.id))
        )
    )


def unload_stops(session: Session, route_id: int, facility_id: int | None = None) -> list[PlannedStop]:
    """A route's unload stops (at one facility when given), in visiting order."""
    query = select(PlannedStop).where(PlannedStop.route_id == route_id, PlannedStop.kind == "unload")
    if facility_id is not None:
        query = query.where(PlannedStop.facility_id == facility_id)
    return list(session.exec(query.order_by(col(PlannedStop.position))))


def find_trip(
    session: Session,
    *,
    vehicle_id: int | None,
    facility_id: int,
    day: date,
    route_id: int | None,
    stop_id: int | None,
) -> Trip | TripRefusal:
    """The trip an inbound ticket weighs, checking what the operator chose."""
    if vehicle_id is None:
        return TripRefusal("vehicle_id", _("Choose the vehicle: inbound tickets weigh our own trucks."))
    routes = routes_of_day(session, vehicle_id, day)
    if not routes:
        return TripRefusal(
            "vehicle_id", _("This vehicle is on no route on %(day)s: no trip to weigh.", day=day.isoformat())
        )
    if route_id is not None:
        chosen = [r for r in routes if r.id == route_id]
        if not chosen:
            return TripRefusal("route_id", _("This route is not the vehicle's route that day."))
        routes = chosen
    for route in routes:
        stops = unload_stops(session, route.id, facility_id)  # type: ignore[arg-type]
        if stop_id is not None:
            if any(s.id == stop_id for s in stops):
                return Trip(route.id, stop_id, route.driver_id)  # type: ignore[arg-type]
            continue
        open_stop = next((s for s in stops if not _ticketed(session, s.id)), None)  # type: ignore[arg-type]
        if open_stop is not None or len(routes) == 1:
            return Trip(route.id, open_stop.id if open_stop else None, route.driver_id)  # type: ignore[arg-type]
    if stop_id is not None:
        return TripRefusal("stop_id", _("This stop is no unloading at this facility on the vehicle's route."))
    return Trip(routes[0].id, None, routes[0].driver_id)  # type: ignore[arg-type]


def _ticketed(session: Session, stop_id: int) -> bool:
    from webapp.weighbridge.tickets import in_force

    return (
        session.exec(
            select(WeighTicket.id).where(
                WeighTicket.stop_id == stop_id, WeighTicket.direction == TicketDirection.IN, in_force()
            )
        ).first()
        is not None
    )


def trip_stop_ids(stops: Sequence[tuple[int, int, str]], unload_stop_id: int | None) -> list[int]:
    """Pickup stop ids (outlets and residents' doors) of the trip ending at ``unload_stop_id``
    (None: after the last unload).

    ``stops`` are one route's ``(id, position, kind)``.
    """
    ordered = sorted(stops, key=lambda s: s[1])
    unload_positions = [p for _i, p, k in ordered if k == "unload"]
    if unload_stop_id is None:
        start, end = max(unload_positions, default=-1), None
    else:
        end = next((p for i, p, _k in ordered if i == unload_stop_id), None)
        if end is None:
            return []
        start = max((p for p in unload_positions if p < end), default=-1)
    return [i for i, p, k in ordered if k in PICKUP_KINDS and p > start and (end is None or p < end)]


def collected_by_ticket(session: Session, tickets: Iterable[WeighTicket]) -> dict[int, dict[int, int]]:
    """Per ticket id, the grams per material the drivers recorded on its trip (records in force)."""
    tickets = [t for t in tickets if t.route_id is not None and t.direction == TicketDirection.IN]
    route_ids = sorted({t.route_id for t in tickets})  # type: ignore[type-var]
    stops: dict[int, list[tuple[int, int, str]]] = {}
    per_stop: dict[int, dict[int, int]] = {}
    for chunk in _chunks(route_ids):
        for stop_id, route_id, position, kind in session.exec(
            select(PlannedStop.id, PlannedStop.route_id, PlannedStop.position, PlannedStop.kind).where(
                col(PlannedStop.route_id).in_(chunk)
            )
        ):
            stops.setdefault(route_id, []).append((stop_id, position, kind))  # type: ignore[arg-type]
        for stop_id, material_id, grams in session.exec(
            select(Collection.stop_id, CollectionWeight.material_id, func.sum(CollectionWeight.grams))
            .join(CollectionWeight, col(CollectionWeight.collection_id) == Collection.id)
            .where(col(Collection.route_id).in_(chunk), Collection.outcome == CollectionOutcome.COLLECTED)
            .where(col(Collection.id).not_in(_superseded()))
            .group_by(Collection.stop_id, CollectionWeight.material_id)
        ):
            per_stop.setdefault(stop_id, {})[material_id] = int(grams or 0)
    result: dict[int, dict[int, int]] = {}
    for ticket in tickets:
        totals: dict[int, int] = {}
        for stop in trip_stop_ids(stops.get(ticket.route_id, []), ticket.stop_id):  # type: ignore[arg-type]
            for material, grams in per_stop.get(stop, {}).items():
                totals[material] = totals.get(material, 0) + grams
        result[ticket.id] = totals  # type: ignore[index]
    return result


def _superseded() -> object:
    return select(Collection.supersedes_id).where(col(Collection.supersedes_id).is_not(None))


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for at in range(0, len(ids), CHUNK):
        yield ids[at : at + CHUNK]
