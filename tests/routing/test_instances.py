"""Benchmark readers, conventions and solve_instance() on bundled instances."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from routing import check
from routing.instances import (
    Convention,
    Instance,
    Objective,
    check_routes,
    read_instance,
    route_distance,
    solve_instance,
    to_problem,
)

DATA = Path(__file__).parent / "data"


def _truncated_c101(tmp_path: Path, customers: int) -> Path:
    """C101 with its first customers only: how the classic 25-customer set is built."""
    lines = (DATA / "C101.txt").read_text().splitlines()
    keep = [
        line
        for line in lines
        if not (line.split() and line.split()[0].isdigit() and len(line.split()) == 7)
        or int(line.split()[0]) <= customers
    ]
    path = tmp_path / f"C101_{customers}.txt"
    path.write_text("\n".join(keep) + "\n")
    return path


def test_solomon_reader_reads_fleet_and_customers() -> None:
    """C101: 25 vehicles of 200, 100 customers; customer 1 as in the file."""
    instance = read_instance(DATA / "C101.txt")
    assert (instance.vehicles, instance.capacity, instance.n_customers) == (25, 200, 100)
    assert instance.coords[1] == (45.0, 68.0)
    assert (instance.demands[1], instance.windows and instance.windows[1]) == (10, (912, 967))
    assert instance.service_times[1] == 90


def test_vrplib_reader_reproduces_the_best_known_cost() -> None:
    """X-n101-k25: the .sol routes cost exactly 27591 in EUC_2D (nint per edge)."""
    instance = read_instance(DATA / "X-n101-k25.vrp")
    routes = [
        [int(c) for c in line.split(":")[1].split()]
        for line in (DATA / "X-n101-k25.sol").read_text().splitlines()
        if line.startswith("Route")
    ]
    assert instance.n_customers == 100 and instance.capacity == 206
    assert route_distance(instance, routes, convention=Convention.EUC_2D) == 27591


def test_conventions_differ_as_documented() -> None:
    """An edge of length sqrt(2): 1.41421... exact, 1.4 DIMACS, 1 EUC_2D."""
    instance = read_instance(DATA / "C101.txt")
    instance = type(instance)(**{**instance.__dict__, "coords": ((0.0, 0.0), (1.0, 1.0))})
    routes = [[1]]
    assert route_distance(instance, routes, convention=Convention.EXACT) == pytest.approx(2 * 2**0.5)
    assert route_distance(instance, routes, convention=Convention.DIMACS) == pytest.approx(2.8)
    assert route_distance(instance, routes, convention=Convention.EUC_2D) == 2


def test_c101_with_25_customers_reaches_its_optimum(tmp_path: Path) -> None:
    """C101.25 is solved to its known optimum, 191.3 (DIMACS) with 3 vehicles."""
    path = _truncated_c101(tmp_path, 25)
    result = solve_instance(path, time_limit_s=30, seed=0, solution_limit=300, convention="dimacs")
    served = sorted(c for route in result["routes"] for c in route)
    assert served == list(range(1, 26))
    instance = read_instance(path)
    dimacs = route_distance(instance, result["routes"], convention=Convention.DIMACS)
    assert dimacs == pytest.approx(191.3)
    assert result["vehicles"] == 3


def test_solve_instance_prints_the_cli_json(tmp_path: Path) -> None:
    """The result has the CLI keys plus convention and violations, is JSON-able, its distance exact."""
    path = _truncated_c101(tmp_path, 10)
    result = solve_instance(path, time_limit_s=1, objective="vehicles-then-distance", solution_limit=200)
    assert set(json.loads(json.dumps(result))) == {
        "vehicles",
        "distance",
        "routes",
        "solve_seconds",
        "convention",
        "violations",
    }
    exact = route_distance(read_instance(path), result["routes"], convention=Convention.EXACT)
    assert result["distance"] == pytest.approx(exact)


def test_instance_problem_plans_pass_the_checker(tmp_path: Path) -> None:
    """A plan solved on the exact-convention C101.10 problem is feasible for the checker."""
    from routing import solve

    instance = read_instance(_truncated_c101(tmp_path, 10))
    problem = to_problem(instance, convention=Convention.EXACT, objective=Objective.VEHICLES_THEN_DISTANCE)
    plan = solve(problem, time_limit_s=1, solution_limit=200)
    assert check(problem, plan) == []
    assert plan.stops_served == 10


def test_time_limit_too_short_for_a_first_plan_reports_every_stop() -> None:
    """OR-Tools with 1 ms on 100 customers: every stop unassigned with a reason, no crash."""
    from routing import Reason, solve

    problem = to_problem(read_instance(DATA / "C101.txt"), convention=Convention.DIMACS)
    plan = solve(problem, time_limit_s=0.001, engine="ortools")
    assert plan.routes == ()
    assert {u.reason for u in plan.unassigned} == {Reason.NO_ROUTE_FOUND}
    assert len(plan.unassigned) == 100


def _chain(due: int) -> Instance:
    """Depot at the origin and five customers a diagonal step (sqrt 2) apart, the last due at ``due``."""
    coords = tuple((float(i), float(i)) for i in range(6))
    windows = ((0, 100), (0, 100), (0, 100), (0, 100), (0, 100), (0, due))
    return Instance("chain", "solomon", coords, (0, 1, 1, 1, 1, 1), windows, (0,) * 6, 10, 1)


def test_checker_finds_a_service_after_its_due_time_in_double_precision() -> None:
    """Five steps of 1.414... arrive at 7.07 for a due time of 7, which DIMACS's 5 x 1.4 = 7.0 hides."""
    assert route_distance(_chain(7), [[1, 2, 3, 4, 5]], convention=Convention.DIMACS) == pytest.approx(14.0)
    problems = check_routes(_chain(7), [[1, 2, 3, 4, 5]])
    assert len(problems) == 1 and problems[0].startswith("route 1: customer 5 served at 7.07")
    assert check_routes(_chain(8), [[1, 2, 3, 4, 5]]) == []


def test_checker_names_missing_and_repeated_customers_and_overloads() -> None:
    """A customer served twice, one never, and a route over capacity are each reported."""
    instance = _chain(100)
    instance = Instance(**{**instance.__dict__, "capacity": 2})
    problems = check_routes(instance, [[1, 2, 2], [3, 4]])
    assert "customer 2 is served 2 times" in problems and "customer 5 is not served" in problems
    assert "route 1: load 3 exceeds capacity 2" in problems and "2 routes for a fleet of 1" in problems


def test_default_plans_keep_every_time_window_in_double_precision() -> None:
    """R104 under the distance objective: the default plan breaks no window when checked in floats."""
    path = DATA / "R104.txt"
    for budget in (100, 500):
        result = solve_instance(path, time_limit_s=60, seed=0, solution_limit=budget)
        assert result["convention"] == "exact" and result["violations"] == []
        assert check_routes(read_instance(path), result["routes"]) == []
        assert sorted(c for route in result["routes"] for c in route) == list(range(1, 101))


def test_dimacs_is_solved_only_when_asked_and_reports_its_violations() -> None:
    """`convention="dimacs"` solves in truncated units; the float check of its plan comes with it."""
    path = DATA / "R104.txt"
    result = solve_instance(path, time_limit_s=60, seed=0, solution_limit=100, convention="dimacs")
    assert result["convention"] == "dimacs"
    assert result["violations"] == check_routes(read_instance(path), result["routes"])
    # The case, reproduced on this budget: one customer served a few hundredths late.
    assert any("served at" in v for v in result["violations"])
