"""Random small collection days: every plan the solver returns passes the checker."""

from __future__ import annotations

import numpy as np
import pytest

from routing import (
    UNREACHABLE,
    Break,
    CollectionProblem,
    Depot,
    Facility,
    Load,
    Location,
    Stop,
    TimeWindow,
    VehicleType,
)
from tests.routing.builders import hm, solve_checked


def _random_day(seed: int) -> CollectionProblem:
    """Up to 14 stops, 0-2 facilities, mixed windows, breaks, limits and one-way arcs."""
    rng = np.random.default_rng(seed)
    n, nf = int(rng.integers(5, 15)), int(rng.integers(0, 3))
    xy = rng.uniform(-8000, 8000, size=(1 + nf + n, 2))
    distance = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    distance = distance.astype(np.int64)
    duration = (distance * rng.uniform(0.08, 0.15)).astype(np.int64)
    a, b = rng.integers(1, 1 + nf + n, size=2)
    if a != b:
        distance[a, b] = duration[a, b] = UNREACHABLE
    stops = []
    for k in range(n):
        opens = int(rng.integers(hm(6), hm(16)))
        narrow = TimeWindow(opens, opens + int(rng.integers(600, 4 * 3600)))
        stops.append(
            Stop(
                f"s{k}",
                1 + nf + k,
                (Load("paper", float(rng.uniform(10, 300)), float(rng.uniform(0, 2))),),
                narrow if rng.random() < 0.6 else TimeWindow(0, hm(23)),
                service_base_s=int(rng.integers(60, 600)),
                service_s_per_kg=float(rng.uniform(0, 2)),
                required=bool(rng.random() < 0.7),
                prize_fen=int(rng.integers(0, 3000)),
            )
        )
    facilities = [
        Facility(f"f{k}", 1 + k, TimeWindow(hm(int(rng.integers(5, 9))), hm(20)), 600) for k in range(nf)
    ]
    fleet = VehicleType(
        "truck",
        int(rng.integers(1, 4)),
        float(rng.uniform(300, 1500)),
        float(rng.uniform(3, 10)),
        TimeWindow(hm(6), hm(int(rng.integers(14, 20)))),
        "d",
        "d",
        fixed_cost_fen=int(rng.integers(0, 5000)),
        cost_per_km_fen=int(rng.integers(50, 300)),
        breaks=(Break(2700, hm(11, 30), hm(13, 30)),) if rng.random() < 0.6 else (),
        max_duration_s=int(rng.integers(4, 10)) * 3600 if rng.random() < 0.4 else None,
        unload_before_end=bool(nf and rng.random() < 0.3),
    )
    return CollectionProblem(
        tuple(Location(x, y) for x, y in xy),
        (Depot("d", 0),),
        tuple(facilities),
        tuple(stops),
        (fleet,),
        distance,
        duration,
    )


@pytest.mark.parametrize("engine", ["auto", "ortools"])
@pytest.mark.parametrize("seed", range(8))
def test_random_day_plan_is_feasible(seed: int, engine: str) -> None:
    """Reloads, breaks, windows, limits: the independent checker finds no violation."""
    plan = solve_checked(_random_day(seed), time_limit_s=1, solution_limit=200, engine=engine)
    assert plan.stops_served + len(plan.unassigned) == len(_random_day(seed).stops)
