"""The driver records the unload visit (arrival, ticket number): once, whatever is resent."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime

from sqlmodel import select

from traceability import CHINA_TZ
from webapp.models import Role
from webapp.models.weighbridge import UnloadVisit
from webapp.weighbridge.tickets import record_ticket

API = "/api/v1/driver/unloads"


def _phone(client, auth) -> dict[str, str]:
    auth.login(Role.DRIVER)
    response = client.post("/driver/device-token")
    assert response.status_code == 201
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def _body(stop_id: int, **extra) -> dict:
    body = {"id": uuid.uuid4().hex, "stop_id": stop_id, "arrived_at": datetime.now().astimezone().isoformat()}
    return body | extra


def _visits(db) -> list[UnloadVisit]:
    db.expire_all()
    return list(db.exec(select(UnloadVisit)))


def test_an_unload_is_stored_once_and_a_resend_gets_200(client, auth, db, world) -> None:
    """201 the first time, 200 for the same record again, 409 for the same id with another number."""
    phone = _phone(client, auth)
    body = _body(world.unloads[0].id, ticket_number="2026-000001")
    first = client.post(API, json=body, headers=phone)
    again = client.post(API, json=body, headers=phone)
    clash = client.post(API, json=body | {"ticket_number": "2026-000002"}, headers=phone)
    assert (first.status_code, again.status_code, clash.status_code) == (201, 200, 409)
    assert clash.get_json()["errors"][0]["field"] == "id"
    assert len(_visits(db)) == 1


def test_bad_unloads_are_refused_naming_the_field(client, auth, db, world) -> None:
    """An outlet stop, a malformed ticket number, a time in the future: 422 naming each field."""
    phone = _phone(client, auth)
    cases = [
        (_body(world.stops[0].id), "stop_id"),
        (_body(world.unloads[0].id, ticket_number="123"), "ticket_number"),
        (_body(world.unloads[0].id, arrived_at="2999-01-01T00:00:00+08:00"), "arrived_at"),
    ]
    for body, field in cases:
        response = client.post(API, json=body, headers=phone)
        assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == field
    assert _visits(db) == []


def test_another_drivers_unload_stop_is_forbidden(client, auth, db, world) -> None:
    """The route belongs to another driver: 403."""
    world.route.driver_id = None
    db.add(world.route)
    db.commit()
    response = client.post(API, json=_body(world.unloads[0].id), headers=_phone(client, auth))
    assert response.status_code == 403


def test_the_phone_page_records_the_unload_and_the_ticket_shows_it(client, auth, db, world) -> None:
    """The driver's unload page prefills the ticket number; the operator's ticket page shows the record."""
    ticket = record_ticket(
        db, facility_id=world.centre.id, direction="in", vehicle_id=world.truck.id, gross_g=10_000_000
    )
    auth.login(Role.DRIVER)
    page = client.get(f"/driver/unloads/{world.unloads[0].id}").get_data(as_text=True)
    assert ticket.number in page
    response = client.post(
        f"/driver/unloads/{world.unloads[0].id}",
        data={"id": uuid.uuid4().hex, "arrived_at": "2026-12-04T10:30", "ticket_number": ticket.number},
    )
    assert response.status_code == 303
    [visit] = _visits(db)
    assert visit.ticket_number == ticket.number and visit.driver_id == world.driver.id
    route_page = client.get("/driver/").get_data(as_text=True)
    assert f"/driver/unloads/{world.unloads[0].id}" in route_page and ticket.number in route_page
    auth.logout()
    auth.login(Role.WEIGHBRIDGE)
    shown = client.get(f"/weighbridge/tickets/{ticket.id}").get_data(as_text=True)
    assert (
        'id="driver-unload"' in shown and "flag" not in shown.split('id="driver-unload"')[1].split("</p>")[0]
    )


def test_the_phones_offline_queue_resends_an_unload_and_it_is_stored_once(
    app, client, auth, db, world
) -> None:
    """The queued body (Shenzhen wall time, no zone, as driver.js sends it) resent after a
    lost answer, after the operator's ticket exists, and by two senders at once: one row,
    every resend 200 with created false and the first record's fields."""
    phone = _phone(client, auth)
    body = {"id": uuid.uuid4().hex, "stop_id": world.unloads[0].id, "arrived_at": "2026-12-04T10:30"}
    body["ticket_number"] = "2026-000007"
    first = client.post(API, json=body, headers=phone)
    assert first.status_code == 201 and first.get_json()["created"] is True
    lost_answer_resend = client.post(API, json=body, headers=phone)
    record_ticket(
        db, facility_id=world.centre.id, direction="in", vehicle_id=world.truck.id, gross_g=10_000_000
    )
    answers = [lost_answer_resend]
    answers.append(client.post(API, json=body, headers=phone))

    def resend() -> None:
        with app.test_client() as other:
            answers.append(other.post(API, json=body, headers=phone))

    senders = [threading.Thread(target=resend) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    assert [a.status_code for a in answers] == [200] * 4
    assert [a.get_json() for a in answers] == [first.get_json() | {"created": False}] * 4
    [visit] = _visits(db)
    assert visit.arrived_at.astimezone(CHINA_TZ).strftime("%H:%M") == "10:30"
