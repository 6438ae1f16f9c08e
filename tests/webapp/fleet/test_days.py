"""The day page: roster drivers, take trucks out of service, see what dispatch gets."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from webapp.models import AuditRecord, Role, Shift, VehicleOutOfService

DAY = date(2026, 12, 7)


def test_a_dispatcher_rosters_a_driver_through_the_page(client, auth, db, yard) -> None:
    """The shift form adds a shift, logs it and the page then shows one crew."""
    auth.login(Role.DISPATCHER)
    form = {
        "driver_id": str(yard.drivers[0].id),
        "depot_id": str(yard.depot.id),
        "day": DAY.isoformat(),
        "start": "08:00",
        "end": "16:00",
    }
    response = client.post("/fleet/shifts", data=form, follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "08:00–16:00" in page and page.count("<li>") == 1
    assert db.exec(select(AuditRecord).where(AuditRecord.object_type == "shift")).one().action == "create"


def test_a_shift_ending_before_it_starts_is_refused(client, auth, db, yard) -> None:
    """422 naming the end field; no shift written."""
    auth.login(Role.DISPATCHER)
    form = {
        "driver_id": str(yard.drivers[0].id),
        "depot_id": str(yard.depot.id),
        "day": DAY.isoformat(),
        "start": "16:00",
        "end": "08:00",
    }
    response = client.post("/fleet/shifts", data=form)
    assert response.status_code == 422 and 'data-field="end"' in response.get_data(as_text=True)
    assert db.exec(select(Shift)).first() is None


def test_a_truck_is_taken_out_of_service_and_brought_back(client, auth, db, yard) -> None:
    """Out of service, then back through the htmx button, which answers with the panel."""
    auth.login(Role.DISPATCHER)
    form = {"vehicle_id": str(yard.trucks[0].id), "day": DAY.isoformat(), "reason": "维修"}
    assert client.post("/fleet/out-of-service", data=form).status_code == 302
    row = db.exec(select(VehicleOutOfService)).one()
    panel = client.post(
        f"/fleet/out-of-service/{row.id}/delete",
        data={"depot": yard.depot.id},
        headers={"HX-Request": "true"},
    )
    assert panel.status_code == 200 and "<html" not in panel.get_data(as_text=True)
    assert db.exec(select(VehicleOutOfService)).first() is None
    actions = db.exec(
        select(AuditRecord.action).where(AuditRecord.object_type == "vehicle_out_of_service")
    ).all()
    assert sorted(actions) == ["create", "delete"]


def test_out_of_service_needs_a_reason(client, auth, db, yard) -> None:
    """No reason: 422 on the reason field."""
    auth.login(Role.DISPATCHER)
    response = client.post(
        "/fleet/out-of-service", data={"vehicle_id": str(yard.trucks[0].id), "day": DAY.isoformat()}
    )
    assert response.status_code == 422 and 'data-field="reason"' in response.get_data(as_text=True)
    assert db.exec(select(VehicleOutOfService)).first() is None


def test_a_day_that_is_not_a_date_is_a_400(client, auth, yard) -> None:
    """?day=tomorrow is refused with 400, not a 500."""
    auth.login(Role.DISPATCHER)
    assert client.get("/fleet/days?day=tomorrow").status_code == 400
