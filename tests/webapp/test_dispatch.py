"""The dispatch board: plan a real day on the street network, accept, assign, export."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlmodel import select

import routing
from webapp.dispatch.operations import accept_plan, save_plan
from webapp.dispatch.problem import build_day, candidate_outlets, candidate_points
from webapp.models import (
    CollectionPlan,
    Driver,
    Facility,
    Outlet,
    OutletStatus,
    PlannedRoute,
    PlanStatus,
    Role,
)
from webapp.seed import seed_demo

TODAY = date(2026, 11, 24)


@pytest.fixture
def day(app, db, cache_dir) -> Facility:
    """Demo data where the first depot has 6 due and 4 half-full outlets nearby."""
    seed_demo(db, outlets=40, days=0, seed=11, cache_dir=cache_dir)
    outlets = db.exec(select(Outlet).where(Outlet.status == OutletStatus.ACTIVE).order_by(Outlet.id)).all()
    depots = db.exec(select(Facility).where(Facility.is_depot == True)).all()
    depot = max(depots, key=lambda d: sum(_nearer(db, o) == d.id for o in outlets))
    mine = [o.id for o in outlets if _nearer(db, o) == depot.id][:10]
    assert len(mine) == 10
    for outlet in outlets:
        outlet.last_fill_pct = 90.0 if outlet.id in mine[:6] else 60.0 if outlet.id in mine[6:] else 10.0
        db.add(outlet)
    db.commit()
    return depot


def _nearer(db, outlet) -> int:
    depots = db.exec(select(Facility).where(Facility.is_depot == True)).all()
    return min(depots, key=lambda d: ((d.lon - outlet.lon) * 0.92) ** 2 + (d.lat - outlet.lat) ** 2).id


def _solve(db, depot, cache_dir, seconds: int = 1) -> CollectionPlan:
    built = build_day(db, TODAY, depot.id, cache_dir=cache_dir)
    plan = routing.solve(built.problem, time_limit_s=seconds, seed=0)
    assert routing.check(built.problem, plan) == []
    row = save_plan(db, built, plan, day=TODAY, depot_id=depot.id, job=None, time_limit_s=seconds, seed=0)
    db.commit()
    return row


def test_the_board_lists_due_and_half_full_outlets_of_the_depot(client, auth, db, day) -> None:
    """Due outlets are required, half-full ones optional, others left out."""
    assert sum(o.due for o in candidate_outlets(db, TODAY, day.id)) == 6
    assert len(candidate_outlets(db, TODAY, day.id)) == 10
    auth.login(Role.DISPATCHER)
    page = client.get(f"/dispatch/?day={TODAY}&depot={day.id}").get_data(as_text=True)
    assert 'id="due-summary"' in page and "6" in page.split('id="due-summary"')[1][:80]


def test_solving_from_the_board_stores_a_plan_serving_every_due_outlet(client, auth, db, day) -> None:
    """A solve job builds the problem on real roads and keeps a checked plan."""
    auth.login(Role.DISPATCHER)
    response = client.post(
        "/dispatch/solve",
        data={"day": TODAY.isoformat(), "depot": day.id, "time_limit_s": 5, "seed": 0},
        follow_redirects=True,
    )
    assert 'id="plan-ready"' in response.get_data(as_text=True)
    plan = db.exec(select(CollectionPlan)).one()
    served = {stop for route in routing.Plan.from_dict(plan.plan).routes for stop in route.stop_ids}
    due = {key for key, stop in plan.stops.items() if stop["required"]}
    assert due <= served and plan.status == PlanStatus.PROPOSED
    assert plan.distance_m > 0 and all(r.geometry for r in db.exec(select(PlannedRoute)))


def test_plan_page_shows_routes_in_order_with_unloads(client, auth, db, day, cache_dir) -> None:
    """Each route lists its stops with times, and the map gets the route lines."""
    plan = _solve(db, day, cache_dir)
    auth.login(Role.DISPATCHER)
    page = client.get(f"/dispatch/plans/{plan.id}").get_data(as_text=True)
    data = json.loads(page.split('id="map-data">')[1].split("</script>")[0])
    assert any(f["geometry"]["type"] == "LineString" for f in data["features"])
    assert 'id="route-1"' in page and "07:" in page


def test_accepting_assigns_drivers_and_supersedes_the_plan_in_force(db, day, cache_dir) -> None:
    """Accepting a second plan supersedes the first; each route gets its driver."""
    first, second = _solve(db, day, cache_dir), _solve(db, day, cache_dir)
    driver = db.exec(select(Driver)).first()
    routes = db.exec(select(PlannedRoute).where(PlannedRoute.plan_id == first.id)).all()
    accept_plan(db, first.id, {routes[0].id: driver.id}, actor_id=None)
    second_routes = db.exec(select(PlannedRoute).where(PlannedRoute.plan_id == second.id)).all()
    accept_plan(db, second.id, {second_routes[0].id: driver.id}, actor_id=None)
    db.expire_all()
    assert db.get(CollectionPlan, first.id).status == PlanStatus.SUPERSEDED
    assert db.get(CollectionPlan, second.id).status == PlanStatus.ACCEPTED
    assert db.get(PlannedRoute, second_routes[0].id).driver_id == driver.id


def test_one_driver_cannot_take_two_routes(client, auth, db, day, cache_dir) -> None:
    """Assigning the same driver to two routes is refused and the plan stays proposed."""
    plan = _solve(db, day, cache_dir)
    route = db.exec(select(PlannedRoute).where(PlannedRoute.plan_id == plan.id)).first()
    driver = db.exec(select(Driver)).first()
    auth.login(Role.DISPATCHER)
    form = {f"driver_{route.id}": str(driver.id), f"driver_{route.id + 1000}": str(driver.id)}
    page = client.post(f"/dispatch/plans/{plan.id}/accept", data=form, follow_redirects=True).get_data(
        as_text=True
    )
    db.expire_all()
    assert db.get(CollectionPlan, plan.id).status == PlanStatus.PROPOSED
    assert "flash error" in page


def test_comparison_with_the_plan_in_force(client, auth, db, day, cache_dir) -> None:
    """A new proposal shows km, hours, stops and kg against the accepted plan."""
    accepted = _solve(db, day, cache_dir)
    accept_plan(db, accepted.id, {}, actor_id=None)
    proposal = _solve(db, day, cache_dir, seconds=2)
    auth.login(Role.DISPATCHER)
    page = client.get(f"/dispatch/plans/{proposal.id}").get_data(as_text=True)
    assert 'id="comparison"' in page


@pytest.mark.parametrize(
    "fmt,marker", [("gpx", "<rtept"), ("geojson", '"LineString"'), ("csv", "route,vehicle,position")]
)
def test_exports(client, auth, db, day, cache_dir, fmt, marker) -> None:
    """GPX, GeoJSON and CSV carry the routes and their stops."""
    plan = _solve(db, day, cache_dir)
    auth.login(Role.DISPATCHER)
    response = client.get(f"/dispatch/plans/{plan.id}/export.{fmt}")
    assert response.status_code == 200 and marker in response.get_data(as_text=True)
    assert f"plan-{plan.id}" in response.headers["Content-Disposition"]


def test_a_day_with_nothing_to_collect_fails_with_a_reason(client, auth, db, day) -> None:
    """When no outlet is due or half-full the job says so instead of an empty plan."""
    for outlet in db.exec(select(Outlet)):
        outlet.last_fill_pct = 5.0
        db.add(outlet)
    db.commit()
    auth.login(Role.DISPATCHER)
    page = client.post(
        "/dispatch/solve",
        data={"day": TODAY.isoformat(), "depot": day.id, "time_limit_s": 5},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "no outlet is due" in page
    assert db.exec(select(CollectionPlan)).first() is None


def test_cli_solves_a_solomon_file_as_json(runner) -> None:
    """`reloop routing solve-instance` prints vehicles, distance, routes and time (and may add keys)."""
    result = runner.invoke(
        args=["routing", "solve-instance", "tests/routing/data/C101.txt", "--time-limit-s", "2", "--json"]
    )
    data = json.loads(result.output)
    assert set(data) >= {"vehicles", "distance", "routes", "solve_seconds"}
    assert sorted(c for r in data["routes"] for c in r) == list(range(1, 101))


def test_replan_keeps_the_ticked_route_exactly(client, auth, db, day, cache_dir) -> None:
    """Re-planning with route 1 ticked returns a plan whose route 1 has the same visits."""
    first = _solve(db, day, cache_dir)
    kept = routing.Plan.from_dict(first.plan).routes[0]
    auth.login(Role.DISPATCHER)
    page = client.post(f"/dispatch/plans/{first.id}/replan", data={"lock": "1"}, follow_redirects=True)
    assert 'id="plan-ready"' in page.get_data(as_text=True)
    second = db.exec(select(CollectionPlan).where(CollectionPlan.id != first.id)).one()
    routes = routing.Plan.from_dict(second.plan).routes
    assert any(r.vehicle_type_id == kept.vehicle_type_id and r.stop_ids == kept.stop_ids for r in routes)


def test_configured_road_speeds_reach_the_day_problem(db, day, cache_dir) -> None:
    """Halving every road-class speed lengthens the day's drive times."""
    from geodata.driving import DEFAULT_SPEEDS_KMH

    normal = build_day(db, TODAY, day.id, cache_dir=cache_dir)
    slow = build_day(
        db,
        TODAY,
        day.id,
        cache_dir=cache_dir,
        speeds_kmh={road: kmh / 2 for road, kmh in DEFAULT_SPEEDS_KMH.items()},
    )
    assert (slow.legs.duration_s >= normal.legs.duration_s).all()
    # Only the walk-in from the stop to its street node keeps its speed.
    assert slow.legs.duration_s.sum() > 1.5 * normal.legs.duration_s.sum()


def test_the_board_maps_the_outlets_the_solver_gets(db, day) -> None:
    """The board's light rows are the outlets the day's problem is built from, due alike."""
    points, outlets = candidate_points(db, TODAY, day.id), candidate_outlets(db, TODAY, day.id)
    assert [(p.id, p.due) for p in points] == [(o.id, o.due) for o in outlets]


def test_the_board_lists_each_plan_with_its_number_of_routes(client, auth, db, day, cache_dir) -> None:
    """The plans of the day show their route count (counted in SQL, the plan's JSON left unread)."""
    plan = _solve(db, day, cache_dir)
    routes = len(db.exec(select(PlannedRoute).where(PlannedRoute.plan_id == plan.id)).all())
    auth.login(Role.DISPATCHER)
    page = client.get(f"/dispatch/?day={TODAY}&depot={day.id}").get_data(as_text=True)
    found = re.search(
        rf'/dispatch/plans/{plan.id}">{plan.id}</a></td><td>.*?</td>\s*<td>(\d+)</td>', page, re.S
    )
    assert routes >= 1 and found and int(found.group(1)) == routes
