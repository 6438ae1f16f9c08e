"""The day problem uses only the fleet of that day: trucks in service, drivers on duty."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlmodel import select

import routing
from webapp.dispatch.operations import save_plan
from webapp.dispatch.problem import PlanningError, build_day
from webapp.fleet.availability import suggested_drivers
from webapp.models import Driver, Facility, Outlet, OutletStatus, Shift, Vehicle, VehicleOutOfService
from webapp.seed import seed_demo

DAY = date(2026, 11, 24)  # before the demo's roster: no shift recorded that day


@pytest.fixture
def depot(app, db, cache_dir) -> Facility:
    """The demo, with 6 due and 4 half-full outlets near its busiest depot."""
    seed_demo(db, outlets=40, days=0, seed=11, cache_dir=cache_dir)
    depots = db.exec(select(Facility).where(Facility.is_depot == True)).all()  # noqa: E712
    outlets = db.exec(select(Outlet).where(Outlet.status == OutletStatus.ACTIVE).order_by(Outlet.id)).all()

    def nearest(o: Outlet) -> int:
        return min(depots, key=lambda d: ((d.lon - o.lon) * 0.92) ** 2 + (d.lat - o.lat) ** 2).id

    busiest = max(depots, key=lambda d: sum(nearest(o) == d.id for o in outlets))
    mine = [o.id for o in outlets if nearest(o) == busiest.id][:10]
    for outlet in outlets:
        outlet.last_fill_pct = 90.0 if outlet.id in mine[:6] else 60.0 if outlet.id in mine[6:] else 10.0
        db.add(outlet)
    db.commit()
    return busiest


def _trucks(db, depot) -> list[Vehicle]:
    return list(db.exec(select(Vehicle).where(Vehicle.depot_id == depot.id).order_by(Vehicle.id)))


def test_a_truck_out_of_service_is_left_out_of_the_problem(db, depot, cache_dir) -> None:
    """Two trucks at the depot, one at its inspection: the problem has the other only."""
    first, second = _trucks(db, depot)
    db.add(VehicleOutOfService(vehicle_id=first.id, day=DAY, reason="年检"))
    db.commit()
    built = build_day(db, DAY, depot.id, cache_dir=cache_dir)
    assert list(built.vehicles.values()) == [second.id]


def test_every_truck_of_the_problem_has_a_driver_of_the_depot(db, depot, cache_dir) -> None:
    """Each vehicle type is paired with a distinct active driver based at the depot."""
    built = build_day(db, DAY, depot.id, cache_dir=cache_dir)
    drivers = {d.id: d for d in db.exec(select(Driver))}
    assert set(built.drivers) == set(built.vehicles)
    assert len(set(built.drivers.values())) == len(built.drivers)
    assert all(drivers[d].depot_id == depot.id and drivers[d].active for d in built.drivers.values())


def test_trucks_work_within_their_drivers_shifts(db, depot, cache_dir) -> None:
    """With a roster, each truck's hours are its driver's shift (inside the truck's own)."""
    for driver in db.exec(select(Driver).where(Driver.depot_id == depot.id)):
        db.add(Shift(driver_id=driver.id, depot_id=depot.id, day=DAY, start=time(9), end=time(15, 30)))
    db.commit()
    built = build_day(db, DAY, depot.id, cache_dir=cache_dir)
    assert {(vt.shift.start_s, vt.shift.end_s) for vt in built.problem.vehicle_types} == {
        (9 * 3600, 15 * 3600 + 1800)
    }


def test_a_depot_without_a_driver_on_duty_cannot_be_planned(db, depot, cache_dir) -> None:
    """Shifts recorded only at the other depot: nobody drives from this one, and it says so."""
    other = db.exec(select(Facility).where(Facility.is_depot == True, Facility.id != depot.id)).first()  # noqa: E712
    for driver in db.exec(select(Driver).where(Driver.depot_id == depot.id)):
        db.add(Shift(driver_id=driver.id, depot_id=other.id, day=DAY, start=time(8), end=time(17)))
    db.commit()
    with pytest.raises(PlanningError, match="driver|司机"):
        build_day(db, DAY, depot.id, cache_dir=cache_dir)


def test_the_trucks_costs_are_the_objectives_costs(db, depot, cache_dir) -> None:
    """Fixed cost per day and cost per km of each truck reach the solver unchanged."""
    built = build_day(db, DAY, depot.id, cache_dir=cache_dir)
    trucks = {v.id: v for v in _trucks(db, depot)}
    for vt in built.problem.vehicle_types:
        truck = trucks[built.vehicles[vt.id]]
        assert (vt.fixed_cost_fen, vt.cost_per_km_fen) == (truck.fixed_cost_fen, truck.cost_per_km_fen)


def test_the_dispatcher_can_send_out_only_the_trucks_they_choose(db, depot, cache_dir) -> None:
    """vehicle_ids narrows the problem to the chosen truck."""
    chosen = _trucks(db, depot)[1]
    built = build_day(db, DAY, depot.id, cache_dir=cache_dir, vehicle_ids={chosen.id})
    assert list(built.vehicles.values()) == [chosen.id]


def test_a_solved_plan_suggests_one_driver_per_route(db, depot, cache_dir) -> None:
    """The accept form can be prefilled: every route gets its truck's driver, none twice."""
    built = build_day(db, DAY, depot.id, cache_dir=cache_dir)
    plan = routing.solve(built.problem, time_limit_s=1, seed=0)
    row = save_plan(db, built, plan, day=DAY, depot_id=depot.id, job=None, time_limit_s=1, seed=0)
    db.commit()
    suggested = suggested_drivers(db, row)
    assert len(suggested) == len(plan.routes) >= 1
    assert len(set(suggested.values())) == len(suggested)
