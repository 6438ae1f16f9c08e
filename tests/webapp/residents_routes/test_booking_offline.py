"""Booking stops in the phone's offline queue (issue 15): the route data the phone keeps holds
them with the masked number and the call link, and a collection queued without signal
(confirmation code and weights) is stored once however often the queue replays it."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

from sqlmodel import select

from webapp.kiosk import ledger
from webapp.models import Collection, Material
from webapp.models._types import utcnow
from webapp.models.residents import Booking, BookingStatus

from .conftest import RESIDENT_PHONE
from .test_booking_routes import _accepted_for_driver1, _login_driver


def _token(client) -> dict[str, str]:
    _login_driver(client)
    return {"Authorization": f"Bearer {client.post('/driver/device-token').get_json()['token']}"}


def _page_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="driver-data">(.*?)</script>', html, re.S)
    assert found is not None
    return json.loads(found.group(1))


def test_the_routes_the_phone_keeps_hold_the_booking_with_masked_number_and_call_link(
    client, db, world, cache_dir
) -> None:
    """The sync API's route lists the booking stop with the masked number, its window and the
    call link, never the number or the code; the page warms the stop for offline use."""
    _driver, stop = _accepted_for_driver1(db, world, cache_dir)
    headers = _token(client)
    body = client.get("/api/v1/driver/routes/today", headers=headers).get_data(as_text=True)
    assert RESIDENT_PHONE not in body and all(b.code not in body for b in world.bookings)
    stops = [s for r in json.loads(body)["routes"] for s in r["stops"] if s["id"] == stop.id]
    assert stops[0]["kind"] == "booking"
    assert stops[0]["booking"] == {
        "label": stops[0]["booking"]["label"],
        "window": "08:00–10:00",
        "masked_phone": "138****5678",
        "call": f"/driver/stops/{stop.id}/call",
        "needs_confirmation_code": True,
    }
    data = _page_data(client.get("/driver/").get_data(as_text=True))
    assert f"/driver/stops/{stop.id}" in data["warm"]
    assert data["track"] == {"route_id": stop.route_id}
    page = client.get(f"/driver/stops/{stop.id}").get_data(as_text=True)
    assert 'class="booking-form card"' in page and 'name="confirmation_code"' in page


def test_a_booking_collection_queued_offline_is_stored_once_when_replayed(
    client, db, world, cache_dir
) -> None:
    """Recorded an hour ago with the code, sent three times: 201 then 200 twice, one record,
    the booking collected, the points credited once (the used code does not refuse a resend)."""
    _driver, stop = _accepted_for_driver1(db, world, cache_dir)
    booking = world.bookings[0]
    headers = _token(client)
    body = {
        "id": uuid.uuid4().hex,
        "stop_id": stop.id,
        "outcome": "collected",
        "recorded_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "arrived_at": (utcnow() - timedelta(hours=1, minutes=5)).isoformat(),
        "weights_kg": {"paper": "6.5"},
        "confirmation_code": booking.code,
    }
    answers = [client.post("/api/v1/driver/completions", json=body, headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 200, 200], answers[0].get_json()
    assert len({a.get_json()["server_id"] for a in answers}) == 1
    db.expire_all()
    assert len(db.exec(select(Collection).where(Collection.stop_id == stop.id)).all()) == 1
    assert db.get(Booking, booking.id).status == BookingStatus.COLLECTED
    paper = db.exec(select(Material).where(Material.code == "paper")).one()
    rate = ledger.price_history(db, booking.org_id).on(paper.id, world.day).points_per_kg
    assert ledger.balance(db, world.resident.id) == ledger.per_kg(6_500, rate)
    later = client.get("/api/v1/driver/routes/today", headers=headers).get_json()
    mine = [s for r in later["routes"] for s in r["stops"] if s["id"] == stop.id][0]
    assert mine["status"] == "collected" and mine["booking"]["needs_confirmation_code"] is False


def test_a_queued_booking_record_with_a_wrong_code_is_refused_naming_the_field(
    client, db, world, cache_dir
) -> None:
    """The queue's record with a mistyped code gets 422 on confirmation_code; nothing is stored."""
    _driver, stop = _accepted_for_driver1(db, world, cache_dir)
    headers = _token(client)
    wrong = "".join("1" if c == "0" else "0" for c in world.bookings[0].code)
    body = {
        "id": uuid.uuid4().hex,
        "stop_id": stop.id,
        "outcome": "collected",
        "recorded_at": utcnow().isoformat(),
        "weights_kg": {"paper": "2.0"},
        "confirmation_code": wrong,
    }
    answer = client.post("/api/v1/driver/completions", json=body, headers=headers)
    assert answer.status_code == 422
    assert [e["field"] for e in answer.get_json()["errors"]] == ["confirmation_code"]
    assert db.exec(select(Collection)).first() is None
