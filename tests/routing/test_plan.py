"""Plan totals, summary, serialisation and compare()."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache

from routing import Plan, compare
from tests.routing.builders import line_problem, solve_checked, stop, truck


@cache
def _plans() -> tuple[Plan, Plan]:
    """A plan without and one with an optional 3 km stop worth 50 yuan."""
    stops = [stop("a", 1, kg=40), stop("b", 2, kg=60, required=False, prize_fen=5000)]
    problem = line_problem([0, 1000, 3000], stops, [truck()])
    without = solve_checked(line_problem([0, 1000, 3000], stops[:1], [truck()]))
    return without, solve_checked(problem)


def test_totals_add_up_over_routes() -> None:
    """km, hours and kg of a plan are the sums over its routes."""
    _, plan = _plans()
    assert plan.km == 6.0
    assert plan.collected_kg == 100
    assert plan.stops_served == 2
    assert plan.hours == sum(r.hours for r in plan.routes)


def test_summary_names_routes_and_unassigned() -> None:
    """summary() lists each route with its figures."""
    _, plan = _plans()
    text = plan.summary()
    assert "truck#0: 2 stops" in text
    assert "6.0 km" in text


def test_plan_round_trips_through_json() -> None:
    """to_dict() is JSON-able and from_dict() gives the same plan back."""
    _, plan = _plans()
    data = json.loads(json.dumps(plan.to_dict()))
    assert Plan.from_dict(data) == plan
    assert data["totals"]["distance_m"] == 6000


def test_compare_reports_what_changes() -> None:
    """compare(a, b): km, stops and kg deltas, and which stops became served."""
    without, with_optional = _plans()
    diff = compare(without, with_optional)
    assert diff.km.delta == 4.0
    assert diff.stops_served.delta == 1
    assert diff.collected_kg.delta == 60
    assert diff.newly_served == ("b",)
    assert diff.newly_unassigned == ()
    assert "km: 2.0 -> 6.0 (+4.0)" in diff.summary()


def test_summary_counts_one_route_in_the_singular() -> None:
    """A plan of one route says "1 route", not "1 routes"."""
    _, plan = _plans()
    assert len(plan.routes) == 1
    assert plan.summary().startswith("1 route, 2 stops served")


def test_compare_names_stops_that_change_vehicle() -> None:
    """A stop served by both plans on another truck is listed as changing vehicle."""
    _, plan = _plans()
    (route,) = plan.routes
    other = Plan((replace(route, vehicle_type_id="other"),), plan.unassigned)
    assert compare(plan, other).changes_vehicle == ("a", "b")
    assert compare(plan, plan).changes_vehicle == ()
