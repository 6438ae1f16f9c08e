"""Why a doorstep booking is on no route of a plan, with the figures that show it.

The solver only says a stop was left out; a resident is owed the reason in plain terms
(no truck works that day, the door is out of reach, the slot cannot be met, the load is
too heavy, the trucks are full, the search ran out of time). :func:`diagnose` works it
out from the problem the plan was solved on; :mod:`webapp.dispatch.reasons` stores it
with the unassigned stop and words it.
"""

from __future__ import annotations

from typing import Any

import routing

#: Why a booking is on no route, as :func:`diagnose` finds it from the problem's figures.
BOOKING_REASONS = (
    "no_vehicle_today",
    "outside_area",
    "slot_unreachable",
    "too_heavy",
    "capacity",
    "time_ran_out",
)


def diagnose(problem: routing.CollectionProblem, plan: routing.Plan, stop: routing.Stop) -> dict[str, Any]:
    """Why the booking ``stop`` is on no route of ``plan``, with the figures that show it.

    Checked in the order a dispatcher would: is any vehicle working; can one reach the
    door at all; can one reach it inside the slot and be back within its shift; is the
    load more than the largest truck; has every truck out that day (and none is idle)
    too little room left; else the solver's search stopped before a route took it.
    """
    fleet = [vt for vt in problem.vehicle_types if vt.count > 0]
    if not fleet:
        return {"reason": "no_vehicle_today"}
    window, service = stop.window, stop.service_s
    reachable, timely, earliest = [], [], None
    for vt in fleet:
        start, end = problem.depot_location(vt.start_depot), problem.depot_location(vt.end_depot)
        if routing.UNREACHABLE in (
            int(problem.distance_m[start, stop.location]),
            int(problem.distance_m[stop.location, end]),
        ):
            continue
        reachable.append(vt)
        arrive = vt.shift.start_s + int(problem.duration_s[start, stop.location])
        earliest = arrive if earliest is None else min(earliest, arrive)
        begin = max(arrive, window.start_s)
        if (
            begin <= window.end_s
            and begin + service + int(problem.duration_s[stop.location, end]) <= vt.shift.end_s
        ):
            timely.append(vt)
    if not reachable:
        return {"reason": "outside_area"}
    if not timely:
        return {
            "reason": "slot_unreachable",
            "opens_s": window.start_s,
            "closes_s": window.end_s,
            "earliest_s": earliest,
            "shift_end_s": max(vt.shift.end_s for vt in reachable),
        }
    largest = max(vt.capacity_kg for vt in timely)
    if stop.demand_kg > largest:
        return {"reason": "too_heavy", "kg": stop.demand_kg, "largest_kg": largest}
    used: dict[str, int] = {}
    room = 0.0
    for route in plan.routes:
        used[route.vehicle_type_id] = used.get(route.vehicle_type_id, 0) + 1
        vt = problem.vehicle_types[[v.id for v in problem.vehicle_types].index(route.vehicle_type_id)]
        room = max(room, vt.capacity_kg - max((v.load_kg for v in route.visits), default=0.0))
    idle = any(vt.count > used.get(vt.id, 0) for vt in timely)
    if not idle and room < stop.demand_kg:
        return {"reason": "capacity", "kg": stop.demand_kg, "free_kg": round(room, 1)}
    search = plan.search
    if search is not None and search.stopped_by == "time_limit":
        return {"reason": "time_ran_out", "wall_s": round(search.wall_s, 1)}
    return {"reason": "no_route_found"}
