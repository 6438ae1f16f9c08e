"""Dispatch use cases: solve a day as a job, keep the plan, accept it and hand
its routes to drivers, compare it with the plan in force."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlmodel import Session, col, select

import routing
from webapp.changelog import record
from webapp.dispatch import bookings, reasons
from webapp.dispatch.costs import CostSettings
from webapp.dispatch.params import SolveDayParams
from webapp.dispatch.problem import DayProblem, PlanningError, build_day
from webapp.dispatch.retime import retime_route
from webapp.dispatch.stored import stored_plan
from webapp.jobs.operations import Progress, handler
from webapp.models import (
    CollectionPlan,
    Driver,
    Job,
    PlannedRoute,
    PlannedStop,
    PlanStatus,
)
from webapp.models._types import utcnow

# Distinct on a map and for colour-blind readers (Okabe–Ito, then Tableau).
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8c564b", "#7f7f7f"]


class DispatchError(ValueError):
    """A dispatch action was refused; the message says why."""


@handler(SolveDayParams)
def solve_day_job(session: Session, job: Job, progress: Progress) -> dict[str, Any]:
    """Job: build the day's problem on the road network, solve it, store the plan."""
    params = SolveDayParams.of(job)
    with force_locale(params.locale):
        progress(5, _("Computing road distances"))
        day = params.day
        settings = current_app.config["RELOOP_SETTINGS"]
        built = build_day(
            session,
            day,
            params.depot_id,
            cache_dir=settings.cache_dir,
            speeds_kmh=settings.road_speeds_kmh,
            vehicle_ids=params.vehicle_ids,
            driver_ids=params.driver_ids,
            include_outlets=params.include_outlets,
            exclude_outlets=params.exclude_outlets,
            hours=(params.day_start_s, params.day_end_s),
            max_route_s=params.max_route_s,
            pay=CostSettings.of(asdict(params)).pay,  # what the plan page accounts with
        )
        progress(25, _("Solving (up to %(s)d s)", s=params.time_limit_s))
        locked = list(params.locked)
        try:
            plan = routing.solve(
                built.problem,
                time_limit_s=params.time_limit_s,
                seed=params.seed,
                locked=locked or None,
            )
        except (routing.InvalidLockError, routing.InfeasibleLockError) as exc:
            # A kept route names an outlet no longer worth a visit, or cannot be driven as it is.
            why = _("The ticked routes cannot be kept as they are (%(why)s).", why=exc)
            raise PlanningError(why) from exc
        progress(90, _("Saving the plan"))
        row = save_plan(
            session,
            built,
            plan,
            day=day,
            depot_id=params.depot_id,
            job=job,
            time_limit_s=params.time_limit_s,
            seed=params.seed,
        )
        session.commit()
        return solve_result(row, routes=len(plan.routes))


def solve_result(plan: CollectionPlan, *, routes: int) -> dict[str, Any]:
    """What a finished solve job keeps: the plan to open and its figures (the page words them)."""
    return {
        "plan_id": plan.id,
        "routes": routes,
        "stops_served": plan.stops_served,
        "unassigned": plan.unassigned_count,
        "distance_m": plan.distance_m,
        "duration_s": plan.duration_s,
        "collected_g": plan.collected_g,
    }


def save_plan(
    session: Session,
    built: DayProblem,
    plan: routing.Plan,
    *,
    day: date,
    depot_id: int,
    job: Job | None,
    time_limit_s: int,
    seed: int,
    at: datetime | None = None,
) -> CollectionPlan:
    """Store a solved plan with its routes and stops (staged; the caller commits).

    The routes are stored as rows only; see :class:`CollectionPlan`. ``at`` (default now)
    dates the bookings' status changes the plan makes.
    """
    why = reasons.figures(built.problem, plan)
    row = CollectionPlan(
        day=day,
        depot_id=depot_id,
        job_id=job.id if job else None,
        org_id=job.org_id if job else None,
        created_by_id=job.created_by_id if job else None,
        time_limit_s=time_limit_s,
        seed=seed,
        distance_m=plan.distance_m,
        duration_s=round(plan.hours * 3600),
        stops_served=plan.stops_served,
        collected_g=round(plan.collected_kg * 1000),
        unassigned_count=len(plan.unassigned),
        search=asdict(plan.search) if plan.search else {},
        stops=built.stops,
        unassigned=[
            {
                "stop": u.stop_id,
                "reason": u.reason.value,
                "detail": u.detail,
                **built.stops.get(u.stop_id, {}),
                **why.get(u.stop_id, {}),
            }
            for u in plan.unassigned
        ],
    )
    session.add(row)
    session.flush()
    for number, route in enumerate(plan.routes, start=1):
        _save_route(session, built, row, number, route)
    session.flush()
    bookings.follow_plan(session, row, user_id=row.created_by_id, at=at)
    return row


def _save_route(
    session: Session, built: DayProblem, plan: CollectionPlan, number: int, route: routing.Route
) -> None:
    locations = [0, *[v.location for v in route.visits], 0]
    geometry: list[list[float]] = []
    for a, b in zip(locations, locations[1:], strict=False):
        geometry += built.legs.leg_lonlat(a, b)[(1 if geometry else 0) :]
    row = PlannedRoute(
        plan_id=plan.id,
        number=number,
        vehicle_id=built.vehicles[route.vehicle_type_id],  # type: ignore[arg-type]
        colour=COLOURS[(number - 1) % len(COLOURS)],
        distance_m=route.distance_m,
        duration_s=route.end_s - route.start_s,
        start_s=route.start_s,
        end_s=route.end_s,
        collected_g=round(route.collected_kg * 1000),
        stop_count=len(route.stop_ids),
        geometry=geometry,
    )
    session.add(row)
    session.flush()
    for position, visit in enumerate(route.visits, start=1):
        outlet = built.stops.get(visit.id)
        session.add(
            PlannedStop(
                route_id=row.id,
                position=position,
                kind=outlet.get("kind", "outlet") if outlet else "unload",  # type: ignore[arg-type]
                outlet_id=outlet.get("outlet_id") if outlet else None,
                booking_id=outlet.get("booking_id") if outlet else None,
                facility_id=None if outlet else built.facilities.get(visit.id),
                arrival_s=visit.arrival_s,
                departure_s=visit.departure_s,
                expected_g=round(visit.collected_kg * 1000),
                load_after_g=round(visit.load_kg * 1000),
            )
        )


# What a dispatcher chose for a solve, carried to a re-plan and to the next form of the day.
CHOICES = (
    "vehicle_ids",
    "driver_ids",
    "include_outlets",
    "exclude_outlets",
    "day_start_s",
    "day_end_s",
    "max_route_s",
    "labour_fen_per_hour",
    "standard_day_s",
    "overtime_pct",
)


def choices_of(session: Session, plan: CollectionPlan) -> dict[str, Any]:
    """The choices of the solve job that made ``plan`` (empty for a plan made without a job)."""
    return _choices(session, plan.job_id)


def last_solve_params(session: Session, day: date, depot_id: int) -> dict[str, Any]:
    """The choices of the day's latest plan for the depot, to fill the form again."""
    job_id = session.exec(
        select(CollectionPlan.job_id)
        .where(CollectionPlan.day == day, CollectionPlan.depot_id == depot_id)
        .order_by(col(CollectionPlan.id).desc())
    ).first()
    return _choices(session, job_id)


def _choices(session: Session, job_id: int | None) -> dict[str, Any]:
    job = session.get(Job, job_id) if job_id else None
    return {key: job.params[key] for key in CHOICES if job is not None and key in job.params}


def plan_in_force(session: Session, day: date, depot_id: int) -> CollectionPlan | None:
    """The accepted plan of a day and depot, if any."""
    return session.exec(
        select(CollectionPlan).where(
            CollectionPlan.day == day,
            CollectionPlan.depot_id == depot_id,
            CollectionPlan.status == PlanStatus.ACCEPTED,
        )
    ).first()


def compare_with_current(session: Session, plan: CollectionPlan) -> routing.PlanComparison | None:
    """What-if: this plan against the one in force (None when there is none or it is this one)."""
    current = plan_in_force(session, plan.day, plan.depot_id)
    if current is None or current.id == plan.id:
        return None
    return routing.compare(stored_plan(session, current), stored_plan(session, plan))


def accept_plan(
    session: Session,
    plan_id: int,
    drivers: dict[int, int | None],
    *,
    actor_id: int | None,
    at: datetime | None = None,
) -> CollectionPlan:
    """Make a proposed plan the day's plan and assign each route to a driver.

    The plan in force before is superseded, not deleted. A driver may drive only one
    route of a plan. ``at`` (default now) is when it was accepted.
    """
    plan = session.get(CollectionPlan, plan_id)
    if plan is None:
        raise DispatchError(f"no plan with id {plan_id}")
    if plan.status != PlanStatus.PROPOSED:
        raise DispatchError(_("Only a proposed plan can be accepted."))
    chosen = [d for d in drivers.values() if d]
    if len(chosen) != len(set(chosen)):
        raise DispatchError(_("A driver can drive only one route of a plan."))
    known = set(session.exec(select(Driver.id).where(Driver.active == True)).all())
    if not set(chosen) <= known:
        raise DispatchError(_("Unknown driver."))
    previous = plan_in_force(session, plan.day, plan.depot_id)
    if previous is not None:
        previous.status = PlanStatus.SUPERSEDED
        session.add(previous)
        record(session, "supersede", previous, after={"by_plan": plan.id}, user_id=actor_id, at=at)
    routes = session.exec(select(PlannedRoute).where(PlannedRoute.plan_id == plan_id)).all()
    for route in routes:
        route.driver_id = drivers.get(route.id)
        session.add(route)
    plan.status, plan.accepted_at, plan.accepted_by_id = PlanStatus.ACCEPTED, at or utcnow(), actor_id
    session.add(plan)
    session.flush()
    bookings.follow_plan(session, plan, user_id=actor_id, at=at)
    drivers_json = {str(k): v for k, v in drivers.items()}
    record(session, "accept", plan, after={"drivers": drivers_json}, user_id=actor_id, at=at)
    session.commit()
    return plan


def reassign_route(
    session: Session, route_id: int, driver_id: int | None, *, actor_id: int | None
) -> PlannedRoute:
    """Hand a whole route to another driver (or to nobody), e.g. when a driver falls ill.

    Records already made on the route stay with the driver who made them.
    """
    route = session.get(PlannedRoute, route_id)
    if route is None:
        raise DispatchError(f"no route with id {route_id}")
    plan = session.get(CollectionPlan, route.plan_id)
    if plan is None or plan.status == PlanStatus.SUPERSEDED:
        raise DispatchError(_("This plan is no longer in force."))
    if driver_id is not None:
        driver = session.get(Driver, driver_id)
        if driver is None or not driver.active:
            raise DispatchError(_("Unknown driver."))
        other = session.exec(
            select(PlannedRoute).where(
                PlannedRoute.plan_id == plan.id,
                PlannedRoute.driver_id == driver_id,
                PlannedRoute.id != route.id,
            )
        ).first()
        if other is not None:
            raise DispatchError(
                _(
                    "This driver already drives route %(n)d of the plan; reassign that route first.",
                    n=other.number,
                )
            )
    before = route.driver_id
    route.driver_id = driver_id
    session.add(route)
    record(
        session,
        "reassign",
        route,
        before={"driver_id": before},
        after={"driver_id": driver_id},
        user_id=actor_id,
    )
    session.commit()
    return route


def reassign_stop(
    session: Session,
    stop_id: int,
    route_id: int,
    *,
    actor_id: int | None,
    cache_dir: Path | None = None,
    speeds_kmh: Mapping[str, float] | None = None,
) -> PlannedStop:
    """Move a stop not yet recorded to another route of the same plan.

    The stop goes last among the target's collections, before the unloading that ends
    the route (a truck still unloads before going home); positions, loads and the
    routes' counts follow, and both routes are re-timed on the road matrix
    (:func:`webapp.dispatch.retime.retime_route`: ETAs, distance, duration, street line,
    stops now reached after their window flagged).
    """
    from webapp.driver.queries import current_records

    stop = session.get(PlannedStop, stop_id)
    target = session.get(PlannedRoute, route_id)
    if stop is None or stop.kind == "unload" or target is None:
        raise DispatchError(_("Choose an outlet stop and a route."))
    source = session.get(PlannedRoute, stop.route_id)
    if source is None or source.plan_id != target.plan_id or source.id == target.id:
        raise DispatchError(_("A stop can only move to another route of the same plan."))
    if current_records(session, [stop_id]):
        raise DispatchError(_("This stop has already been recorded by its driver."))
    before = {"route_id": stop.route_id, "position": stop.position}
    left = [s for s in _stops_of(session, source) if s.id != stop.id]
    joined = _stops_of(session, target)
    at = len(joined) - 1 if joined and joined[-1].kind == "unload" else len(joined)
    joined.insert(at, stop)
    stop.route_id = target.id  # type: ignore[assignment]
    _renumber(session, source, left)
    _renumber(session, target, joined)
    plan = session.get(CollectionPlan, target.plan_id)
    for route, stops in ((source, left), (target, joined)):
        retime_route(session, plan, route, stops, cache_dir=cache_dir, speeds_kmh=speeds_kmh)  # type: ignore[arg-type]
    record(
        session,
        "reassign",
        stop,
        before=before,
        after={"route_id": target.id, "position": stop.position},
        user_id=actor_id,
    )
    session.commit()
    return stop


def _stops_of(session: Session, route: PlannedRoute) -> list[PlannedStop]:
    return list(
        session.exec(
            select(PlannedStop).where(PlannedStop.route_id == route.id).order_by(col(PlannedStop.position))
        )
    )


def _renumber(session: Session, route: PlannedRoute, stops: list[PlannedStop]) -> None:
    """Positions 1..n in list order, the load after each visit, the route's count and weight."""
    load = 0
    for position, stop in enumerate(stops, start=1):
        load = 0 if stop.kind == "unload" else load + stop.expected_g
        stop.position, stop.load_after_g = position, load
        session.add(stop)
    route.stop_count = sum(s.kind != "unload" for s in stops)
    route.collected_g = sum(s.expected_g for s in stops if s.kind != "unload")
    session.add(route)
