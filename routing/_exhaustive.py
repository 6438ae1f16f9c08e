"""The exhaustive engine: enumerate every plan of a tiny day and keep the cheapest.

A local search never knows it has found the optimum, so on a day with one or two
stops it would run until the time limit. Here every assignment of the free stops to
trucks (or to nobody), every order and every choice of unloading after each stop is
tried; each route is timed exactly by :mod:`routing._schedule` (breaks included).
Candidates are timed cheapest first by their fixed, per-km and unloading cost; the
driver's pay only adds to that, so the search stops at the first candidate whose cost
before pay is no lower than the best one found with pay (without pay, the first
feasible one). Identical trucks give identical routes, so only the first ``n`` units of
a type are candidates.

The objective is the OR-Tools one: fixed and per-km costs in milli-fen, one milli-fen
per unload, the driver's paid seconds at the rounded rate per second
(:meth:`~routing.problem.VehicleType.labour_millifen`, breaks unpaid), and the penalty
of every stop left out.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache

from routing._assemble import (
    build_visits,
    dropped,
    finish_plan,
    loads_fit,
    required_penalty,
    route_distance_m,
)
from routing._errors import InfeasibleLockError
from routing._locks import Lock
from routing._schedule import Item, Timing, time_route
from routing.plan import Plan, Route, SearchInfo, Unassigned, VisitKind, paid_seconds
from routing.problem import CollectionProblem, LockedRoute, LockedStop

__all__ = ["TINY_STOPS", "solve_exhaustive"]

TINY_STOPS = 3
"""Most free stops enumerated. Measured with two facilities, two truck types and a
lunch break: 3 stops in 20 ms, 4 stops in 0.26 s; the count of plans grows as
``(units + 1) ** stops``, so 4 would pass a second with a larger fleet."""

Unit = tuple[int, int]  # (vehicle type position, unit)


@dataclass(frozen=True)
class _Best:
    cost: int
    items: tuple[Item, ...]
    timing: Timing
    distance_m: int


def solve_exhaustive(
    problem: CollectionProblem,
    servable: list[int],
    rejected: list[Unassigned],
    *,
    locks: Sequence[Lock],
    seed: int,
) -> Plan:
    """The optimal plan of a day with at most :data:`TINY_STOPS` free stops.

    Raises
    ------
    InfeasibleLockError
        A locked route cannot be driven as it is, or a locked stop fits on no route.
    """
    fixed = _locked_routes(problem, locks)
    locked = {s for _, best in fixed for kind, s in best.items if kind is VisitKind.STOP}
    free = [p for p in servable if p not in locked]
    pinned = {
        problem.stop_index[lock.stop_id]: (
            problem.vehicle_type_index[lock.vehicle_type_id],
            lock.unit,
        )
        for lock in locks
        if isinstance(lock, LockedStop)
    }
    units = _candidate_units(problem, len(free), {unit for unit, _ in fixed}, pinned)
    penalty = required_penalty(problem, servable)
    drop_cost = {p: penalty if problem.stops[p].required else problem.stops[p].prize_fen * 1000 for p in free}

    @cache
    def route_for(t: int, stops: tuple[int, ...]) -> _Best | None:
        return _best_route(problem, t, stops)

    best: tuple[int, list[tuple[Unit, _Best]], list[int]] | None = None
    plans = 0
    for choice in _assignments(free, units, pinned):
        plans += 1
        found = _evaluate(choice, free, units, drop_cost, route_for)
        if found is not None and (best is None or found[0] < best[0]):
            best = found
    if best is None:
        raise InfeasibleLockError("the locked stops cannot all be served")
    cost, routes, left = best
    routes = fixed + routes
    search = SearchInfo(
        seed=seed,
        time_limit_s=0.0,
        solution_limit=None,
        solutions=plans,
        wall_s=0.0,
        stopped_by="exhausted",
        objective=cost + sum(b.cost for _, b in fixed),
        engine="exhaustive",
    )
    return finish_plan(
        problem,
        [_route(problem, unit, b) for unit, b in sorted(routes, key=lambda r: r[0])],
        list(rejected) + [dropped(problem, p) for p in left],
        search,
    )


def _locked_routes(problem: CollectionProblem, locks: Sequence[Lock]) -> list[tuple[Unit, _Best]]:
    out = []
    for lock in locks:
        if not isinstance(lock, LockedRoute) or not lock.visits:
            continue
        t = problem.vehicle_type_index[lock.vehicle_type_id]
        items = tuple(
            (VisitKind.UNLOAD, problem.facility_index[v])
            if v in problem.facility_index
            else (VisitKind.STOP, problem.stop_index[v])
            for v in lock.visits
        )
        best = _timed(problem, t, items)
        if best is None:
            name = f"{lock.vehicle_type_id}#{lock.unit}"
            raise InfeasibleLockError(f"the locked route of {name} cannot be driven as it is")
        out.append(((t, lock.unit), best))
    return out


def _candidate_units(
    problem: CollectionProblem, n: int, taken: set[Unit], pinned: dict[int, Unit]
) -> list[Unit]:
    units: list[Unit] = []
    for t, vt in enumerate(problem.vehicle_types):
        free = [(t, u) for u in range(vt.count) if (t, u) not in taken]
        units += free[:n]
    units += [u for u in dict.fromkeys(pinned.values()) if u not in units]
    return units


def _assignments(
    free: list[int], units: list[Unit], pinned: dict[int, Unit]
) -> Iterator[tuple[int | None, ...]]:
    """Each free stop's unit index, or None for left out."""
    options = [[units.index(pinned[p])] if p in pinned else [None, *range(len(units))] for p in free]
    return itertools.product(*options)


def _evaluate(
    choice: tuple[int | None, ...],
    free: list[int],
    units: list[Unit],
    drop_cost: dict[int, int],
    route_for: Callable[[int, tuple[int, ...]], _Best | None],
) -> tuple[int, list[tuple[Unit, _Best]], list[int]] | None:
    """Cost, routes and left-out stops of one assignment; None if a route is infeasible."""
    on: dict[int, list[int]] = {}
    left = []
    for p, u in zip(free, choice, strict=True):
        if u is None:
            left.append(p)
        else:
            on.setdefault(u, []).append(p)
    cost = sum(drop_cost[p] for p in left)
    routes = []
    for u, stops in sorted(on.items()):
        best = route_for(units[u][0], tuple(sorted(stops)))
        if best is None:
            return None
        cost += best.cost
        routes.append((units[u], best))
    return cost, routes, left


def _best_route(problem: CollectionProblem, t: int, stops: tuple[int, ...]) -> _Best | None:
    """The cheapest feasible route of type ``t`` through ``stops``, or None."""
    candidates = []
    for order in itertools.permutations(stops):
        for after in itertools.product([None, *range(len(problem.facilities))], repeat=len(order)):
            sequence: list[Item] = []
            for p, f in zip(order, after, strict=True):
                sequence.append((VisitKind.STOP, p))
                if f is not None:
                    sequence.append((VisitKind.UNLOAD, f))
            candidates.append(tuple(sequence))
    costed = sorted(
        ((_cost(problem, t, items), k, items) for k, items in enumerate(candidates)),
        key=lambda c: (c[0], c[1]),
    )
    best: _Best | None = None
    for base, _, items in costed:
        if best is not None and base >= best.cost:
            break
        timed = _timed(problem, t, items)
        if timed is not None and (best is None or timed.cost < best.cost):
            best = timed
    return best


def _cost(problem: CollectionProblem, t: int, items: tuple[Item, ...]) -> int:
    vt = problem.vehicle_types[t]
    distance = route_distance_m(problem, _path(problem, t, items))
    unloads = sum(kind is VisitKind.UNLOAD for kind, _ in items)
    return vt.fixed_cost_fen * 1000 + distance * vt.cost_per_km_fen + unloads


def _path(problem: CollectionProblem, t: int, items: tuple[Item, ...]) -> list[int]:
    vt = problem.vehicle_types[t]
    places = [
        problem.facilities[ref].location if kind is VisitKind.UNLOAD else problem.stops[ref].location
        for kind, ref in items
    ]
    return [problem.depot_location(vt.start_depot), *places, problem.depot_location(vt.end_depot)]


def _timed(problem: CollectionProblem, t: int, items: tuple[Item, ...]) -> _Best | None:
    """The route with its timing if loads, unloading rules and times all hold."""
    if not loads_fit(problem, problem.vehicle_types[t], items):
        return None
    timing = time_route(problem, problem.vehicle_types[t], items)
    if timing is None:
        return None
    distance = route_distance_m(problem, _path(problem, t, items))
    pay = problem.vehicle_types[t].labour_millifen(_paid(timing))
    return _Best(_cost(problem, t, items) + pay, items, timing, distance)


def _paid(timing: Timing) -> int:
    return paid_seconds(timing.start_s, timing.end_s, timing.breaks)


def _route(problem: CollectionProblem, unit: Unit, best: _Best) -> Route:
    t, u = unit
    vt = problem.vehicle_types[t]
    items = [(kind, ref, start) for (kind, ref), start in zip(best.items, best.timing.starts, strict=True)]
    return Route(
        vehicle_type_id=vt.id,
        unit=u,
        start_depot=vt.start_depot,
        end_depot=vt.end_depot,
        start_s=best.timing.start_s,
        end_s=best.timing.end_s,
        visits=build_visits(problem, items),
        breaks=best.timing.breaks,
        distance_m=best.distance_m,
        cost_fen=vt.route_cost_fen(best.distance_m, _paid(best.timing)),
    )
