"""Read an OR-Tools assignment back into a :class:`~routing.plan.Plan`."""

from __future__ import annotations

from collections.abc import Sequence

from ortools.constraint_solver import pywrapcp

from routing._model import Model, Node, NodeKind
from routing.plan import BreakTaken, Plan, Reason, Route, SearchInfo, Unassigned, Visit, VisitKind

__all__ = ["extract_plan"]


def extract_plan(
    model: Model,
    assignment: pywrapcp.Assignment,
    rejected: Sequence[Unassigned],
    search: SearchInfo,
) -> Plan:
    """Routes of the used vehicles plus every stop left out, in problem order."""
    routes = [_route(model, assignment, v) for v in range(len(model.vehicles))]
    unassigned = list(rejected) + _dropped(model, assignment)
    position = model.problem.stop_index
    unassigned.sort(key=lambda u: position[u.stop_id])
    return Plan(tuple(r for r in routes if r is not None), tuple(unassigned), search)


def _route(model: Model, assignment: pywrapcp.Assignment, v: int) -> Route | None:
    routing = model.routing
    indices = [routing.Start(v)]
    while not routing.IsEnd(indices[-1]):
        indices.append(assignment.Value(routing.NextVar(indices[-1])))
    if len(indices) == 2:
        return None  # vehicle not used
    vehicle = model.vehicles[v]
    problem = model.problem
    vt = problem.vehicle_types[vehicle.type_index]
    nodes = [model.node_of(i) for i in indices]
    times = _times(model, assignment, v, indices, nodes)
    visits = _visits(model, nodes[1:-1], times[1:-1])
    distance = sum(
        int(problem.distance_m[a.location, b.location])
        for a, b in zip(nodes, nodes[1:], strict=False)
    )
    breaks = tuple(
        BreakTaken(assignment.StartValue(interval), assignment.DurationValue(interval))
        for interval in model.breaks[v]
        if assignment.PerformedValue(interval)
    )
    return Route(
        vehicle_type_id=vt.id,
        unit=vehicle.unit,
        start_depot=vt.start_depot,
        end_depot=vt.end_depot,
        start_s=times[0],
        end_s=times[-1],
        visits=visits,
        breaks=breaks,
        distance_m=distance,
        cost_fen=vt.fixed_cost_fen + round(distance * vt.cost_per_km_fen / 1000),
    )


def _times(
    model: Model, assignment: pywrapcp.Assignment, v: int, indices: list[int], nodes: list[Node]
) -> list[int]:
    """Service start at every index; without a time dimension, drive without waiting."""
    if model.time is not None:
        time = model.time
        return [assignment.Value(time.CumulVar(i)) for i in indices]
    duration = model.problem.duration_s
    vt = model.problem.vehicle_types[model.vehicles[v].type_index]
    times = [vt.shift.start_s]
    for a, b in zip(nodes, nodes[1:], strict=False):
        times.append(
            max(times[-1] + a.service_s + int(duration[a.location, b.location]), b.window[0])
        )
    return times


def _visits(model: Model, nodes: list[Node], times: list[int]) -> tuple[Visit, ...]:
    problem = model.problem
    visits = []
    load_kg = load_m3 = 0.0
    for node, t in zip(nodes, times, strict=True):
        if node.kind is NodeKind.RELOAD:
            load_kg = load_m3 = 0.0
            ident, kind, collected = problem.facilities[node.ref].id, VisitKind.UNLOAD, 0.0
        else:
            stop = problem.stops[node.ref]
            load_kg += stop.demand_kg
            load_m3 += stop.demand_m3
            ident, kind, collected = stop.id, VisitKind.STOP, stop.demand_kg
        visits.append(
            Visit(kind, ident, node.location, t, t + node.service_s, load_kg, load_m3, collected)
        )
    return tuple(visits)


def _dropped(model: Model, assignment: pywrapcp.Assignment) -> list[Unassigned]:
    dropped = []
    for n, node in enumerate(model.nodes):
        if node.kind is not NodeKind.STOP:
            continue
        index = model.manager.NodeToIndex(n)
        if assignment.Value(model.routing.NextVar(index)) != index:
            continue
        stop = model.problem.stops[node.ref]
        if stop.required:
            detail = "no room in any route for its weight, hours and the breaks"
            dropped.append(Unassigned(stop.id, Reason.NO_ROUTE_FOUND, detail))
        else:
            detail = f"prize {stop.prize_fen / 100:.2f} yuan does not cover the detour"
            dropped.append(Unassigned(stop.id, Reason.NOT_PROFITABLE, detail))
    return dropped
