"""Doorstep collections (booking stops, no outlet) count in the collection totals, the
low-value subsidy basis and the per-district figures, and drill down to their booking."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlmodel import select

from webapp.kiosk import ledger
from webapp.metrics import Drill, Scope, compute, records
from webapp.models import Collection
from webapp.models.residents import ResidentAddress

from .test_booking_routes import _accepted_for_driver1, _login_driver


def _collect_at_the_door(client, db, world, cache_dir) -> Collection:
    """The first booking collected with 10.5 kg of paper and 2.5 kg of low-value plastic."""
    _driver, stop = _accepted_for_driver1(db, world, cache_dir)
    booking = world.bookings[0]
    address = db.get(ResidentAddress, booking.address_id)
    address.district = "futian"
    db.add(address)
    ledger.add_price(
        db,
        material="low_value_plastic",
        fen_per_kg=30,
        points_per_kg=5,
        valid_from=world.day - timedelta(days=30),
    )
    db.commit()
    _login_driver(client)
    form = {
        "id": uuid.uuid4().hex,
        "outcome": "collected",
        "kg_paper": "10.5",
        "kg_low_value_plastic": "2.5",
        "confirmation_code": booking.code,
    }
    response = client.post(f"/driver/stops/{stop.id}", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    db.expire_all()
    return db.exec(select(Collection).where(Collection.stop_id == stop.id)).one()


def test_doorstep_grams_are_in_the_totals_by_district_and_low_value_basis(
    client, db, world, cache_dir
) -> None:
    """Total, by-material, the district's row and the subsidy's low-value tonnage all hold
    the door's grams; the doorstep heading drills to the booking with the same sum."""
    record = _collect_at_the_door(client, db, world, cache_dir)
    assert record.outlet_id is None and record.total_g == 13_000
    scope = Scope(world.day, world.day)
    found = compute(db, scope, cache_dir=cache_dir)
    collection = found.collection
    assert collection.total.value == 13_000
    door = [t for t in collection.by_outlet if t.key == "doorstep"]
    assert len(door) == 1 and door[0].grams.value == 13_000 and door[0].district == "futian"
    assert {t.key: t.grams.value for t in collection.by_district}["futian"] == 13_000
    page = records(db, door[0].grams.drill)
    assert page.sums == {"count": 1, "g": 13_000}
    assert page.rows[0]["booking_id"] == world.bookings[0].id and page.rows[0]["district"] == "futian"
    low = {line.key: line.quantity.value for line in found.subsidy.lines if line.key == "low_value_plastic"}
    assert low == {"low_value_plastic": 2_500}
    assert collection.low_value_share.numerator.value == 2_500


def test_a_district_scope_counts_the_door_in_its_district_only(client, db, world, cache_dir) -> None:
    """Futian's figures hold the doorstep grams; Nanshan's do not."""
    _collect_at_the_door(client, db, world, cache_dir)
    futian = compute(db, Scope(world.day, world.day, None, "futian"), cache_dir=cache_dir).collection
    nanshan = compute(db, Scope(world.day, world.day, None, "nanshan"), cache_dir=cache_dir).collection
    assert futian.total.value == 13_000 and nanshan.total.value == 0
    drill = Drill.of("collections", Scope(world.day, world.day, None, "futian"), channel="doorstep")
    assert records(db, drill).sums["g"] == 13_000


def test_the_json_report_keeps_its_collection_keys(client, db, world, cache_dir) -> None:
    """Adding the door adds rows, never keys: the collection block's keys are unchanged."""
    _collect_at_the_door(client, db, world, cache_dir)
    block = compute(db, Scope(world.day, world.day), cache_dir=cache_dir).to_json()["collection"]
    row = next(r for r in block["by_outlet"] if r["key"] == "doorstep")
    assert set(row) == {"key", "label", "grams", "collections", "district"}
    assert row["grams"]["drill"]["params"]["channel"] == "doorstep"
