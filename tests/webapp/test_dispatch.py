"""The dispatch board: plan a real day on the street network, accept, assign, export."""

from __future__ import annotations

import html
import json
import re
from datetime import date, time

import pytest
from sqlmodel import select

import routing
from webapp.dispatch.operations import accept_plan, save_plan
from webapp.dispatch.problem import build_day, candidate_outlets, candidate_points
from webapp.dispatch.stored import stored_plan
from webapp.models import (
    CollectionPlan,
    Driver,
    Facility,
    Material,
    Outlet,
    OutletStatus,
    PlannedRoute,
    PlannedStop,
    PlanStatus,
    Role,
    Vehicle,
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
    assert 'id="plan-totals"' in response.get_data(as_text=True)
    plan = db.exec(select(CollectionPlan)).one()
    served = {stop for route in stored_plan(db, plan).routes for stop in route.stop_ids}
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
    assert "没有到期或半满的网点" in page and f"/dispatch/?day={TODAY}" in page
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
    kept = stored_plan(db, first).routes[0]
    auth.login(Role.DISPATCHER)
    page = client.post(f"/dispatch/plans/{first.id}/replan", data={"lock": "1"}, follow_redirects=True)
    assert 'id="plan-totals"' in page.get_data(as_text=True)
    second = db.exec(select(CollectionPlan).where(CollectionPlan.id != first.id)).one()
    routes = stored_plan(db, second).routes
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


def _two_routes(db, depot, cache_dir) -> CollectionPlan:
    """An accepted plan of two routes: trucks on a short morning shift for the solve (one
    alone cannot do the day), then roomy and on a full day, so that a route still holds a
    stop moved onto it when the day is planned again."""
    vehicles = db.exec(select(Vehicle).where(Vehicle.depot_id == depot.id)).all()
    usual = {v.id: v.shift_end for v in vehicles}
    for vehicle in vehicles:
        vehicle.shift_end, vehicle.fixed_cost_fen = time(8, 45), 0
        db.add(vehicle)
    db.commit()
    plan = _solve(db, depot, cache_dir)
    for vehicle in vehicles:
        vehicle.shift_end, vehicle.volume_l, vehicle.capacity_g = usual[vehicle.id], 40_000, 20_000_000
        db.add(vehicle)
    db.commit()
    assert len(_routes(db, plan)) >= 2
    accept_plan(db, plan.id, {}, actor_id=None)
    return plan


def _routes(db, plan) -> list[PlannedRoute]:
    return db.exec(
        select(PlannedRoute).where(PlannedRoute.plan_id == plan.id).order_by(PlannedRoute.number)
    ).all()


def _stops(db, route) -> list[PlannedStop]:
    return db.exec(
        select(PlannedStop).where(PlannedStop.route_id == route.id).order_by(PlannedStop.position)
    ).all()


def _move(client, db, plan) -> tuple[PlannedStop, PlannedRoute]:
    """Move the first due stop of route 1 to route 2 through the board; (stop, target)."""
    source, target = _routes(db, plan)[:2]
    stop = next(
        s for s in _stops(db, source) if s.kind == "outlet" and plan.stops[f"o{s.outlet_id}"]["required"]
    )
    response = client.post("/dispatch/stops/reassign", data={"stop_id": stop.id, "route_id": target.id})
    assert response.status_code == 302
    db.expire_all()
    return db.get(PlannedStop, stop.id), db.get(PlannedRoute, target.id)


def test_a_moved_stop_goes_last_before_a_final_unload_with_its_weight(
    client, auth, db, day, cache_dir
) -> None:
    """A moved stop is the target's last collection (an unloading that ended it still does);
    positions, the stop count, the kg and the loads follow."""
    plan = _two_routes(db, day, cache_dir)
    before = {r.id: (r.stop_count, r.collected_g) for r in _routes(db, plan)}
    kept = {r.id: [s.id for s in _stops(db, r)] for r in _routes(db, plan)}
    auth.login(Role.DISPATCHER)
    stop, target = _move(client, db, plan)
    visits = _stops(db, target)
    ends_with_unload = db.get(PlannedStop, kept[target.id][-1]).kind == "unload"
    at = len(kept[target.id]) - 1 if ends_with_unload else len(kept[target.id])
    assert [s.id for s in visits] == kept[target.id][:at] + [stop.id] + kept[target.id][at:]
    assert [s.position for s in visits] == list(range(1, len(visits) + 1))
    assert visits[at].load_after_g == visits[at - 1].load_after_g + stop.expected_g
    assert (target.stop_count, target.collected_g) == (
        before[target.id][0] + 1,
        before[target.id][1] + stop.expected_g,
    )


def test_a_moved_stop_is_retimed_on_the_road_matrix(client, auth, db, day, cache_dir) -> None:
    """After a move both routes' ETAs, km and hours are the road matrix's: each arrival is the
    previous departure plus the driven seconds (or the window's opening, or after lunch)."""
    from webapp.dispatch.retime import places, road_matrix

    plan = _two_routes(db, day, cache_dir)
    auth.login(Role.DISPATCHER)
    source = _routes(db, plan)[0]
    stop, target = _move(client, db, plan)
    db.expire_all()
    for route in (db.get(PlannedRoute, source.id), target):
        stops = _stops(db, route)
        legs = road_matrix(places(db, plan, stops), cache_dir=cache_dir, speeds_kmh=None)
        hops = list(zip(range(len(stops) + 1), range(1, len(stops) + 2), strict=True))
        assert route.distance_m == sum(int(legs.distance_m[a, b]) for a, b in hops)
        clock = route.start_s
        for index, visit in enumerate(stops, start=1):
            driven = clock + int(legs.duration_s[index - 1, index])
            # Waiting for the window or for the end of lunch only ever delays.
            assert visit.arrival_s >= driven and visit.late_s == 0
            waited = visit.arrival_s - driven
            assert waited == 0 or waited <= 45 * 60 or visit.arrival_s == 7 * 3600
            clock = visit.departure_s
        assert route.end_s >= clock + int(legs.duration_s[len(stops), len(stops) + 1])
        assert route.duration_s == route.end_s - route.start_s
        assert route.geometry[0] == route.geometry[-1]  # from the depot back to it, on the streets
    assert stop.id in [s.id for s in _stops(db, target)]


def test_a_stop_moved_past_its_window_is_flagged_on_the_plan(client, auth, db, day, cache_dir) -> None:
    """A stop the truck now reaches after its window closes gets late_s and a 迟到 flag on the page."""
    plan = _two_routes(db, day, cache_dir)
    auth.login(Role.DISPATCHER)
    target = _routes(db, plan)[1]
    target.start_s = 18 * 3600 + 50 * 60  # the target truck sets out ten minutes before 19:00
    db.add(target)
    db.commit()
    stop, target = _move(client, db, plan)
    assert stop.route_id == target.id and stop.late_s > 0
    assert stop.arrival_s - stop.late_s == 19 * 3600  # late counted from the outlets' closing time
    page = client.get(f"/dispatch/plans/{plan.id}").get_data(as_text=True)
    assert 'class="late"' in page


def test_move_then_lock_then_replan_keeps_the_moved_stop_on_the_locked_route(
    client, auth, db, day, cache_dir
) -> None:
    """A re-plan keeping route 2 keeps it as the rows say after the move, moved stop included."""
    plan = _two_routes(db, day, cache_dir)
    auth.login(Role.DISPATCHER)
    stop, target = _move(client, db, plan)
    kept = [f"o{s.outlet_id}" if s.kind == "outlet" else f"f{s.facility_id}" for s in _stops(db, target)]
    page = client.post(
        f"/dispatch/plans/{plan.id}/replan", data={"lock": str(target.number)}, follow_redirects=True
    )
    assert 'id="plan-totals"' in page.get_data(as_text=True)
    again = db.exec(select(CollectionPlan).where(CollectionPlan.id != plan.id)).one()
    routes = {r.vehicle_type_id: r for r in stored_plan(db, again).routes}
    assert [v.id for v in routes[f"v{target.vehicle_id}"].visits] == kept
    assert f"o{stop.outlet_id}" in kept


def test_the_comparison_follows_a_moved_stop(client, auth, db, day, cache_dir) -> None:
    """After a move in the plan in force, a proposal's comparison says which truck the stop changes to."""
    accepted = _two_routes(db, day, cache_dir)
    proposal = _solve(db, day, cache_dir)
    auth.login(Role.DISPATCHER)
    source = _routes(db, accepted)[0]
    stop = next(
        s for s in _stops(db, source) if s.kind == "outlet" and accepted.stops[f"o{s.outlet_id}"]["required"]
    )
    key = f"o{stop.outlet_id}"
    proposed_vehicle = next(r.vehicle_type_id for r in stored_plan(db, proposal).routes if key in r.stop_ids)

    def listed() -> bool:
        page = client.get(f"/dispatch/plans/{proposal.id}").get_data(as_text=True)
        assert 'id="comparison"' in page
        return (
            'id="changes-vehicle"' in page
            and stop_code in page.split('id="changes-vehicle"')[1].split("</p>")[0]
        )

    stop_code = accepted.stops[key]["code"]
    assert listed() == (proposed_vehicle != f"v{source.vehicle_id}")
    _, target = _move(client, db, accepted)
    assert listed() == (proposed_vehicle != f"v{target.vehicle_id}")


def _form_fields(page: str, form_id: str) -> dict[str, str]:
    """What a browser sends for an untouched form: inputs' values, selects' selected options."""
    form = page.split(f'id="{form_id}"')[1].split("</form>")[0]
    fields = {
        m.group(2): html.unescape(m.group(3) or "")
        for m in re.finditer(r'<input([^>]*?)name="([^"]+)"(?:[^>]*?value="([^"]*)")?', form)
    }
    for select_name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        tags = re.findall(r"<option[^>]*>", options)
        chosen = next((t for t in tags if re.search(r"\sselected[\s>=]", t)), tags[0] if tags else "")
        value = re.search(r'value="([^"]*)"', chosen)
        fields[select_name] = value.group(1) if value else ""
    return fields


def test_the_untouched_board_form_plans_the_chosen_day_with_the_default_time_limit(
    client, auth, db, day
) -> None:
    """The form as it loads sends 30 s and an empty seed, and the day shown is the day planned."""
    auth.login(Role.DISPATCHER)
    page = client.get(f"/dispatch/?day={TODAY}&depot={day.id}").get_data(as_text=True)
    fields = _form_fields(page, "solve-form")
    assert fields["time_limit_s"] == "30" and fields["seed"] == "" and fields["day"] == TODAY.isoformat()
    assert "<details" in page.split('id="solve-form"')[1].split("</form>")[0]
    response = client.post("/dispatch/solve", data=fields, follow_redirects=True)
    assert 'id="plan-totals"' in response.get_data(as_text=True)
    plan = db.exec(select(CollectionPlan)).one()
    assert (plan.day, plan.time_limit_s, plan.seed) == (TODAY, 30, 0)


def test_a_refused_solve_form_stays_on_the_chosen_day(client, auth, db, day) -> None:
    """A bad seed is answered 422 naming the field, on the board of the day that was chosen."""
    auth.login(Role.DISPATCHER)
    response = client.post(
        "/dispatch/solve", data={"day": TODAY.isoformat(), "depot": day.id, "time_limit_s": 30, "seed": "x"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "随机种子" in page
    assert _form_fields(page, "solve-form")["day"] == TODAY.isoformat()
    assert db.exec(select(CollectionPlan)).first() is None


def test_the_job_page_opens_the_plan_once_the_solve_finished(client, auth, db, day) -> None:
    """A finished solve's job page redirects to the plan; polled by htmx it answers HX-Redirect."""
    auth.login(Role.DISPATCHER)
    response = client.post(
        "/dispatch/solve", data={"day": TODAY.isoformat(), "depot": day.id, "time_limit_s": 5}
    )
    job_url = response.headers["Location"]
    plan = db.exec(select(CollectionPlan)).one()
    assert client.get(job_url).headers["Location"] == f"/dispatch/plans/{plan.id}"
    polled = client.get(job_url, headers={"HX-Request": "true"})
    assert polled.headers["HX-Redirect"] == f"/dispatch/plans/{plan.id}"


def test_an_optional_stop_left_out_says_why_with_the_detour_and_the_prize(
    client, auth, db, day, cache_dir
) -> None:
    """Unpaid materials leave half-full outlets out: 收益不足以覆盖绕行, with km and yuan."""
    for material in db.exec(select(Material)):
        material.price_fen_per_kg = 0
        db.add(material)
    db.commit()
    plan = _solve(db, day, cache_dir)
    left = [u for u in plan.unassigned if u["reason"] == "not_profitable"]
    assert left and all(u["detour_m"] > 0 and u["prize_fen"] == 0 for u in left)
    auth.login(Role.DISPATCHER)
    page = client.get(f"/dispatch/plans/{plan.id}").get_data(as_text=True)
    table = page.split('id="unassigned"')[1]
    assert "收益不足以覆盖绕行" in table
    assert f"绕行 {left[0]['detour_m'] / 1000:.1f} 公里" in table and "收益 0.00 元" in table
    assert " routes" not in page and "条路线" in page


def test_the_route_sheet_lists_the_stops_in_order_for_the_driver(client, auth, db, day, cache_dir) -> None:
    """The plan links each route's A4 sheet: stops in order with times, addresses, contacts, signature."""
    plan = _solve(db, day, cache_dir)
    route = _routes(db, plan)[0]
    outlets = [db.get(Outlet, s.outlet_id) for s in _stops(db, route) if s.kind == "outlet"]
    auth.login(Role.DISPATCHER)
    url = f"/dispatch/plans/{plan.id}/routes/{route.number}/sheet"
    assert url in client.get(f"/dispatch/plans/{plan.id}").get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    stops = page.split('id="sheet-stops"')[1]
    assert [stops.index(o.code) for o in outlets] == sorted(stops.index(o.code) for o in outlets)
    assert all(o.address in stops and o.host_phone in stops for o in outlets)
    assert "收运路线单" in page and "司机签字" in page and "route-sheet.css" in page
    assert client.get(f"/dispatch/plans/{plan.id}/routes/99/sheet").status_code == 404
