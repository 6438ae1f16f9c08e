"""An independent feasibility checker: recompute a plan from the problem alone.

It shares no code with the solver (no OR-Tools): it walks each route, recomputes
travel, waiting, service, loads, breaks and distance from the problem's data and
reports every rule the plan breaks. An empty list means the plan is feasible.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from routing.plan import BreakTaken, Plan, Route, Visit, VisitKind
from routing.problem import UNREACHABLE, CollectionProblem, VehicleType

__all__ = ["Violation", "ViolationKind", "check"]


class ViolationKind(StrEnum):
    """Which rule a plan breaks."""

    VEHICLE = "vehicle"
    VISIT = "visit"
    COVERAGE = "coverage"
    UNREACHABLE = "unreachable"
    TRAVEL = "travel"
    WINDOW = "window"
    SERVICE = "service"
    SHIFT = "shift"
    DURATION = "duration"
    CAPACITY = "capacity"
    LOAD = "load"
    BREAK = "break"
    DISTANCE = "distance"


@dataclass(frozen=True)
class Violation:
    """One broken rule; ``route`` is ``"type#unit"`` when a route is at fault."""

    kind: ViolationKind
    route: str | None
    message: str


def check(problem: CollectionProblem, plan: Plan) -> list[Violation]:
    """Every rule of ``problem`` that ``plan`` breaks."""
    violations = _check_coverage(problem, plan)
    counts = Counter((r.vehicle_type_id, r.unit) for r in plan.routes)
    for route in plan.routes:
        name = f"{route.vehicle_type_id}#{route.unit}"
        if counts[(route.vehicle_type_id, route.unit)] > 1:
            violations.append(Violation(ViolationKind.VEHICLE, name, "vehicle used twice"))
        violations += [Violation(kind, name, msg) for kind, msg in _check_route(problem, route)]
    return violations


def _check_coverage(problem: CollectionProblem, plan: Plan) -> list[Violation]:
    served = Counter(s for r in plan.routes for s in r.stop_ids)
    left = Counter(u.stop_id for u in plan.unassigned)
    out = []
    for stop in problem.stops:
        times = served[stop.id] + left[stop.id]
        if times != 1:
            message = f"stop {stop.id!r} appears {times} times (routes + unassigned)"
            out.append(Violation(ViolationKind.COVERAGE, None, message))
    for stop_id in (served + left).keys() - problem.stop_index.keys():
        out.append(Violation(ViolationKind.COVERAGE, None, f"unknown stop {stop_id!r}"))
    return out


Finding = tuple[ViolationKind, str]


def _check_route(problem: CollectionProblem, route: Route) -> list[Finding]:
    vt_index = problem.vehicle_type_index.get(route.vehicle_type_id)
    if vt_index is None:
        return [(ViolationKind.VEHICLE, f"unknown vehicle type {route.vehicle_type_id!r}")]
    vt = problem.vehicle_types[vt_index]
    findings: list[Finding] = []
    if not 0 <= route.unit < vt.count:
        findings.append((ViolationKind.VEHICLE, f"unit {route.unit} of {vt.count}"))
    if (route.start_depot, route.end_depot) != (vt.start_depot, vt.end_depot):
        findings.append((ViolationKind.VEHICLE, "route does not start and end at its depots"))
    findings += _check_visits(problem, route)
    if findings:
        return findings  # timing and loads are meaningless for unknown places
    findings += _check_times(problem, vt, route)
    findings += _check_loads(problem, vt, route)
    findings += _check_distance(problem, route)
    return findings


def _check_visits(problem: CollectionProblem, route: Route) -> list[Finding]:
    findings: list[Finding] = []
    for visit in route.visits:
        if visit.kind is VisitKind.STOP and visit.id in problem.stop_index:
            location = problem.stops[problem.stop_index[visit.id]].location
        elif visit.kind is VisitKind.UNLOAD and visit.id in problem.facility_index:
            location = problem.facilities[problem.facility_index[visit.id]].location
        else:
            findings.append((ViolationKind.VISIT, f"unknown {visit.kind} {visit.id!r}"))
            continue
        if location != visit.location:
            findings.append((ViolationKind.VISIT, f"{visit.id!r} is not at location {visit.location}"))
    return findings


def _legs(problem: CollectionProblem, route: Route) -> list[tuple[int, int, int, int]]:
    """(from location, to location, departure, arrival) of every leg of the route."""
    places = [(problem.depot_location(route.start_depot), route.start_s, route.start_s)]
    places += [(v.location, v.arrival_s, v.departure_s) for v in route.visits]
    places.append((problem.depot_location(route.end_depot), route.end_s, route.end_s))
    return [(a[0], b[0], a[2], b[1]) for a, b in zip(places, places[1:], strict=False)]


def _check_times(problem: CollectionProblem, vt: VehicleType, route: Route) -> list[Finding]:
    findings: list[Finding] = []
    if not (vt.shift.contains(route.start_s) and vt.shift.contains(route.end_s)):
        findings.append((ViolationKind.SHIFT, f"route {route.start_s}-{route.end_s} outside shift"))
    if vt.max_duration_s is not None and route.end_s - route.start_s > vt.max_duration_s:
        findings.append((ViolationKind.DURATION, f"route lasts {route.end_s - route.start_s} s"))
    for visit in route.visits:
        findings += _check_visit_time(problem, visit)
    findings += _check_breaks(vt, route)
    for a, b, departure, arrival in _legs(problem, route):
        travel = int(problem.duration_s[a, b])
        if travel == UNREACHABLE:
            findings.append((ViolationKind.UNREACHABLE, f"no path from location {a} to {b}"))
            continue
        pause = sum(br.duration_s for br in route.breaks if departure <= br.start_s < arrival)
        if arrival - departure < travel + pause:
            message = f"leg {a}->{b} needs {travel} s + {pause} s break, has {arrival - departure} s"
            findings.append((ViolationKind.TRAVEL, message))
    return findings


def _check_visit_time(problem: CollectionProblem, visit: Visit) -> list[Finding]:
    if visit.kind is VisitKind.STOP:
        stop = problem.stops[problem.stop_index[visit.id]]
        service, window = stop.service_s, stop.window
        latest = window.end_s
    else:
        facility = problem.facilities[problem.facility_index[visit.id]]
        service, window = facility.unload_s, facility.opening
        latest = facility.latest_unload_start_s
    findings: list[Finding] = []
    if not window.start_s <= visit.arrival_s <= latest:
        message = f"{visit.id!r} served at {visit.arrival_s}, allowed {window.start_s}-{latest}"
        findings.append((ViolationKind.WINDOW, message))
    if visit.departure_s - visit.arrival_s != service:
        message = f"{visit.id!r} takes {visit.departure_s - visit.arrival_s} s, needs {service} s"
        findings.append((ViolationKind.SERVICE, message))
    return findings


def _check_breaks(vt: VehicleType, route: Route) -> list[Finding]:
    findings: list[Finding] = []
    taken = sorted(route.breaks, key=lambda b: b.start_s)
    if len(taken) != len(vt.breaks):
        return [(ViolationKind.BREAK, f"{len(taken)} breaks taken, {len(vt.breaks)} required")]
    for rule, br in zip(sorted(vt.breaks, key=lambda b: b.earliest_start_s), taken, strict=True):
        if br.duration_s != rule.duration_s or not (
            rule.earliest_start_s <= br.start_s <= rule.latest_start_s
        ):
            findings.append((ViolationKind.BREAK, f"break at {br.start_s} breaks its rule"))
    for first, second in zip(taken, taken[1:], strict=False):
        if second.start_s < first.end_s:
            findings.append((ViolationKind.BREAK, "breaks overlap"))
    busy = [(v.arrival_s, v.departure_s) for v in route.visits]
    for br in taken:
        straddles = br.start_s < route.start_s < br.end_s or br.start_s < route.end_s < br.end_s
        if straddles or _overlaps(br, busy):
            findings.append((ViolationKind.BREAK, f"break at {br.start_s} overlaps work"))
    return findings


def _overlaps(br: BreakTaken, busy: list[tuple[int, int]]) -> bool:
    return any(br.start_s < end and start < br.end_s for start, end in busy)


def _check_loads(problem: CollectionProblem, vt: VehicleType, route: Route) -> list[Finding]:
    findings: list[Finding] = []
    grams = litres = 0
    kg = m3 = 0.0
    for visit in route.visits:
        if visit.kind is VisitKind.UNLOAD:
            grams = litres = 0
            kg = m3 = 0.0
        else:
            stop = problem.stops[problem.stop_index[visit.id]]
            grams, litres = grams + stop.demand_g, litres + stop.demand_l
            kg, m3 = kg + stop.demand_kg, m3 + stop.demand_m3
        if grams > vt.capacity_g or litres > vt.capacity_l:
            findings.append((ViolationKind.CAPACITY, f"over capacity after {visit.id!r}"))
        if abs(visit.load_kg - kg) > 1e-6 or abs(visit.load_m3 - m3) > 1e-6:
            findings.append((ViolationKind.LOAD, f"reported load after {visit.id!r} is wrong"))
    if vt.unload_before_end and grams + litres > 0:
        findings.append((ViolationKind.LOAD, "truck goes home without unloading"))
    return findings


def _check_distance(problem: CollectionProblem, route: Route) -> list[Finding]:
    legs = [int(problem.distance_m[a, b]) for a, b, _, _ in _legs(problem, route)]
    total = sum(legs) if UNREACHABLE not in legs else None
    if total is not None and total != route.distance_m:
        return [(ViolationKind.DISTANCE, f"reported {route.distance_m} m, legs sum to {total} m")]
    return []
