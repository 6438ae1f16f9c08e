"""A stored plan read back from its route and stop rows, the plan's one copy.

The comparison with the plan in force and a re-plan's locks work on a
``routing.Plan``; they get it from here, so a stop a dispatcher moved is where the
rows say it is.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

import routing
from webapp.dispatch.bookings import booking_key
from webapp.dispatch.problem import depot_key, facility_key, outlet_key, vehicle_key
from webapp.models import CollectionPlan, PlannedRoute, PlannedStop, Vehicle

# Rows keep no index into a problem's location list (the problem is gone once the plan
# is saved); nothing that reads a stored plan needs one.
NO_LOCATION = -1


def stored_plan(session: Session, plan: CollectionPlan) -> routing.Plan:
    """The plan as its rows hold it now: routes in number order, stops in position order."""
    routes = _route_rows(session, plan)
    stops = session.exec(
        select(PlannedStop)
        .where(col(PlannedStop.route_id).in_([r.id for r in routes]))
        .order_by(col(PlannedStop.route_id), col(PlannedStop.position))
    ).all()
    by_route: dict[int, list[PlannedStop]] = {}
    for stop in stops:
        by_route.setdefault(stop.route_id, []).append(stop)
    vehicles = {v.id: v for v in session.exec(select(Vehicle))}
    return routing.Plan(
        routes=tuple(
            _route(plan, route, by_route.get(route.id, []), vehicles.get(route.vehicle_id))  # type: ignore[arg-type]
            for route in routes
        ),
        unassigned=tuple(_unassigned(u) for u in plan.unassigned),
        search=routing.SearchInfo(**plan.search) if plan.search else None,
    )


def _route_rows(session: Session, plan: CollectionPlan) -> list[PlannedRoute]:
    return list(
        session.exec(
            select(PlannedRoute).where(PlannedRoute.plan_id == plan.id).order_by(col(PlannedRoute.number))
        )
    )


def _route(
    plan: CollectionPlan, route: PlannedRoute, stops: list[PlannedStop], vehicle: Vehicle | None
) -> routing.Route:
    fixed, per_km = (vehicle.fixed_cost_fen, vehicle.cost_per_km_fen) if vehicle else (0, 0)
    return routing.Route(
        vehicle_type_id=vehicle_key(route.vehicle_id),
        unit=0,
        start_depot=depot_key(plan.depot_id),
        end_depot=depot_key(plan.depot_id),
        start_s=route.start_s,
        end_s=route.end_s,
        visits=tuple(_visit(s) for s in stops),
        breaks=(),
        distance_m=route.distance_m,
        cost_fen=fixed + round(route.distance_m * per_km / 1000),
    )


def _visit(stop: PlannedStop) -> routing.Visit:
    outlet = stop.kind != "unload"
    if stop.booking_id is not None:
        key = booking_key(stop.booking_id)
    else:
        key = outlet_key(stop.outlet_id) if outlet else facility_key(stop.facility_id)  # type: ignore[arg-type]
    return routing.Visit(
        kind=routing.VisitKind.STOP if outlet else routing.VisitKind.UNLOAD,
        id=key,
        location=NO_LOCATION,
        arrival_s=stop.arrival_s,
        departure_s=stop.departure_s,
        load_kg=stop.load_after_g / 1000,
        load_m3=0.0,
        collected_kg=stop.expected_g / 1000 if outlet else 0.0,
    )


def _unassigned(entry: dict[str, Any]) -> routing.Unassigned:
    return routing.Unassigned(entry["stop"], routing.Reason(entry["reason"]), entry.get("detail", ""))


def route_locks(session: Session, plan: CollectionPlan, numbers: set[int]) -> list[dict[str, Any]]:
    """The routes of ``plan`` numbered in ``numbers``, as they stand, as locks for a re-plan (JSON-able)."""
    rows, routes = _route_rows(session, plan), stored_plan(session, plan).routes
    locks = [route.to_lock() for row, route in zip(rows, routes, strict=True) if row.number in numbers]
    return [
        {"vehicle_type_id": lock.vehicle_type_id, "unit": lock.unit, "visits": list(lock.visits)}
        for lock in locks
    ]
