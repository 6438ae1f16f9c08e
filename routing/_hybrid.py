"""Driver breaks on PyVRP's routes: PyVRP sketches the day, OR-Tools finishes it exactly.

PyVRP has no breaks, but its routes are much better than what OR-Tools finds alone
(see :mod:`routing._select`). So the day is relaxed -- breaks dropped, each truck's
maximum duration shortened by its breaks so that room is left for them -- and PyVRP
plans it with part of the budget. Each sketched route is then timed exactly with its
breaks (:mod:`routing._schedule`) and the visits that leave no room are dropped.
OR-Tools takes those routes as its first solution and spends the rest of the budget
on guided local search with breaks modelled exactly, putting back the dropped stops.
If OR-Tools refuses the sketch it starts from scratch.
"""

from __future__ import annotations

import time
from dataclasses import replace

from routing._assemble import loads_fit
from routing._ortools import FirstRoutes, solve_ortools
from routing._pyvrp_engine import solve_pyvrp
from routing._schedule import Item, time_route
from routing.plan import Plan, Unassigned, VisitKind
from routing.problem import CollectionProblem, VehicleType

__all__ = ["SKETCH_SHARE", "solve_hybrid"]

SKETCH_SHARE = 0.5
"""Share of the time limit PyVRP gets for the sketch."""


def solve_hybrid(
    problem: CollectionProblem,
    servable: list[int],
    rejected: list[Unassigned],
    *,
    time_limit_s: float,
    seed: int,
    solution_limit: int | None,
    no_improvement: int,
) -> Plan:
    """Plan a day with breaks: PyVRP's sketch, finished by OR-Tools within one time limit."""
    started = time.monotonic()
    sketch = solve_pyvrp(
        _relaxed(problem),
        servable,
        rejected,
        time_limit_s=time_limit_s * SKETCH_SHARE,
        seed=seed,
        solution_limit=solution_limit,
        no_improvement=no_improvement,
    )
    first = _first_routes(problem, sketch) if sketch is not None else None
    plan = solve_ortools(
        problem,
        servable,
        rejected,
        locks=(),
        time_limit_s=max(time_limit_s - (time.monotonic() - started), 0.001),
        seed=seed,
        solution_limit=solution_limit,
        first=first,
    )
    assert plan.search is not None  # nosec B101 # narrows the type: solve() always sets search
    return replace(plan, search=replace(plan.search, engine="pyvrp+ortools"))


def _relaxed(problem: CollectionProblem) -> CollectionProblem:
    """The day without breaks, each truck's day shortened by its breaks."""
    return replace(problem, vehicle_types=tuple(_without_breaks(vt) for vt in problem.vehicle_types))


def _without_breaks(vt: VehicleType) -> VehicleType:
    if not vt.breaks:
        return vt
    longest = vt.shift.end_s - vt.shift.start_s
    if vt.max_duration_s is not None:
        longest = min(longest, vt.max_duration_s)
    pause = sum(b.duration_s for b in vt.breaks)
    return replace(vt, breaks=(), max_duration_s=max(0, longest - pause))


def _first_routes(problem: CollectionProblem, sketch: Plan) -> FirstRoutes:
    """The sketched routes without the visits that leave no room for the breaks."""
    first: dict[tuple[int, int], list[Item]] = {}
    for route in sketch.routes:
        t = problem.vehicle_type_index[route.vehicle_type_id]
        items: list[Item] = [
            (v.kind, problem.facility_index[v.id])
            if v.kind is VisitKind.UNLOAD
            else (v.kind, problem.stop_index[v.id])
            for v in route.visits
        ]
        first[(t, route.unit)] = _repaired(problem, problem.vehicle_types[t], items)
    return first


def _repaired(problem: CollectionProblem, vt: VehicleType, items: list[Item]) -> list[Item]:
    """Drop the first visit the truck cannot make with its breaks, then the next, and so on.

    A prefix of a route that fits keeps fitting when visits are cut from its end, so
    the longest fitting prefix is found by bisection; the visit after it is dropped.
    """

    def fits(candidate: list[Item]) -> bool:
        return loads_fit(problem, vt, candidate) and time_route(problem, vt, candidate) is not None

    kept: list[Item] = []  # the empty route always fits
    rest = items
    while rest:
        candidate = kept + rest
        if fits(candidate):
            return candidate
        lo, hi = len(kept), len(candidate) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if fits(candidate[:mid]) else (lo, mid - 1)
        kept, rest = candidate[:lo], candidate[lo + 1 :]
    return kept
