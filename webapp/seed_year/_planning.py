"""Each simulated day planned as the dispatch board plans it, on one precomputed matrix.

The board's :func:`webapp.dispatch.problem.build_day` computes a driving matrix for
the day's outlets; a year of days would compute it 730 times. Driving times between
two points do not depend on which other points are in the day, so the seed computes
the matrix once for every outlet and facility and takes each day's rows from it.
Everything else is the board's own code: the candidate outlets, the residents' open
bookings, the stops and trucks of the problem, ``routing.solve``, ``save_plan`` and
``accept_plan``. The demo's bookings are at residential compounds, whose points are
their outlets' (:mod:`webapp.residents.compounds`), so they take those outlets' rows.
A test checks that the problem built here equals ``build_day``'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import cast

import numpy as np
from sqlmodel import Session, col, select

import geodata
import routing
from geodata.driving import DriveMatrices, drive_matrices
from traceability import CHINA_TZ
from webapp.dispatch import bookings
from webapp.dispatch.operations import accept_plan, save_plan
from webapp.dispatch.problem import (
    UNLOAD_KINDS,
    DayProblem,
    PlanningError,
    _accepted_materials,
    _crew_type,
    _facility,
    _stop,
    candidate_outlets,
    day_crews,
)
from webapp.models import (
    Facility,
    FacilityKind,
    Outlet,
    PlannedRoute,
    PlannedStop,
)

# A deterministic budget: the plan depends only on the day and the seed, not on how
# busy the machine is. Five solutions came within 2 % of a 2 s search on demo days of
# 20 to 45 stops, in about 0.1 s; the time limit is only a safety net.
SOLUTIONS = 5
TIME_LIMIT_S = 10
PLANNED_AT, ACCEPTED_AT = time(6, 0), time(6, 20)


@dataclass(frozen=True)
class Visit:
    """A stop of an accepted route, with who drives it and when the truck is there."""

    stop_id: int
    route_id: int
    position: int
    kind: str
    outlet_id: int | None
    arrival: datetime
    departure: datetime
    vehicle_id: int
    driver_id: int
    booking_id: int | None = None


class Planner:
    """Plans days for every depot on one matrix over all outlets and facilities."""

    def __init__(
        self, session: Session, *, cache_dir: Path | None, speeds_kmh: Mapping[str, float] | None = None
    ) -> None:
        facilities = session.exec(select(Facility).order_by(col(Facility.id))).all()
        outlets = session.exec(select(Outlet).order_by(col(Outlet.id))).all()
        self.depot_ids = [cast(int, f.id) for f in facilities if f.is_depot]
        self._row = {("f", f.id): i for i, f in enumerate(facilities)}
        self._row |= {("o", o.id): len(facilities) + i for i, o in enumerate(outlets)}
        # A booking at an outlet's point (a demo compound's) takes that outlet's row.
        self._at_point = {_key(o.lon, o.lat): len(facilities) + i for i, o in enumerate(outlets)}
        points = [(f.lon, f.lat) for f in facilities] + [(o.lon, o.lat) for o in outlets]
        graph = geodata.load_network(mode="drive", cache_dir=cache_dir)
        self.matrices = drive_matrices(graph, points, speeds_kmh=speeds_kmh)
        self.solve_seconds = 0.0
        self.stopped_by_time = 0

    def build(self, session: Session, day: date, depot_id: int) -> DayProblem:
        """The day's problem for a depot, exactly as ``build_day`` builds it."""
        depot = session.get(Facility, depot_id)
        if depot is None or not depot.is_depot:
            raise PlanningError(f"facility {depot_id} is not a depot")
        crews = day_crews(session, day, depot_id)
        unload = session.exec(
            select(Facility)
            .where(col(Facility.kind).in_([FacilityKind.SORTING_CENTRE, FacilityKind.TRANSFER_STATION]))
            .order_by(col(Facility.id))
        ).all()
        outlets = candidate_outlets(session, day, depot_id)
        booked = bookings.day_bookings(session, day, depot_id)
        if not outlets and not booked:
            raise PlanningError("no outlet is due or half-full for this day")
        accepted = _accepted_materials(session, [o.id for o in outlets])  # type: ignore[misc]
        places = [depot, *[f for f in unload if f.id != depot.id]]
        rows = (
            [self._row[("f", p.id)] for p in places]
            + [self._row[("o", o.id)] for o in outlets]
            + [self._booking_row(b) for b in booked]
        )
        built = DayProblem(problem=None, legs=self._slice(rows))  # type: ignore[arg-type]
        facilities = [_facility(f, i, built) for i, f in enumerate(places) if f.kind in UNLOAD_KINDS]
        stops = [
            _stop(o, len(places) + i, accepted.get(o.id, []), built)  # type: ignore[arg-type]
            for i, o in enumerate(outlets)
        ]
        stops += bookings.add_stops(booked, len(places) + len(outlets), built)
        types = [_crew_type(c, built) for c in crews]
        built.problem = routing.CollectionProblem(
            locations=tuple(routing.Location(float(lon), float(lat)) for lon, lat in built.legs.points),
            depots=(routing.Depot(id=f"d{depot.id}", location=0),),
            facilities=tuple(facilities),
            stops=tuple(stops),
            vehicle_types=tuple(types),
            distance_m=built.legs.distance_m,
            duration_s=built.legs.duration_s,
        )
        return built

    def _booking_row(self, booking: bookings.BookingPoint) -> int:
        row = self._at_point.get(_key(booking.lon, booking.lat))
        if row is None:
            # Not a PlanningError, which would quietly leave the depot's day unplanned.
            raise RuntimeError(
                f"booking {booking.booking_id} is not at an outlet's point: "
                "the year seed has no driving times to it"
            )
        return row

    def _slice(self, rows: list[int]) -> DriveMatrices:
        grid = np.ix_(rows, rows)
        whole = self.matrices
        return replace(
            whole,
            distance_m=whole.distance_m[grid],
            duration_s=whole.duration_s[grid],
            node=whole.node[rows],
            access_m=whole.access_m[rows],
            points=whole.points[rows],
        )

    def plan_day(
        self,
        session: Session,
        day: date,
        *,
        seed: int,
        org_id: int | None,
        dispatcher_id: int | None,
        drivers: Mapping[int, int],
    ) -> list[Visit]:
        """Plan, save and accept each depot's day; the accepted routes' stops in route order.

        ``drivers`` maps a vehicle id to the driver who drives it.
        """
        plan_ids = []
        for depot_id in self.depot_ids:
            try:
                built = self.build(session, day, depot_id)
            except PlanningError:
                continue  # nothing worth a trip from this depot today
            plan = routing.solve(
                built.problem, time_limit_s=TIME_LIMIT_S, seed=seed, solution_limit=SOLUTIONS
            )
            if plan.search is not None:  # always set by routing.solve
                self.solve_seconds += plan.search.wall_s
                self.stopped_by_time += plan.search.stopped_by == "time_limit"
            # Accepted even without routes (nothing worth the trip): the day was planned, and
            # the plan keeps which outlets were left and why.
            plan_ids.append(
                self._keep(
                    session,
                    built,
                    plan,
                    day,
                    depot_id,
                    seed=seed,
                    org_id=org_id,
                    dispatcher_id=dispatcher_id,
                    drivers=drivers,
                )
            )
        if not plan_ids:
            return []
        return self._visits(session, day, plan_ids)

    def _keep(
        self,
        session: Session,
        built: DayProblem,
        plan: routing.Plan,
        day: date,
        depot_id: int,
        *,
        seed: int,
        org_id: int | None,
        dispatcher_id: int | None,
        drivers: Mapping[int, int],
    ) -> int:
        """Save and accept one depot's plan as the board does; the plan's id."""
        row = save_plan(
            session,
            built,
            plan,
            day=day,
            depot_id=depot_id,
            job=None,
            time_limit_s=TIME_LIMIT_S,
            seed=seed,
            at=_at(day, PLANNED_AT),
        )
        row.org_id, row.created_by_id, row.created_at = org_id, dispatcher_id, _at(day, PLANNED_AT)
        plan_id = cast(int, row.id)  # set by the flush in save_plan
        routes = session.exec(select(PlannedRoute).where(PlannedRoute.plan_id == plan_id)).all()
        accept_plan(
            session,
            plan_id,
            {cast(int, r.id): built.driver_of(r.vehicle_id) or drivers.get(r.vehicle_id) for r in routes},
            actor_id=dispatcher_id,
            at=_at(day, ACCEPTED_AT),  # that morning, not when the seed ran
        )
        return plan_id

    def _visits(self, session: Session, day: date, plan_ids: list[int]) -> list[Visit]:
        rows = session.exec(
            select(PlannedStop, PlannedRoute.vehicle_id, PlannedRoute.driver_id)
            .join(PlannedRoute, col(PlannedRoute.id) == PlannedStop.route_id)
            .where(col(PlannedRoute.plan_id).in_(plan_ids))
            .order_by(col(PlannedRoute.id), col(PlannedStop.position))
        ).all()
        midnight = _at(day, time(0))
        return [
            Visit(
                cast(int, s.id),
                s.route_id,
                s.position,
                s.kind,
                s.outlet_id,
                midnight + timedelta(seconds=s.arrival_s),
                midnight + timedelta(seconds=s.departure_s),
                vehicle_id,
                cast(int, driver_id),
                s.booking_id,
            )  # every route was given its truck's driver
            for s, vehicle_id, driver_id in rows
        ]


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, CHINA_TZ)


def _key(lon: float, lat: float) -> tuple[float, float]:
    """A point as addresses keep it (7 decimals, about a centimetre)."""
    return round(lon, 7), round(lat, 7)
