"""Resident accounts: codes that expire and lock, throttled logins, retention."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from webapp.models import AuditRecord, User
from webapp.models._types import utcnow
from webapp.models.residents import PhoneCode, ResidentAccount, ResidentAddress
from webapp.residents import accounts
from webapp.residents.bookings import BookingError
from webapp.residents.sms import ConsoleSender


def test_a_code_is_refused_after_five_wrong_tries_and_no_account_is_made(db) -> None:
    """Five wrong codes lock the code; even the right one is refused afterwards."""
    sender = ConsoleSender()
    accounts.send_code(db, "13700000001", sender)
    code = re.search(r"\d{6}", sender.last_to("13700000001")).group(0)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(BookingError, match="wrong code"):
            accounts.register(db, "13700000001", wrong, "password-123")
    with pytest.raises(BookingError, match="too many") as caught:
        accounts.register(db, "13700000001", code, "password-123")
    assert caught.value.field == "code"
    assert db.exec(select(ResidentAccount)).all() == []


def test_an_expired_code_is_refused(db) -> None:
    """After ten minutes the code no longer works."""
    sender = ConsoleSender()
    accounts.send_code(db, "13700000002", sender, now=utcnow() - timedelta(minutes=11))
    code = re.search(r"\d{6}", sender.last_to("13700000002")).group(0)
    with pytest.raises(BookingError, match="no valid code"):
        accounts.register(db, "13700000002", code, "password-123")


def test_codes_are_not_sent_twice_within_a_minute_and_only_hashes_are_kept(db) -> None:
    """A second request within 60 s is refused naming phone; the row holds a hash, not the code."""
    sender = ConsoleSender()
    accounts.send_code(db, "13700000003", sender)
    with pytest.raises(BookingError, match="minute") as caught:
        accounts.send_code(db, "13700000003", sender)
    assert caught.value.field == "phone" and len(sender.outbox) == 1
    code = re.search(r"\d{6}", sender.outbox[0][1]).group(0)
    row = db.exec(select(PhoneCode)).one()
    assert code not in row.code_sha256 and len(row.code_sha256) == 64


def test_resident_logins_are_throttled_as_staff_logins(client, db, make_resident) -> None:
    """After the failed-login limit the resident's number gets 429, whatever the password."""
    make_resident("13700000004")
    statuses = [
        client.post("/login", data={"username": "13700000004", "password": "wrong-password"}).status_code
        for _ in range(12)
    ]
    assert 429 in statuses
    right = client.post("/login", data={"username": "13700000004", "password": "resident-pass-1"})
    assert right.status_code == 429


def test_retention_anonymises_inactive_residents_only(db, make_resident) -> None:
    """An account idle past the retention period loses number and door; an active one stays."""
    idle, idle_address = make_resident("13700000005")
    active, _ = make_resident("13700000006")
    idle.last_active_at = utcnow() - timedelta(days=400)
    db.add(idle)
    db.commit()
    assert accounts.purge_expired(db, retention_days=365) == 1
    db.refresh(idle)
    db.refresh(active)
    db.refresh(idle_address)
    assert idle.phone is None and idle.closed_at is not None and idle_address.detail == ""
    assert active.phone == "13700000006" and active.closed_at is None
    user = db.get(User, idle.user_id)
    assert user.active is False and user.username == f"closed-{idle.id}"
    closes = db.exec(select(AuditRecord).where(AuditRecord.action == "close")).all()
    assert [c.object_id for c in closes] == [str(idle.id)]


def test_the_purge_command_reads_the_retention_from_the_environment(
    runner, db, make_resident, monkeypatch
) -> None:
    """``reloop residents purge`` uses RELOOP_RESIDENT_RETENTION_DAYS and refuses nonsense."""
    idle, _ = make_resident("13700000007")
    idle.last_active_at = utcnow() - timedelta(days=100)
    db.add(idle)
    db.commit()
    monkeypatch.setenv("RELOOP_RESIDENT_RETENTION_DAYS", "90")
    result = runner.invoke(args=["residents", "purge"])
    assert result.exit_code == 0 and "1 inactive" in result.output
    monkeypatch.setenv("RELOOP_RESIDENT_RETENTION_DAYS", "soon")
    bad = runner.invoke(args=["residents", "purge"])
    assert bad.exit_code != 0 and "RELOOP_RESIDENT_RETENTION_DAYS" in bad.output


def test_addresses_outside_the_area_or_without_a_door_are_refused(db, make_resident) -> None:
    """Outside the street buffer: lon named with the distance; no door details: detail named."""
    resident, _ = make_resident("13700000008")

    def outside(lon: float, lat: float) -> tuple[bool, float]:
        return False, 1234.0

    def inside(lon: float, lat: float) -> tuple[bool, float]:
        return True, 10.0

    with pytest.raises(BookingError, match="1,234 m") as caught:
        accounts.add_address(
            db,
            resident,
            lon=114.0,
            lat=22.5,
            detail="x",
            inside_area=outside,
            district_of=lambda *_: "futian",
        )
    assert caught.value.field == "lon"
    with pytest.raises(BookingError) as caught:
        accounts.add_address(
            db, resident, lon=114.0, lat=22.5, detail=" ", inside_area=inside, district_of=lambda *_: "futian"
        )
    assert caught.value.field == "detail"
    with pytest.raises(BookingError, match="districts") as caught:
        accounts.add_address(
            db, resident, lon=114.2, lat=22.3, detail="x", inside_area=inside, district_of=lambda *_: None
        )
    assert len(db.exec(select(ResidentAddress)).all()) == 1


def test_a_booking_counts_as_activity_for_the_retention(db, make_resident, make_slot, material_ids) -> None:
    """A resident registered long ago who books now is not purged."""
    from webapp.residents import bookings
    from webapp.residents.bookings import ItemInput

    resident, address = make_resident("13700000009")
    resident.created_at = resident.last_active_at = utcnow() - timedelta(days=800)
    db.add(resident)
    db.commit()
    bookings.book(
        db,
        resident,
        address_id=address.id,
        slot_id=make_slot().id,
        items=[ItemInput(material_ids[0], bags=1)],
    )
    assert accounts.purge_expired(db, retention_days=365) == 0
    db.refresh(resident)
    assert resident.phone == "13700000009"
