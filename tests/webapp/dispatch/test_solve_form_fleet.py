"""The solve form chooses the day's trucks and drivers, outlets to visit or leave out and the
working day; the choices reach the solver through the job's parameters."""

# ruff: noqa: F811  (the ``day`` fixture is imported from the board's tests)

from __future__ import annotations

from sqlmodel import select

from tests.webapp.test_dispatch import TODAY, _routes, _solve, day  # noqa: F401
from webapp.dispatch.problem import build_day, candidate_outlets
from webapp.fleet.availability import available_fleet
from webapp.models import CollectionPlan, Job, Outlet, Role, Vehicle, VehicleOutOfService


def _board(client, depot) -> str:
    return client.get(f"/dispatch/?day={TODAY}&depot={depot.id}").get_data(as_text=True)


def _post(client, depot, **extra) -> object:
    data = {"day": TODAY.isoformat(), "depot": depot.id, "time_limit_s": 5, **extra}
    return client.post("/dispatch/solve", data=data)


def test_the_board_ticks_the_days_fleet_and_greys_a_truck_out_of_service(client, auth, db, day) -> None:
    """Available trucks and drivers come ticked; a truck out of service is disabled with its reason."""
    down = db.exec(select(Vehicle).where(Vehicle.depot_id == day.id).order_by(Vehicle.id)).first()
    db.add(VehicleOutOfService(vehicle_id=down.id, day=TODAY, reason="年检"))
    db.commit()
    fleet = available_fleet(db, day.id, TODAY)
    auth.login(Role.DISPATCHER)
    form = _board(client, day).split('id="solve-form"')[1].split("</form>")[0]
    trucks = form.split('id="solve-vehicles"')[1].split("</fieldset>")[0]
    for vehicle in fleet.vehicles:
        assert f'name="vehicles" value="{vehicle.id}" checked' in trucks and vehicle.plate in trucks
    assert f'value="{down.id}"' not in trucks and "disabled> " + down.plate in trucks and "年检" in trucks
    people = form.split('id="solve-drivers"')[1].split("</fieldset>")[0]
    assert all(f'value="{d.driver.id}" checked' in people for d in fleet.drivers) and fleet.drivers


def test_only_the_ticked_truck_and_driver_go_out(client, auth, db, day) -> None:
    """A plan from one ticked truck and driver has routes on that truck only, and the job keeps the choice."""
    fleet = available_fleet(db, day.id, TODAY)
    crew = fleet.crews()[0]
    auth.login(Role.DISPATCHER)
    response = _post(client, day, fleet_shown="1", vehicles=crew.vehicle.id, drivers=crew.driver.id)
    assert response.status_code == 302
    plan = db.exec(select(CollectionPlan)).one()
    assert {r.vehicle_id for r in _routes(db, plan)} == {crew.vehicle.id}
    job = db.get(Job, plan.job_id)
    assert (job.params["vehicle_ids"], job.params["driver_ids"]) == ([crew.vehicle.id], [crew.driver.id])


def test_unticking_every_truck_is_refused_naming_the_field(client, auth, db, day) -> None:
    """A form that showed the fleet and sends no truck is a 422 naming 车辆, and nothing is queued."""
    auth.login(Role.DISPATCHER)
    response = _post(client, day, fleet_shown="1")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "至少选择一辆车" in page
    assert db.exec(select(Job)).first() is None


def test_unknown_outlet_codes_are_named_and_nothing_is_queued(client, auth, db, day) -> None:
    """Codes that name no outlet are refused with a 422 that lists them."""
    known = db.exec(select(Outlet)).first()
    auth.login(Role.DISPATCHER)
    response = _post(client, day, include_outlets=f"{known.code}, NOPE-1", exclude_outlets="NOPE-2")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "未知的网点编号：NOPE-1" in page and "未知的网点编号：NOPE-2" in page
    assert db.exec(select(Job)).first() is None


def test_an_included_outlet_is_visited_and_an_excluded_one_left_out(client, auth, db, day) -> None:
    """An included outlet (even nearly empty) is a required stop; an excluded candidate is left out."""
    candidates = candidate_outlets(db, TODAY, day.id)
    excluded = candidates[0]
    low = next(o for o in db.exec(select(Outlet).order_by(Outlet.id)) if o.last_fill_pct < 50)
    auth.login(Role.DISPATCHER)
    response = _post(client, day, include_outlets=low.code, exclude_outlets=excluded.code)
    assert response.status_code == 302
    plan = db.exec(select(CollectionPlan)).one()
    assert plan.stops[f"o{low.id}"]["required"] and f"o{excluded.id}" not in plan.stops
    job = db.get(Job, plan.job_id)
    assert (job.params["include_outlets"], job.params["exclude_outlets"]) == ([low.id], [excluded.id])


def test_the_working_day_shortens_every_trucks_hours(db, day, cache_dir) -> None:
    """A working day of 08:00–14:00 clips each crew's shift to it."""
    built = build_day(db, TODAY, day.id, cache_dir=cache_dir, hours=(8 * 3600, 14 * 3600))
    shifts = [t.shift for t in built.problem.vehicle_types]
    assert shifts and all(s.start_s >= 8 * 3600 and s.end_s <= 14 * 3600 for s in shifts)


def test_a_working_day_ending_before_it_starts_is_refused(client, auth, db, day) -> None:
    """Hours the wrong way round are a 422 naming the field."""
    auth.login(Role.DISPATCHER)
    response = _post(client, day, day_start="14:00", day_end="08:00")
    assert response.status_code == 422 and "工作结束时间必须晚于开始时间" in response.get_data(as_text=True)
    assert db.exec(select(Job)).first() is None


def test_the_accept_form_prefills_the_driver_paired_with_each_truck(client, auth, db, day, cache_dir) -> None:
    """Each route's driver select starts on the driver the day's fleet pairs with its truck."""
    plan = _solve(db, day, cache_dir)
    pairs = {c.vehicle.id: c.driver.id for c in available_fleet(db, day.id, TODAY).crews()}
    auth.login(Role.DISPATCHER)
    page = client.get(f"/dispatch/plans/{plan.id}").get_data(as_text=True)
    for route in _routes(db, plan):
        select_html = page.split(f'name="driver_{route.id}"')[1].split("</select>")[0]
        assert f'value="{pairs[route.vehicle_id]}" selected' in select_html
