"""A day with residents' bookings beside due outlets, on the demo's streets and fleet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import Session, select

import routing
from traceability import CHINA_TZ, china_today
from webapp.dispatch.operations import save_plan
from webapp.dispatch.problem import build_day
from webapp.kiosk import ledger
from webapp.models import CollectionPlan, Facility, Material, Outlet, OutletStatus
from webapp.models.residents import Booking, ResidentAccount, ResidentAddress, ServiceArea, Slot
from webapp.residents.accounts import create_resident
from webapp.residents.bookings import ItemInput, book
from webapp.seed import seed_demo, seed_skip_reasons

RESIDENT_PHONE = "13812345678"
RESIDENT_PASSWORD = "resident-pass-42"


@dataclass
class World:
    depot: Facility
    day: date
    resident: ResidentAccount
    bookings: list[Booking]


def nearest_depot(depots: list[Facility], lon: float, lat: float) -> int:
    return min(depots, key=lambda d: ((d.lon - lon) * 0.92) ** 2 + (d.lat - lat) ** 2).id  # type: ignore[return-value]


def make_world(db: Session, cache_dir, *, windows: list[tuple[time, time]]) -> World:
    """Demo outlets (four due near the busiest depot), one resident booking a pickup at
    the door of an outlet's street in each of ``windows`` today (Shenzhen)."""
    seed_demo(db, outlets=40, days=0, seed=11, cache_dir=cache_dir)
    seed_skip_reasons(db)
    active = db.exec(select(Outlet).where(Outlet.status == OutletStatus.ACTIVE).order_by(Outlet.id)).all()
    depots = list(db.exec(select(Facility).where(Facility.is_depot == True)).all())
    depot = max(depots, key=lambda d: sum(nearest_depot(depots, o.lon, o.lat) == d.id for o in active))
    mine = [o for o in active if nearest_depot(depots, o.lon, o.lat) == depot.id]
    for outlet in active:
        outlet.last_fill_pct = 90.0 if outlet in mine[:4] else 10.0
        db.add(outlet)
    area = ServiceArea(code="T1", name="测试片区")
    db.add(area)
    db.flush()
    resident = create_resident(db, RESIDENT_PHONE, RESIDENT_PASSWORD)
    day = china_today()
    paper = db.exec(select(Material).where(Material.code == "paper")).one()
    ledger.add_price(
        db, material="paper", fen_per_kg=80, points_per_kg=10, valid_from=day - timedelta(days=30)
    )
    made = []
    for i, (start, end) in enumerate(windows):
        door = mine[4 + i]
        address = ResidentAddress(
            resident_id=resident.id,
            service_area_id=area.id,
            detail=f"测试花园{i + 1}栋101",
            lon=door.lon,
            lat=door.lat,
        )
        db.add(address)
        slot = Slot(service_area_id=area.id, day=day, start=start, end=end, capacity=10)
        db.add(slot)
        db.commit()
        before = datetime.combine(day - timedelta(days=1), time(9), tzinfo=CHINA_TZ)
        made.append(
            book(
                db,
                resident,
                address_id=address.id,
                slot_id=slot.id,
                items=[ItemInput(material_id=paper.id, estimated_g=12_000)],
                now=before,
            )
        )
    db.commit()
    return World(depot=depot, day=day, resident=resident, bookings=made)


def solve_and_save(db: Session, world: World, cache_dir, seconds: int = 2) -> tuple[CollectionPlan, object]:
    built = build_day(db, world.day, world.depot.id, cache_dir=cache_dir)
    plan = routing.solve(built.problem, time_limit_s=seconds, seed=0)
    assert routing.check(built.problem, plan) == []
    row = save_plan(
        db, built, plan, day=world.day, depot_id=world.depot.id, job=None, time_limit_s=seconds, seed=0
    )
    db.commit()
    return row, built


@pytest.fixture
def world(app, db, cache_dir) -> World:
    """Two bookings, 08:00–10:00 and 10:00–12:00, and one at 05:00–06:00 no crew can make."""
    return make_world(db, cache_dir, windows=[(time(8), time(10)), (time(10), time(12)), (time(5), time(6))])
