"""Plan pieces every engine builds the same way: visits with loads, left-out stops."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from routing.plan import Plan, Reason, Route, SearchInfo, Unassigned, Visit, VisitKind
from routing.problem import CollectionProblem, VehicleType

__all__ = [
    "build_visits",
    "dropped",
    "finish_plan",
    "loads_fit",
    "required_penalty",
    "route_distance_m",
]


def build_visits(
    problem: CollectionProblem, items: Iterable[tuple[VisitKind, int, int]]
) -> tuple[Visit, ...]:
    """Visits from ``(kind, stop or facility position, start of service)`` in route order.

    The load after each visit is summed in kilograms and cubic metres, as the
    dispatcher reads it; an unloading empties the truck.
    """
    visits = []
    load_kg = load_m3 = 0.0
    for kind, ref, start in items:
        if kind is VisitKind.UNLOAD:
            facility = problem.facilities[ref]
            load_kg = load_m3 = 0.0
            ident, location, service, collected = (
                facility.id,
                facility.location,
                facility.unload_s,
                0.0,
            )
        else:
            stop = problem.stops[ref]
            load_kg += stop.demand_kg
            load_m3 += stop.demand_m3
            ident, location, service = stop.id, stop.location, stop.service_s
            collected = stop.demand_kg
        visits.append(Visit(kind, ident, location, start, start + service, load_kg, load_m3, collected))
    return tuple(visits)


def route_distance_m(problem: CollectionProblem, locations: Sequence[int]) -> int:
    """Metres driven along ``locations`` (depot, visits..., depot)."""
    return sum(int(problem.distance_m[a, b]) for a, b in zip(locations, locations[1:], strict=False))


def dropped(problem: CollectionProblem, position: int) -> Unassigned:
    """Why the search left a servable stop out."""
    stop = problem.stops[position]
    if stop.required:
        detail = "no room in any route for its weight, hours and the breaks"
        return Unassigned(stop.id, Reason.NO_ROUTE_FOUND, detail)
    detail = f"prize {stop.prize_fen / 100:.2f} yuan does not cover the detour"
    return Unassigned(stop.id, Reason.NOT_PROFITABLE, detail)


def finish_plan(
    problem: CollectionProblem,
    routes: Iterable[Route],
    unassigned: Iterable[Unassigned],
    search: SearchInfo,
) -> Plan:
    """The plan with left-out stops in problem order, as the dispatcher lists them."""
    left = sorted(unassigned, key=lambda u: problem.stop_index[u.stop_id])
    return Plan(tuple(routes), tuple(left), search)


def required_penalty(problem: CollectionProblem, servable: Sequence[int]) -> int:
    """What leaving out a required stop costs: more than serving it can ever cost.

    Bound, in milli-fen: every fixed cost, every optional prize, and the dearest arc
    for each of the at most ``2 n + units`` legs a plan has (an unload may follow every
    stop), and every truck's pay for its whole shift. Capped so that ``n`` of them still
    fit in 64 bits.
    """
    units = sum(vt.count for vt in problem.vehicle_types)
    fixed = sum(
        (vt.fixed_cost_fen * 1000 + vt.labour_millifen(vt.shift.end_s - vt.shift.start_s)) * vt.count
        for vt in problem.vehicle_types
    )
    prizes = sum(problem.stops[p].prize_fen * 1000 for p in servable if not problem.stops[p].required)
    per_km = max((vt.cost_per_km_fen for vt in problem.vehicle_types), default=0)
    worst_arc = int(problem.distance_m.max()) * per_km
    bound = fixed + prizes + worst_arc * (2 * len(servable) + units + 1) + 1
    return min(bound, 2**60 // max(1, len(servable)))


def loads_fit(problem: CollectionProblem, vt: VehicleType, items: Iterable[tuple[VisitKind, int]]) -> bool:
    """Whether no trip of ``items`` overloads the truck and it goes home empty if it must."""
    grams = litres = 0
    for kind, ref in items:
        if kind is VisitKind.UNLOAD:
            grams = litres = 0
            continue
        grams += problem.stops[ref].demand_g
        litres += problem.stops[ref].demand_l
        if grams > vt.capacity_g or litres > vt.capacity_l:
            return False
    return not (vt.unload_before_end and grams + litres > 0)
