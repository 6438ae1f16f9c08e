"""A real day for drivers: demo outlets on the street network, a solved plan for today
(Shenzhen time), accepted with driver1 on route 1 and driver2 on route 2."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import Session, select

import routing
from traceability import china_today
from webapp.dispatch.operations import accept_plan, save_plan
from webapp.dispatch.problem import build_day
from webapp.models import (
    Driver,
    Facility,
    Outlet,
    OutletStatus,
    PlannedRoute,
    PlannedStop,
    User,
    Vehicle,
)
from webapp.seed import seed_demo, seed_skip_reasons

DRIVER_PASSWORD = "driver-2026"


@dataclass
class Day:
    """Today's accepted plan: each driver's route and its outlet stops in order."""

    plan_id: int
    routes: dict[str, PlannedRoute]
    stops: dict[str, list[PlannedStop]]
    drivers: dict[str, Driver]


def make_day(db: Session, cache_dir, *, outlets: int = 40, seed: int = 11) -> Day:
    """Seed the demo, make ten outlets near the busiest depot worth a visit, plan and accept."""
    seed_demo(db, outlets=outlets, days=0, seed=seed, cache_dir=cache_dir)
    seed_skip_reasons(db)
    active = db.exec(select(Outlet).where(Outlet.status == OutletStatus.ACTIVE).order_by(Outlet.id)).all()
    depots = db.exec(select(Facility).where(Facility.is_depot == True)).all()

    def nearest(o: Outlet) -> int:
        return min(depots, key=lambda d: ((d.lon - o.lon) * 0.92) ** 2 + (d.lat - o.lat) ** 2).id

    depot = max(depots, key=lambda d: sum(nearest(o) == d.id for o in active))
    mine = [o.id for o in active if nearest(o) == depot.id][:10]
    for outlet in active:
        outlet.last_fill_pct = 95.0 if outlet.id in mine else 10.0
        outlet.capacity_l = 2000  # ten full outlets overfill one truck: the day needs two routes
        db.add(outlet)
    for vehicle in db.exec(select(Vehicle).where(Vehicle.depot_id == depot.id)):
        vehicle.volume_l, vehicle.fixed_cost_fen = 8_000, 0  # no truck takes the day alone
        db.add(vehicle)
    db.commit()
    built = build_day(db, china_today(), depot.id, cache_dir=cache_dir)
    plan = routing.solve(built.problem, time_limit_s=1, seed=0)
    row = save_plan(db, built, plan, day=china_today(), depot_id=depot.id, job=None, time_limit_s=1, seed=0)
    db.commit()
    routes = db.exec(
        select(PlannedRoute).where(PlannedRoute.plan_id == row.id).order_by(PlannedRoute.number)
    ).all()
    drivers = {
        u.username: db.exec(select(Driver).where(Driver.user_id == u.id)).one()
        for u in db.exec(select(User).where(User.username.in_(["driver1", "driver2"])))
    }  # type: ignore[attr-defined]
    names = ["driver1", "driver2"]
    assignment = {r.id: drivers[n].id for r, n in zip(routes, names, strict=False)}
    accept_plan(db, row.id, assignment, actor_id=None)
    by_name = {n: r for r, n in zip(routes, names, strict=False)}
    stops = {
        n: db.exec(
            select(PlannedStop)
            .where(PlannedStop.route_id == r.id, PlannedStop.kind == "outlet")
            .order_by(PlannedStop.position)
        ).all()
        for n, r in by_name.items()
    }
    return Day(plan_id=row.id, routes=by_name, stops=stops, drivers=drivers)


@pytest.fixture
def day(app, db, cache_dir) -> Day:
    return make_day(db, cache_dir)


def login(client, username: str) -> None:
    response = client.post("/login", data={"username": username, "password": DRIVER_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def device_token(client, username: str) -> str:
    """Log in and get the phone's bearer token, as the page does."""
    login(client, username)
    response = client.post("/driver/device-token")
    assert response.status_code == 201
    return response.get_json()["token"]
