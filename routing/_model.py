"""Translate a collection problem into an OR-Tools routing model.

Node layout: the depots vehicles start or end at, then the servable stops (in an
order shuffled by the seed), then reload copies of each facility. A reload copy is an
optional node whose demand is minus the largest capacity; slack on the capacity
dimension lets the load after it be anything from 0 up, so a visit empties the truck
(the standard OR-Tools reload pattern). Slack is pinned to 0 everywhere else.

Labour is priced on the time dimension: the span (end - start) of a route at the hourly
rate in milli-fen per second (:attr:`~routing.problem.VehicleType.millifen_per_s`) and,
past the standard day, the overtime extra as a soft upper bound on the span. The span
holds the driver's breaks, which are not paid: a truck with breaks is assumed to take
them on the road (any day long enough to matter crosses lunch), so their pay comes off
the fixed cost and the overtime bound moves later by their length. A short route that
takes its break off the road is then priced a little low by the search; its reported
cost is exact (:func:`routing.plan.paid_seconds`).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from enum import Enum

import numpy as np
from ortools.constraint_solver import pywrapcp

from routing.problem import UNREACHABLE, CollectionProblem, IntMatrix, VehicleType

__all__ = [
    "VOLUME",
    "WEIGHT",
    "Model",
    "Node",
    "NodeKind",
    "Vehicle",
    "build_model",
    "required_penalty",
]

WEIGHT = "weight_g"
VOLUME = "volume_l"
_BIG = 10**9  # stands in for an unreachable arc; such arcs are also removed from the domains


class NodeKind(Enum):
    """What a node of the model stands for."""

    DEPOT = "depot"
    STOP = "stop"
    RELOAD = "reload"


@dataclass(frozen=True)
class Node:
    """One node of the model; ``ref`` indexes depots, stops or facilities by ``kind``."""

    kind: NodeKind
    ref: int
    location: int
    service_s: int
    demand_g: int
    demand_l: int
    window: tuple[int, int]


@dataclass(frozen=True)
class Vehicle:
    """One truck: a unit of a vehicle type."""

    type_index: int
    unit: int
    start_node: int
    end_node: int


@dataclass
class Model:
    """The built OR-Tools model and what is needed to read its solutions."""

    problem: CollectionProblem
    nodes: list[Node]
    vehicles: list[Vehicle]
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time: pywrapcp.RoutingDimension | None
    breaks: list[list[pywrapcp.IntervalVar]]

    def node_of(self, index: int) -> Node:
        """The node behind a routing variable index."""
        return self.nodes[int(self.manager.IndexToNode(index))]


def build_model(
    problem: CollectionProblem, servable: list[int], *, seed: int, extra_reloads: int = 0
) -> Model:
    """Build the routing model over the servable stop positions; needs at least one vehicle.

    ``extra_reloads`` more copies of each facility are made for locked routes to use.
    """
    vehicles, depot_nodes = _vehicles(problem)
    order = list(servable)
    if seed:
        # OR-Tools routing has no random seed; the node order steers its tie-breaking,
        # so a seeded shuffle gives a different but reproducible search.
        random.Random(seed).shuffle(order)  # nosec B311 # search order, not a secret
    nodes = depot_nodes + [_stop_node(problem, p) for p in order]
    nodes += _reload_nodes(problem, order, len(vehicles) + extra_reloads)
    manager = pywrapcp.RoutingIndexManager(
        len(nodes), len(vehicles), [v.start_node for v in vehicles], [v.end_node for v in vehicles]
    )
    routing = pywrapcp.RoutingModel(manager)
    model = Model(problem, nodes, vehicles, manager, routing, None, [[] for _ in vehicles])
    _add_costs(model)
    _add_capacity(model, WEIGHT, [n.demand_g for n in nodes], "capacity_g")
    _add_capacity(model, VOLUME, [n.demand_l for n in nodes], "capacity_l")
    if _needs_time(model):
        _add_time(model)
    _add_disjunctions(model)
    _remove_useless_arcs(model)
    return model


def _vehicles(problem: CollectionProblem) -> tuple[list[Vehicle], list[Node]]:
    depot_nodes: dict[str, int] = {}
    nodes: list[Node] = []
    vehicles: list[Vehicle] = []
    for t, vt in enumerate(problem.vehicle_types):
        for depot_id in (vt.start_depot, vt.end_depot):
            if vt.count and depot_id not in depot_nodes:
                depot_nodes[depot_id] = len(nodes)
                d = problem.depot_index[depot_id]
                nodes.append(Node(NodeKind.DEPOT, d, problem.depots[d].location, 0, 0, 0, (0, 0)))
        vehicles += [
            Vehicle(t, unit, depot_nodes[vt.start_depot], depot_nodes[vt.end_depot])
            for unit in range(vt.count)
        ]
    return vehicles, nodes


def _stop_node(problem: CollectionProblem, position: int) -> Node:
    stop = problem.stops[position]
    window = (stop.window.start_s, stop.window.end_s)
    return Node(NodeKind.STOP, position, stop.location, stop.service_s, stop.demand_g, stop.demand_l, window)


def _reload_nodes(problem: CollectionProblem, order: list[int], spare: int) -> list[Node]:
    if not problem.facilities:
        return []
    fleet = [vt for vt in problem.vehicle_types if vt.count]
    trips = 0
    for demand, cap in (("demand_g", "capacity_g"), ("demand_l", "capacity_l")):
        total = sum(getattr(problem.stops[p], demand) for p in order)
        smallest = min(getattr(vt, cap) for vt in fleet)
        if total and smallest:
            trips = max(trips, math.ceil(total / smallest))
    # Each copy can be visited once: enough copies for every trip of the whole demand
    # in the smallest truck, plus one closing unload per vehicle (``spare``); an unload
    # between every two stops is the most that can ever help.
    copies = min(len(order) + spare, trips + spare)
    max_g = max(vt.capacity_g for vt in fleet)
    max_l = max(vt.capacity_l for vt in fleet)
    first_start = min(vt.shift.start_s for vt in fleet)
    last_end = max(vt.shift.end_s for vt in fleet)
    nodes = []
    for f, facility in enumerate(problem.facilities):
        window = (facility.opening.start_s, facility.latest_unload_start_s)
        if window[0] > last_end or window[1] < first_start:
            continue  # closed whenever a truck is on the road: its time domain would be empty
        node = Node(NodeKind.RELOAD, f, facility.location, facility.unload_s, -max_g, -max_l, window)
        nodes += [node] * copies
    return nodes


def _node_matrix(model: Model, matrix: IntMatrix) -> IntMatrix:
    locations = np.array([n.location for n in model.nodes], dtype=np.int64)
    return matrix[np.ix_(locations, locations)]


def _add_costs(model: Model) -> None:
    distance = _node_matrix(model, model.problem.distance_m)
    distance = np.where(distance == UNREACHABLE, _BIG, distance)
    # One milli-fen per unload breaks ties between plans of equal distance in favour
    # of fewer unloads (each costs the driver the unloading time).
    unload = np.array([n.kind is NodeKind.RELOAD for n in model.nodes], dtype=np.int64)
    callbacks: dict[int, int] = {}
    for v, vehicle in enumerate(model.vehicles):
        vt = model.problem.vehicle_types[vehicle.type_index]
        if vt.cost_per_km_fen not in callbacks:
            # metres x fen/km = milli-fen: integer arc costs without rounding.
            costs = (distance * vt.cost_per_km_fen + unload[None, :]).tolist()
            callbacks[vt.cost_per_km_fen] = model.routing.RegisterTransitMatrix(costs)
        model.routing.SetArcCostEvaluatorOfVehicle(callbacks[vt.cost_per_km_fen], v)
        model.routing.SetFixedCostOfVehicle(max(0, vt.fixed_cost_fen * 1000 - _break_pay(vt)), v)


def _break_s(vt: VehicleType) -> int:
    """Seconds of breaks a day of this truck holds (unpaid, but inside the span)."""
    return sum(b.duration_s for b in vt.breaks)


def _break_pay(vt: VehicleType) -> int:
    """What the span cost charges for the breaks at the hourly rate, in milli-fen."""
    return _break_s(vt) * vt.millifen_per_s


def _add_capacity(model: Model, name: str, demands: list[int], capacity_attr: str) -> None:
    if not any(demands):
        return  # the problem does not constrain this quantity
    problem, routing = model.problem, model.routing
    capacities = [getattr(problem.vehicle_types[v.type_index], capacity_attr) for v in model.vehicles]
    has_reload = any(n.kind is NodeKind.RELOAD for n in model.nodes)
    callback = routing.RegisterUnaryTransitVector(demands)
    slack = max(capacities) if has_reload else 0
    routing.AddDimensionWithVehicleCapacity(callback, slack, capacities, True, name)
    dimension = routing.GetDimensionOrDie(name)
    if not has_reload:
        return
    for index in range(routing.Size()):
        if model.node_of(index).kind is not NodeKind.RELOAD:
            dimension.SlackVar(index).SetValue(0)
    max_cost_per_km = max(vt.cost_per_km_fen for vt in problem.vehicle_types)
    for v, vehicle in enumerate(model.vehicles):
        if problem.vehicle_types[vehicle.type_index].unload_before_end:
            # Soft, not hard: with "end empty" as a hard rule no single insertion is ever
            # feasible (a stop needs its unload too), so the search could not start. Each
            # gram left on board costs more than any detour to a facility.
            per_gram = 2 * int(problem.distance_m.max()) * max_cost_per_km + 1
            dimension.SetCumulVarSoftUpperBound(routing.End(v), 0, per_gram)


def _needs_time(model: Model) -> bool:
    """Whether any time constraint can bind; plain CVRP instances skip the dimension."""
    types = [model.problem.vehicle_types[v.type_index] for v in model.vehicles]
    if any(vt.breaks or vt.max_duration_s is not None or vt.prices_labour for vt in types):
        return True
    earliest = min(vt.shift.start_s for vt in types)
    latest = max(vt.shift.end_s for vt in types)
    if any(
        n.kind is not NodeKind.DEPOT and (n.window[0] > earliest or n.window[1] < latest) for n in model.nodes
    ):
        return True
    transit = _node_matrix(model, model.problem.duration_s)
    longest_route = int(transit.max(axis=1).sum()) + sum(n.service_s for n in model.nodes)
    return longest_route > min(vt.shift.end_s - vt.shift.start_s for vt in types)


def _time_transits(model: Model) -> list[list[int]]:
    duration = _node_matrix(model, model.problem.duration_s)
    duration = np.where(duration == UNREACHABLE, _BIG, duration)
    service = np.array([n.service_s for n in model.nodes], dtype=np.int64)
    transits: list[list[int]] = (duration + service[:, None]).tolist()
    return transits


def _add_time(model: Model) -> None:
    problem, routing = model.problem, model.routing
    horizon = max(problem.vehicle_types[v.type_index].shift.end_s for v in model.vehicles)
    callback = routing.RegisterTransitMatrix(_time_transits(model))
    # Slack up to the horizon: trucks may wait for a window or stop for a break.
    routing.AddDimension(callback, horizon, horizon, False, "time")
    time = routing.GetDimensionOrDie("time")
    model.time = time
    for index in range(routing.Size()):
        node = model.node_of(index)
        if node.kind is not NodeKind.DEPOT:
            time.CumulVar(index).SetRange(node.window[0], min(node.window[1], horizon))
    visit_transits = [model.node_of(i).service_s for i in range(routing.Size())]
    for v, vehicle in enumerate(model.vehicles):
        vt = problem.vehicle_types[vehicle.type_index]
        time.CumulVar(routing.Start(v)).SetRange(vt.shift.start_s, vt.shift.end_s)
        time.CumulVar(routing.End(v)).SetRange(vt.shift.start_s, vt.shift.end_s)
        if vt.max_duration_s is not None:
            time.SetSpanUpperBoundForVehicle(vt.max_duration_s, v)
        # The driver's pay per second, or else a token cost (1 milli-fen/s = 3.6 fen/h,
        # far below any km cost) that makes the scheduler pack the day: without it,
        # breaks leave the solver free to park a truck for hours and report a route that
        # ends at closing time.
        time.SetSpanCostCoefficientForVehicle(max(1, vt.millifen_per_s), v)
        if vt.overtime_s is not None and vt.overtime_millifen_per_s:
            bound = pywrapcp.BoundCost(vt.overtime_s + _break_s(vt), vt.overtime_millifen_per_s)
            time.SetSoftSpanUpperBoundForVehicle(bound, v)
        intervals = [
            routing.solver().FixedDurationIntervalVar(
                b.earliest_start_s, b.latest_start_s, b.duration_s, False, f"break {v}.{k}"
            )
            for k, b in enumerate(vt.breaks)
        ]
        if intervals:
            time.SetBreakIntervalsOfVehicle(intervals, v, visit_transits)
            for interval in intervals:
                routing.AddIntervalToAssignment(interval)
        model.breaks[v] = intervals
    # Come back as early as possible. (Leaving "as late as that allows" shifted whole
    # days with a lunch break to end at closing time; the span cost keeps days compact.)
    for v in range(len(model.vehicles)):
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(v)))


def required_penalty(model: Model) -> int:
    """A penalty larger than any plan's cost, so a required stop is dropped only if it must."""
    problem = model.problem
    worst_arc = max(
        (int(problem.distance_m.max()) * vt.cost_per_km_fen for vt in problem.vehicle_types),
        default=0,
    )
    fixed = sum(
        (vt.fixed_cost_fen * 1000 + vt.labour_millifen(vt.shift.end_s - vt.shift.start_s)) * vt.count
        for vt in problem.vehicle_types
    )
    prizes = sum(problem.stops[n.ref].prize_fen * 1000 for n in model.nodes if n.kind is NodeKind.STOP)
    bound = fixed + prizes + worst_arc * (len(model.nodes) + len(model.vehicles))
    return min(bound + 1, 2**62 // max(1, len(model.nodes)))


def _add_disjunctions(model: Model) -> None:
    penalty = required_penalty(model)
    for node_id, node in enumerate(model.nodes):
        if node.kind is NodeKind.DEPOT:
            continue
        index = model.manager.NodeToIndex(node_id)
        if node.kind is NodeKind.RELOAD:
            model.routing.AddDisjunction([index], 0)
            continue
        stop = model.problem.stops[node.ref]
        model.routing.AddDisjunction([index], penalty if stop.required else stop.prize_fen * 1000)


def _remove_useless_arcs(model: Model) -> None:
    """Forbid arcs with no path, and unloads straight after an unload or the start.

    The truck is empty there, so such visits only waste time; without this rule the
    zero-cost chains of reload copies also swamp the local search.
    """
    routing = model.routing
    forbidden = _node_matrix(model, model.problem.distance_m) == UNREACHABLE
    reload = np.array([n.kind is NodeKind.RELOAD for n in model.nodes])
    starts = np.zeros(len(model.nodes), dtype=bool)
    starts[[v.start_node for v in model.vehicles]] = True
    forbidden |= np.outer(reload | starts, reload)
    np.fill_diagonal(forbidden, False)  # next == itself is how a node says "not visited"
    if not forbidden.any():
        return
    outgoing: list[list[int]] = [[] for _ in model.nodes]
    incoming: list[list[int]] = [[] for _ in model.nodes]
    for v, vehicle in enumerate(model.vehicles):
        outgoing[vehicle.start_node].append(routing.Start(v))
        incoming[vehicle.end_node].append(routing.End(v))
    for node_id, node in enumerate(model.nodes):
        if node.kind is not NodeKind.DEPOT:
            index = model.manager.NodeToIndex(node_id)
            outgoing[node_id].append(index)
            incoming[node_id].append(index)
    for a, b in np.argwhere(forbidden):
        for i in outgoing[a]:
            for j in incoming[b]:
                routing.NextVar(i).RemoveValue(j)
