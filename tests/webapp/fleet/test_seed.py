"""The demo's fleet: licences, phones, plates, tare, costs, hours and a week's roster."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from webapp.fleet.validation import parse_licence_no, parse_phone, parse_plate
from webapp.models import Driver, Facility, Shift, Vehicle, VehicleOutOfService
from webapp.models._types import utcnow
from webapp.seed import ROSTER_DAYS, seed_demo

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def demo(app, db, cache_dir):
    seed_demo(db, outlets=10, days=0, seed=3, cache_dir=cache_dir)
    return utcnow().astimezone(SHANGHAI).date()


def test_demo_drivers_have_valid_licences_and_phones(app, db, demo) -> None:
    """Every demo driver has a login, a licence that passes its check and a mobile number."""
    drivers = db.exec(select(Driver)).all()
    assert len(drivers) == 4
    with app.test_request_context():
        for d in drivers:
            assert d.user_id and d.licence_class and d.licence_expiry
            assert parse_licence_no(d.licence_no) == d.licence_no and parse_phone(d.phone) == d.phone


def test_demo_vehicles_have_plates_tare_and_costs(app, db, demo) -> None:
    """Plates are valid Chinese plates as stored; tare and both costs are set."""
    with app.test_request_context():
        for v in db.exec(select(Vehicle)):
            assert parse_plate(v.plate) == v.plate
            assert v.tare_g > 0 and v.fixed_cost_fen > 0 and v.cost_per_km_fen > 0


def test_demo_rosters_a_week_and_inspects_one_truck(db, demo) -> None:
    """Shifts from today for a week, and one truck out of service on one of those days."""
    days = {s.day for s in db.exec(select(Shift))}
    assert days == {demo + timedelta(days=n) for n in range(ROSTER_DAYS)}
    out = db.exec(select(VehicleOutOfService)).one()
    assert demo < out.day < demo + timedelta(days=ROSTER_DAYS) and out.reason


def test_demo_facilities_have_hours_and_unloading_times(db, demo) -> None:
    """Each facility opens before it closes and takes a positive unloading time."""
    for f in db.exec(select(Facility)):
        assert f.opens < f.closes and f.unload_minutes > 0
