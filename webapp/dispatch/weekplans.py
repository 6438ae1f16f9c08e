"""Week plans: plan the horizon as a job, keep it as rows beside the daily due-threshold
plan of the same forecast, and re-plan it each morning around the routes already kept.

The rolling horizon: a week plan made for a day that already has an accepted day plan
keeps that plan's routes exactly (``routing.plan_week(kept_routes=...)``), and a
re-plan keeps the routes of that day a dispatcher ticked on the week plan it starts
from. Each morning's plan reads the readings up to that morning (``build_week``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlmodel import Session, col, select

import routing
from webapp.dispatch.operations import plan_in_force
from webapp.dispatch.problem import PlanningError, facility_key, outlet_key, vehicle_key
from webapp.dispatch.stored import stored_plan
from webapp.dispatch.week import WeekInput, build_week
from webapp.jobs.operations import Progress, handler
from webapp.jobs.params import JobParams
from webapp.models import Job
from webapp.models.weekplans import WeekMethod, WeekPlan, WeekPlanDay, WeekRoute, WeekVisit

# One colour per day of the horizon (Okabe–Ito): the map tells the days apart.
DAY_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
# The band shown around a visit's predicted fill: nine times in ten the fill lies within.
BAND = (0.05, 0.95)
# The week's plan gets three times the form's time limit and the due-threshold
# comparison one, so a job takes at most four (as its progress line says).
PLAN_SHARE = 3


def week_budget(time_limit_s: float) -> float:
    """Wall-clock seconds of a week plan for the form's ``time_limit_s``.

    ``routing.plan_morning`` spends them as benchmarks/week.py measured it: a short
    scouting week, then the week with filled trucks, day 1 (the one a dispatcher
    accepts this morning) given most of the seconds. A loaded machine gets shorter
    solves, not a late plan.
    """
    return PLAN_SHARE * time_limit_s


@dataclass(frozen=True, kw_only=True)
class PlanWeekParams(JobParams):
    """Plan ``days`` days from ``first_day`` for depot ``depot_id`` from the fill forecast,
    keeping each outlet under its level at ``confidence``; ``time_limit_s`` is the
    form's: the week plan gets :data:`PLAN_SHARE` times it (:func:`week_budget`), the
    due-threshold comparison once, each day its share. A re-plan of week plan ``replans`` keeps the
    week routes ``keep_routes`` of ``first_day`` exactly, besides the routes of the
    day plan already accepted for it (the rolling horizon). ``vehicle_ids`` are the
    trucks the dispatcher chose for the horizon (None: every truck of the depot).
    """

    kind: ClassVar[str] = "dispatch.week"
    first_day: date
    depot_id: int
    days: int = 5
    confidence: float = 0.9
    time_limit_s: int = 30
    seed: int = 0
    keep_routes: tuple[int, ...] = ()
    replans: int | None = None
    vehicle_ids: tuple[int, ...] | None = None


def day_colour(index: int) -> str:
    """The map colour of the day at ``index`` (0: day 1)."""
    return DAY_COLOURS[index % len(DAY_COLOURS)]


@handler(PlanWeekParams)
def plan_week_job(session: Session, job: Job, progress: Progress) -> dict[str, Any]:
    """Job: forecast, plan the week and the due-threshold comparison, store both."""
    params = PlanWeekParams.of(job)
    with force_locale(params.locale):
        progress(5, _("Forecasting fills and computing road distances"))
        settings = current_app.config["RELOOP_SETTINGS"]
        built = build_week(
            session,
            params.first_day,
            params.depot_id,
            days=params.days,
            confidence=params.confidence,
            cache_dir=settings.cache_dir,
            speeds_kmh=settings.road_speeds_kmh,
            vehicle_ids=params.vehicle_ids,
        )
        kept = kept_routes(session, built, params.depot_id, params.keep_routes)
        per_day = params.time_limit_s / params.days
        progress(20, _("Planning the week (up to %(s)d s)", s=params.time_limit_s * (PLAN_SHARE + 1)))
        try:
            plan = routing.plan_morning(
                built.week, budget_s=week_budget(params.time_limit_s), seed=params.seed, kept_routes=kept
            )
        except (routing.InvalidLockError, routing.InfeasibleLockError, routing.InvalidProblemError) as exc:
            raise PlanningError(_("The kept routes cannot be kept as they are (%(why)s).", why=exc)) from exc
        progress(75, _("Planning each day from its due outlets, to compare"))
        baseline = plan_due_threshold(built, time_limit_s=per_day, seed=params.seed)
        progress(95, _("Saving the plan"))
        base_row = save_week(session, built, baseline, params, job, method=WeekMethod.DUE_THRESHOLD)
        row = save_week(session, built, plan, params, job, kept=kept, baseline_id=base_row.id)
        session.commit()
        return {"week_plan_id": row.id, "baseline_id": base_row.id, "kept_routes": len(kept)}


def plan_due_threshold(built: WeekInput, *, time_limit_s: float, seed: int) -> routing.WeekPlan:
    """Today's product over the horizon: each day visits exactly the outlets due that day.

    An outlet is due when its predicted fill at the day's visit reaches its threshold
    (the same forecast and confidence the week plan sees); a visit empties it. The days
    are routed by :func:`routing.plan_visits`, which also finds the predicted overflows.
    """
    week = built.week
    emptied: dict[str, int | None] = {o.stop.id: None for o in week.outlets}
    visits: list[set[str]] = []
    for day in range(week.days):
        due = {
            o.stop.id
            for o in week.outlets
            if o.fill_on(day, emptied[o.stop.id]) >= built.thresholds[o.stop.id]
        }
        for key in due:
            emptied[key] = day
        visits.append(due)
    return routing.plan_visits(week, visits, time_limit_s=time_limit_s, seed=seed)


def kept_routes(
    session: Session, built: WeekInput, depot_id: int, keep_route_ids: Sequence[int]
) -> list[routing.LockedRoute]:
    """Day 1's routes to keep: the accepted day plan's, then the ticked week routes of that day.

    Only outlets the week plans (and unloading places) stay on a kept route: a
    resident's booking is the day plan's, not the week's. A ticked route whose truck
    already drives an accepted route gives way to it.
    """
    first = built.first_day
    by_truck: dict[str, routing.LockedRoute] = {}
    accepted = plan_in_force(session, first, depot_id)
    if accepted is not None:
        for lock in (r.to_lock() for r in stored_plan(session, accepted).routes):
            by_truck[lock.vehicle_type_id] = lock
    for route in _ticked(session, keep_route_ids, first, depot_id):
        visits = session.exec(
            select(WeekVisit).where(WeekVisit.week_route_id == route.id).order_by(col(WeekVisit.position))
        ).all()
        keys = tuple(
            outlet_key(v.outlet_id) if v.kind == "outlet" else facility_key(v.facility_id)  # type: ignore[arg-type]
            for v in visits
        )
        by_truck.setdefault(
            vehicle_key(route.vehicle_id), routing.LockedRoute(vehicle_key(route.vehicle_id), 0, keys)
        )
    known = set(built.outlet_ids) | set(built.week.base.facility_index)
    kept = [
        routing.LockedRoute(r.vehicle_type_id, r.unit, tuple(v for v in r.visits if v in known))
        for r in by_truck.values()
    ]
    return [r for r in kept if any(v in built.outlet_ids for v in r.visits)]


def _ticked(session: Session, ids: Sequence[int], first: Any, depot_id: int) -> list[WeekRoute]:
    """The ticked week routes; each must be a route of ``first`` at this depot."""
    routes = []
    for route_id in ids:
        route = session.get(WeekRoute, route_id)
        day = session.get(WeekPlanDay, route.week_day_id) if route else None
        week = session.get(WeekPlan, day.week_plan_id) if day else None
        if route is None or day is None or week is None or week.depot_id != depot_id or day.day != first:
            raise PlanningError(
                _("Route %(id)d to keep is not a route of %(day)s at this depot.", id=route_id, day=first)
            )
        routes.append(route)
    return routes


def save_week(
    session: Session,
    built: WeekInput,
    plan: routing.WeekPlan,
    params: PlanWeekParams,
    job: Job | None,
    *,
    method: WeekMethod = WeekMethod.FORECAST,
    kept: Sequence[routing.LockedRoute] = (),
    baseline_id: int | None = None,
) -> WeekPlan:
    """Store a planned horizon as rows (staged; the caller commits)."""
    row = WeekPlan(
        org_id=job.org_id if job else None,
        first_day=built.first_day,
        depot_id=params.depot_id,
        days=len(plan.days),
        method=method,
        confidence=params.confidence,
        time_limit_s=params.time_limit_s,
        seed=params.seed,
        job_id=job.id if job else None,
        created_by_id=job.created_by_id if job else None,
        baseline_id=baseline_id,
        replans_id=params.replans,
        cost_fen=plan.cost_fen,
        labour_fen=sum(d.labour_fen for d in plan.days),
        distance_m=sum(d.plan.distance_m for d in plan.days),
        collected_g=round(plan.collected_kg * 1000),
        truck_days=sum(len(d.plan.routes) for d in plan.days),
        overflows=[{"day": d, "outlet_id": built.outlet_ids[k]} for d, k in plan.predicted_overflows],
    )
    session.add(row)
    session.flush()
    kept_trucks = {r.vehicle_type_id: r.visits for r in kept}
    emptied: dict[str, int | None] = dict.fromkeys(built.outlet_ids)
    for planned in plan.days:
        _save_day(session, built, row, planned, emptied, kept_trucks if planned.day == 0 else {})
        for key in planned.fill_at_visit:
            emptied[key] = planned.day
    return row


def _save_day(
    session: Session,
    built: WeekInput,
    week: WeekPlan,
    planned: routing.WeekDay,
    emptied: dict[str, int | None],
    kept: dict[str, tuple[str, ...]],
) -> None:
    rate = built.week.labour_fen_per_hour
    day = WeekPlanDay(
        week_plan_id=week.id,  # type: ignore[arg-type]
        index=planned.day,
        day=built.first_day + timedelta(days=planned.day),
        cost_fen=planned.cost_fen,
        labour_fen=planned.labour_fen,
        distance_m=planned.plan.distance_m,
        duration_s=round(planned.plan.hours * 3600),
        collected_g=round(planned.plan.collected_kg * 1000),
        trucks=len(planned.plan.routes),
    )
    session.add(day)
    session.flush()
    for number, route in enumerate(planned.plan.routes, start=1):
        stops = tuple(v.id for v in route.visits)
        row = WeekRoute(
            week_day_id=day.id,  # type: ignore[arg-type]
            number=number,
            vehicle_id=built.rows.vehicles[route.vehicle_type_id],  # type: ignore[union-attr]
            colour=day_colour(planned.day),
            distance_m=route.distance_m,
            start_s=route.start_s,
            end_s=route.end_s,
            collected_g=round(route.collected_kg * 1000),
            cost_fen=route.cost_fen + round((route.end_s - route.start_s) / 3600 * rate),
            stop_count=len(route.stop_ids),
            kept=kept.get(route.vehicle_type_id) == stops,
            geometry=_geometry(built, route),
        )
        session.add(row)
        session.flush()
        for position, visit in enumerate(route.visits, start=1):
            session.add(_visit(built, planned, row, position, visit, emptied))


def _visit(
    built: WeekInput,
    planned: routing.WeekDay,
    route: WeekRoute,
    position: int,
    visit: routing.Visit,
    emptied: dict[str, int | None],
) -> WeekVisit:
    outlet = visit.kind is routing.VisitKind.STOP
    fill = planned.fill_at_visit.get(visit.id) if outlet else None
    low, high = built.fill_band(visit.id, planned.day, emptied[visit.id], *BAND) if outlet else (None, None)
    return WeekVisit(
        week_route_id=route.id,  # type: ignore[arg-type]
        position=position,
        kind="outlet" if outlet else "unload",
        outlet_id=built.outlet_ids[visit.id] if outlet else None,
        facility_id=None if outlet else built.rows.facilities.get(visit.id),  # type: ignore[union-attr]
        arrival_s=visit.arrival_s,
        departure_s=visit.departure_s,
        expected_g=round(visit.collected_kg * 1000),
        load_after_g=round(visit.load_kg * 1000),
        fill_pct=fill,
        fill_low_pct=low,
        fill_high_pct=high,
    )


def _geometry(built: WeekInput, route: routing.Route) -> list[list[float]]:
    """The route along the streets (depot at location 0, as in the week's problem)."""
    locations = [0, *[v.location for v in route.visits], 0]
    geometry: list[list[float]] = []
    for a, b in zip(locations, locations[1:], strict=False):
        geometry += built.rows.legs.leg_lonlat(a, b)[(1 if geometry else 0) :]  # type: ignore[union-attr]
    return geometry
