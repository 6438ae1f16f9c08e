"""Residents' bookings in the day's routes: required stops in their slot, their status
following the plan, an unassigned one explained to dispatcher and resident, and the
driver collecting at the door with the resident's code, points credited."""

from __future__ import annotations

import uuid

from sqlmodel import select

from webapp.dispatch.bookings import booking_key, seconds
from webapp.dispatch.operations import accept_plan
from webapp.kiosk import ledger
from webapp.models import AuditRecord, Collection, Driver, Material, PlannedRoute, PlannedStop, Role, User
from webapp.models._types import utcnow
from webapp.models.residents import Booking, BookingEvent, BookingStatus, Slot
from webapp.residents.routing import check_code

from .conftest import RESIDENT_PHONE, solve_and_save

DRIVER_PASSWORD = "driver-2026"


def test_bookings_are_required_stops_with_their_slot_as_window(db, world, cache_dir) -> None:
    """Each booking is a required stop of the day's problem, its window the slot."""
    from webapp.dispatch.problem import build_day

    built = build_day(db, world.day, world.depot.id, cache_dir=cache_dir)
    by_id = {s.id: s for s in built.problem.stops}
    for booking in world.bookings:
        stop = by_id[booking_key(booking.id)]
        slot = db.get(Slot, booking.slot_id)
        assert stop.required and (stop.window.start_s, stop.window.end_s) == (
            seconds(slot.start),
            seconds(slot.end),
        )
        assert abs(stop.demand_kg - 12.0) < 0.01
    assert any(key.startswith("o") and s.required for key, s in by_id.items())  # beside due outlets


def test_a_saved_plan_assigns_bookings_inside_their_slot_and_explains_the_one_left_out(
    client, auth, db, world, cache_dir
) -> None:
    """On a route: assigned, arrival inside the slot, ETA set. Left out: unassigned with
    the reason in Chinese for the resident, and a banner on the dispatcher's board."""
    plan, _built = solve_and_save(db, world, cache_dir)
    early = world.bookings[2]
    stops = {
        s.booking_id: s
        for s in db.exec(select(PlannedStop).where(PlannedStop.booking_id.is_not(None))).all()  # type: ignore[union-attr]
    }
    db.expire_all()
    for booking in world.bookings[:2]:
        stop, slot, row = stops[booking.id], db.get(Slot, booking.slot_id), db.get(Booking, booking.id)
        assert stop.kind == "booking" and stop.outlet_id is None
        assert seconds(slot.start) <= stop.arrival_s <= seconds(slot.end)
        assert row.status == BookingStatus.ASSIGNED and row.eta is not None
    assert early.id not in stops
    left = db.get(Booking, early.id)
    assert left.status == BookingStatus.UNASSIGNED and left.reason
    assert any(u["booking_id"] == early.id and u["reason"] for u in plan.unassigned)
    events = db.exec(select(BookingEvent).where(BookingEvent.booking_id == early.id)).all()
    assert [e.status for e in events][-1] == BookingStatus.UNASSIGNED
    auth.login(Role.DISPATCHER)
    board = client.get(f"/dispatch/?day={world.day}&depot={world.depot.id}").get_data(as_text=True)
    assert 'id="bookings-alert"' in board and 'id="bookings"' in board
    assert left.reason in board and "08:00–10:00" in board
    page = client.get(f"/dispatch/plans/{plan.id}").get_data(as_text=True)
    assert 'class="booking-stop"' in page and "10:00–12:00" in page and 'id="bookings-alert"' in page
    assert all(b.code not in page for b in world.bookings)  # staff never see the resident's code


def test_saving_the_same_plan_again_writes_no_new_events(db, world, cache_dir) -> None:
    """A booking whose status does not change gets no second history row."""
    solve_and_save(db, world, cache_dir)
    count = len(db.exec(select(BookingEvent)).all())
    solve_and_save(db, world, cache_dir)
    assert len(db.exec(select(BookingEvent)).all()) == count


def _accepted_for_driver1(db, world, cache_dir) -> tuple[Driver, PlannedStop]:
    plan, _built = solve_and_save(db, world, cache_dir)
    user = db.exec(select(User).where(User.username == "driver1")).one()
    driver = db.exec(select(Driver).where(Driver.user_id == user.id)).one()
    stop = db.exec(select(PlannedStop).where(PlannedStop.booking_id == world.bookings[0].id)).one()
    routes = db.exec(select(PlannedRoute).where(PlannedRoute.plan_id == plan.id)).all()
    accept_plan(
        db, plan.id, {r.id: (driver.id if r.id == stop.route_id else None) for r in routes}, actor_id=None
    )
    return driver, stop


def _login_driver(client) -> None:
    response = client.post("/login", data={"username": "driver1", "password": DRIVER_PASSWORD})
    assert response.status_code == 302


def test_the_driver_sees_a_masked_number_and_a_call_link_never_the_code(client, db, world, cache_dir) -> None:
    """The stop page masks the number; the call link hands it to the dialer and is logged."""
    _driver, stop = _accepted_for_driver1(db, world, cache_dir)
    _login_driver(client)
    route_page = client.get("/driver/").get_data(as_text=True)
    assert "138****5678" in route_page and "08:00–10:00" in route_page
    page = client.get(f"/driver/stops/{stop.id}").get_data(as_text=True)
    assert "138****5678" in page and RESIDENT_PHONE not in page
    assert world.bookings[0].code not in page and 'name="confirmation_code"' in page
    call = client.get(f"/driver/stops/{stop.id}/call")
    assert call.status_code == 302 and call.headers["Location"] == f"tel:{RESIDENT_PHONE}"
    assert db.exec(select(AuditRecord).where(AuditRecord.action == "call_resident")).first() is not None


def test_the_driver_collects_with_the_code_and_the_resident_is_credited(client, db, world, cache_dir) -> None:
    """A wrong code is refused naming the field, nothing written; the right one records the
    weights in grams, the booking is collected and the resident gets the points; the code
    cannot be used again; a correction is a new row and moves the points with it."""
    _driver, stop = _accepted_for_driver1(db, world, cache_dir)
    booking = world.bookings[0]
    _login_driver(client)
    form = {
        "id": uuid.uuid4().hex,
        "outcome": "collected",
        "kg_paper": "10.5",
        "confirmation_code": "000000x",
    }
    refused = client.post(f"/driver/stops/{stop.id}", data=form)
    assert refused.status_code == 422 and 'data-field="confirmation_code"' in refused.get_data(as_text=True)
    assert db.exec(select(Collection)).first() is None
    form = {**form, "id": uuid.uuid4().hex, "confirmation_code": booking.code}
    assert client.post(f"/driver/stops/{stop.id}", data=form).status_code == 302
    db.expire_all()
    row = db.get(Booking, booking.id)
    assert row.status == BookingStatus.COLLECTED and row.code_used_at is not None
    record = db.exec(select(Collection).where(Collection.stop_id == stop.id)).one()
    assert record.total_g == 10_500 and record.outlet_id is None
    paper = db.exec(select(Material).where(Material.code == "paper")).one()
    rate = ledger.price_history(db, booking.org_id).on(paper.id, world.day).points_per_kg
    assert rate > 0 and ledger.balance(db, world.resident.id) == ledger.per_kg(10_500, rate)
    assert check_code(db, stop, booking.code)[0]["field"] == "confirmation_code"  # used once only
    # The next booking of the route is on the way, with an arrival estimate.
    following = db.get(Booking, world.bookings[1].id)
    if following.status == BookingStatus.ON_THE_WAY:
        assert following.eta is not None
    correction = {
        "id": uuid.uuid4().hex,
        "outcome": "collected",
        "kg_paper": "8.0",
        "supersedes": record.client_id,
        "correction_reason": "秤读错",
    }
    assert client.post(f"/driver/stops/{stop.id}", data=correction).status_code == 302
    db.expire_all()
    assert len(db.exec(select(Collection).where(Collection.stop_id == stop.id)).all()) == 2
    assert ledger.balance(db, world.resident.id) == ledger.per_kg(8_000, rate)


def test_the_phone_api_needs_the_code_at_a_booking_stop(client, db, world, cache_dir) -> None:
    """The JSON API refuses a booking's first collection without the right code (422, field)."""
    _driver, stop = _accepted_for_driver1(db, world, cache_dir)
    _login_driver(client)
    token = client.post("/driver/device-token").get_json()["token"]
    body = {
        "id": uuid.uuid4().hex,
        "stop_id": stop.id,
        "outcome": "collected",
        "recorded_at": utcnow().isoformat(),
        "weights_kg": {"paper": "3.0"},
    }
    headers = {"Authorization": f"Bearer {token}"}
    missing = client.post("/api/v1/driver/completions", json=body, headers=headers)
    assert missing.status_code == 422
    assert missing.get_json()["errors"][0]["field"] == "confirmation_code"
    body["confirmation_code"] = world.bookings[0].code
    assert client.post("/api/v1/driver/completions", json=body, headers=headers).status_code == 201


def test_setting_off_tells_the_first_resident_with_an_eta(client, db, world, cache_dir) -> None:
    """The driver's 'set off' puts the route's first pending booking on the way."""
    _driver, stop = _accepted_for_driver1(db, world, cache_dir)
    _login_driver(client)
    route = db.get(PlannedRoute, stop.route_id)
    first = db.exec(
        select(PlannedStop)
        .where(PlannedStop.route_id == route.id, PlannedStop.kind != "unload")
        .order_by(PlannedStop.position)
    ).first()
    assert client.post(f"/driver/routes/{route.id}/start").status_code == 302
    db.expire_all()
    if first.booking_id is not None:
        told = db.get(Booking, first.booking_id)
        assert told.status == BookingStatus.ON_THE_WAY and told.eta is not None
    else:
        assert all(db.get(Booking, b.id).status != BookingStatus.ON_THE_WAY for b in world.bookings)
