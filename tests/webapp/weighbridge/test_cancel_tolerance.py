"""Cancelling a mistaken weigh-in or ticket (new rows, numbering kept) and the
reconciliation tolerance per facility, kept as history over the global default."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from tests.webapp.weighbridge.conftest import collect, ticket_in
from traceability import china_today
from webapp.models import Role
from webapp.models.weighbridge import TicketCancel, TicketDirection, WeighInCancel
from webapp.weighbridge import cancels, reconcile, tolerance
from webapp.weighbridge.tickets import (
    TicketError,
    open_weigh_ins,
    record_weigh_in,
    tickets_between,
)

IN = TicketDirection.IN


def test_a_cancelled_weigh_in_leaves_the_waiting_list_and_cannot_be_weighed_out(db, world) -> None:
    """The cancellation is a new row with the reason; the weigh-out of it is refused on weigh_in_id."""
    weigh_in = record_weigh_in(
        db, facility_id=world.centre.id, direction=IN, vehicle_id=world.truck.id, gross_g=9_000_000
    )
    cancels.cancel_weigh_in(db, weigh_in.id, reason="称错车", operator_id=None)
    assert open_weigh_ins(db, world.centre.id) == []
    assert db.exec(select(WeighInCancel.reason)).one() == "称错车"
    with pytest.raises(TicketError) as refused:
        ticket_in(db, world, weigh_in_id=weigh_in.id, tare_g=7_000_000)
    assert refused.value.errors[0]["field"] == "weigh_in_id"
    with pytest.raises(TicketError) as again:
        cancels.cancel_weigh_in(db, weigh_in.id, reason="again", operator_id=None)
    assert again.value.errors[0]["field"] == "weigh_in_id"


def test_a_cancellation_without_a_reason_is_refused_naming_reason(db, world) -> None:
    """No reason, nothing written; the error names reason."""
    ticket = ticket_in(db, world, tare_g=8_000_000)
    with pytest.raises(TicketError) as refused:
        cancels.cancel_ticket(db, ticket.id, reason="  ", operator_id=None)
    assert [e["field"] for e in refused.value.errors] == ["reason"]
    assert db.exec(select(TicketCancel)).all() == []


def test_a_cancelled_ticket_keeps_its_number_and_leaves_the_figures(db, world) -> None:
    """Numbers stay 1, 2, 3 with 2 cancelled; the figures hold 1 and 3; the day lists 2 with its reason."""
    made = [ticket_in(db, world, tare_g=8_000_000) for _ in range(2)]
    cancels.cancel_ticket(db, made[1].id, reason="误操作", operator_id=None)
    third = ticket_in(db, world, tare_g=8_000_000)
    assert [t.seq for t in (*made, third)] == [1, 2, 3]
    day = china_today()
    in_force = tickets_between(db, day, day + timedelta(days=1))
    assert [t.id for t in in_force] == [made[0].id, third.id]
    listed = cancels.cancelled_on(db, world.centre.id, day)
    assert [(c.ticket.number, c.reason) for c in listed] == [(made[1].number, "误操作")]
    with pytest.raises(TicketError) as refused:
        ticket_in(db, world, tare_g=8_000_000, voids_id=made[1].id, void_reason="x")
    assert refused.value.errors[0]["field"] == "voids_id"


def test_cancellations_are_append_only_in_the_database(db, world) -> None:
    """UPDATE or DELETE on a cancellation fails in the database itself."""
    ticket = ticket_in(db, world, tare_g=8_000_000)
    cancels.cancel_ticket(db, ticket.id, reason="误操作", operator_id=None)
    for sql in ("UPDATE weigh_ticket_cancel SET reason = 'x'", "DELETE FROM weigh_ticket_cancel"):
        with pytest.raises(DBAPIError):
            db.execute(text(sql))
        db.rollback()


def test_the_pages_cancel_a_weigh_in_and_a_ticket_and_show_them_cancelled(client, auth, db, world) -> None:
    """Through the forms: both cancelled, the day's list shows the number and both reasons."""
    auth.login(Role.WEIGHBRIDGE)
    weigh_in = record_weigh_in(
        db, facility_id=world.centre.id, direction=IN, vehicle_id=world.truck.id, gross_g=9_000_000
    )
    ticket = ticket_in(db, world, tare_g=8_000_000)
    response = client.post(f"/weighbridge/weigh-ins/{weigh_in.id}/cancel", data={"reason": "重复过磅"})
    assert response.status_code == 303
    refused = client.post(f"/weighbridge/tickets/{ticket.id}/cancel", data={"reason": ""})
    assert refused.status_code == 422 and "reason" in refused.get_data(as_text=True)
    assert (
        client.post(f"/weighbridge/tickets/{ticket.id}/cancel", data={"reason": "车牌选错"}).status_code
        == 303
    )
    page = client.get(f"/weighbridge/?facility_id={world.centre.id}").get_data(as_text=True)
    assert ticket.number in page and "车牌选错" in page and "重复过磅" in page
    assert "车牌选错" in client.get(f"/weighbridge/tickets/{ticket.id}").get_data(as_text=True)


def test_a_facility_tolerance_applies_from_its_day_and_the_default_before(db, world) -> None:
    """A 1 kg difference on 100 kg (1 %) passes the 3 % default and is flagged under 0.5 %."""
    collect(db, world, world.stops[0], {"paper": 100_000})
    ticket = ticket_in(db, world, gross_g=8_101_000, tare_g=8_000_000, stop_id=world.unloads[0].id)
    assert not reconcile.of_tickets(db, [ticket], tolerance_permille=30)[0].flagged
    tolerance.set_tolerance(
        db, facility_id=world.centre.id, permille=5, valid_from=china_today(), actor_id=None
    )
    balance = reconcile.of_tickets(db, [ticket], tolerance_permille=30)[0]
    assert (balance.flagged, balance.tolerance_permille) == (True, 5)
    tolerance.set_tolerance(
        db,
        facility_id=world.centre.id,
        permille=50,
        valid_from=china_today() + timedelta(days=1),
        actor_id=None,
    )
    assert reconcile.of_tickets(db, [ticket], tolerance_permille=30)[0].tolerance_permille == 5
    assert [r.tolerance_permille for r in tolerance.history(db, world.centre.id)] == [50, 5]


def test_a_tolerance_out_of_range_is_refused_naming_the_field(client, auth, db, world) -> None:
    """The page refuses 150 % (422, the field named) and saves 2.5 % as 25 ‰."""
    auth.login(Role.DISPATCHER)
    bad = client.post(
        "/weighbridge/tolerance", data={"facility_id": world.centre.id, "tolerance_percent": "150"}
    )
    assert bad.status_code == 422 and 'id="error-tolerance_permille"' in bad.get_data(as_text=True)
    good = client.post(
        "/weighbridge/tolerance",
        data={
            "facility_id": world.centre.id,
            "tolerance_percent": "2.5",
            "valid_from": china_today().isoformat(),
        },
    )
    assert good.status_code == 303
    assert [r.tolerance_permille for r in tolerance.history(db, world.centre.id)] == [25]
    assert "2.5" in client.get("/weighbridge/tolerance").get_data(as_text=True)
