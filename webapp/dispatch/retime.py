"""Stored routes on the road matrix again: a route whose stops a dispatcher changed by hand
gets its times, distance, duration and street line recomputed, and a stop reached after
its time window closes is flagged (``PlannedStop.late_s``).

The solver's rules are kept: each stop keeps its own service time (the solver's
``departure - arrival``), a truck waits for a window to open, and the driver takes the
lunch break (:data:`webapp.dispatch.problem.LUNCH`) after the first visit that ends
inside the break's window (or at the first chance after it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

import geodata
from geodata.driving import DriveMatrices, drive_matrices
from webapp.dispatch.bookings import booking_key
from webapp.dispatch.problem import LUNCH, OUTLET_HOURS, outlet_key
from webapp.models import CollectionPlan, Facility, PlannedRoute, PlannedStop


class RetimeError(ValueError):
    """A route cannot be driven on the road network as it stands (no path between two points)."""


@dataclass(frozen=True)
class Place:
    """Where a stored stop is and when it may be served (seconds after midnight)."""

    lon: float
    lat: float
    opens_s: int
    closes_s: int


def places(session: Session, plan: CollectionPlan, stops: Sequence[PlannedStop]) -> list[Place]:
    """The depot, each stop's place in order, and the depot again."""
    facilities = {f.id: f for f in session.exec(select(Facility))}
    depot = facilities[plan.depot_id]
    home = Place(depot.lon, depot.lat, 0, 24 * 3600)
    found = [home]
    for stop in stops:
        if stop.kind == "unload":
            f = facilities[stop.facility_id]
            found.append(Place(f.lon, f.lat, _seconds(f.opens), _seconds(f.closes)))
            continue
        key = booking_key(stop.booking_id) if stop.booking_id else outlet_key(stop.outlet_id)  # type: ignore[arg-type]
        entry = plan.stops[key]
        opens, closes = entry.get("window") or [_seconds(t) for t in OUTLET_HOURS]
        found.append(Place(entry["lon"], entry["lat"], opens, closes))
    return [*found, home]


def road_matrix(
    points: Sequence[Place], *, cache_dir: Path | None, speeds_kmh: Mapping[str, float] | None
) -> DriveMatrices:
    """Driving metres and seconds between the places on the bundled street network."""
    graph = geodata.load_network(mode="drive", cache_dir=cache_dir)
    return drive_matrices(graph, [(p.lon, p.lat) for p in points], speeds_kmh=speeds_kmh)


def retime_route(
    session: Session,
    plan: CollectionPlan,
    route: PlannedRoute,
    stops: list[PlannedStop],
    *,
    cache_dir: Path | None,
    speeds_kmh: Mapping[str, float] | None = None,
) -> None:
    """Recompute the ETAs, lateness, distance, duration and street line of ``route``
    visiting ``stops`` in order from its start time (staged; the caller commits)."""
    points = places(session, plan, stops)
    legs = road_matrix(points, cache_dir=cache_dir, speeds_kmh=speeds_kmh)
    order = list(range(len(points)))
    if any(legs.distance_m[a, b] < 0 for a, b in zip(order, order[1:], strict=False)):
        raise RetimeError(f"route {route.number}: two of its stops are not connected by road")
    clock, had_lunch, geometry = route.start_s, False, []
    for index, stop in enumerate(stops, start=1):
        service = max(0, stop.departure_s - stop.arrival_s)
        clock += int(legs.duration_s[index - 1, index])
        place = points[index]
        stop.arrival_s = max(clock, place.opens_s)
        stop.late_s = max(0, stop.arrival_s - place.closes_s)
        stop.departure_s = clock = stop.arrival_s + service
        if not had_lunch and clock >= LUNCH.earliest_start_s:
            clock, had_lunch = clock + LUNCH.duration_s, True
        session.add(stop)
    clock += int(legs.duration_s[len(stops), len(stops) + 1])
    for a, b in zip(order, order[1:], strict=False):
        geometry += legs.leg_lonlat(a, b)[(1 if geometry else 0) :]
    route.distance_m = int(sum(legs.distance_m[a, b] for a, b in zip(order, order[1:], strict=False)))
    route.end_s, route.duration_s, route.geometry = clock, clock - route.start_s, geometry
    session.add(route)


def _seconds(t: object) -> int:
    return t.hour * 3600 + t.minute * 60  # type: ignore[attr-defined]
