"""Many residents racing for the last places of a slot: never one booking too many."""

from __future__ import annotations

from sqlmodel import Session, func, select

from reliability import figures
from tests.webapp.concurrently import burst
from webapp.models.residents import Booking, BookingEvent, Slot
from webapp.residents import bookings
from webapp.residents.bookings import BookingError, ItemInput


def test_forty_residents_racing_for_the_last_five_places_get_exactly_five(
    app, db, make_resident, make_slot, material_ids
) -> None:
    """40 bookings released together, each in its own thread and connection: 5 accepted, 35 'full'."""
    racers = 40
    people = [make_resident(f"137{n:08d}") for n in range(racers)]
    slot = make_slot(capacity=25, booked=20)
    engine = app.extensions["reloop.engine"]

    def attempt(index: int) -> str:
        resident, address = people[index]
        with Session(engine, expire_on_commit=False) as session:
            try:
                bookings.book(
                    session,
                    resident,
                    address_id=address.id,
                    slot_id=slot.id,
                    items=[ItemInput(material_ids[0], bags=1)],
                )
            except BookingError as exc:
                return "full" if exc.field == "slot_id" and "full" in exc.message else f"other: {exc.message}"
            except Exception as exc:  # counted, then the test fails on it
                return f"error: {type(exc).__name__}: {exc}"
            return "accepted"

    answers = burst(racers, attempt)
    db.refresh(slot)
    stored = db.exec(select(func.count()).select_from(Booking).where(Booking.slot_id == slot.id)).one()
    events = db.exec(select(func.count()).select_from(BookingEvent)).one()
    backend = engine.dialect.name
    figures.report(
        f"booking-slot-race-inprocess-{backend}",
        requests=racers,
        accepted=answers.count("accepted"),
        refused_full=answers.count("full"),
        oversold=max(0, slot.booked - slot.capacity) + max(0, stored - 5),
        lost=max(0, answers.count("accepted") - stored),
        duplicated=max(0, stored - answers.count("accepted")),
        server_errors=sum(a.startswith("error") for a in answers),
    )
    assert sorted(set(answers)) == ["accepted", "full"], answers
    assert answers.count("accepted") == 5 and answers.count("full") == 35
    assert (stored, events, slot.booked) == (5, 5, 25)


def test_cancelling_and_booking_at_once_never_oversell(
    app, db, make_resident, make_slot, material_ids
) -> None:
    """Ten cancellations racing ten new bookings on a full slot: the counter equals the open bookings."""
    from datetime import timedelta

    holders = [make_resident(f"136{n:08d}") for n in range(10)]
    newcomers = [make_resident(f"135{n:08d}") for n in range(10)]
    slot = make_slot(capacity=10)
    held = [
        bookings.book(db, r, address_id=a.id, slot_id=slot.id, items=[ItemInput(material_ids[0], bags=1)])
        for r, a in holders
    ]
    engine = app.extensions["reloop.engine"]

    def attempt(index: int) -> str:
        with Session(engine, expire_on_commit=False) as session:
            try:
                if index % 2 == 0:
                    resident, _ = holders[index // 2]
                    bookings.cancel(session, resident, held[index // 2].id, cutoff=timedelta(hours=2))
                    return "cancelled"
                resident, address = newcomers[index // 2]
                bookings.book(
                    session,
                    resident,
                    address_id=address.id,
                    slot_id=slot.id,
                    items=[ItemInput(material_ids[0], bags=1)],
                )
                return "accepted"
            except BookingError as exc:
                return exc.message

    answers = burst(20, attempt)
    db.refresh(slot)
    open_now = db.exec(
        select(func.count())
        .select_from(Booking)
        .where(Booking.slot_id == slot.id, Booking.status == "booked")
    ).one()
    assert answers.count("cancelled") == 10
    assert slot.booked == open_now <= slot.capacity
    assert db.get(Slot, slot.id).booked == 10 - 10 + answers.count("accepted")
