"""The independent checker catches violations injected into a feasible plan."""

from __future__ import annotations

from dataclasses import replace

from routing import (
    BreakTaken,
    CollectionProblem,
    Plan,
    TimeWindow,
    ViolationKind,
    check,
)
from tests.routing.builders import (
    LUNCH,
    hm,
    line_problem,
    solve_checked,
    sorting_centre,
    stop,
    truck,
)


def _solved() -> tuple[CollectionProblem, Plan]:
    """Four 100 kg stops, a 250 kg truck with lunch, a centre on the way."""
    stops = [stop(f"s{i}", i, kg=100, window=TimeWindow(hm(6), hm(18))) for i in range(1, 5)]
    problem = line_problem(
        [0, 1000, 2000, 3000, 4000, 2500],
        stops,
        [truck(kg=250, breaks=(LUNCH,))],
        facilities=[sorting_centre(5)],
    )
    return problem, solve_checked(problem)


def _kinds(problem: CollectionProblem, plan: Plan) -> set[ViolationKind]:
    return {v.kind for v in check(problem, plan)}


def _with_visits(plan: Plan, visits: tuple[object, ...]) -> Plan:
    return replace(plan, routes=(replace(plan.routes[0], visits=visits),))


def test_feasible_plan_has_no_violations() -> None:
    """The solver's plan passes."""
    problem, plan = _solved()
    assert check(problem, plan) == []


def test_missing_stop_is_caught() -> None:
    """Dropping a visit without reporting the stop unassigned is a coverage violation."""
    problem, plan = _solved()
    visits = tuple(v for v in plan.routes[0].visits if v.id != "s1")
    assert ViolationKind.COVERAGE in _kinds(problem, _with_visits(plan, visits))


def test_overload_is_caught() -> None:
    """Removing the unloading leaves 400 kg on a 250 kg truck."""
    problem, plan = _solved()
    visits = tuple(v for v in plan.routes[0].visits if v.id != "centre")
    assert ViolationKind.CAPACITY in _kinds(problem, _with_visits(plan, visits))


def test_window_and_travel_violations_are_caught() -> None:
    """Serving the first stop before its window and faster than driving is caught."""
    problem, plan = _solved()
    first, *rest = plan.routes[0].visits
    early = replace(first, arrival_s=hm(5), departure_s=hm(5))
    kinds = _kinds(problem, _with_visits(plan, (early, *rest)))
    assert {ViolationKind.WINDOW, ViolationKind.TRAVEL} <= kinds


def test_skipped_break_is_caught() -> None:
    """A route without its lunch break is a break violation."""
    problem, plan = _solved()
    route = replace(plan.routes[0], breaks=())
    assert ViolationKind.BREAK in _kinds(problem, replace(plan, routes=(route,)))


def test_break_during_service_is_caught() -> None:
    """A break that overlaps an unloading is a break violation."""
    problem, plan = _solved()
    unload = next(v for v in plan.routes[0].visits if v.id == "centre")
    route = replace(plan.routes[0], breaks=(BreakTaken(unload.arrival_s, LUNCH.duration_s),))
    assert ViolationKind.BREAK in _kinds(problem, replace(plan, routes=(route,)))


def test_wrong_distance_and_load_are_caught() -> None:
    """Misreported km and load after a stop are caught."""
    problem, plan = _solved()
    first, *rest = plan.routes[0].visits
    route = replace(plan.routes[0], distance_m=1, visits=(replace(first, load_kg=first.load_kg + 1), *rest))
    kinds = _kinds(problem, replace(plan, routes=(route,)))
    assert {ViolationKind.DISTANCE, ViolationKind.LOAD} <= kinds


def test_shift_and_duration_violations_are_caught() -> None:
    """A route ending after the shift and exceeding the maximum duration is caught."""
    problem, plan = _solved()
    strict = replace(problem, vehicle_types=(replace(problem.vehicle_types[0], max_duration_s=60),))
    route = replace(plan.routes[0], end_s=hm(23))
    kinds = _kinds(strict, replace(plan, routes=(route,)))
    assert {ViolationKind.SHIFT, ViolationKind.DURATION} <= kinds
