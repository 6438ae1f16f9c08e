"""Read an OR-Tools assignment back into a :class:`~routing.plan.Plan`."""

from __future__ import annotations

from collections.abc import Sequence

from ortools.constraint_solver import pywrapcp

from routing._assemble import build_visits, dropped, finish_plan, route_distance_m
from routing._model import Model, Node, NodeKind
from routing._schedule import time_route
from routing.plan import BreakTaken, Plan, Route, SearchInfo, Unassigned, VisitKind, paid_seconds

__all__ = ["extract_plan"]


def extract_plan(
    model: Model,
    assignment: pywrapcp.Assignment,
    rejected: Sequence[Unassigned],
    search: SearchInfo,
) -> Plan:
    """Routes of the used vehicles plus every stop left out, in problem order."""
    routes = [_route(model, assignment, v) for v in range(len(model.vehicles))]
    left = list(rejected) + [dropped(model.problem, p) for p in _dropped(model, assignment)]
    return finish_plan(model.problem, [r for r in routes if r is not None], left, search)


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
    kinds = [(VisitKind.UNLOAD if n.kind is NodeKind.RELOAD else VisitKind.STOP, n.ref) for n in nodes[1:-1]]
    # OR-Tools leaves the cumuls of a break-constrained route anywhere in their slack
    # (whole days were reported shifted to closing time); re-time the sequence exactly,
    # earliest return first, and keep the solver's times only if that finds nothing.
    timing = time_route(problem, vt, kinds)
    if timing is not None:
        times = [timing.start_s, *timing.starts, timing.end_s]
        breaks = timing.breaks
    else:
        times = _times(model, assignment, v, indices, nodes)
        breaks = tuple(
            BreakTaken(assignment.StartValue(interval), assignment.DurationValue(interval))
            for interval in model.breaks[v]
            if assignment.PerformedValue(interval)
        )
    items = [(kind, ref, t) for (kind, ref), t in zip(kinds, times[1:-1], strict=True)]
    distance = route_distance_m(problem, [n.location for n in nodes])
    return Route(
        vehicle_type_id=vt.id,
        unit=vehicle.unit,
        start_depot=vt.start_depot,
        end_depot=vt.end_depot,
        start_s=times[0],
        end_s=times[-1],
        visits=build_visits(problem, items),
        breaks=breaks,
        distance_m=distance,
        cost_fen=vt.route_cost_fen(distance, paid_seconds(times[0], times[-1], breaks)),
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
        times.append(max(times[-1] + a.service_s + int(duration[a.location, b.location]), b.window[0]))
    return times


def _dropped(model: Model, assignment: pywrapcp.Assignment) -> list[int]:
    """Stop positions the assignment leaves out."""
    out = []
    for n, node in enumerate(model.nodes):
        index = model.manager.NodeToIndex(n)
        if node.kind is NodeKind.STOP and assignment.Value(model.routing.NextVar(index)) == index:
            out.append(node.ref)
    return out
