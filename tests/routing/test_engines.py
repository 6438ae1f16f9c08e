"""Which engine plans a day, and what each engine promises beyond the optimum tests."""

from __future__ import annotations

import numpy as np
import pytest

from routing import (
    CollectionProblem,
    Depot,
    InfeasibleLockError,
    LockedRoute,
    LockedStop,
    Reason,
    TimeWindow,
    VehicleType,
    check,
    solve,
)
from tests.routing.builders import (
    LUNCH,
    SHIFT,
    line_problem,
    solve_checked,
    sorting_centre,
    stop,
    truck,
)


def _spread(n: int, **truck_options: object) -> CollectionProblem:
    """``n`` 100 kg stops scattered over 10 x 10 km, three 600 kg trucks."""
    rng = np.random.default_rng(n)
    coords = [(0.0, 0.0)] + [tuple(p) for p in rng.uniform(-5000, 5000, size=(n, 2))]
    stops = [stop(f"s{i}", i, kg=100) for i in range(1, n + 1)]
    return line_problem([], stops, [truck(count=3, kg=600, **truck_options)], coords=coords)


def test_tiny_day_is_enumerated_and_returns_at_once() -> None:
    """Two stops: the exhaustive engine proves the optimum instead of searching 30 s."""
    plan = solve(line_problem([0, 1000, 2000], [stop("a", 1), stop("b", 2)]), time_limit_s=30)
    assert plan.search is not None
    assert (plan.search.engine, plan.search.stopped_by) == ("exhaustive", "exhausted")
    assert plan.search.wall_s < 3
    assert plan.distance_m == 4000


def test_day_without_breaks_goes_to_pyvrp() -> None:
    """Eight stops, nothing PyVRP lacks: PyVRP plans it."""
    plan = solve_checked(_spread(8))
    assert plan.search is not None and plan.search.engine == "pyvrp"


def test_day_with_breaks_is_sketched_by_pyvrp_and_finished_by_ortools() -> None:
    """Breaks are the only thing PyVRP lacks: the hybrid engine plans the day."""
    plan = solve_checked(_spread(8, breaks=(LUNCH,)))
    assert plan.search is not None and plan.search.engine == "pyvrp+ortools"
    assert all(len(r.breaks) == 1 for r in plan.routes)


def test_sketch_and_finish_is_deterministic_for_a_seed() -> None:
    """PyVRP's sketch and OR-Tools' finish both under a solution limit: the same plan twice."""
    problem = _spread(12, breaks=(LUNCH,))
    first = solve_checked(problem, seed=5, solution_limit=200, time_limit_s=30)
    second = solve_checked(problem, seed=5, solution_limit=200, time_limit_s=30)
    assert first == second
    assert first.search is not None and first.search.stopped_by == "solution_limit"


def test_unloading_before_the_end_goes_to_ortools() -> None:
    """ "Unload before going home" is beyond PyVRP: OR-Tools plans the day."""
    problem = line_problem(
        [0, 1000, 2000, 3000, 4000, 1500],
        [stop(f"s{i}", i) for i in range(1, 5)],
        [truck(unload_before_end=True)],
        facilities=[sorting_centre(5)],
    )
    plan = solve_checked(problem)
    assert plan.search is not None and plan.search.engine == "ortools"


def test_pinned_stop_goes_to_ortools() -> None:
    """A stop locked to one truck is beyond PyVRP: OR-Tools keeps it there."""
    plan = solve_checked(_spread(8), locked=[LockedStop("s1", "truck", 2)])
    assert plan.search is not None and plan.search.engine == "ortools"
    assert next(r for r in plan.routes if "s1" in r.stop_ids).unit == 2


def test_requested_engine_that_cannot_plan_the_day_is_replaced() -> None:
    """Asking PyVRP for a day with breaks gets the rule's engine, and the plan says so."""
    problem = _spread(8, breaks=(LUNCH,))
    plan = solve(problem, time_limit_s=2, solution_limit=300, engine="pyvrp")
    assert check(problem, plan) == []
    assert plan.search is not None and plan.search.engine == "pyvrp+ortools"


def test_pyvrp_leaves_out_what_the_fleet_cannot_serve() -> None:
    """Five one-hour stops for one 3-hour truck: PyVRP serves two and gives reasons."""
    stops = [stop(f"s{i}", 1, service_s=3600) for i in range(5)]
    short = truck(shift=TimeWindow(SHIFT.start_s, SHIFT.start_s + 3 * 3600))
    plan = solve_checked(line_problem([0, 1000], stops, [short]), engine="pyvrp")
    assert plan.stops_served == 2
    assert {u.reason for u in plan.unassigned} == {Reason.NO_ROUTE_FOUND}


def test_pyvrp_keeps_each_truck_type_at_its_own_depot() -> None:
    """Two depots 10 km apart, one truck each: each serves the two stops next to it."""
    base = line_problem(
        [0, 10_000, 500, 1000, 9500, 9000],
        [stop(f"w{i}", i) for i in (2, 3)] + [stop(f"e{i}", i) for i in (4, 5)],
    )
    problem = CollectionProblem(
        base.locations,
        (Depot("d", 0), Depot("far", 1)),
        (),
        base.stops,
        (truck(), VehicleType("east", 1, 1000, 10, SHIFT, "far", "far", cost_per_km_fen=100)),
        base.distance_m,
        base.duration_s,
    )
    plan = solve_checked(problem, engine="pyvrp")
    served = {r.vehicle_type_id: set(r.stop_ids) for r in plan.routes}
    assert served == {"truck": {"w2", "w3"}, "east": {"e4", "e5"}}
    assert plan.distance_m == 4000


@pytest.mark.parametrize("engine", ["exhaustive", "ortools"])
def test_locked_stop_holds_on_a_tiny_day(engine: str) -> None:
    """A stop locked to truck#1 stays there, whichever engine plans the day."""
    problem = line_problem([0, 1000, 2000], [stop("a", 1), stop("b", 2)], [truck(count=2)])
    plan = solve_checked(problem, locked=[LockedStop("a", "truck", 1)], engine=engine)
    assert next(r for r in plan.routes if "a" in r.stop_ids).unit == 1


def test_locked_route_is_kept_and_the_rest_enumerated() -> None:
    """A locked route is driven as it is; the one free stop goes to the other truck."""
    problem = line_problem(
        [0, 1000, 2000, 3000], [stop("a", 1), stop("b", 2), stop("c", 3)], [truck(count=2)]
    )
    lock = LockedRoute("truck", 0, ("b", "a"))
    plan = solve_checked(problem, locked=[lock])
    assert plan.search is not None and plan.search.engine == "exhaustive"
    routes = {r.unit: r.stop_ids for r in plan.routes}
    assert routes[0] == ("b", "a")
    assert routes[1] == ("c",)


def test_locked_route_that_cannot_be_driven_is_reported_by_the_exhaustive_engine() -> None:
    """A locked route over capacity raises InfeasibleLockError on a tiny day too."""
    problem = line_problem([0, 1000, 2000], [stop("a", 1, kg=600), stop("b", 2, kg=600)])
    with pytest.raises(InfeasibleLockError):
        solve(problem, locked=[LockedRoute("truck", 0, ("a", "b"))])


def test_breaks_before_and_after_a_short_route_are_taken_off_the_road() -> None:
    """A morning-only and an afternoon-only stop, two trucks: each takes lunch off duty."""
    early = stop("early", 1, window=TimeWindow(6 * 3600, 7 * 3600))
    late = stop("late", 2, window=TimeWindow(15 * 3600, 16 * 3600))
    problem = line_problem(
        [0, 1000, 2000], [early, late], [truck(count=2, breaks=(LUNCH,), max_duration_s=3600)]
    )
    plan = solve_checked(problem, engine="exhaustive")
    assert len(plan.routes) == 2
    for route in plan.routes:
        (lunch,) = route.breaks
        assert lunch.end_s <= route.start_s or lunch.start_s >= route.end_s


@pytest.mark.parametrize("seed", range(6))
def test_exhaustive_plan_is_never_worse_than_the_local_searches(seed: int) -> None:
    """Random three-stop days with breaks and reloads: the enumerated optimum wins or ties."""
    problem = _tiny_random_day(seed)
    best = solve_checked(problem, engine="exhaustive")
    searched = solve_checked(problem, engine="ortools", time_limit_s=0.5, solution_limit=300)
    assert best.search is not None and searched.search is not None
    assert best.search.objective <= searched.search.objective


def _tiny_random_day(seed: int) -> CollectionProblem:
    rng = np.random.default_rng(100 + seed)
    coords = [(0.0, 0.0), (2000.0, -1000.0)] + [tuple(p) for p in rng.uniform(-6000, 6000, size=(3, 2))]
    stops = [
        stop(
            f"s{k}",
            2 + k,
            kg=float(rng.uniform(100, 400)),
            window=TimeWindow(int(rng.integers(6, 14)) * 3600, 15 * 3600),
            service_s=int(rng.integers(300, 2400)),
            required=bool(rng.random() < 0.6),
            prize_fen=int(rng.integers(0, 4000)),
        )
        for k in range(3)
    ]
    fleet = truck(count=2, kg=500, breaks=(LUNCH,), fixed_cost_fen=int(rng.integers(0, 3000)))
    return line_problem([], stops, [fleet], facilities=[sorting_centre(1)], coords=coords)


@pytest.mark.parametrize("engine", ["pyvrp", "ortools"])
def test_stops_without_loads_are_planned(engine: str) -> None:
    """Stops handing over nothing (no load dimension at all): a checked plan serving all."""
    problem = line_problem([0, 1000, 2000, 3000, 4000], [stop(f"s{i}", i, kg=0) for i in range(1, 5)])
    plan = solve_checked(problem, engine=engine)
    assert plan.stops_served == 4
