"""Find stops no vehicle could serve even alone, before the solver sees them.

Leaving these out of the model keeps the search clean and gives the dispatcher a
precise reason instead of a generic "dropped". The tests are necessary conditions:
a stop that passes may still be dropped by the solver (reason ``NO_ROUTE_FOUND``).
"""

from __future__ import annotations

from routing.plan import Reason, Unassigned
from routing.problem import UNREACHABLE, CollectionProblem, Stop, VehicleType

__all__ = ["clock", "screen"]


def clock(seconds: int) -> str:
    """``HH:MM`` for seconds from midnight (hours may exceed 24)."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def screen(problem: CollectionProblem) -> tuple[list[int], list[Unassigned]]:
    """Split stop positions into servable ones and unassigned ones with reasons."""
    servable: list[int] = []
    rejected: list[Unassigned] = []
    for position, stop in enumerate(problem.stops):
        verdict = _verdict(problem, stop)
        if verdict is None:
            servable.append(position)
        else:
            rejected.append(verdict)
    return servable, rejected


def _verdict(problem: CollectionProblem, stop: Stop) -> Unassigned | None:
    fleet = [vt for vt in problem.vehicle_types if vt.count > 0]
    if not fleet:
        return Unassigned(stop.id, Reason.NO_VEHICLES, "the fleet has no vehicles")
    fits = [vt for vt in fleet if stop.demand_g <= vt.capacity_g]
    if not fits:
        largest = max(vt.capacity_kg for vt in fleet)
        detail = f"{stop.demand_kg:.1f} kg, the largest truck takes {largest:.1f} kg"
        return Unassigned(stop.id, Reason.TOO_HEAVY, detail)
    fits = [vt for vt in fits if stop.demand_l <= vt.capacity_l]
    if not fits:
        largest = max(vt.capacity_m3 for vt in fleet)
        detail = f"{stop.demand_m3:.2f} m3, the largest truck takes {largest:.2f} m3"
        return Unassigned(stop.id, Reason.TOO_BULKY, detail)
    reachable = [vt for vt in fits if _round_trip_s(problem, vt, stop) is not None]
    if not reachable:
        detail = "no road path between the stop and any depot (or unloading facility)"
        return Unassigned(stop.id, Reason.UNREACHABLE, detail)
    problems = [_time_problem(problem, vt, stop) for vt in reachable]
    if all(p is not None for p in problems):
        return Unassigned(stop.id, Reason.TIME_WINDOW, str(problems[0]))
    return None


def _round_trip_s(problem: CollectionProblem, vt: VehicleType, stop: Stop) -> tuple[int, int] | None:
    """Fastest (there, back) seconds for a vehicle type, or None if there is no path."""
    duration = problem.duration_s
    start = problem.depot_location(vt.start_depot)
    end = problem.depot_location(vt.end_depot)
    there = int(duration[start, stop.location])
    if there == UNREACHABLE:
        return None
    if not vt.unload_before_end:
        back = int(duration[stop.location, end])
        return None if back == UNREACHABLE else (there, back)
    # Going home via the best facility: the truck must unload before it ends.
    options = [
        int(duration[stop.location, f.location]) + f.unload_s + int(duration[f.location, end])
        for f in problem.facilities
        if UNREACHABLE not in (duration[stop.location, f.location], duration[f.location, end])
    ]
    return (there, min(options)) if options else None


def _time_problem(problem: CollectionProblem, vt: VehicleType, stop: Stop) -> str | None:
    """Why a lone visit by this vehicle type misses the hours, or None if it fits."""
    trip = _round_trip_s(problem, vt, stop)
    assert trip is not None  # nosec B101 # narrows the type: callers checked reachability
    there, back = trip
    arrival = max(vt.shift.start_s + there, stop.window.start_s)
    if arrival > stop.window.end_s:
        return (
            f"earliest arrival {clock(vt.shift.start_s + there)} is after the window "
            f"{clock(stop.window.start_s)}-{clock(stop.window.end_s)}"
        )
    if arrival + stop.service_s + back > vt.shift.end_s:
        return f"a truck serving it cannot be back by the shift end {clock(vt.shift.end_s)}"
    if vt.max_duration_s is not None and there + stop.service_s + back > vt.max_duration_s:
        return f"the round trip alone exceeds the maximum route duration {vt.max_duration_s} s"
    return None
