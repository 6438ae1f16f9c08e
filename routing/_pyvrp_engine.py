"""The PyVRP engine: iterated local search on the problems PyVRP expresses exactly.

PyVRP has no driver breaks, no "unload before going home" and no way to pin a stop to
one truck, so :mod:`routing._select` sends those problems elsewhere; everything else
(two capacities, windows, service, several depots and vehicle types, shifts, maximum
duration, fixed and per-km costs, optional stops with prizes, reloads at facilities)
maps one to one, see :mod:`routing._pyvrp_data`.

Required stops are required clients: PyVRP searches best that way (measured on
C101/R101/RC101/R201 at 10 s: 35-65 % more iterations than with every stop optional
and a large prize, and equal or shorter plans). A day that cannot be served in full
then has no feasible PyVRP solution, so when none has appeared after a quarter of the
budget the search restarts with required stops as optional clients whose prize exceeds
any detour, and the rest are left out with a reason.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict

import pyvrp
from pyvrp import Result, Solution

from routing._assemble import (
    build_visits,
    dropped,
    finish_plan,
    required_penalty,
    route_distance_m,
)
from routing._pyvrp_data import PyvrpData, build_data
from routing.plan import Plan, Route, SearchInfo, Unassigned, VisitKind
from routing.problem import UNREACHABLE, CollectionProblem

__all__ = ["solve_pyvrp"]

_INFEASIBLE = sys.maxsize  # what PyVRP's cost evaluator reports for an infeasible solution
_GIVE_UP_SHARE = 0.25


class _Budget:
    """PyVRP stopping criterion: time, iterations, a no-improvement stall, or giving up."""

    def __init__(
        self,
        time_limit_s: float,
        max_iterations: int | None,
        no_improvement: int,
        give_up: tuple[float, int | None] | None,
    ) -> None:
        self.started = time.monotonic()
        self.time_limit_s = time_limit_s
        self.max_iterations = max_iterations
        self.no_improvement = no_improvement
        self.give_up = give_up
        self.iterations = 0
        self.stall = 0
        self.best = _INFEASIBLE
        self.stopped_by = ""

    def __call__(self, best_cost: int) -> bool:
        self.iterations += 1
        if best_cost < self.best:
            self.best, self.stall = best_cost, 0
        else:
            self.stall += 1
        self.stopped_by = self._reason()
        return bool(self.stopped_by)

    def _reason(self) -> str:
        elapsed = time.monotonic() - self.started
        if self.max_iterations is not None and self.iterations > self.max_iterations:
            return "solution_limit"
        if elapsed >= self.time_limit_s:
            return "time_limit"
        if self.stall >= self.no_improvement:
            return "no_improvement"
        if self.give_up is not None and self.best == _INFEASIBLE:
            seconds, iterations = self.give_up
            # With an iteration budget the switch counts iterations, so it is reproducible.
            late = self.iterations > iterations if iterations is not None else elapsed > seconds
            if late:
                return "gave_up"
        return ""


def solve_pyvrp(
    problem: CollectionProblem,
    servable: list[int],
    rejected: list[Unassigned],
    *,
    time_limit_s: float,
    seed: int,
    solution_limit: int | None,
    no_improvement: int,
) -> Plan | None:
    """Plan the servable stops with PyVRP; None if it found no feasible plan in time.

    ``solution_limit`` caps the iterations of the search (a reproducible budget);
    ``no_improvement`` ends it after that many iterations without a better plan.
    """
    started = time.monotonic()
    give_up = (
        time_limit_s * _GIVE_UP_SHARE,
        None if solution_limit is None else round(solution_limit * _GIVE_UP_SHARE),
    )
    built = build_data(problem, servable)
    budget = _Budget(time_limit_s, solution_limit, no_improvement, give_up)
    result = _run(built, budget, seed)
    iterations = budget.iterations
    if budget.stopped_by == "gave_up":
        built = build_data(problem, servable, required_prize=required_penalty(problem, servable))
        left_s = max(0.0, time_limit_s - (time.monotonic() - started))
        left_iterations = None if solution_limit is None else solution_limit - iterations
        budget = _Budget(left_s, left_iterations, no_improvement, None)
        result = _run(built, budget, seed)
        iterations += budget.iterations
    if not result.best.is_feasible():
        return None
    search = SearchInfo(
        seed=seed,
        time_limit_s=time_limit_s,
        solution_limit=solution_limit,
        solutions=iterations,
        wall_s=0.0,  # the caller times the whole solve
        stopped_by=budget.stopped_by,
        objective=int(result.cost()),
        engine="pyvrp",
    )
    return _plan(problem, built, result.best, rejected, search)


def _run(built: PyvrpData, budget: _Budget, seed: int) -> Result:
    return pyvrp.solve(built.data, stop=budget, seed=seed, collect_stats=False, display=False)


def _plan(
    problem: CollectionProblem,
    built: PyvrpData,
    solution: Solution,
    rejected: list[Unassigned],
    search: SearchInfo,
) -> Plan | None:
    """The solution as a plan; None if it drives an arc the road network lacks."""
    units: dict[int, int] = defaultdict(int)
    routes = []
    for pyvrp_route in solution.routes():
        t = built.vehicle_types[pyvrp_route.vehicle_type()]
        route = _route(problem, built, pyvrp_route, t, units[t])
        if route is None:
            return None
        units[t] += 1
        routes.append(route)
    served = {built.stops[a.idx] for r in solution.routes() for a in r if a.is_client()}
    left = list(rejected) + [dropped(problem, p) for p in built.stops if p not in served]
    return finish_plan(problem, routes, left, search)


def _route(
    problem: CollectionProblem, built: PyvrpData, pyvrp_route: pyvrp.Route, t: int, unit: int
) -> Route | None:
    vt = problem.vehicle_types[t]
    schedule = pyvrp_route.schedule()
    items = []
    for activity in schedule[1:-1]:
        if activity.is_client():
            items.append((VisitKind.STOP, built.stops[activity.idx], activity.start_time))
        else:
            facility = built.facilities[activity.idx - len(built.depots)]
            items.append((VisitKind.UNLOAD, facility, activity.start_time))
    visits = build_visits(problem, items)
    start, end = problem.depot_location(vt.start_depot), problem.depot_location(vt.end_depot)
    path = [start, *(v.location for v in visits), end]
    if any(problem.distance_m[a, b] == UNREACHABLE for a, b in zip(path, path[1:], strict=False)):
        return None
    distance = route_distance_m(problem, path)
    return Route(
        vehicle_type_id=vt.id,
        unit=unit,
        start_depot=vt.start_depot,
        end_depot=vt.end_depot,
        start_s=schedule[0].start_time,
        end_s=schedule[-1].start_time,
        visits=visits,
        breaks=(),
        distance_m=distance,
        cost_fen=vt.route_cost_fen(distance, schedule[-1].start_time - schedule[0].start_time),
    )
