"""Tiny hand-made collection problems on a straight road, and a checked solve."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from routing import (
    Break,
    CollectionProblem,
    Depot,
    Facility,
    Load,
    Location,
    Plan,
    Stop,
    TimeWindow,
    VehicleType,
    check,
    solve,
)

SPEED_M_S = 10  # 36 km/h: a kilometre takes 100 s
DAY = TimeWindow(0, 24 * 3600 - 1)
SHIFT = TimeWindow(6 * 3600, 20 * 3600)
LUNCH = Break(45 * 60, 11 * 3600 + 30 * 60, 13 * 3600 + 30 * 60)


def hm(hours: int, minutes: int = 0) -> int:
    """Seconds from midnight."""
    return hours * 3600 + minutes * 60


def stop(
    stop_id: str,
    location: int,
    kg: float = 10.0,
    *,
    m3: float = 0.0,
    window: TimeWindow = DAY,
    service_s: int = 0,
    required: bool = True,
    prize_fen: int = 0,
) -> Stop:
    """A stop with one material."""
    return Stop(
        stop_id,
        location,
        (Load("paper", kg, m3),),
        window,
        service_base_s=service_s,
        required=required,
        prize_fen=prize_fen,
    )


def truck(count: int = 1, kg: float = 1000.0, m3: float = 10.0, **options: Any) -> VehicleType:
    """A truck type based at depot ``d`` costing 1 yuan per km."""
    defaults: dict[str, Any] = {
        "shift": SHIFT,
        "start_depot": "d",
        "end_depot": "d",
        "cost_per_km_fen": 100,
    }
    return VehicleType("truck", count, kg, m3, **{**defaults, **options})


def line_problem(
    positions: Sequence[int],
    stops: Sequence[Stop],
    vehicle_types: Sequence[VehicleType] = (),
    *,
    facilities: Sequence[Facility] = (),
    coords: Sequence[tuple[float, float]] | None = None,
) -> CollectionProblem:
    """Locations at ``positions`` metres along one road (location 0 is depot ``d``).

    With ``coords``, locations are points in the plane instead (rounded Euclidean metres).
    """
    if coords is None:
        xy = np.array([(p, 0.0) for p in positions], dtype=float)
    else:
        xy = np.array(coords, dtype=float)
    distance = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    distance = distance.astype(np.int64)
    return CollectionProblem(
        locations=tuple(Location(x, y) for x, y in xy),
        depots=(Depot("d", 0),),
        facilities=tuple(facilities),
        stops=tuple(stops),
        vehicle_types=tuple(vehicle_types) or (truck(),),
        distance_m=distance,
        duration_s=distance // SPEED_M_S,
    )


def sorting_centre(location: int, *, unload_s: int = 600) -> Facility:
    """A sorting centre open all day."""
    return Facility("centre", location, DAY, unload_s)


def solve_checked(problem: CollectionProblem, **options: Any) -> Plan:
    """Solve with a small budget and assert the checker finds nothing.

    With an ``engine`` option, also assert that this engine made the plan (no silent
    fallback). GLS keeps searching when a small model has no improving move left, so
    the time limit, not the solution limit, ends some OR-Tools solves: keep it short.
    """
    options = {"time_limit_s": 2, "solution_limit": 500, **options}
    plan = solve(problem, **options)
    assert check(problem, plan) == []
    if options.get("engine", "auto") != "auto":
        assert plan.search is not None and plan.search.engine == options["engine"]
    return plan


EVERY_ENGINE = ("exhaustive", "pyvrp", "ortools")
"""Engines that can plan a tiny day without breaks; tests run the known optima on each."""

NO_BREAK_ENGINES = ("pyvrp", "ortools")
"""Local-search engines for days with more stops than the exhaustive engine takes."""

BREAK_ENGINES = ("exhaustive", "pyvrp+ortools", "ortools")
"""Engines that model driver breaks and "unload before the end"."""
