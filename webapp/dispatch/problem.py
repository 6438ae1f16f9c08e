"""From the day's outlets, trucks and facilities to a ``routing.CollectionProblem``.

Due outlets (fill at or over their threshold) must be served; outlets at least
half-full are optional, with a prize equal to the value of what they hold, so a
truck passing by picks them up when it pays. Residents' bookings of the day are
required stops in their slot (:mod:`webapp.dispatch.bookings`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, time
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, col, select

import geodata
import routing
from geodata.driving import drive_matrices
from webapp.dispatch import bookings
from webapp.fleet.availability import Crew, available_fleet
from webapp.models import (
    CollectionPlan,
    Facility,
    FacilityKind,
    Material,
    Outlet,
    OutletMaterial,
    OutletStatus,
    PlannedRoute,
    PlannedStop,
    PlanStatus,
    Vehicle,
)

OPTIONAL_FROM_PCT = 50.0
SERVICE_BASE_S = 5 * 60
SERVICE_S_PER_KG = 0.6
OUTLET_HOURS = (time(7, 0), time(19, 0))
LUNCH = routing.Break(duration_s=45 * 60, earliest_start_s=11 * 3600 + 1800, latest_end_s=13 * 3600 + 1800)
MAX_ROUTE_S = 10 * 3600
# Where a truck unloads mid-route; a plain depot (and a plant) is no unloading point.
UNLOAD_KINDS = (FacilityKind.SORTING_CENTRE, FacilityKind.TRANSFER_STATION)


class PlanningError(ValueError):
    """The day cannot be planned as asked (no depot, no trucks, nothing to collect)."""


@dataclass(frozen=True)
class Pay:
    """A driver's pay as the plan form sets it: fen per hour, the standard day, the overtime rate."""

    fen_per_hour: int
    standard_day_s: int
    overtime_pct: int

    def priced(self, vehicle_type: routing.VehicleType) -> routing.VehicleType:
        """The truck with its driver's hours in the objective.

        The overtime extra is ``rate x (pct - 100) %`` per hour, rounded to the fen
        (2000 fen at 40 yuan and 150 %), as :func:`webapp.dispatch.costs.route_cost` prices it.
        """
        return replace(
            vehicle_type,
            cost_per_hour_fen=self.fen_per_hour,
            standard_day_s=self.standard_day_s,
            overtime_cost_per_hour_fen=max(0, round(self.fen_per_hour * (self.overtime_pct - 100) / 100)),
        )


@dataclass
class DayProblem:
    """The problem plus what maps its ids back to rows."""

    problem: routing.CollectionProblem
    stops: dict[str, dict[str, Any]] = field(default_factory=dict)
    vehicles: dict[str, int] = field(default_factory=dict)
    facilities: dict[str, int] = field(default_factory=dict)
    drivers: dict[str, int] = field(default_factory=dict)  # vehicle type id -> driver paired with it
    legs: Any = None  # geodata.driving.DriveMatrices, for drawing routes

    def driver_of(self, vehicle_id: int) -> int | None:
        """The driver paired with a truck of the problem (to prefill the plan's drivers)."""
        keys = [key for key, vid in self.vehicles.items() if vid == vehicle_id]
        return next((self.drivers[k] for k in keys if k in self.drivers), None)


def outlet_key(outlet_id: int) -> str:
    """The problem's id of an outlet's stop; plans stored as rows map back through it."""
    return f"o{outlet_id}"


def facility_key(facility_id: int) -> str:
    """The problem's id of a facility (unloading)."""
    return f"f{facility_id}"


def vehicle_key(vehicle_id: int) -> str:
    """The problem's vehicle type of one truck: every truck is a type of its own (one unit, 0)."""
    return f"v{vehicle_id}"


def depot_key(depot_id: int) -> str:
    """The problem's id of a depot."""
    return f"d{depot_id}"


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60


def _taken_outlets(session: Session, day: date, depot_id: int) -> set[int]:
    """Outlets already on an accepted plan of another depot that day."""
    rows = session.exec(
        select(PlannedStop.outlet_id)
        .join(PlannedRoute, PlannedRoute.id == PlannedStop.route_id)  # type: ignore[arg-type]
        .join(CollectionPlan, CollectionPlan.id == PlannedRoute.plan_id)  # type: ignore[arg-type]
        .where(
            CollectionPlan.day == day,
            CollectionPlan.status == PlanStatus.ACCEPTED,
            CollectionPlan.depot_id != depot_id,
        )
    ).all()
    return {r for r in rows if r is not None}


# Worth a visit: due, or at least half-full (an optional stop with a prize).
_WORTH_A_VISIT = (Outlet.status == OutletStatus.ACTIVE, Outlet.last_fill_pct >= OPTIONAL_FROM_PCT)  # type: ignore[operator]


@dataclass(frozen=True)
class CandidatePoint:
    """A candidate outlet as the board maps it: a light row, not an Outlet object."""

    id: int
    code: str
    name: str
    lon: float
    lat: float
    last_fill_pct: float
    fill_threshold_pct: int

    @property
    def due(self) -> bool:
        """Candidates are active, so an outlet is due when its fill reached its threshold."""
        return self.last_fill_pct >= self.fill_threshold_pct


def candidate_points(session: Session, day: date, depot_id: int) -> list[CandidatePoint]:
    """Active outlets worth a visit from this depot: due or at least half-full, nearer
    to this depot than to any other (as the crow flies), and on no other depot's
    accepted plan that day. Light rows, because the board maps thousands of them."""
    taken = _taken_outlets(session, day, depot_id)
    depots = [(d.id, d.lon, d.lat) for d in session.exec(select(Facility).where(Facility.is_depot == True))]
    rows = session.exec(
        select(
            Outlet.id,
            Outlet.code,
            Outlet.name,
            Outlet.lon,
            Outlet.lat,
            Outlet.last_fill_pct,
            Outlet.fill_threshold_pct,
        )
        .where(*_WORTH_A_VISIT)
        .order_by(Outlet.id)
    ).all()
    return [
        CandidatePoint(*row)
        for row in rows
        if row.id not in taken and _nearest(depots, row.lon, row.lat) == depot_id
    ]


def candidate_outlets(session: Session, day: date, depot_id: int) -> list[Outlet]:
    """The outlets of :func:`candidate_points` as full rows, for building the problem."""
    wanted = {point.id for point in candidate_points(session, day, depot_id)}
    rows = session.exec(select(Outlet).where(*_WORTH_A_VISIT).order_by(Outlet.id)).all()
    return [o for o in rows if o.id in wanted]


def _nearest(depots: list[tuple[int | None, float, float]], lon: float, lat: float) -> int | None:
    # Degrees are fine for "which is nearer" at Shenzhen's latitude once longitude is scaled.
    scale = 0.92  # cos(22.5°)
    best = min(depots, key=lambda d: ((d[1] - lon) * scale) ** 2 + (d[2] - lat) ** 2, default=None)
    return best[0] if best else None


def _loads(outlet: Outlet, materials: list[Material]) -> tuple[tuple[routing.Load, ...], int]:
    """Estimated loads (split evenly over accepted materials) and their value in fen."""
    litres = outlet.capacity_l * (outlet.last_fill_pct or 0) / 100
    if not materials:
        return (), 0
    share = litres / 1000 / len(materials)
    loads = tuple(
        routing.Load(m.code, kg=round(share * m.density_kg_m3, 1), m3=round(share, 3)) for m in materials
    )
    value = sum(round(load.kg * m.price_fen_per_kg) for load, m in zip(loads, materials, strict=True))
    return loads, value


def build_day(
    session: Session,
    day: date,
    depot_id: int,
    *,
    cache_dir: Path | None,
    speeds_kmh: Mapping[str, float] | None = None,
    vehicle_ids: Collection[int] | None = None,
    driver_ids: Collection[int] | None = None,
    include_outlets: Collection[int] = (),
    exclude_outlets: Collection[int] = (),
    hours: tuple[int | None, int | None] = (None, None),
    max_route_s: int | None = None,
    pay: Pay | None = None,
) -> DayProblem:
    """Read the day's data and build the problem on real driving distances.

    ``speeds_kmh`` overrides truck speeds by road class (the app passes its settings).
    Only the fleet available that day goes out (:func:`webapp.fleet.availability.available_fleet`),
    one truck per driver, within the driver's shift; ``vehicle_ids`` / ``driver_ids``
    narrow it to the dispatcher's choice (ids not available that day are ignored).
    ``include_outlets`` (active outlets, by id) are required stops whatever their fill,
    ``exclude_outlets`` are left out; ``hours`` (seconds after midnight, either may be
    None) shortens every crew's working day; ``max_route_s`` caps every route's duration
    (default :data:`MAX_ROUTE_S`). With ``pay`` the solver weighs each driver's hours
    and overtime against the trucks' fixed and km costs (without it, those two only).
    """
    depot = session.get(Facility, depot_id)
    if depot is None or not depot.is_depot:
        raise PlanningError(_("Facility %(id)d is not a depot.", id=depot_id))
    crews = day_crews(session, day, depot_id, vehicle_ids=vehicle_ids, driver_ids=driver_ids)
    window = _working_day(hours)
    # A crew whose hours miss the working day stays at home.
    crews = [c for c in crews if max(window[0], _seconds(c.start)) < min(window[1], _seconds(c.end))]
    if not crews:
        raise PlanningError(_("No truck's hours overlap the working day chosen."))
    unload = session.exec(
        select(Facility)
        .where(
            Facility.kind.in_(  # type: ignore[attr-defined]
                [FacilityKind.SORTING_CENTRE, FacilityKind.TRANSFER_STATION]
            )
        )
        .order_by(Facility.id)
    ).all()
    outlets = _chosen_outlets(session, day, depot_id, set(include_outlets), set(exclude_outlets))
    booked = bookings.day_bookings(session, day, depot_id)
    if not outlets and not booked:
        raise PlanningError(_("No outlet is due or half-full on this day: nothing to collect."))
    accepted = _accepted_materials(session, [o.id for o in outlets])  # type: ignore[misc]
    places = [depot, *[f for f in unload if f.id != depot.id]]
    points = (
        [(p.lon, p.lat) for p in places]
        + [(o.lon, o.lat) for o in outlets]
        + [(b.lon, b.lat) for b in booked]
    )
    graph = geodata.load_network(mode="drive", cache_dir=cache_dir)
    legs = drive_matrices(graph, points, speeds_kmh=speeds_kmh)
    day_problem = DayProblem(problem=None, legs=legs)  # type: ignore[arg-type]
    locations = [routing.Location(lon, lat) for lon, lat in points]
    facilities = [_facility(f, i, day_problem) for i, f in enumerate(places) if f.kind in UNLOAD_KINDS]
    stops = [
        _stop(o, len(places) + i, accepted.get(o.id, []), day_problem, forced=o.id in include_outlets)  # type: ignore[arg-type]
        for i, o in enumerate(outlets)
    ]
    stops += bookings.add_stops(booked, len(places) + len(outlets), day_problem)
    types = [_crew_type(c, day_problem, window) for c in crews]
    if max_route_s is not None:
        types = [replace(t, max_duration_s=max_route_s) for t in types]
    if pay is not None:
        types = [pay.priced(t) for t in types]
    day_problem.problem = routing.CollectionProblem(
        locations=tuple(locations),
        depots=(routing.Depot(id=depot_key(depot_id), location=0),),
        facilities=tuple(facilities),
        stops=tuple(stops),
        vehicle_types=tuple(types),
        distance_m=legs.distance_m,
        duration_s=legs.duration_s,
    )
    return day_problem


def _accepted_materials(session: Session, outlet_ids: list[int]) -> dict[int, list[Material]]:
    rows = session.exec(
        select(OutletMaterial.outlet_id, Material)
        .join(Material, Material.id == OutletMaterial.material_id)  # type: ignore[arg-type]
        .where(OutletMaterial.outlet_id.in_(outlet_ids))  # type: ignore[attr-defined]
        .order_by(Material.sort_order)
    ).all()
    found: dict[int, list[Material]] = {}
    for outlet_id, material in rows:
        found.setdefault(outlet_id, []).append(material)
    return found


def _facility(f: Facility, index: int, day: DayProblem) -> routing.Facility:
    key = facility_key(f.id)  # type: ignore[arg-type]
    day.facilities[key] = f.id  # type: ignore[assignment]
    return routing.Facility(
        id=key,
        location=index,
        unload_s=f.unload_minutes * 60,
        opening=routing.TimeWindow(_seconds(f.opens), _seconds(f.closes)),
        kind=routing.FacilityKind(f.kind.value),
    )


def _stop(
    outlet: Outlet, index: int, materials: list[Material], day: DayProblem, *, forced: bool = False
) -> routing.Stop:
    key = outlet_key(outlet.id)  # type: ignore[arg-type]
    loads, value = _loads(outlet, materials)
    required = outlet.due or forced
    day.stops[key] = {
        "outlet_id": outlet.id,
        "code": outlet.code,
        "name": outlet.name,
        "lon": outlet.lon,
        "lat": outlet.lat,
        "required": required,
        "expected_g": sum(round(load.kg * 1000) for load in loads),
        "prize_fen": value,
        "fill_pct": outlet.last_fill_pct,
    }
    return routing.Stop(
        id=key,
        location=index,
        loads=loads,
        window=routing.TimeWindow(*(_seconds(t) for t in OUTLET_HOURS)),
        service_base_s=SERVICE_BASE_S,
        service_s_per_kg=SERVICE_S_PER_KG,
        required=required,
        prize_fen=0 if required else value,
    )


def _vehicle_type(v: Vehicle, day: DayProblem) -> routing.VehicleType:
    key = vehicle_key(v.id)  # type: ignore[arg-type]
    day.vehicles[key] = v.id  # type: ignore[assignment]
    return routing.VehicleType(
        id=key,
        count=1,
        capacity_kg=v.capacity_g / 1000,
        capacity_m3=v.volume_l / 1000,
        shift=routing.TimeWindow(_seconds(v.shift_start), _seconds(v.shift_end)),
        start_depot=depot_key(v.depot_id),
        end_depot=depot_key(v.depot_id),
        fixed_cost_fen=v.fixed_cost_fen,
        cost_per_km_fen=v.cost_per_km_fen,
        breaks=(LUNCH,),
        max_duration_s=MAX_ROUTE_S,
    )


def day_crews(
    session: Session,
    day: date,
    depot_id: int,
    *,
    vehicle_ids: Collection[int] | None = None,
    driver_ids: Collection[int] | None = None,
) -> list[Crew]:
    """The trucks that go out that day, each with its driver; refuses a day with none."""
    crews = available_fleet(session, depot_id, day).crews(vehicle_ids=vehicle_ids, driver_ids=driver_ids)
    if not crews:
        raise PlanningError(_("No truck with a driver on duty is available at this depot on this day."))
    return crews


def _chosen_outlets(
    session: Session, day: date, depot_id: int, include: set[int], exclude: set[int]
) -> list[Outlet]:
    """The candidates without the excluded outlets, plus the active included ones."""
    outlets = [o for o in candidate_outlets(session, day, depot_id) if o.id not in exclude]
    extra = include - {o.id for o in outlets} - exclude
    if extra:
        outlets += session.exec(
            select(Outlet)
            .where(col(Outlet.id).in_(extra), Outlet.status == OutletStatus.ACTIVE)
            .order_by(col(Outlet.id))
        ).all()
    return outlets


def _working_day(hours: tuple[int | None, int | None]) -> tuple[int, int]:
    """The dispatcher's working day in seconds; an end or start not set is the day's."""
    return hours[0] or 0, hours[1] if hours[1] is not None else 24 * 3600


def _crew_type(crew: Crew, day: DayProblem, window: tuple[int, int] = (0, 24 * 3600)) -> routing.VehicleType:
    """A truck as a vehicle type, working its driver's hours; remembers who drives it.

    The truck's fixed cost per day and cost per km are the objective's costs, with the
    driver's pay when :func:`build_day` is given it: the solver sends out another truck
    only when that saves more than its fixed cost (hours past the standard day cost
    overtime), or when one driver's shift cannot hold the day.
    """
    vehicle_type = _vehicle_type(crew.vehicle, day)
    day.drivers[vehicle_type.id] = crew.driver.id  # type: ignore[assignment]
    start, end = max(window[0], _seconds(crew.start)), min(window[1], _seconds(crew.end))
    return replace(vehicle_type, shift=routing.TimeWindow(start, end))
