"""Translate a collection problem into PyVRP's ``ProblemData``, exactly or not at all.

Mapping: every problem location is a PyVRP location (same matrices); the depots the
fleet uses come first among PyVRP depots, then one reload depot per facility that is
open while some truck is on the road (its opening hours bound the start of unloading,
its unload time is the depot's service duration, which PyVRP charges on leaving it).
Stops are clients with a pickup in grams and litres; vehicle types keep their shift,
maximum duration, fixed cost and cost per km, and the driver's pay per second of the
route's span with the overtime extra past the standard day. Costs are in milli-fen as in
the OR-Tools model: metres x fen/km, seconds x the rounded milli-fen per second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from pyvrp import Client, ProblemData, VehicleType
from pyvrp import Depot as PyvrpDepot
from pyvrp import Location as PyvrpLocation

from routing.problem import UNREACHABLE, CollectionProblem, IntMatrix

__all__ = ["PyvrpData", "build_data"]

_UNLIMITED = np.iinfo(np.int64).max


@dataclass(frozen=True)
class PyvrpData:
    """The PyVRP instance and the maps back to the problem."""

    data: ProblemData
    stops: tuple[int, ...]
    """Stop position of each PyVRP client."""
    depots: tuple[str, ...]
    """Depot id of each leading PyVRP depot (the fleet's start and end depots)."""
    facilities: tuple[int, ...]
    """Facility position of each PyVRP reload depot (they follow the depots)."""
    vehicle_types: tuple[int, ...]
    """Vehicle type position of each PyVRP vehicle type (types with no trucks are left out)."""


def build_data(
    problem: CollectionProblem, servable: list[int], *, required_prize: int | None = None
) -> PyvrpData:
    """The PyVRP instance over the servable stop positions; needs at least one truck.

    With ``required_prize``, required stops become optional clients worth that much, so
    a day that cannot be served in full still gets a plan (the rest left out).
    """
    fleet = [t for t, vt in enumerate(problem.vehicle_types) if vt.count > 0]
    depot_ids = list(
        dict.fromkeys(
            depot_id
            for t in fleet
            for depot_id in (
                problem.vehicle_types[t].start_depot,
                problem.vehicle_types[t].end_depot,
            )
        )
    )
    depots = [PyvrpDepot(problem.depot_location(d), name=d) for d in depot_ids]
    facilities = _open_facilities(problem, fleet)
    for f in facilities:
        facility = problem.facilities[f]
        depots.append(
            PyvrpDepot(
                facility.location,
                tw_early=facility.opening.start_s,
                tw_late=facility.latest_unload_start_s,
                service_duration=facility.unload_s,
                name=facility.id,
            )
        )
    dims = _load_dimensions(problem, servable)
    clients = [_client(problem, p, dims, required_prize) for p in servable]
    reloads = list(range(len(depot_ids), len(depot_ids) + len(facilities)))
    types = [_vehicle_type(problem, t, depot_ids, dims, reloads) for t in fleet]
    locations = [PyvrpLocation(loc.lon, loc.lat, name=loc.name) for loc in problem.locations]
    # PyVRP's stub types matrices as ndarray[int], which no real array matches.
    distance: Any = _finite(problem.distance_m)
    duration: Any = _finite(problem.duration_s)
    data = ProblemData(locations, clients, depots, types, [distance], [duration])
    return PyvrpData(data, tuple(servable), tuple(depot_ids), tuple(facilities), tuple(fleet))


def _open_facilities(problem: CollectionProblem, fleet: list[int]) -> list[int]:
    """Facilities where unloading can start while some truck is on the road."""
    if not fleet:
        return []
    first_start = min(problem.vehicle_types[t].shift.start_s for t in fleet)
    last_end = max(problem.vehicle_types[t].shift.end_s for t in fleet)
    return [
        f
        for f, facility in enumerate(problem.facilities)
        if facility.opening.start_s <= last_end and facility.latest_unload_start_s >= first_start
    ]


def _load_dimensions(problem: CollectionProblem, servable: list[int]) -> tuple[str, ...]:
    """The load measures some stop has (grams, litres); unused ones would only cost time."""
    return tuple(
        dim for dim in ("demand_g", "demand_l") if any(getattr(problem.stops[p], dim) for p in servable)
    )


def _client(
    problem: CollectionProblem, position: int, dims: tuple[str, ...], required_prize: int | None
) -> Client:
    stop = problem.stops[position]
    required = stop.required and required_prize is None
    prize = stop.prize_fen * 1000 if not stop.required else (required_prize or 0)
    return Client(
        stop.location,
        pickup=[getattr(stop, dim) for dim in dims],
        service_duration=stop.service_s,
        tw_early=stop.window.start_s,
        tw_late=stop.window.end_s,
        prize=0 if required else prize,
        required=required,
        name=stop.id,
    )


def _vehicle_type(
    problem: CollectionProblem,
    t: int,
    depot_ids: list[str],
    dims: tuple[str, ...],
    reloads: list[int],
) -> VehicleType:
    vt = problem.vehicle_types[t]
    capacity_of = {"demand_g": vt.capacity_g, "demand_l": vt.capacity_l}
    # PyVRP's duration is the route's span, as OR-Tools' (no breaks reach PyVRP); its
    # overtime is the span past ``shift_duration``, hard-capped ``max_overtime`` later.
    longest = vt.shift.end_s - vt.shift.start_s
    if vt.max_duration_s is not None:
        longest = min(longest, vt.max_duration_s)
    nominal, overtime = _UNLIMITED if vt.max_duration_s is None else vt.max_duration_s, 0
    if vt.overtime_s is not None and vt.overtime_millifen_per_s and vt.overtime_s < longest:
        nominal, overtime = vt.overtime_s, longest - vt.overtime_s
    return VehicleType(
        num_available=vt.count,
        capacity=[capacity_of[dim] for dim in dims],
        start_depot=depot_ids.index(vt.start_depot),
        end_depot=depot_ids.index(vt.end_depot),
        fixed_cost=vt.fixed_cost_fen * 1000,
        tw_early=vt.shift.start_s,
        tw_late=vt.shift.end_s,
        shift_duration=nominal,
        unit_distance_cost=vt.cost_per_km_fen,
        unit_duration_cost=vt.millifen_per_s,
        max_overtime=overtime,
        unit_overtime_cost=vt.overtime_millifen_per_s if overtime else 0,
        reload_depots=reloads if dims else [],  # nothing to unload, no reason to
        name=vt.id,
    )


def _finite(matrix: IntMatrix) -> IntMatrix:
    """The matrix with unreachable pairs dearer than any route that avoids them.

    PyVRP has no missing arcs; a plan that still drives one is void (the engine checks).
    """
    big = int(max(1, matrix.max())) * (len(matrix) + 1)
    return np.where(matrix == UNREACHABLE, big, matrix).astype(np.int64)
