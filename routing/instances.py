"""Read Solomon and VRPLIB benchmark instances, solve them and score plans their way.

Each benchmark family has its own distance convention and a best-known solution is
only comparable within it (``bks.csv`` says which per row):

- :attr:`Convention.EXACT`: double-precision Euclidean (Solomon, hierarchical objective);
- :attr:`Convention.DIMACS`: Euclidean truncated to one decimal, for distances *and*
  travel times (Solomon, distance-only objective);
- :attr:`Convention.EUC_2D`: Euclidean rounded to the nearest integer per edge
  (TSPLIB / CVRPLIB X).

The solver works on integers, so each convention is scaled: EXACT by 1000 (travel times
rounded *up*, so a plan feasible for the solver is feasible in double precision), DIMACS
by 10 (exact), EUC_2D by 1 (exact).

:func:`solve_instance` solves in :func:`default_convention` unless told otherwise: a plan
solved in DIMACS units can start a service a few hundredths after its due time in double
precision (every truncated edge is up to 0.1 short), so DIMACS is only for comparing with
the published best-known distances. :func:`check_routes` checks routes in double precision.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from routing._errors import InstanceFormatError
from routing.plan import Plan
from routing.problem import (
    CollectionProblem,
    Depot,
    IntMatrix,
    Load,
    Location,
    Stop,
    TimeWindow,
    VehicleType,
)
from routing.solve import solve

__all__ = [
    "Convention",
    "Instance",
    "Objective",
    "check_routes",
    "default_convention",
    "plan_routes",
    "read_instance",
    "route_distance",
    "solve_convention",
    "solve_instance",
    "to_problem",
]


class Convention(StrEnum):
    """How an instance family measures an edge."""

    EXACT = "exact"
    DIMACS = "dimacs"
    EUC_2D = "euc_2d"


class Objective(StrEnum):
    """What a benchmark run minimises."""

    DISTANCE = "distance"
    VEHICLES_THEN_DISTANCE = "vehicles-then-distance"


_SCALE = {Convention.EXACT: 1000, Convention.DIMACS: 10, Convention.EUC_2D: 1}


@dataclass(frozen=True)
class Instance:
    """A benchmark instance; position 0 is the depot, customer ``i`` is at position ``i``.

    Customers are numbered as in the file (Solomon ``CUST NO.``; VRPLIB node id minus
    one, the numbering of CVRPLIB ``.sol`` files).
    """

    name: str
    format: str
    coords: tuple[tuple[float, float], ...]
    demands: tuple[int, ...]
    windows: tuple[tuple[int, int], ...] | None
    service_times: tuple[int, ...]
    capacity: int
    vehicles: int

    @property
    def n_customers(self) -> int:
        """Number of customers (depot excluded)."""
        return len(self.coords) - 1


def read_instance(path: str | Path) -> Instance:
    """Read a Solomon or VRPLIB file, recognised by its content."""
    path = Path(path)
    text = path.read_text()
    if "NODE_COORD_SECTION" in text:
        return _read_vrplib(text, path.stem)
    if "CUSTOMER" in text and "VEHICLE" in text:
        return _read_solomon(text, path.stem)
    raise InstanceFormatError(f"{path}: neither Solomon nor VRPLIB format")


def _read_solomon(text: str, name: str) -> Instance:
    lines = [line.split() for line in text.splitlines()]
    try:
        at = next(i for i, words in enumerate(lines) if words[:1] == ["NUMBER"])
        vehicles, capacity = int(lines[at + 1][0]), int(lines[at + 1][1])
        rows = [[int(float(w)) for w in words] for words in lines if len(words) == 7 and words[0].isdigit()]
    except (StopIteration, IndexError, ValueError) as error:
        raise InstanceFormatError(f"{name}: malformed Solomon file ({error})") from error
    if not rows or rows[0][0] != 0 or [r[0] for r in rows] != list(range(len(rows))):
        raise InstanceFormatError(f"{name}: customers must be numbered 0 (depot), 1, 2, ...")
    return Instance(
        name=name,
        format="solomon",
        coords=tuple((float(r[1]), float(r[2])) for r in rows),
        demands=tuple(r[3] for r in rows),
        windows=tuple((r[4], r[5]) for r in rows),
        service_times=tuple(r[6] for r in rows),
        capacity=capacity,
        vehicles=vehicles,
    )


def _read_vrplib(text: str, name: str) -> Instance:
    header, sections = _vrplib_parts(text)
    if header.get("EDGE_WEIGHT_TYPE", "EUC_2D") != "EUC_2D":
        raise InstanceFormatError(f"{name}: only EDGE_WEIGHT_TYPE EUC_2D is supported")
    try:
        n = int(header["DIMENSION"])
        capacity = int(header["CAPACITY"])
        coords = {int(r[0]): (float(r[1]), float(r[2])) for r in sections["NODE_COORD_SECTION"]}
        demand = {int(r[0]): int(r[1]) for r in sections["DEMAND_SECTION"]}
        depot = int(sections["DEPOT_SECTION"][0][0])
    except (KeyError, IndexError, ValueError) as error:
        raise InstanceFormatError(f"{name}: malformed VRPLIB file ({error})") from error
    # Depot first, then the customers in file order: position = node id - 1 when the
    # depot is node 1, as in every CVRPLIB instance.
    order = [depot] + [i for i in sorted(coords) if i != depot]
    if len(order) != n or order != list(range(1, n + 1)):
        raise InstanceFormatError(f"{name}: expected nodes 1..{n} with depot 1")
    windows = sections.get("TIME_WINDOW_SECTION")
    service = {int(r[0]): int(r[1]) for r in sections.get("SERVICE_TIME_SECTION", [])}
    default_service = int(header.get("SERVICE_TIME", "0"))
    total = sum(demand.values())
    vehicles = int(header.get("VEHICLES", 0)) or _fleet_size(total, capacity)
    return Instance(
        name=name,
        format="vrplib",
        coords=tuple(coords[i] for i in order),
        demands=tuple(demand[i] for i in order),
        windows=tuple((int(r[1]), int(r[2])) for r in windows) if windows else None,
        service_times=tuple(0 if i == depot else service.get(i, default_service) for i in order),
        capacity=capacity,
        vehicles=vehicles,
    )


def _fleet_size(total_demand: int, capacity: int) -> int:
    # CVRP leaves the fleet free; a few trucks above the lower bound leave the bin
    # packing room without flooding the model with idle vehicles.
    lower = math.ceil(total_demand / capacity)
    return lower + max(3, lower // 4)


def _vrplib_parts(text: str) -> tuple[dict[str, str], dict[str, list[list[str]]]]:
    header: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for line in text.splitlines():
        words = line.split()
        if not words or words[0] == "EOF":
            continue
        if words[0].endswith("_SECTION"):
            current = sections.setdefault(words[0], [])
        elif ":" in line and not words[0].lstrip("-").isdigit():
            key, _, value = line.partition(":")
            header[key.strip()] = value.strip().strip('"')
            current = None
        elif current is not None and words[0] != "-1":
            current.append(words)
    return header, sections


def _euclid(instance: Instance) -> npt.NDArray[np.float64]:
    xy = np.array(instance.coords, dtype=np.float64)
    d: npt.NDArray[np.float64] = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    return d


def _scaled(d: npt.NDArray[np.float64], convention: Convention, *, up: bool) -> IntMatrix:
    """Integer edge lengths in the convention's units (x1000, x10 or x1)."""
    if convention is Convention.DIMACS:
        return np.floor(d * 10 + 1e-9).astype(np.int64)
    if convention is Convention.EUC_2D:
        return np.floor(d + 0.5).astype(np.int64)
    # No tolerance on the ceiling: a travel time a hair too long only costs slack, one a
    # hair too short could make a service start after its due time in double precision.
    return (np.ceil(d * 1000) if up else np.rint(d * 1000)).astype(np.int64)


def to_problem(
    instance: Instance, *, convention: Convention, objective: Objective = Objective.DISTANCE
) -> CollectionProblem:
    """The instance as a collection problem in the convention's integer units.

    Demand units become kilograms. Under ``VEHICLES_THEN_DISTANCE`` each vehicle gets
    a fixed cost above any total distance, so fewer vehicles always win.
    """
    scale = _SCALE[convention]
    d = _euclid(instance)
    distance = _scaled(d, convention, up=False)
    duration = _scaled(d, convention, up=True)
    horizon = int(duration.max(axis=1).sum()) + sum(instance.service_times) * scale
    windows = instance.windows or [(0, horizon // scale + 1)] * len(instance.coords)
    stops = tuple(
        Stop(
            id=str(i),
            location=i,
            loads=(Load("demand", float(instance.demands[i])),),
            window=TimeWindow(windows[i][0] * scale, windows[i][1] * scale),
            service_base_s=instance.service_times[i] * scale,
        )
        for i in range(1, len(instance.coords))
    )
    fixed = 0
    if objective is Objective.VEHICLES_THEN_DISTANCE:
        fixed = int(distance.max(axis=1).sum()) // 1000 + 1  # fen = milli-fen / 1000
    fleet = VehicleType(
        id="vehicle",
        count=instance.vehicles,
        capacity_kg=float(instance.capacity),
        capacity_m3=0.0,
        shift=TimeWindow(windows[0][0] * scale, windows[0][1] * scale),
        start_depot="depot",
        end_depot="depot",
        fixed_cost_fen=fixed,
        cost_per_km_fen=1,
    )
    locations = tuple(Location(x, y, str(i)) for i, (x, y) in enumerate(instance.coords))
    return CollectionProblem(locations, (Depot("depot", 0),), (), stops, (fleet,), distance, duration)


def route_distance(instance: Instance, routes: Sequence[Sequence[int]], *, convention: Convention) -> float:
    """Total length of routes (customer numbers, depot excluded) in a convention."""
    d = _euclid(instance)
    total = 0.0
    for route in routes:
        path = [0, *route, 0]
        for a, b in zip(path, path[1:], strict=False):
            if convention is Convention.EXACT:
                total += float(d[a, b])
            else:
                total += int(_scaled(d[a : a + 1, b : b + 1], convention, up=False)[0, 0])
    return total if convention is Convention.EXACT else total / _SCALE[convention]


def plan_routes(plan: Plan) -> list[list[int]]:
    """A plan's routes as lists of customer numbers."""
    return [[int(stop_id) for stop_id in route.stop_ids] for route in plan.routes]


def solve_convention(instance: Instance, objective: Objective) -> Convention:
    """The convention of the family's best-known solutions (``bks.csv``) for ``objective``.

    Solve in it only to compare with those values: under DIMACS a plan may break time
    windows in double precision (see :func:`check_routes`).
    """
    if instance.format == "vrplib":
        return Convention.EUC_2D
    return Convention.DIMACS if objective is Objective.DISTANCE else Convention.EXACT


def default_convention(instance: Instance) -> Convention:
    """The convention whose plans are feasible as the file states it: EXACT for Solomon.

    VRPLIB files state EUC_2D themselves, so their integer edges are the exact ones.
    """
    return Convention.EUC_2D if instance.format == "vrplib" else Convention.EXACT


def check_routes(instance: Instance, routes: Sequence[Sequence[int]]) -> list[str]:
    """Every rule ``routes`` break, recomputed in double precision; empty when feasible.

    Travel time is the Euclidean distance (EUC_2D for VRPLIB, as the file states). A
    service starts at the later of arrival and ready time and must start by the due time;
    each truck is back at the depot by the depot's due time. Also checks that every
    customer is served exactly once, loads within capacity, and the fleet size.
    """
    exact = _euclid(instance)
    d = exact if instance.format != "vrplib" else np.floor(exact + 0.5)
    problems: list[str] = []
    times = Counter(c for route in routes for c in route)
    wanted = set(range(1, len(instance.coords)))
    problems += [f"customer {c} is served {n} times" for c, n in sorted(times.items()) if n > 1]
    problems += [f"customer {c} is not served" for c in sorted(wanted - times.keys())]
    problems += [f"customer {c} does not exist" for c in sorted(times.keys() - wanted)]
    used = sum(1 for route in routes if route)
    if used > instance.vehicles:
        problems.append(f"{used} routes for a fleet of {instance.vehicles}")
    for number, route in enumerate(routes, start=1):
        if set(route) <= wanted:
            problems += [f"route {number}: {p}" for p in _route_problems(instance, d, route)]
    return problems


def _route_problems(instance: Instance, d: npt.NDArray[np.float64], route: Sequence[int]) -> list[str]:
    problems = []
    load = sum(instance.demands[c] for c in route)
    if load > instance.capacity:
        problems.append(f"load {load} exceeds capacity {instance.capacity}")
    if instance.windows is None:
        return problems
    windows = instance.windows
    t, here = float(windows[0][0]), 0
    for c in route:
        ready, due = windows[c]
        t = max(t + float(d[here, c]), float(ready))
        if t > due:
            problems.append(f"customer {c} served at {t!r}, due {due}")
        t, here = t + instance.service_times[c], c
    back = t + float(d[here, 0])
    if back > windows[0][1]:
        problems.append(f"back at the depot at {back!r}, depot closes at {windows[0][1]}")
    return problems


def solve_instance(
    path: str | Path,
    *,
    time_limit_s: float,
    seed: int = 0,
    objective: str | Objective = Objective.DISTANCE,
    convention: str | Convention | None = None,
    solution_limit: int | None = None,
) -> dict[str, Any]:
    """Solve a benchmark file; the JSON-able result the CLI prints.

    Returns ``vehicles``, ``distance`` (double-precision Euclidean for Solomon, EUC_2D
    for VRPLIB), ``routes`` (customer numbers as in the file, depot excluded),
    ``solve_seconds``, the ``convention`` solved in and the ``violations`` of the routes
    in double precision (:func:`check_routes`; empty when feasible).

    ``convention`` defaults to :func:`default_convention`, whose plans are feasible in
    double precision. Pass ``"dimacs"`` (or :func:`solve_convention`) to solve Solomon's
    distance objective as its published best-known distances were.
    """
    objective = Objective(objective)
    instance = read_instance(path)
    report = Convention.EUC_2D if instance.format == "vrplib" else Convention.EXACT
    solved_in = default_convention(instance) if convention is None else Convention(convention)
    problem = to_problem(instance, convention=solved_in, objective=objective)
    started = time.monotonic()
    plan = solve(problem, time_limit_s=time_limit_s, seed=seed, solution_limit=solution_limit)
    seconds = time.monotonic() - started
    routes = plan_routes(plan)
    return {
        "vehicles": len(routes),
        "distance": round(route_distance(instance, routes, convention=report), 6),
        "routes": routes,
        "solve_seconds": round(seconds, 3),
        "convention": solved_in.value,
        "violations": check_routes(instance, routes),
    }
