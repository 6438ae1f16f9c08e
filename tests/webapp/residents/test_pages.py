"""The resident app and the dispatcher's pages over HTTP: register, book, isolation, PIPL."""

from __future__ import annotations

import re

from sqlmodel import select

from tests.webapp.residents.conftest import HOME, PASSWORD
from webapp.models import AuditRecord, Role
from webapp.models.residents import Booking, ResidentAccount, ResidentAddress
from webapp.residents.sms import ConsoleSender


def _login(client, phone: str, password: str = PASSWORD):
    return client.post("/login", data={"username": phone, "password": password})


def test_a_resident_registers_with_an_sms_code_and_lands_on_the_app(app, client, db) -> None:
    """Code from the console sender, then password: the account exists and / leads to /r/."""
    outbox = app.extensions["reloop.sms"] = ConsoleSender()
    answer = client.post("/r/register", data={"action": "send", "phone": "138 1234 5678"})
    assert answer.status_code == 200
    code = re.search(r"\d{6}", outbox.last_to("13812345678")).group(0)
    wrong = client.post(
        "/r/register",
        data={
            "action": "register",
            "phone": "13812345678",
            "code": "000000" if code != "000000" else "111111",
            "password": "long-enough-1",
        },
    )
    assert wrong.status_code == 422 and "code" in wrong.get_data(as_text=True)
    done = client.post(
        "/r/register",
        data={"action": "register", "phone": "13812345678", "code": code, "password": "long-enough-1"},
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/r/")
    account = db.exec(select(ResidentAccount)).one()
    assert account.phone == "13812345678" and account.card_no.startswith("R")
    client.post("/logout")
    assert _login(client, "13812345678", "long-enough-1").status_code == 302
    assert client.get("/").headers["Location"].endswith("/r/")


def test_registration_refuses_a_bad_number_naming_the_field(client, db) -> None:
    """A number that is not an 11-digit mobile is refused with the phone field and no code is sent."""
    answer = client.post("/r/register", data={"action": "send", "phone": "12345"})
    assert answer.status_code == 422 and 'data-field="phone"' in answer.get_data(as_text=True)


def test_a_resident_books_over_the_form_and_sees_the_code(
    client, db, make_resident, make_slot, material_ids
) -> None:
    """The booking form stores the booking; its page shows the code; the JSON answer names errors."""
    resident, address = make_resident("13900000001")
    slot = make_slot(capacity=1)
    assert _login(client, "13900000001").status_code == 302
    page = client.get("/r/book")
    assert page.status_code == 200 and str(slot.id) in page.get_data(as_text=True)
    mid = material_ids[0]
    answer = client.post(
        "/r/book",
        data={"address_id": address.id, "slot_id": slot.id, "material": [mid], f"kg_{mid}": "2.5"},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    booking = db.get(Booking, answer.get_json()["id"])
    assert client.get(f"/r/bookings/{booking.id}").get_data(as_text=True).count(booking.code) >= 1
    client.get("/lang/en")
    full = client.post(
        "/r/book",
        data={"address_id": address.id, "slot_id": slot.id, "material": [mid], f"bags_{mid}": "1"},
        headers={"Accept": "application/json"},
    )
    assert full.status_code == 422
    assert (
        full.get_json()["errors"][0]["field"] == "slot_id"
        and "full" in full.get_json()["errors"][0]["message"]
    )


def test_another_residents_booking_answers_404(client, db, make_resident, make_slot, material_ids) -> None:
    """Viewing, cancelling or rescheduling someone else's booking is 404, never 403."""
    from webapp.residents import bookings
    from webapp.residents.bookings import ItemInput

    owner, address = make_resident("13900000002")
    make_resident("13900000003")
    booking = bookings.book(
        db, owner, address_id=address.id, slot_id=make_slot().id, items=[ItemInput(material_ids[0], bags=2)]
    )
    _login(client, "13900000003")
    assert client.get(f"/r/bookings/{booking.id}").status_code == 404
    assert client.post(f"/r/bookings/{booking.id}/cancel").status_code == 404
    assert (
        client.post(
            f"/r/bookings/{booking.id}/reschedule", data={"slot_id": make_slot(hours_ahead=30).id}
        ).status_code
        == 404
    )
    assert client.get("/r/bookings/999999").status_code == 404
    db.refresh(booking)
    assert booking.status.value == "booked"


def test_an_address_outside_the_service_area_is_refused(client, db, make_resident) -> None:
    """A point in the sea is refused naming lon; nothing is stored."""
    make_resident("13900000004")
    _login(client, "13900000004")
    answer = client.post("/r/addresses", data={"lon": "114.5", "lat": "22.2", "detail": "somewhere"})
    assert answer.status_code == 422 and 'data-field="lon"' in answer.get_data(as_text=True)
    ok = client.post("/r/addresses", data={"lon": str(HOME[0]), "lat": str(HOME[1]), "detail": "3栋 1201"})
    assert ok.status_code == 302
    assert len(db.exec(select(ResidentAddress)).all()) == 2


def test_export_and_close_anonymise_but_keep_the_bookings(
    client, db, make_resident, make_slot, material_ids
) -> None:
    """The export holds the number; closing blanks it and the door, cancels open bookings and logs out."""
    from webapp.residents import bookings
    from webapp.residents.bookings import ItemInput

    resident, address = make_resident("13900000005")
    slot = make_slot()
    bookings.book(
        db, resident, address_id=address.id, slot_id=slot.id, items=[ItemInput(material_ids[0], bags=1)]
    )
    _login(client, "13900000005")
    data = client.get("/r/account/export.json").get_json()
    assert data["account"]["phone"] == "13900000005" and len(data["bookings"]) == 1
    assert client.post("/r/account/close", data={"confirm": "yes"}).status_code == 302
    db.refresh(resident)
    db.refresh(address)
    db.refresh(slot)
    assert resident.phone is None and resident.closed_at is not None and address.detail == ""
    assert db.exec(select(Booking)).one().status.value == "cancelled" and slot.booked == 0
    assert client.get("/r/").status_code in (302, 401)
    assert _login(client, "13900000005").status_code != 302


def test_dispatcher_pages_mask_numbers_and_log_the_access(
    client, auth, db, make_resident, make_slot, material_ids
) -> None:
    """The day list shows 139****0006, never the number, and writes a 'view' change record."""
    from webapp.residents import bookings
    from webapp.residents.bookings import ItemInput

    resident, address = make_resident("13900000006")
    slot = make_slot()
    bookings.book(
        db, resident, address_id=address.id, slot_id=slot.id, items=[ItemInput(material_ids[0], bags=1)]
    )
    auth.login(Role.DISPATCHER)
    page = client.get(f"/bookings/?day={slot.day.isoformat()}").get_data(as_text=True)
    assert "139****0006" in page and "13900000006" not in page
    search = client.get("/bookings/residents?q=0006").get_data(as_text=True)
    assert "139****0006" in search and "13900000006" not in search
    views = db.exec(select(AuditRecord).where(AuditRecord.action == "view")).all()
    assert len(views) == 2 and {v.object_id for v in views} == {str(resident.id)}
    assert (
        client.get(f"/bookings/map.json?day={slot.day.isoformat()}").get_json()["features"][0]["properties"][
            "phone"
        ]
        == "139****0006"
    )


def test_dispatcher_generates_slots_and_bad_input_names_the_field(client, auth, db, area) -> None:
    """Six 2-hour windows from 08:00 to 20:00; hours=0 is refused naming hours."""
    auth.login(Role.DISPATCHER)
    ok = client.post(
        "/bookings/slots",
        data={
            "day": "2030-01-03",
            "area_id": area.id,
            "first": "08:00",
            "last_end": "20:00",
            "hours": "2",
            "capacity": "10",
        },
    )
    assert ok.status_code == 302
    bad = client.post(
        "/bookings/slots",
        data={
            "day": "2030-01-03",
            "area_id": area.id,
            "first": "08:00",
            "last_end": "20:00",
            "hours": "0",
            "capacity": "10",
        },
    )
    assert bad.status_code == 422
    assert client.get("/bookings/slots?day=2030-01-03").get_data(as_text=True).count("18:00") >= 1


def test_the_resident_app_is_installable(client) -> None:
    """Manifest and service worker are served under /r/."""
    manifest = client.get("/r/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.get_json()["start_url"] == "/r/"
    sw = client.get("/r/sw.js")
    assert sw.status_code == 200 and sw.headers["Service-Worker-Allowed"] == "/r/"


def test_the_account_page_shows_the_card_number_and_the_account_qr(client, db, make_resident) -> None:
    """Kiosks read the card number or the QR: both are on the resident's account page, masked number only."""
    resident, _ = make_resident("13900000007")
    _login(client, "13900000007")
    page = client.get("/r/account").get_data(as_text=True)
    assert resident.card_no in page and "<svg" in page and resident.qr_secret in page
    assert "139****0007" in page


def test_every_resident_page_renders_in_chinese(client, db, make_resident, make_slot, material_ids) -> None:
    """Home, history, addresses, prices, map and its outlets answer 200, Chinese by default."""
    from webapp.residents import bookings
    from webapp.residents.bookings import ItemInput

    resident, address = make_resident("13900000008")
    bookings.book(
        db,
        resident,
        address_id=address.id,
        slot_id=make_slot().id,
        items=[ItemInput(material_ids[0], bags=1)],
    )
    _login(client, "13900000008")
    for path, words in [
        ("/r/", "我的预约"),
        ("/r/history", "历史记录"),
        ("/r/addresses", "添加地址"),
        ("/r/prices", "回收价格"),
        ("/r/map", "附近的回收网点和回收箱"),
        ("/r/offline", "离线"),
    ]:
        answer = client.get(path)
        assert answer.status_code == 200 and words in answer.get_data(as_text=True), path
    assert client.get("/r/map/outlets.json").get_json()["type"] == "FeatureCollection"


def test_the_day_list_filters_no_shows_and_cancellations(
    client, auth, db, make_resident, make_slot, material_ids
) -> None:
    """?status=no_show&status=cancelled lists only those, with the reason given."""
    from datetime import timedelta

    from webapp.residents import bookings
    from webapp.residents.bookings import ItemInput

    resident, address = make_resident("13900000009")
    slot = make_slot()
    kept = bookings.book(
        db, resident, address_id=address.id, slot_id=slot.id, items=[ItemInput(material_ids[0], bags=1)]
    )
    gone = bookings.book(
        db, resident, address_id=address.id, slot_id=slot.id, items=[ItemInput(material_ids[0], bags=2)]
    )
    bookings.cancel(db, resident, gone.id, cutoff=timedelta(hours=2))
    auth.login(Role.DISPATCHER)
    no_show = client.post(f"/bookings/{kept.id}/no-show", data={"reason": "门铃无人应答"})
    assert no_show.status_code == 302
    page = client.get(f"/bookings/?day={slot.day.isoformat()}&status=no_show&status=cancelled").get_data(
        as_text=True
    )
    assert "门铃无人应答" in page and page.count("<tr>") == 3  # header and the two rows
    db.refresh(kept)
    assert kept.status.value == "no_show"


def test_a_resident_finds_a_street_for_the_address(client, db, make_resident) -> None:
    """The address search answers streets of the bundled map; an over-long query is refused naming q."""
    make_resident("13900000010")
    _login(client, "13900000010")
    found = client.get("/r/places?q=深南").get_json()["results"]
    assert found and all("lon" in p and "lat" in p for p in found)
    refused = client.get("/r/places?q=" + "深" * 500)
    assert refused.status_code == 400 and refused.get_json()["field"] == "q"
