"""Why a plan sends out the trucks it does: each route priced with the solve's cost settings,
each ticked truck left at home weighed against the work it could take; a shorter longest
route spreads the day; the board and a re-plan remember the day's choices."""

# ruff: noqa: F811  (the ``day`` fixture is imported from the board's tests)

from __future__ import annotations

import re

from sqlmodel import col, select

from tests.webapp.test_dispatch import TODAY, _routes, day  # noqa: F401
from webapp.dispatch import costs
from webapp.fleet.availability import available_fleet
from webapp.models import CollectionPlan, Job, Outlet, Role


def _plan(client, db, depot, **extra) -> CollectionPlan:
    """Plan TODAY from the form with the depot's whole crew list ticked (and ``extra`` fields)."""
    crews = available_fleet(db, depot.id, TODAY).crews()
    assert len(crews) >= 2
    data = {
        "day": TODAY.isoformat(),
        "depot": depot.id,
        "time_limit_s": 5,
        "fleet_shown": "1",
        "vehicles": [c.vehicle.id for c in crews],
        "drivers": [c.driver.id for c in crews],
        **extra,
    }
    assert client.post("/dispatch/solve", data=data).status_code == 302
    return db.exec(select(CollectionPlan).order_by(col(CollectionPlan.id).desc())).first()


def _account(db, plan, cache_dir) -> costs.Account:
    params = db.get(Job, plan.job_id).params
    offered = [c.vehicle for c in available_fleet(db, plan.depot_id, plan.day).crews()]
    return costs.account(db, plan, params, offered, cache_dir=cache_dir)


def _yuan(fen: int) -> str:
    return f"{fen / 100:.0f} 元"


def test_each_route_is_priced_and_the_idle_truck_weighed(client, auth, db, day, cache_dir) -> None:
    """A one-truck day shows each route's fixed/km/pay/overtime adding up, and for the idle truck
    the split it could take with the figure by which one truck is cheaper (or the saving)."""
    auth.login(Role.DISPATCHER)
    plan = _plan(client, db, day)
    account = _account(db, plan, cache_dir)
    for route, vehicle, cost in account.routes:
        assert cost.km_fen == round(route.distance_m * vehicle.cost_per_km_fen / 1000)
        assert cost.labour_fen == round(cost.paid_s * costs.LABOUR_FEN_PER_HOUR / 3600)
        assert cost.overtime_s == max(0, cost.paid_s - 8 * 3600)
        assert cost.total_fen == cost.fixed_fen + cost.km_fen + cost.labour_fen + cost.overtime_fen
    page = client.get(f"/dispatch/plans/{plan.id}").get_data(as_text=True)
    panel = page.split('id="plan-costs"')[1].split("</section>")[0]
    assert "为何派这些车" in page and _yuan(account.total_fen) in panel
    assert len(account.routes) + len(account.idle) == len(available_fleet(db, day.id, TODAY).crews())
    for truck, option in account.idle:
        assert truck.plate in panel and option is not None
        # Splitting never shortens the drive (a split at a mid-route unloading by the depot costs
        # nothing extra) and adds the second truck's fixed cost.
        assert option.km_added >= 0 and option.taken.fixed_fen == truck.fixed_cost_fen
        verdict = "一辆车更省 " + _yuan(-option.saving_fen) if option.saving_fen <= 0 else "可节省"
        assert verdict in panel


def test_dear_overtime_sends_the_idle_truck_out(client, auth, db, day, cache_dir) -> None:
    """The solver prices the form's pay: with a one-hour standard day and dear overtime the truck
    left at home under the default settings goes out, and by the page's own account that day is
    cheaper than the one-truck day would be under the same settings."""
    auth.login(Role.DISPATCHER)
    alone = _plan(client, db, day)
    assert len(_routes(db, alone)) == 1
    spread = _plan(client, db, day, labour_yuan_per_hour=300, standard_day_h=1, overtime_pct=400)
    account = _account(db, spread, cache_dir)
    assert account.settings == costs.CostSettings(30_000, 3600, 400, costs.MAX_ROUTE_S)
    assert len(account.routes) == 2 and account.idle == []
    dear = db.get(Job, spread.job_id).params
    offered = [c.vehicle for c in available_fleet(db, day.id, TODAY).crews()]
    one_truck = costs.account(db, alone, dear, offered, cache_dir=cache_dir)
    assert account.total_fen < one_truck.total_fen
    page = client.get(f"/dispatch/plans/{spread.id}").get_data(as_text=True)
    assert "工时与加班费之和最低" in page and _yuan(account.total_fen) in page


def test_a_shorter_longest_route_sends_out_more_trucks(client, auth, db, day) -> None:
    """The day one truck drives alone is spread over two when the longest route is capped below it."""
    auth.login(Role.DISPATCHER)
    alone = _plan(client, db, day)
    (route,) = _routes(db, alone)
    cap_h = route.duration_s // 3600  # a whole hour below the single route's length
    assert cap_h >= 2
    spread = _plan(client, db, day, max_route_h=cap_h)
    routes = _routes(db, spread)
    assert len(routes) >= 2 and all(r.duration_s <= cap_h * 3600 for r in routes)
    assert db.get(Job, spread.job_id).params["max_route_s"] == cap_h * 3600


def test_the_board_and_a_replan_remember_the_days_choices(client, auth, db, day) -> None:
    """After a solve the day's form comes back with the same trucks, drivers, outlets, hours and
    settings ticked and filled, and a re-plan of the plan solves with them."""
    crew = available_fleet(db, day.id, TODAY).crews()[1]
    other = next(o for o in db.exec(select(Outlet).order_by(Outlet.id)) if o.last_fill_pct < 50)
    auth.login(Role.DISPATCHER)
    data = {
        "day": TODAY.isoformat(),
        "depot": day.id,
        "time_limit_s": 5,
        "fleet_shown": "1",
        "vehicles": crew.vehicle.id,
        "drivers": crew.driver.id,
        "include_outlets": other.code,
        "day_start": "09:00",
        "max_route_h": 9,
        "labour_yuan_per_hour": 45,
    }
    assert client.post("/dispatch/solve", data=data).status_code == 302
    plan = db.exec(select(CollectionPlan)).one()
    form = client.get(f"/dispatch/?day={TODAY}&depot={day.id}").get_data(as_text=True)
    form = form.split('id="solve-form"')[1].split("</form>")[0]
    ticked = set(map(int, re.findall(r'name="vehicles" value="(\d+)" checked', form)))
    drivers = set(map(int, re.findall(r'name="drivers" value="(\d+)" checked', form)))
    assert (ticked, drivers) == ({crew.vehicle.id}, {crew.driver.id})
    assert other.code in form.split('name="include_outlets"')[1].split("</textarea>")[0]
    assert 'value="09:00"' in form and '<option selected value="9">' in form
    assert 'name="labour_yuan_per_hour" type="number" value="45"' in form
    assert client.post(f"/dispatch/plans/{plan.id}/replan", data={}).status_code == 302
    again = db.exec(select(Job).order_by(col(Job.id).desc())).first().params
    first = db.get(Job, plan.job_id).params
    for key in (
        "vehicle_ids",
        "driver_ids",
        "include_outlets",
        "day_start_s",
        "max_route_s",
        "labour_fen_per_hour",
    ):
        assert again[key] == first[key]
    assert again["replans"] == plan.id


def test_the_forms_pay_reaches_each_truck_of_the_solve() -> None:
    """40 yuan an hour, 8 h and 150 %: the solver sees 4000 fen/h and 2000 fen/h extra past 8 h."""
    import routing
    from webapp.dispatch.problem import LUNCH

    shift = routing.TimeWindow(7 * 3600, 17 * 3600)
    truck = routing.VehicleType("v1", 1, 1000, 10, shift, "d", "d", breaks=(LUNCH,))
    priced = costs.CostSettings().pay.priced(truck)
    pay = (priced.cost_per_hour_fen, priced.standard_day_s, priced.overtime_cost_per_hour_fen)
    assert pay == (4000, 8 * 3600, 2000)
    assert priced.labour_fen(9 * 3600) == 9 * 4000 + 2000
