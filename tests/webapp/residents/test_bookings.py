"""Booking, cancelling and rescheduling: places counted exactly, bad input refused whole."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

from tests.clock import tomorrow_in_shenzhen_at
from webapp.models.residents import Booking, BookingEvent, BookingItem, BookingStatus, Slot, mask_phone
from webapp.residents import bookings
from webapp.residents.bookings import BookingError, ItemInput

CUTOFF = timedelta(hours=2)


def _count(db: Session, model: type) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def _book(db, resident, address, slot, material_ids, **kw):
    return bookings.book(
        db,
        resident,
        address_id=address.id,
        slot_id=slot.id,
        items=kw.pop("items", [ItemInput(material_ids[0], estimated_g=3500)]),
        **kw,
    )


def test_mask_phone_keeps_the_first_three_and_last_four_digits() -> None:
    """13812345678 is shown as 138****5678."""
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone(None) == ""


def test_a_booking_takes_one_place_and_writes_its_history(db, make_resident, make_slot, material_ids) -> None:
    """Booking counts the place, stores the items, a 6-digit code and a 'booked' event."""
    resident, address = make_resident("13800000001")
    slot = make_slot(capacity=3)
    booking = _book(db, resident, address, slot, material_ids)
    db.refresh(slot)
    assert slot.booked == 1
    assert booking.status == BookingStatus.BOOKED and len(booking.code) == 6 and booking.code.isdigit()
    assert [i.estimated_g for i in db.exec(select(BookingItem)).all()] == [3500]
    assert [e.status for e in bookings.history(db, booking.id)] == [BookingStatus.BOOKED]


def test_a_full_slot_is_refused_with_full_and_nothing_is_written(
    db, make_resident, make_slot, material_ids
) -> None:
    """The last place gone: the error names slot_id and says full; no booking, no item, no event."""
    resident, address = make_resident("13800000002")
    slot = make_slot(capacity=2, booked=2)
    with pytest.raises(BookingError) as caught:
        _book(db, resident, address, slot, material_ids)
    assert caught.value.field == "slot_id" and "full" in caught.value.message
    assert (_count(db, Booking), _count(db, BookingItem), _count(db, BookingEvent)) == (0, 0, 0)
    db.refresh(slot)
    assert slot.booked == 2


def test_a_slot_in_the_past_is_refused(db, make_resident, make_slot, material_ids) -> None:
    """A slot that has started cannot be booked; the message says past."""
    resident, address = make_resident("13800000003")
    slot = make_slot(hours_ahead=-1)
    with pytest.raises(BookingError, match="past") as caught:
        _book(db, resident, address, slot, material_ids)
    assert caught.value.field == "slot_id"
    assert _count(db, Booking) == 0


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([], "materials"),
        ([ItemInput(999_999, estimated_g=1000)], "materials[0]"),
        ([ItemInput(None, estimated_g=-5)], "materials[0]"),
        ([ItemInput(None, estimated_g=900_000)], "materials[0]"),
        ([ItemInput(None, bags=0)], "materials[0]"),
        ([ItemInput(None)], "materials[0]"),
        ([ItemInput(None, bags=2), ItemInput(None, bags=1)], "materials[1]"),
    ],
)
def test_bad_materials_are_refused_naming_the_item(
    db, make_resident, make_slot, material_ids, items, field
) -> None:
    """Unknown, negative, absurd, missing or repeated materials: the error names the item; no place taken."""
    resident, address = make_resident("13800000004")
    slot = make_slot()
    items = [ItemInput(i.material_id or material_ids[0], i.estimated_g, i.bags) for i in items]
    with pytest.raises(BookingError) as caught:
        _book(db, resident, address, slot, material_ids, items=items)
    assert caught.value.field == field
    db.refresh(slot)
    assert slot.booked == 0 and _count(db, Booking) == 0


def test_another_residents_address_cannot_be_used(db, make_resident, make_slot, material_ids) -> None:
    """Booking at someone else's address reads as an unknown address."""
    resident, _ = make_resident("13800000005")
    _, other_address = make_resident("13800000006")
    with pytest.raises(BookingError) as caught:
        _book(db, resident, other_address, make_slot(), material_ids)
    assert caught.value.field == "address_id"


def test_cancel_frees_the_place_before_the_cutoff_only(db, make_resident, make_slot, material_ids) -> None:
    """Cancelling gives the place back; inside the cut-off it is refused and nothing changes."""
    resident, address = make_resident("13800000007")
    early, late = make_slot(hours_ahead=24), make_slot(hours_ahead=1)
    booking = _book(db, resident, address, early, material_ids)
    bookings.cancel(db, resident, booking.id, cutoff=CUTOFF)
    db.refresh(early)
    assert early.booked == 0 and booking.status == BookingStatus.CANCELLED
    soon = _book(db, resident, address, late, material_ids)
    with pytest.raises(BookingError, match="too late") as caught:
        bookings.cancel(db, resident, soon.id, cutoff=CUTOFF)
    assert caught.value.field == "slot_id"
    db.refresh(late)
    db.refresh(soon)
    assert late.booked == 1 and soon.status == BookingStatus.BOOKED


def test_reschedule_moves_the_place_and_a_full_target_changes_nothing(
    db, make_resident, make_slot, material_ids
) -> None:
    """The new slot's place is taken and the old one freed; a full target leaves both as they were."""
    resident, address = make_resident("13800000008")
    first, second, full = (
        make_slot(hours_ahead=24),
        make_slot(hours_ahead=30),
        make_slot(hours_ahead=36, capacity=1, booked=1),
    )
    booking = _book(db, resident, address, first, material_ids)
    bookings.reschedule(db, resident, booking.id, second.id, cutoff=CUTOFF)
    with pytest.raises(BookingError, match="full"):
        bookings.reschedule(db, resident, booking.id, full.id, cutoff=CUTOFF)
    for slot in (first, second, full):
        db.refresh(slot)
    db.refresh(booking)
    assert (first.booked, second.booked, full.booked) == (0, 1, 1)
    assert booking.slot_id == second.id


def test_another_residents_booking_is_not_found(db, make_resident, make_slot, material_ids) -> None:
    """Cancelling someone else's booking raises NotFound, as for a booking that does not exist."""
    owner, address = make_resident("13800000009")
    stranger, _ = make_resident("13800000010")
    booking = _book(db, owner, address, make_slot(), material_ids)
    with pytest.raises(bookings.NotFoundError):
        bookings.cancel(db, stranger, booking.id, cutoff=CUTOFF)
    db.refresh(booking)
    assert booking.status == BookingStatus.BOOKED


def test_bookings_for_day_lists_open_bookings_with_their_window(
    db, make_resident, make_slot, material_ids
) -> None:
    """The routes get the day's open bookings; a cancelled one is left out; windows are UTC.

    The clock runs from 08:30 tomorrow in Shenzhen (forward only): a slot a day ahead
    made from 22:00 on would cross midnight, and make_slot ends it at 23:59:59.
    """
    with tomorrow_in_shenzhen_at(8, 30):
        resident, address = make_resident("13800000011")
        slot = make_slot(hours_ahead=24)
        kept = _book(db, resident, address, slot, material_ids)
        gone = _book(db, resident, address, slot, material_ids)
        bookings.cancel(db, resident, gone.id, cutoff=CUTOFF)
        assert [b.id for b in bookings.bookings_for_day(db, slot.day)] == [kept.id]
        start, end = bookings.slot_window(slot)
        assert start.tzinfo == UTC and end - start == timedelta(hours=2)


def test_the_confirmation_code_works_once(db, make_resident, make_slot, material_ids) -> None:
    """A wrong code and a reused code are refused naming the code."""
    resident, address = make_resident("13800000012")
    booking = _book(db, resident, address, make_slot(), material_ids)
    with pytest.raises(BookingError, match="wrong"):
        bookings.check_code(db, booking, "x" + booking.code[1:])
    bookings.check_code(db, booking, booking.code)
    db.commit()
    with pytest.raises(BookingError, match="already used") as caught:
        bookings.check_code(db, booking, booking.code)
    assert caught.value.field == "code"


def test_the_slot_counter_cannot_exceed_capacity_in_the_database(db, make_slot) -> None:
    """The CHECK refuses booked > capacity whatever code tries."""
    slot = make_slot(capacity=1, booked=1)
    with pytest.raises(Exception, match="(?i)check|constraint"):
        db.execute(text("UPDATE slot SET booked = booked + 1 WHERE id = :id"), {"id": slot.id})
        db.commit()
    db.rollback()


def test_booking_history_is_append_only_in_the_database(db, make_resident, make_slot, material_ids) -> None:
    """UPDATE and DELETE of booking events fail in the database itself."""
    resident, address = make_resident("13800000013")
    _book(db, resident, address, make_slot(), material_ids)
    for statement in ("UPDATE booking_event SET reason = 'x'", "DELETE FROM booking_event"):
        with pytest.raises(Exception, match="append-only"):
            db.execute(text(statement))
            db.commit()
        db.rollback()
    assert _count(db, BookingEvent) == 1


def test_generate_slots_makes_two_hour_windows_and_keeps_existing_ones(db, area) -> None:
    """08:00-20:00 in 2 h gives 6 windows; running it again adds none."""
    from datetime import date, time

    day = date(2030, 1, 2)
    made = bookings.generate_slots(db, area, day, first=time(8), last_end=time(20), hours=2, capacity=10)
    assert [(s.start.hour, s.end.hour) for s in made] == [
        (8, 10),
        (10, 12),
        (12, 14),
        (14, 16),
        (16, 18),
        (18, 20),
    ]
    assert (
        bookings.generate_slots(db, area, day, first=time(8), last_end=time(20), hours=2, capacity=10) == []
    )
    assert db.exec(select(func.count()).select_from(Slot)).one() == 6
