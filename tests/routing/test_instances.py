"""Benchmark readers, conventions and solve_instance() on bundled instances."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from routing import check
from routing.instances import (
    Convention,
    Objective,
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
    result = solve_instance(path, time_limit_s=30, seed=0, solution_limit=300)
    served = sorted(c for route in result["routes"] for c in route)
    assert served == list(range(1, 26))
    instance = read_instance(path)
    dimacs = route_distance(instance, result["routes"], convention=Convention.DIMACS)
    assert dimacs == pytest.approx(191.3)
    assert result["vehicles"] == 3


def test_solve_instance_prints_the_cli_json(tmp_path: Path) -> None:
    """The result has exactly the CLI keys, is JSON-able and its distance is exact."""
    path = _truncated_c101(tmp_path, 10)
    result = solve_instance(path, time_limit_s=1, objective="vehicles-then-distance", solution_limit=200)
    assert set(json.loads(json.dumps(result))) == {
        "vehicles",
        "distance",
        "routes",
        "solve_seconds",
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
