"""solve() on tiny instances whose optimum is obvious or brute-forced."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from routing import (
    UNREACHABLE,
    CollectionProblem,
    Facility,
    Reason,
    TimeWindow,
    VisitKind,
)
from tests.routing.builders import (
    BREAK_ENGINES,
    EVERY_ENGINE,
    LUNCH,
    NO_BREAK_ENGINES,
    hm,
    line_problem,
    solve_checked,
    sorting_centre,
    stop,
    truck,
)


@pytest.mark.parametrize("engine", NO_BREAK_ENGINES)
def test_single_truck_finds_brute_forced_optimal_tour(engine: str) -> None:
    """Six stops in the plane: the plan's distance equals the best of all 720 orders."""
    coords = [
        (0, 0),
        (3000, 500),
        (-2000, 2500),
        (1500, -3000),
        (4000, 4000),
        (-3500, -1000),
        (500, 3500),
    ]
    problem = line_problem([], [stop(f"s{i}", i) for i in range(1, 7)], coords=coords)
    d = problem.distance_m
    best = min(
        sum(int(d[a, b]) for a, b in itertools.pairwise((0, *order, 0)))
        for order in itertools.permutations(range(1, 7))
    )
    plan = solve_checked(problem, engine=engine)
    assert plan.distance_m == best
    assert len(plan.routes) == 1


@pytest.mark.parametrize("engine", NO_BREAK_ENGINES)
def test_full_truck_unloads_at_the_sorting_centre_on_the_way(engine: str) -> None:
    """400 kg for a 250 kg truck: one unload at the centre (2.5 km) keeps it to 8 km."""
    stops = [stop(f"s{i}", i, kg=100) for i in range(1, 5)]
    problem = line_problem(
        [0, 1000, 2000, 3000, 4000, 2500],
        stops,
        [truck(kg=250)],
        facilities=[sorting_centre(5)],
    )
    plan = solve_checked(problem, engine=engine)
    (route,) = plan.routes
    assert route.distance_m == 8000
    assert [v.kind for v in route.visits].count(VisitKind.UNLOAD) == 1
    assert max(v.load_kg for v in route.visits) <= 250


@pytest.mark.parametrize("engine", NO_BREAK_ENGINES)
def test_bulky_loads_also_force_an_unload(engine: str) -> None:
    """Light but bulky loads: the m3 capacity, not the kg one, sends the truck to unload."""
    stops = [stop(f"s{i}", i, kg=1, m3=3.0) for i in range(1, 5)]
    problem = line_problem(
        [0, 1000, 2000, 3000, 4000, 2500],
        stops,
        [truck(m3=7.0)],
        facilities=[sorting_centre(5)],
    )
    plan = solve_checked(problem, engine=engine)
    assert plan.stops_served == 4
    assert any(v.kind is VisitKind.UNLOAD for r in plan.routes for v in r.visits)


@pytest.mark.parametrize("engine", ["exhaustive", "ortools"])
def test_truck_that_must_unload_ends_its_day_at_the_facility(engine: str) -> None:
    """With unload_before_end, the last visit of a route is an unloading."""
    problem = line_problem(
        [0, 1000, 2000, 1500],
        [stop("a", 1), stop("b", 2)],
        [truck(unload_before_end=True)],
        facilities=[sorting_centre(3)],
    )
    plan = solve_checked(problem, engine=engine)
    assert plan.routes[0].visits[-1].kind is VisitKind.UNLOAD


@pytest.mark.parametrize("engine", EVERY_ENGINE)
def test_time_window_forces_the_order(engine: str) -> None:
    """Both orders are 4 km; the far stop's early window puts it first."""
    near = stop("near", 1, window=TimeWindow(hm(9), hm(17)))
    far = stop("far", 2, window=TimeWindow(hm(6), hm(6, 10)))
    plan = solve_checked(line_problem([0, 1000, 2000], [near, far]), engine=engine)
    assert plan.routes[0].stop_ids == ("far", "near")
    assert plan.distance_m == 4000


@pytest.mark.parametrize("engine", BREAK_ENGINES)
def test_break_is_taken_within_its_window_between_visits(engine: str) -> None:
    """Work at 11:00 and 13:30 around lunch: the 45-minute break falls in 11:30-13:30."""
    morning = stop("morning", 1, window=TimeWindow(hm(11), hm(11)), service_s=600)
    afternoon = stop("afternoon", 2, window=TimeWindow(hm(13, 30), hm(13, 30)))
    problem = line_problem([0, 1000, 2000], [morning, afternoon], [truck(breaks=(LUNCH,))])
    plan = solve_checked(problem, engine=engine)
    (route,) = plan.routes
    (lunch,) = route.breaks
    assert lunch.duration_s == 45 * 60
    assert hm(11, 30) <= lunch.start_s and lunch.end_s <= hm(13, 30)
    assert route.visits[0].departure_s <= lunch.start_s < route.visits[1].arrival_s


@pytest.mark.parametrize("engine", BREAK_ENGINES)
def test_break_interrupts_the_drive_home(engine: str) -> None:
    """A 12:45 stop 30 km out: lunch can only start at 12:45, on the 50-minute drive back."""
    far = stop("far", 1, window=TimeWindow(hm(12, 45), hm(12, 45)))
    shift = TimeWindow(hm(11, 30), hm(14, 30))
    plan = solve_checked(
        line_problem([0, 30_000], [far], [truck(breaks=(LUNCH,), shift=shift)]), engine=engine
    )
    (route,) = plan.routes
    (lunch,) = route.breaks
    assert lunch.start_s == hm(12, 45)
    assert route.end_s == hm(12, 45) + 3000 + 45 * 60


@pytest.mark.parametrize("engine", BREAK_ENGINES)
def test_break_that_leaves_no_room_drops_a_stop_with_reason(engine: str) -> None:
    """Back-to-back required stops that leave no gap for lunch: one cannot be served."""
    stops = [
        stop("a", 1, window=TimeWindow(hm(11, 30), hm(11, 30)), service_s=3600),
        stop("b", 1, window=TimeWindow(hm(12, 30), hm(12, 30)), service_s=3600),
    ]
    problem = line_problem([0, 1000], stops, [truck(breaks=(LUNCH,))])
    plan = solve_checked(problem, engine=engine)
    assert plan.stops_served == 1
    (left,) = plan.unassigned
    assert left.reason is Reason.NO_ROUTE_FOUND


@pytest.mark.parametrize("engine", EVERY_ENGINE)
def test_optional_stop_is_served_when_its_prize_beats_the_detour(engine: str) -> None:
    """The optional stop 2 km beyond the required one costs 4 km = 4 yuan extra."""
    stops = [stop("req", 1), stop("opt", 2, required=False, prize_fen=500)]
    plan = solve_checked(line_problem([0, 1000, 3000], stops), engine=engine)
    assert set(plan.routes[0].stop_ids) == {"req", "opt"}


@pytest.mark.parametrize("engine", EVERY_ENGINE)
def test_optional_stop_is_skipped_when_the_detour_costs_more(engine: str) -> None:
    """A 3-yuan prize does not pay a 4-yuan detour: skipped as not profitable."""
    stops = [stop("req", 1), stop("opt", 2, required=False, prize_fen=300)]
    plan = solve_checked(line_problem([0, 1000, 3000], stops), engine=engine)
    assert plan.routes[0].stop_ids == ("req",)
    assert [(u.stop_id, u.reason) for u in plan.unassigned] == [("opt", Reason.NOT_PROFITABLE)]


def test_stop_heavier_than_any_truck_is_reported_not_crashed() -> None:
    """A 2-tonne outlet for 1-tonne trucks is unassigned as too heavy; the rest is served."""
    stops = [stop("huge", 1, kg=2000), stop("ok", 2)]
    plan = solve_checked(line_problem([0, 1000, 2000], stops))
    assert plan.routes[0].stop_ids == ("ok",)
    (left,) = plan.unassigned
    assert (left.stop_id, left.reason) == ("huge", Reason.TOO_HEAVY)
    assert "2000.0 kg" in left.detail


def test_zero_vehicle_fleet_leaves_every_stop_unassigned_with_reason() -> None:
    """No trucks: an empty plan whose unassigned stops all say so."""
    problem = line_problem([0, 1000, 2000], [stop("a", 1), stop("b", 2)], [truck(count=0)])
    plan = solve_checked(problem)
    assert plan.routes == ()
    assert {u.reason for u in plan.unassigned} == {Reason.NO_VEHICLES}


def test_unreachable_stop_is_reported() -> None:
    """A stop in another network component gets reason UNREACHABLE."""
    base = line_problem([0, 1000, 2000], [stop("a", 1), stop("island", 2)])
    distance, duration = base.distance_m.copy(), base.duration_s.copy()
    for matrix in (distance, duration):
        matrix[2, :2] = matrix[:2, 2] = UNREACHABLE
    problem = _with_matrices(base, distance, duration)
    plan = solve_checked(problem)
    assert plan.routes[0].stop_ids == ("a",)
    assert [(u.stop_id, u.reason) for u in plan.unassigned] == [("island", Reason.UNREACHABLE)]


@pytest.mark.parametrize("engine", EVERY_ENGINE)
def test_one_way_arc_is_never_driven(engine: str) -> None:
    """With a->b closed (one-way street), the route goes b then a."""
    base = line_problem([0, 1000, 2000], [stop("a", 1), stop("b", 2)])
    distance, duration = base.distance_m.copy(), base.duration_s.copy()
    distance[1, 2] = duration[1, 2] = UNREACHABLE
    plan = solve_checked(_with_matrices(base, distance, duration), engine=engine)
    assert plan.routes[0].stop_ids == ("b", "a")


def test_window_nobody_can_reach_is_reported() -> None:
    """A window closing before the first truck could arrive: reason TIME_WINDOW."""
    early = stop("early", 1, window=TimeWindow(hm(5), hm(5, 30)))
    plan = solve_checked(line_problem([0, 1000], [early]))
    (left,) = plan.unassigned
    assert left.reason is Reason.TIME_WINDOW
    assert "06:01" in left.detail


@pytest.mark.parametrize("engine", EVERY_ENGINE)
def test_max_route_duration_splits_the_work(engine: str) -> None:
    """Two stops 5 km apart in opposite directions, 1.5 h routes: two trucks needed."""
    stops = [stop("east", 1, service_s=2400), stop("west", 2, service_s=2400)]
    problem = line_problem([0, 5000, -5000], stops, [truck(count=2, max_duration_s=5400)])
    plan = solve_checked(problem, engine=engine)
    assert len(plan.routes) == 2
    assert all(r.end_s - r.start_s <= 5400 for r in plan.routes)


@pytest.mark.parametrize("engine", EVERY_ENGINE)
def test_fixed_cost_prefers_fewer_trucks(engine: str) -> None:
    """Fixed cost 100 yuan: one truck does both stops although two would drive less."""
    stops = [stop("east", 1), stop("west", 2)]
    problem = line_problem([0, 5000, -5000], stops, [truck(count=2, fixed_cost_fen=10_000)])
    plan = solve_checked(problem, engine=engine)
    assert len(plan.routes) == 1
    assert plan.cost_fen == 10_000 + 2000


@pytest.mark.parametrize("engine", NO_BREAK_ENGINES)
def test_same_seed_and_solution_limit_give_the_same_plan(engine: str) -> None:
    """Determinism: two runs with one seed and a solution limit are identical."""
    rng = np.random.default_rng(7)
    coords = [(0.0, 0.0)] + [tuple(p) for p in rng.uniform(-5000, 5000, size=(15, 2))]
    stops = [stop(f"s{i}", i, kg=100) for i in range(1, 16)]
    problem = line_problem([], stops, [truck(count=3, kg=600)], coords=coords)
    first = solve_checked(problem, seed=3, solution_limit=300, time_limit_s=30, engine=engine)
    second = solve_checked(problem, seed=3, solution_limit=300, time_limit_s=30, engine=engine)
    assert first == second
    assert first.search is not None and first.search.stopped_by == "solution_limit"


def _with_matrices(
    base: CollectionProblem,
    distance: np.ndarray,
    duration: np.ndarray,  # type: ignore[type-arg]
) -> CollectionProblem:
    return CollectionProblem(
        base.locations,
        base.depots,
        base.facilities,
        base.stops,
        base.vehicle_types,
        distance,
        duration,
    )


@pytest.mark.parametrize("engine", EVERY_ENGINE)
def test_facility_closed_during_the_shift_is_not_used(engine: str) -> None:
    """A centre open only at night is ignored; the day is planned without unloading."""
    night = Facility("night", 3, TimeWindow(hm(21), hm(23)), 600)
    problem = line_problem([0, 1000, 2000, 1500], [stop("a", 1), stop("b", 2)], facilities=[night])
    plan = solve_checked(problem, engine=engine)
    assert plan.stops_served == 2
    assert all(v.kind is VisitKind.STOP for r in plan.routes for v in r.visits)


def test_a_day_with_a_lunch_break_is_reported_compact_from_shift_start() -> None:
    """With a break in the rules, the truck leaves at shift start and returns when done."""
    from routing import Break
    from tests.routing.builders import hm, line_problem, solve_checked, sorting_centre, stop, truck

    lunch = Break(duration_s=45 * 60, earliest_start_s=hm(11, 30), latest_end_s=hm(13, 30))
    positions = [0, *[500 * i for i in range(1, 21)], 3000]
    stops = [
        stop(f"s{i}", i, kg=120, service_s=8 * 60, window=TimeWindow(hm(7), hm(19))) for i in range(1, 21)
    ]
    problem = line_problem(
        positions,
        stops,
        [truck(count=2, kg=1000, shift=TimeWindow(hm(7), hm(17)), breaks=(lunch,), max_duration_s=10 * 3600)],
        facilities=[sorting_centre(21, unload_s=30 * 60)],
    )
    plan = solve_checked(problem, engine="ortools")
    work = sum(s.service_s for s in stops) + 3 * 30 * 60
    for route in plan.routes:
        assert route.start_s == hm(7)
    # Services, three unloads, a lunch break and short drives: nowhere near closing time.
    assert max(r.end_s for r in plan.routes) < hm(7) + work + 45 * 60 + 3600
