"""A city-sized working day for the load runs, built in bulk.

5,000 outlets on the bundled streets, 50 drivers each with a phone token and a route
for today on an accepted plan. Rows go in with executemany, not through the forms:
the runs measure the server under load, and building 12,000 stops one request at a
time would take longer than the runs themselves.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session, select

import geodata
import routing
from traceability import china_today as today
from webapp.auth.operations import hash_password
from webapp.dispatch.operations import COLOURS, accept_plan
from webapp.driver.operations import issue_device_token
from webapp.models import (
    CollectionPlan,
    Driver,
    Facility,
    Material,
    Outlet,
    OutletKind,
    OutletMaterial,
    OutletStatus,
    PlannedRoute,
    PlannedStop,
    Role,
    User,
    Vehicle,
)
from webapp.models._types import utcnow
from webapp.seed import seed_demo

STAFF_LOGIN = ("dispatcher", "dispatch-2026")  # the demo dispatcher seed_demo creates
DRIVER_PASSWORD = "load-driver-2026"
_STREETS = {"residential", "living_street", "tertiary", "unclassified", "secondary", "primary"}
_PREFIX = {"futian": "FT", "nanshan": "NS"}
# The demo's mix of outlet kinds and what each accepts.
_KINDS = {
    OutletKind.KIOSK: 55,
    OutletKind.SMART_BIN: 30,
    OutletKind.CO_BUILT: 10,
    OutletKind.BATTERY_POINT: 5,
}
_ACCEPTS = {
    OutletKind.KIOSK: ("paper", "metal", "plastic", "glass", "textiles", "low_value_plastic"),
    OutletKind.SMART_BIN: ("paper", "metal", "plastic", "glass", "low_value_plastic"),
    OutletKind.CO_BUILT: ("paper", "plastic", "composite_packaging", "waste_wood"),
    OutletKind.BATTERY_POINT: ("battery", "metal"),
}


# Two accepted plans today, one per depot, with a route on each for every driver:
# long routes for the minute of flaky posting, a day-long route of 40 stops whose
# records the phone holds offline until the end of the shift.
SHIFTS = {"flaky": 120, "burst": 40}


@dataclass(frozen=True)
class Phone:
    """What one driver's phone holds: its bearer token and, per shift, its stops in order."""

    username: str
    token: str
    stops: dict[str, list[int]]


@dataclass(frozen=True)
class LoadWorld:
    """The seeded day: counts, the depots planned, the outlets' extent and the phones."""

    outlets: int
    depot_ids: dict[str, int]
    bbox: tuple[float, float, float, float]
    phones: list[Phone]

    def write_phones(self, path: Path, shift: str) -> Path:
        """Write each phone's token and its stops of ``shift``, for locust."""
        phones = [{"username": p.username, "token": p.token, "stop_ids": p.stops[shift]} for p in self.phones]
        path.write_text(json.dumps({"phones": phones}))
        return path


def build(
    session: Session,
    *,
    cache_dir: Path | None,
    outlets: int = 5_000,
    drivers: int = 50,
    seed: int = 8,
) -> LoadWorld:
    """Seed the demo, then grow it to ``outlets`` outlets and ``drivers`` drivers on today."""
    report = seed_demo(session, outlets=0, days=0, seed=seed, cache_dir=cache_dir)
    if not report.created:
        raise RuntimeError("the load world needs an empty database")
    rng = random.Random(seed)
    _add_outlets(session, rng, outlets, cache_dir)
    depot_rows = select(Facility).where(Facility.is_depot == True)
    depots = session.exec(depot_rows.order_by(Facility.id)).all()
    fleet = _add_drivers(session, depots[0].id, drivers)  # type: ignore[arg-type]
    stops: dict[str, dict[int, list[int]]] = {}
    for (shift, length), depot in zip(SHIFTS.items(), depots, strict=True):
        plan_id, routes = _add_plan(
            session,
            rng,
            depot,
            [vehicle for vehicle, _driver in fleet],
            length,
            reverse=shift == "burst",
        )
        accept_plan(
            session,
            plan_id,
            {route: driver.id for route, (_v, driver) in zip(routes, fleet, strict=True)},  # type: ignore[misc]
            actor_id=None,
        )
        stops[shift] = {
            driver.id: _outlet_stops(session, route)
            for route, (_v, driver) in zip(routes, fleet, strict=True)  # type: ignore[misc]
        }
    phones = []
    for _vehicle, driver in fleet:
        token = issue_device_token(session, driver, device="reliability load phone")
        user = session.get(User, driver.user_id)
        phones.append(
            Phone(
                username=user.username,
                token=token,  # type: ignore[union-attr]
                stops={shift: stops[shift][driver.id] for shift in SHIFTS},
            )
        )  # type: ignore[index]
    lons, lats = zip(*session.exec(select(Outlet.lon, Outlet.lat)).all(), strict=True)
    return LoadWorld(
        outlets=len(lons),
        depot_ids={shift: d.id for shift, d in zip(SHIFTS, depots, strict=True)},  # type: ignore[misc]
        bbox=(min(lons), min(lats), max(lons), max(lats)),
        phones=phones,
    )


def _outlet_stops(session: Session, route_id: int) -> list[int]:
    return list(
        session.exec(
            select(PlannedStop.id)
            .where(PlannedStop.route_id == route_id, PlannedStop.kind == "outlet")
            .order_by(PlannedStop.position)
        ).all()
    )  # type: ignore[arg-type]


def _add_outlets(session: Session, rng: random.Random, count: int, cache_dir: Path | None) -> None:
    """``count`` outlets on real streets, at least 40 m apart, with fill levels empty to full."""
    graph = geodata.load_network(mode="drive", cache_dir=cache_dir)
    points = geodata.sample_street_points(
        graph, count, seed=rng.randrange(1 << 30), highway=_STREETS, min_spacing_m=40
    )
    numbers: dict[str, int] = {}
    now = utcnow()
    rows = []
    for point in points:
        district = point.district or "futian"
        numbers[district] = numbers.get(district, 0) + 1
        kind = rng.choices(list(_KINDS), weights=list(_KINDS.values()))[0]
        status = rng.choices([OutletStatus.ACTIVE, OutletStatus.PLANNED, OutletStatus.CLOSED], [90, 8, 2])[0]
        rows.append(
            {
                "code": f"{_PREFIX.get(district, 'OT')}-{numbers[district]:05d}",
                "name": f"{point.street_name or '无名路'}回收点{numbers[district]}号",
                "kind": kind,
                "status": status,
                "district": point.district,
                "address": f"深圳市{point.street_name or ''}",
                "lon": round(point.lon, 7),
                "lat": round(point.lat, 7),
                "capacity_l": rng.choice([660, 1000, 1200, 2400]),
                "fill_threshold_pct": 80,
                "last_fill_pct": round(rng.uniform(0, 100), 1) if status == OutletStatus.ACTIVE else None,
                "last_fill_at": now if status == OutletStatus.ACTIVE else None,
                "created_at": now,
                "updated_at": now,
                "host_name": "",
                "host_phone": "",
                "partner": "",
                "close_reason": "",
            }
        )
    session.execute(insert(Outlet), rows)
    materials = {m.code: m.id for m in session.exec(select(Material))}
    links = [
        {"outlet_id": outlet_id, "material_id": materials[code]}
        for outlet_id, kind in session.exec(select(Outlet.id, Outlet.kind)).all()
        for code in _ACCEPTS[OutletKind(kind)]
    ]
    session.execute(insert(OutletMaterial), links)
    session.commit()


def _add_drivers(session: Session, depot_id: int, count: int) -> list[tuple[Vehicle, Driver]]:
    """``count`` drivers with a truck each (one password hash shared: scrypt is slow on purpose)."""
    password_hash = hash_password(DRIVER_PASSWORD)
    fleet = []
    for number in range(1, count + 1):
        user = User(
            username=f"load-driver-{number:02d}",
            display_name=f"负载测试司机 {number:02d}",
            password_hash=password_hash,
            role=Role.DRIVER,
        )
        vehicle = Vehicle(
            plate=f"粤B·L{number:04d}",
            model="负载测试 5吨",
            capacity_g=5_000_000,
            volume_l=12_000,
            depot_id=depot_id,
        )
        session.add_all([user, vehicle])
        session.flush()
        driver = Driver(user_id=user.id, name=f"负载{number:02d}", vehicle_id=vehicle.id)  # type: ignore[arg-type]
        session.add(driver)
        fleet.append((vehicle, driver))
    session.commit()
    return fleet


def _add_plan(
    session: Session,
    rng: random.Random,
    depot: Facility,
    vehicles: list[Vehicle],
    stops_per_route: int,
    *,
    reverse: bool,
) -> tuple[int, list[int]]:
    """A proposed plan for today with one route per truck, each over ``stops_per_route`` outlets.

    No solver ran: the routes take active outlets in turn. The plan is still a valid
    ``routing.Plan``, so every page that reads it back works.
    """
    outlets = session.exec(
        select(Outlet.id).where(Outlet.status == OutletStatus.ACTIVE).order_by(Outlet.id)
    ).all()
    outlets = outlets[::-1] if reverse else outlets  # the second depot's plan starts from the other end
    unload = (
        session.exec(select(Facility).where(Facility.id != depot.id).order_by(Facility.id)).first() or depot
    )
    start_s, step_s = 7 * 3600, 120
    plan_routes, stop_rows = [], []
    cursor = 0
    for vehicle in vehicles:
        visits = [
            routing.Visit(
                kind=routing.VisitKind.STOP,
                id=f"v{vehicle.id}-{n}",
                location=1 + cursor + n,
                arrival_s=start_s + n * step_s,
                departure_s=start_s + n * step_s + 60,
                load_kg=0.0,
                load_m3=0.0,
                collected_kg=round(rng.uniform(5, 60), 1),
            )
            for n in range(stops_per_route)
        ]
        stop_rows.append([outlets[(cursor + n) % len(outlets)] for n in range(stops_per_route)])
        cursor += stops_per_route
        end_s = start_s + (stops_per_route + 1) * step_s
        visits.append(
            routing.Visit(
                kind=routing.VisitKind.UNLOAD,
                id=f"u{vehicle.id}",
                location=0,
                arrival_s=end_s - step_s,
                departure_s=end_s,
                load_kg=0.0,
                load_m3=0.0,
            )
        )
        plan_routes.append(
            routing.Route(
                vehicle_type_id=str(vehicle.id),
                unit=0,
                start_depot="depot",
                end_depot="depot",
                start_s=start_s,
                end_s=end_s,
                visits=tuple(visits),
                breaks=(),
                distance_m=0,
                cost_fen=0,
            )
        )
    plan = routing.Plan(routes=tuple(plan_routes), unassigned=())
    row = CollectionPlan(
        day=today(),
        depot_id=depot.id,
        stops_served=plan.stops_served,  # type: ignore[arg-type]
        collected_g=round(plan.collected_kg * 1000),
        duration_s=round(plan.hours * 3600),
        plan=plan.to_dict(),
        stops={
            v.id: {"outlet_id": stop_rows[r][n]}
            for r, route in enumerate(plan_routes)
            for n, v in enumerate(route.visits[:-1])
        },
    )
    session.add(row)
    session.flush()
    route_ids = []
    for number, (vehicle, route, outlet_ids) in enumerate(
        zip(vehicles, plan_routes, stop_rows, strict=True), 1
    ):
        planned = PlannedRoute(
            plan_id=row.id,
            number=number,
            vehicle_id=vehicle.id,  # type: ignore[arg-type]
            colour=COLOURS[(number - 1) % len(COLOURS)],
            distance_m=0,
            duration_s=route.end_s - route.start_s,
            start_s=route.start_s,
            end_s=route.end_s,
            collected_g=round(route.collected_kg * 1000),
            stop_count=len(outlet_ids),
        )
        session.add(planned)
        session.flush()
        route_ids.append(planned.id)
        stops = [
            {
                "route_id": planned.id,
                "position": n,
                "kind": "outlet",
                "outlet_id": outlet_id,
                "facility_id": None,
                "arrival_s": visit.arrival_s,
                "departure_s": visit.departure_s,
                "expected_g": round(visit.collected_kg * 1000),
                "load_after_g": 0,
            }
            for n, (visit, outlet_id) in enumerate(zip(route.visits, outlet_ids, strict=False), 1)
        ]
        last = route.visits[-1]
        stops.append(
            {
                "route_id": planned.id,
                "position": len(stops) + 1,
                "kind": "unload",
                "outlet_id": None,
                "facility_id": unload.id,
                "arrival_s": last.arrival_s,
                "departure_s": last.departure_s,
                "expected_g": 0,
                "load_after_g": 0,
            }
        )
        session.execute(insert(PlannedStop), stops)
    session.commit()
    return row.id, route_ids  # type: ignore[return-value]
