"""Accept a week plan's day 1: it becomes that day's normal plan, handed to the drivers.

Day 1's routes are written as a :class:`CollectionPlan` with its routes and stops, and
accepted by :func:`webapp.dispatch.operations.accept_plan`, the day plan's own
acceptance: it checks the drivers, supersedes the plan in force and records the change;
the drivers' phones read the accepted plan as they read any other.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from webapp.changelog import record
from webapp.dispatch.bookings import day_bookings
from webapp.dispatch.operations import COLOURS, DispatchError, accept_plan
from webapp.dispatch.problem import outlet_key
from webapp.fleet.availability import available_fleet
from webapp.models import CollectionPlan, Outlet, PlannedRoute, PlannedStop
from webapp.models._types import utcnow
from webapp.models.weekplans import WeekMethod, WeekPlan, WeekPlanDay, WeekPlanStatus, WeekRoute, WeekVisit


def first_day_routes(session: Session, week: WeekPlan) -> tuple[WeekPlanDay | None, list[WeekRoute]]:
    """Day 1 of ``week`` and its routes in number order."""
    day = session.exec(
        select(WeekPlanDay).where(WeekPlanDay.week_plan_id == week.id, WeekPlanDay.index == 0)
    ).first()
    if day is None:
        return None, []
    routes = session.exec(
        select(WeekRoute).where(WeekRoute.week_day_id == day.id).order_by(col(WeekRoute.number))
    ).all()
    return day, list(routes)


def suggested_drivers(session: Session, week: WeekPlan) -> dict[int, int]:
    """Week route id of day 1 -> the driver paired with its truck that day, as the day plan suggests."""
    crews = available_fleet(session, week.depot_id, week.first_day).crews()
    by_vehicle = {c.vehicle.id: c.driver.id for c in crews}
    _, routes = first_day_routes(session, week)
    return {r.id: by_vehicle[r.vehicle_id] for r in routes if by_vehicle.get(r.vehicle_id) is not None}  # type: ignore[misc]


def accept_day_one(
    session: Session,
    week_id: int,
    drivers: dict[int, int | None],
    *,
    actor_id: int | None,
    at: datetime | None = None,
) -> CollectionPlan:
    """Make day 1 of a proposed week plan the day's plan; ``drivers`` maps week route ids to drivers.

    Refused when the day has residents' bookings still to route: the week plans
    outlets only, and accepting it would leave them off the drivers' routes.
    """
    week = session.get(WeekPlan, week_id)
    if week is None or week.method != WeekMethod.FORECAST:
        raise DispatchError(f"no week plan with id {week_id}")
    if week.status != WeekPlanStatus.PROPOSED:
        raise DispatchError(_("Day 1 of this week plan has been accepted already."))
    day, routes = first_day_routes(session, week)
    if day is None or not routes:
        raise DispatchError(_("Day 1 of this week plan has no route to accept."))
    if day_bookings(session, day.day, week.depot_id):
        raise DispatchError(
            _("Residents have booked pickups on %(day)s: plan that day on the dispatch board.", day=day.day)
        )
    plan = _day_plan(session, week, day, routes, actor_id)
    planned = {
        r.number: r.id for r in session.exec(select(PlannedRoute).where(PlannedRoute.plan_id == plan.id))
    }
    by_route = {r.id: planned[r.number] for r in routes}
    week.status, week.accepted_plan_id = WeekPlanStatus.ACCEPTED, plan.id
    week.accepted_by_id, week.accepted_at = actor_id, at or utcnow()
    session.add(week)
    record(session, "accept_day_one", week, after={"plan": plan.id}, user_id=actor_id, at=at)
    # The day plan's own acceptance: drivers checked, plan in force superseded, committed.
    chosen = {by_route[k]: v for k, v in drivers.items() if k in by_route}
    return accept_plan(session, plan.id, chosen, actor_id=actor_id, at=at)


def _day_plan(
    session: Session, week: WeekPlan, day: WeekPlanDay, routes: list[WeekRoute], actor_id: int | None
) -> CollectionPlan:
    """Day 1 as a proposed day plan with its routes and stops (staged)."""
    visits = {
        r.id: list(
            session.exec(
                select(WeekVisit).where(WeekVisit.week_route_id == r.id).order_by(col(WeekVisit.position))
            )
        )
        for r in routes
    }
    outlet_ids = {v.outlet_id for vs in visits.values() for v in vs if v.outlet_id is not None}
    outlets = {o.id: o for o in session.exec(select(Outlet).where(col(Outlet.id).in_(outlet_ids)))}
    plan = CollectionPlan(
        day=day.day,
        depot_id=week.depot_id,
        org_id=week.org_id,
        created_by_id=actor_id,
        time_limit_s=week.time_limit_s,
        seed=week.seed,
        distance_m=day.distance_m,
        duration_s=sum(r.end_s - r.start_s for r in routes),
        stops_served=sum(r.stop_count for r in routes),
        collected_g=day.collected_g,
        search={},
        stops={
            outlet_key(v.outlet_id): _stop_entry(outlets[v.outlet_id], v)
            for vs in visits.values()
            for v in vs
            if v.outlet_id is not None
        },
    )
    session.add(plan)
    session.flush()
    for route in routes:
        row = PlannedRoute(
            plan_id=plan.id,  # type: ignore[arg-type]
            number=route.number,
            vehicle_id=route.vehicle_id,
            colour=COLOURS[(route.number - 1) % len(COLOURS)],
            distance_m=route.distance_m,
            duration_s=route.end_s - route.start_s,
            start_s=route.start_s,
            end_s=route.end_s,
            collected_g=route.collected_g,
            stop_count=route.stop_count,
            geometry=route.geometry,
        )
        session.add(row)
        session.flush()
        for v in visits[route.id]:
            session.add(
                PlannedStop(
                    route_id=row.id,  # type: ignore[arg-type]
                    position=v.position,
                    kind=v.kind,
                    outlet_id=v.outlet_id,
                    facility_id=v.facility_id,
                    arrival_s=v.arrival_s,
                    departure_s=v.departure_s,
                    expected_g=v.expected_g,
                    load_after_g=v.load_after_g,
                )
            )
    session.flush()
    return plan


def _stop_entry(outlet: Outlet, visit: WeekVisit) -> dict[str, object]:
    """What a day plan keeps per stop id (as :func:`webapp.dispatch.problem.build_day` writes it)."""
    return {
        "outlet_id": outlet.id,
        "code": outlet.code,
        "name": outlet.name,
        "lon": outlet.lon,
        "lat": outlet.lat,
        "required": True,
        "expected_g": visit.expected_g,
        "prize_fen": 0,
        "fill_pct": visit.fill_pct,
    }
