"""Time a fixed sequence of visits exactly, breaks included, or prove it cannot be done.

Used where no solver decides the times (the exhaustive engine). For every way to put
the breaks into the gaps of the route (before it, on a leg, after it) the earliest
schedule from a given departure is a chain of ``max(t + d, opening)`` steps, so it is
non-decreasing in the departure while the route's duration is non-increasing: the
feasible departures form an interval, found by bisection. Of all feasible timings the
one that ends earliest, then leaves latest, is kept (the day OR-Tools would report).

A break may interrupt driving or waiting but never a service or an unloading.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from routing.plan import BreakTaken, VisitKind
from routing.problem import UNREACHABLE, Break, CollectionProblem, VehicleType

__all__ = ["Item", "Timing", "time_route"]

Item = tuple[VisitKind, int]
"""A visit of a route: stop or unload, and the stop or facility position."""


@dataclass(frozen=True)
class Timing:
    """When a route leaves, serves each visit, comes back and takes its breaks."""

    start_s: int
    starts: tuple[int, ...]
    end_s: int
    breaks: tuple[BreakTaken, ...]


@dataclass(frozen=True)
class _Place:
    location: int
    service_s: int
    opens: int
    closes: int


def time_route(problem: CollectionProblem, vt: VehicleType, items: Sequence[Item]) -> Timing | None:
    """The compact feasible timing of ``items`` driven by a truck of type ``vt``, or None."""
    places = [_place(problem, item) for item in items]
    path = [problem.depot_location(vt.start_depot), *(p.location for p in places)]
    path.append(problem.depot_location(vt.end_depot))
    travel = [int(problem.duration_s[a, b]) for a, b in zip(path, path[1:], strict=False)]
    if UNREACHABLE in travel:
        return None
    rules = sorted(vt.breaks, key=lambda b: b.earliest_start_s)
    best: Timing | None = None
    # Gap -1 is before the route, gap len(items) + 1 after it, gap g the leg into visit g.
    gaps = range(-1, len(items) + 2)
    for placement in itertools.combinations_with_replacement(gaps, len(rules)):
        timing = _best_departure(vt, places, travel, list(zip(rules, placement, strict=True)))
        if timing is not None and (
            best is None or (timing.end_s, -timing.start_s) < (best.end_s, -best.start_s)
        ):
            best = timing
    return best


def _place(problem: CollectionProblem, item: Item) -> _Place:
    kind, ref = item
    if kind is VisitKind.UNLOAD:
        f = problem.facilities[ref]
        return _Place(f.location, f.unload_s, f.opening.start_s, f.latest_unload_start_s)
    s = problem.stops[ref]
    return _Place(s.location, s.service_s, s.window.start_s, s.window.end_s)


Placed = list[tuple[Break, int]]
"""Each break rule with the gap it goes into, in the order the breaks are taken."""

_NEVER = 2**62


def _best_departure(
    vt: VehicleType, places: list[_Place], travel: list[int], placed: Placed
) -> Timing | None:
    """Earliest end, then latest departure, for one placement of the breaks."""
    lo = _first_departure(vt, placed)
    if lo is None or _forward(places, travel, placed, lo) is None:
        return None

    def end(t: int) -> int:
        timing = _forward(places, travel, placed, t)
        return _NEVER if timing is None else timing.end_s

    latest = _last(lo, vt.shift.end_s, lambda t: _forward(places, travel, placed, t) is not None)
    limit = vt.max_duration_s if vt.max_duration_s is not None else _NEVER
    if end(latest) - latest > limit:
        return None  # the shortest day this placement allows is still too long
    shortest_from = _last(lo, latest, lambda t: t == lo or end(t - 1) - (t - 1) > limit)
    earliest_end = end(shortest_from)
    start = _last(shortest_from, latest, lambda t: end(t) <= earliest_end)
    timing = _forward(places, travel, placed, start)
    if timing is None or timing.end_s > vt.shift.end_s:
        return None
    return timing


def _first_departure(vt: VehicleType, placed: Placed) -> int | None:
    """Earliest departure that leaves room for the breaks placed before the route."""
    cursor: int | None = None
    for rule, gap in placed:
        if gap == -1:
            start = rule.earliest_start_s if cursor is None else max(cursor, rule.earliest_start_s)
            if start > rule.latest_start_s:
                return None
            cursor = start + rule.duration_s
    return vt.shift.start_s if cursor is None else max(cursor, vt.shift.start_s)


def _last(lo: int, hi: int, ok: Callable[[int], bool]) -> int:
    """Largest ``t`` in ``[lo, hi]`` with ``ok(t)``, given ``ok(lo)`` and ``ok`` monotone."""
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _forward(places: list[_Place], travel: list[int], placed: Placed, departure: int) -> Timing | None:
    """Earliest timing leaving at ``departure``; None if a window or break is missed."""
    taken = []
    # Breaks before the route: as late as possible, ending by the departure.
    cursor = departure
    for rule, _ in reversed([p for p in placed if p[1] == -1]):
        start = min(rule.latest_start_s, cursor - rule.duration_s)
        if start < rule.earliest_start_s:
            return None
        taken.append(BreakTaken(start, rule.duration_s))
        cursor = start
    starts = []
    leaving, end = departure, departure
    for leg, drive in enumerate(travel):
        cursor, arrival = leaving, leaving + drive
        for rule, gap in placed:
            if gap == leg:
                start = max(cursor, rule.earliest_start_s)
                if start > rule.latest_start_s:
                    return None
                taken.append(BreakTaken(start, rule.duration_s))
                cursor = start + rule.duration_s
                arrival += rule.duration_s
        arrival = max(arrival, cursor)
        if leg == len(places):
            end = arrival
            break
        service_start = max(arrival, places[leg].opens)
        if service_start > places[leg].closes:
            return None
        starts.append(service_start)
        leaving = service_start + places[leg].service_s
    cursor = end
    for rule, gap in placed:
        if gap == len(places) + 1:
            start = max(cursor, rule.earliest_start_s)
            if start > rule.latest_start_s:
                return None
            taken.append(BreakTaken(start, rule.duration_s))
            cursor = start + rule.duration_s
    taken.sort(key=lambda b: b.start_s)
    return Timing(departure, tuple(starts), end, tuple(taken))
