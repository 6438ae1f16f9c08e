"""Recording tickets: numbering, tare, trips, corrections, and what the database refuses."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.webapp.weighbridge.conftest import TARE_G, collect, ticket_in, tickets
from traceability import CHINA_TZ
from webapp.models.weighbridge import TareSource, TicketDirection
from webapp.weighbridge.tickets import TicketError, apportion, net_weighed, record_ticket

IN = TicketDirection.IN


def test_tickets_are_numbered_one_after_another_per_facility_and_year(db, world) -> None:
    """Three tickets at a facility get YYYY-000001..3; the year is the Shenzhen year."""
    made = [ticket_in(db, world, tare_g=8_000_000) for _ in range(3)]
    year = datetime.now(CHINA_TZ).year
    assert [t.number for t in made] == [f"{year}-{n:06d}" for n in (1, 2, 3)]


def test_registered_tare_is_used_when_the_truck_is_not_weighed_out(db, world) -> None:
    """No tare given: the vehicle's registered tare, net = gross - tare, marked registered."""
    ticket = ticket_in(db, world, gross_g=11_250_000)
    assert (ticket.tare_g, ticket.net_g, ticket.tare_source) == (TARE_G, 3_250_000, TareSource.REGISTERED)


def test_no_registered_tare_and_none_weighed_is_refused_on_tare(db, world) -> None:
    """A truck without a registered tare must be weighed empty: the error names tare_g."""
    world.route.vehicle_id = world.spare.id
    db.add(world.route)
    db.commit()
    with pytest.raises(TicketError) as err:
        record_ticket(
            db, facility_id=world.centre.id, direction=IN, vehicle_id=world.spare.id, gross_g=9_000_000
        )
    assert [e["field"] for e in err.value.errors] == ["tare_g"]


def test_tare_above_gross_is_refused_and_uses_no_number(db, world) -> None:
    """Tare > gross: refused naming tare_g, nothing written, the next ticket is still number 1."""
    with pytest.raises(TicketError) as err:
        ticket_in(db, world, gross_g=5_000_000, tare_g=6_000_000)
    assert err.value.errors[0]["field"] == "tare_g"
    assert tickets(db) == []
    assert ticket_in(db, world).number.endswith("-000001")


def test_a_vehicle_on_no_trip_that_day_is_refused_on_vehicle(db, world) -> None:
    """The spare truck has no route today: refused naming vehicle_id."""
    with pytest.raises(TicketError) as err:
        record_ticket(
            db,
            facility_id=world.centre.id,
            direction=IN,
            vehicle_id=world.spare.id,
            gross_g=9_000_000,
            tare_g=1,
        )
    assert err.value.errors[0]["field"] == "vehicle_id"
    yesterday = datetime.now(CHINA_TZ) - timedelta(days=1)
    with pytest.raises(TicketError) as err:
        ticket_in(db, world, weighed_at=yesterday)
    assert err.value.errors[0]["field"] == "vehicle_id"


def test_the_next_open_unload_stop_is_preselected(db, world) -> None:
    """First ticket: the route's first unload at the centre; second: the next; driver from the route."""
    first, second = ticket_in(db, world), ticket_in(db, world)
    assert [first.stop_id, second.stop_id] == [s.id for s in world.unloads]
    assert first.route_id == world.route.id and first.driver_id == world.driver.id


def test_a_stop_that_is_no_unload_here_is_refused_on_stop(db, world) -> None:
    """Naming an outlet stop as the unload: refused naming stop_id."""
    with pytest.raises(TicketError) as err:
        ticket_in(db, world, stop_id=world.stops[0].id)
    assert err.value.errors[0]["field"] == "stop_id"


def test_a_correction_voids_the_old_ticket_once_and_needs_a_reason(db, world) -> None:
    """A correction gets a new number and voids the old; no reason or a second void is refused."""
    old = ticket_in(db, world, gross_g=10_000_000)
    with pytest.raises(TicketError) as err:
        ticket_in(db, world, gross_g=10_500_000, voids_id=old.id, stop_id=old.stop_id)
    assert [e["field"] for e in err.value.errors] == ["void_reason"]
    new = ticket_in(
        db, world, gross_g=10_500_000, voids_id=old.id, stop_id=old.stop_id, void_reason="读数错误"
    )
    assert new.number.endswith("-000002") and new.voids_id == old.id
    with pytest.raises(TicketError) as err:
        ticket_in(db, world, voids_id=old.id, stop_id=old.stop_id, void_reason="again")
    assert err.value.errors[0]["field"] == "voids_id"
    today = datetime.now(CHINA_TZ).date()
    assert net_weighed(db, today, today + timedelta(days=1)) == {None: 2_500_000}


def test_tickets_cannot_be_edited_or_deleted_in_the_database(app, db, world) -> None:
    """UPDATE and DELETE on weigh_ticket fail in the database itself."""
    ticket = ticket_in(db, world)
    for statement in ("UPDATE weigh_ticket SET net_g = 1", "DELETE FROM weigh_ticket"):
        with app.extensions["reloop.engine"].connect() as conn, pytest.raises(DBAPIError):
            conn.execute(text(statement))
    assert tickets(db)[0].net_g == ticket.net_g


def test_the_same_client_id_stores_one_ticket(db, world) -> None:
    """A double submit (same client_id) returns the first ticket and writes nothing more."""
    a = ticket_in(db, world, client_id="form-1")
    b = ticket_in(db, world, client_id="form-1", gross_g=12_000_000)
    assert a.id == b.id and len(tickets(db)) == 1


def test_net_weighed_shares_a_mixed_load_over_the_trip_materials(db, world) -> None:
    """Net 2 000 kg on a trip of 300 kg paper + 100 kg metal: 1 500 / 500 kg; the next trip apart."""
    collect(db, world, world.stops[0], {"paper": 200_000})
    collect(db, world, world.stops[1], {"paper": 100_000, "metal": 100_000})
    collect(db, world, world.stops[3], {"glass": 50_000})
    ticket_in(db, world, gross_g=TARE_G + 2_000_000)
    ticket_in(db, world, gross_g=TARE_G + 49_000)
    today = datetime.now(CHINA_TZ).date()
    m = world.materials
    got = net_weighed(db, today, today + timedelta(days=1))
    assert got == {m["paper"].id: 1_500_000, m["metal"].id: 500_000, m["glass"].id: 49_000}
    assert net_weighed(db, today, today + timedelta(days=1), material_id=m["metal"].id) == {
        m["metal"].id: 500_000
    }


def test_apportion_keeps_the_exact_total() -> None:
    """Shares of 10 g over three equal weights sum to 10 g."""
    shares = apportion(10, {1: 1, 2: 1, 3: 1})
    assert sum(shares.values()) == 10 and sorted(shares.values()) == [3, 3, 4]


def test_an_outbound_ticket_needs_no_trip(db, world) -> None:
    """A buyer's truck by plate only, weighed in and out, with the material and the order reference."""
    paper = world.materials["paper"].id
    ticket = record_ticket(
        db,
        facility_id=world.centre.id,
        direction=TicketDirection.OUT,
        plate="粤A00001",
        gross_g=20_000_000,
        tare_g=9_000_000,
        material_id=paper,
        reference="SO-1",
    )
    assert (ticket.net_g, ticket.route_id, ticket.plate) == (11_000_000, None, "粤A00001")
    today = datetime.now(CHINA_TZ).date()
    got = net_weighed(db, today, today + timedelta(days=1), direction=TicketDirection.OUT)
    assert got == {paper: 11_000_000}


def test_a_save_failing_in_the_database_takes_no_number(db, world) -> None:
    """An insert the database refuses (unknown material) rolls back: the next ticket is still number 1."""
    with pytest.raises(IntegrityError):
        ticket_in(db, world, material_id=987654)
    assert tickets(db) == []
    assert ticket_in(db, world).number.endswith("-000001")
