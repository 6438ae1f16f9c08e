"""Doorstep pickup bookings: slots, booking, cancelling, rescheduling, status changes.

Accessors other areas build on (keep their signatures):

- :func:`bookings_for_day` (routes): the open bookings of a Shenzhen day, and
  :func:`slot_window` their time window as aware datetimes (UTC);
- :func:`set_status` (driver app, dispatch): move a booking to assigned / on the way /
  collected / unassigned / no-show with a reason, writing its history row;
- :func:`check_code` (driver app): the resident's confirmation code, usable once;
- :func:`resident_by_card` (kiosks): the account behind a card number or account QR.

A slot place is taken by ``UPDATE slot SET booked = booked + 1 WHERE id = :id AND
booked < capacity``: the database decides, row by row, so two requests can never both
take the last place (PostgreSQL re-checks the WHERE after the row lock; SQLite runs one
writer at a time). The CHECK on ``slot`` is the second line of defence. Each operation
is one transaction: on any refusal nothing is written.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import update
from sqlmodel import Session, col, select

from traceability.deadlines import CHINA_TZ
from webapp.driver.evidence import MAX_EVIDENCE_BYTES, EvidenceError, media_type
from webapp.models import EvidenceFile, Material
from webapp.models._types import utcnow
from webapp.models.residents import (
    Booking,
    BookingEvent,
    BookingItem,
    BookingStatus,
    ResidentAccount,
    ResidentAddress,
    ServiceArea,
    Slot,
)

MAX_ESTIMATE_G = 500_000  # 500 kg: beyond this a doorstep van is the wrong tool
MAX_BAGS = 50


class BookingError(ValueError):
    """A booking request was refused; ``field`` names what was wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class NotFoundError(LookupError):
    """No such booking for this resident (another resident's reads the same: not found)."""


@dataclass(frozen=True)
class ItemInput:
    """One material of a booking request: an estimate in grams or a bag count."""

    material_id: int
    estimated_g: int | None = None
    bags: int | None = None


# -- accessors for the other areas --------------------------------------------------------


def slot_window(slot: Slot) -> tuple[datetime, datetime]:
    """The slot's window as aware UTC datetimes (the slot's times are Shenzhen's)."""
    start = datetime.combine(slot.day, slot.start, tzinfo=CHINA_TZ)
    end = datetime.combine(slot.day, slot.end, tzinfo=CHINA_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)


def bookings_for_day(session: Session, day: date) -> list[Booking]:
    """Open bookings (booked, assigned, on the way, unassigned) whose slot is on ``day``."""
    open_states = [s for s in BookingStatus if s.open]
    return list(
        session.exec(
            select(Booking)
            .join(Slot, Slot.id == Booking.slot_id)  # type: ignore[arg-type]
            .where(Slot.day == day, col(Booking.status).in_(open_states))
            .order_by(Slot.start, Booking.id)
        ).all()
    )


def resident_by_card(session: Session, text: str) -> ResidentAccount | None:
    """The open account whose card number or account-QR secret is ``text``."""
    text = text.strip()
    if not text:
        return None
    return session.exec(
        select(ResidentAccount).where(
            (ResidentAccount.card_no == text) | (ResidentAccount.qr_secret == text),
            col(ResidentAccount.closed_at).is_(None),
        )
    ).first()


def set_status(
    session: Session,
    booking: Booking,
    status: BookingStatus,
    *,
    reason: str = "",
    user_id: int | None = None,
    eta: datetime | None = None,
    at: datetime | None = None,
) -> Booking:
    """Move ``booking`` to ``status`` and append its history row (staged, no commit).

    ``at`` (default now) is when it happened: the demo's year of bookings passes its days' times.
    """
    now = at or utcnow()
    booking.status = status
    booking.reason = reason[:255]
    booking.updated_at = now
    if eta is not None:
        booking.eta = eta
    if status == BookingStatus.COLLECTED:
        booking.collected_at = now
    session.add(booking)
    session.add(
        BookingEvent(
            booking_id=booking.id,  # type: ignore[arg-type]
            status=status,
            reason=reason[:255],
            slot_id=booking.slot_id,
            user_id=user_id,
            at=now,
        )
    )
    return booking


def check_code(session: Session, booking: Booking, code: str) -> None:
    """Accept the resident's confirmation code once; raise :class:`BookingError` otherwise."""
    if booking.code_used_at is not None:
        raise BookingError("code", _("this confirmation code was already used"))
    if not secrets.compare_digest(booking.code, code.strip()):
        raise BookingError("code", _("wrong confirmation code"))
    booking.code_used_at = utcnow()
    session.add(booking)


# -- slots ---------------------------------------------------------------------------------


def shenzhen_now(now: datetime | None = None) -> datetime:
    """Now on Shenzhen's wall clock."""
    return (now or utcnow()).astimezone(CHINA_TZ)


def slot_started(slot: Slot, now: datetime | None = None) -> bool:
    """True once the slot's window has begun."""
    return slot_window(slot)[0] <= (now or utcnow())


def generate_slots(
    session: Session,
    area: ServiceArea,
    day: date,
    *,
    first: time,
    last_end: time,
    hours: int,
    capacity: int,
    user_id: int | None = None,
) -> list[Slot]:
    """Add windows of ``hours`` from ``first`` until ``last_end`` (existing starts are kept)."""
    if hours < 1 or hours > 12:
        raise BookingError("hours", _("a window lasts 1 to 12 hours"))
    if capacity < 0 or capacity > 1000:
        raise BookingError("capacity", _("capacity must be 0 to 1000 bookings"))
    if first >= last_end:
        raise BookingError("last_end", _("the last window must end after the first starts"))
    existing = set(
        session.exec(select(Slot.start).where(Slot.service_area_id == area.id, Slot.day == day)).all()
    )
    made = []
    start = datetime.combine(day, first)
    stop = datetime.combine(day, last_end)
    while start + timedelta(hours=hours) <= stop:
        end = start + timedelta(hours=hours)
        if start.time() not in existing:
            slot = Slot(
                org_id=area.org_id,
                service_area_id=area.id,  # type: ignore[arg-type]
                day=day,
                start=start.time(),
                end=end.time(),
                capacity=capacity,
                created_by_id=user_id,
            )
            session.add(slot)
            made.append(slot)
        start = end
    session.commit()
    return made


def set_capacity(session: Session, slot_id: int, capacity: int) -> Slot:
    """Change a slot's capacity; never below the places already taken."""
    if capacity < 0 or capacity > 1000:
        raise BookingError("capacity", _("capacity must be 0 to 1000 bookings"))
    result = session.execute(
        update(Slot).where(col(Slot.id) == slot_id, col(Slot.booked) <= capacity).values(capacity=capacity)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise BookingError("capacity", _("capacity cannot go below the bookings already taken"))
    session.commit()
    slot = session.get(Slot, slot_id)
    assert slot is not None  # nosec B101 # narrows the type: the booking's slot exists
    session.refresh(slot)
    return slot


def open_slots(session: Session, area_id: int, *, now: datetime | None = None, days: int = 7) -> list[Slot]:
    """Slots of an area from now over the next ``days``, not yet started."""
    today = shenzhen_now(now).date()
    slots = session.exec(
        select(Slot)
        .where(Slot.service_area_id == area_id, Slot.day >= today, Slot.day <= today + timedelta(days=days))
        .order_by(Slot.day, Slot.start)
    ).all()
    return [s for s in slots if not slot_started(s, now)]


def _take_place(session: Session, slot_id: int) -> bool:
    result = session.execute(
        update(Slot)
        .where(col(Slot.id) == slot_id, col(Slot.booked) < col(Slot.capacity))
        .values(booked=Slot.booked + 1)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def _release_place(session: Session, slot_id: int) -> None:
    session.execute(
        update(Slot).where(col(Slot.id) == slot_id, col(Slot.booked) > 0).values(booked=Slot.booked - 1)
    )


# -- a resident's bookings -------------------------------------------------------------------


def own_booking(session: Session, resident_id: int, booking_id: int) -> Booking:
    """The resident's own booking, or :class:`NotFoundError` (also for another's)."""
    booking = session.get(Booking, booking_id)
    if booking is None or booking.resident_id != resident_id:
        raise NotFoundError(booking_id)
    return booking


def book(
    session: Session,
    resident: ResidentAccount,
    *,
    address_id: int,
    slot_id: int,
    items: list[ItemInput],
    note: str = "",
    photo: bytes | None = None,
    now: datetime | None = None,
) -> Booking:
    """Book a place in a slot for a pickup at one of the resident's addresses, and commit."""
    now = now or utcnow()
    address = session.get(ResidentAddress, address_id)
    if address is None or address.resident_id != resident.id or address.removed_at is not None:
        raise BookingError("address_id", _("no such address of yours"))
    slot = _bookable_slot(session, slot_id, address, now)
    checked = _check_items(session, items)
    if photo:
        check_photo(photo)
    try:
        if not _take_place(session, slot.id):  # type: ignore[arg-type]
            raise BookingError("slot_id", _("this slot is full: choose another one"))
        photo_id = _keep_photo(session, photo, resident.user_id) if photo else None
        booking = Booking(
            org_id=resident.org_id,
            resident_id=resident.id,  # type: ignore[arg-type]
            address_id=address.id,  # type: ignore[arg-type]
            slot_id=slot.id,  # type: ignore[arg-type]
            status=BookingStatus.BOOKED,
            code=f"{secrets.randbelow(1_000_000):06d}",
            note=note.strip()[:200],
            photo_id=photo_id,
            created_at=now,
            updated_at=now,
        )
        session.add(booking)
        session.flush()
        for item in checked:
            session.add(BookingItem(booking_id=booking.id, **item.__dict__))  # type: ignore[arg-type]
        # Activity keeps the personal data from the retention purge (webapp.residents.accounts).
        session.execute(
            update(ResidentAccount).where(col(ResidentAccount.id) == resident.id).values(last_active_at=now)
        )
        session.add(
            BookingEvent(
                booking_id=booking.id,
                status=BookingStatus.BOOKED,
                slot_id=slot.id,
                user_id=resident.user_id,
                at=now,
            )
        )  # type: ignore[arg-type]
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return booking


def check_photo(data: bytes) -> None:
    """Refuse a photo that is not an image we keep (before anything is written)."""
    try:
        if len(data) > MAX_EVIDENCE_BYTES:
            raise EvidenceError(_("The photo is too large."))
        if media_type(data) is None:
            raise EvidenceError(_("Only JPEG, PNG or WebP images are kept."))
    except EvidenceError as exc:
        raise BookingError("photo", str(exc)) from None


def _keep_photo(session: Session, data: bytes, user_id: int) -> int:
    digest = hashlib.sha256(data).hexdigest()
    found = session.exec(select(EvidenceFile).where(EvidenceFile.sha256 == digest)).first()
    if found is None:
        found = EvidenceFile(
            sha256=digest,
            media_type=media_type(data) or "",
            size_bytes=len(data),
            data=data,
            uploaded_by_id=user_id,
        )
        session.add(found)
        session.flush()
    return found.id  # type: ignore[return-value]


def _bookable_slot(session: Session, slot_id: int, address: ResidentAddress, now: datetime) -> Slot:
    slot = session.get(Slot, slot_id)
    if slot is None:
        raise BookingError("slot_id", _("no such slot"))
    if slot.service_area_id != address.service_area_id:
        raise BookingError("slot_id", _("this slot serves another area than your address"))
    if slot_started(slot, now):
        raise BookingError("slot_id", _("this slot is in the past: choose a later one"))
    if slot.booked >= slot.capacity:  # a fast answer; the UPDATE decides under concurrency
        raise BookingError("slot_id", _("this slot is full: choose another one"))
    return slot


def _check_items(session: Session, items: list[ItemInput]) -> list[ItemInput]:
    if not items:
        raise BookingError("materials", _("choose at least one material"))
    seen: set[int] = set()
    for index, item in enumerate(items):
        field = f"materials[{index}]"
        material = session.get(Material, item.material_id)
        if material is None or not material.active:
            raise BookingError(field, _("unknown material"))
        if item.material_id in seen:
            raise BookingError(field, _("material listed twice"))
        seen.add(item.material_id)
        if (item.estimated_g is None) == (item.bags is None):
            raise BookingError(field, _("give either an estimate in kg or a number of bags"))
        if item.estimated_g is not None and not 0 < item.estimated_g <= MAX_ESTIMATE_G:
            raise BookingError(
                field, _("estimate must be above 0 and at most %(kg)d kg", kg=MAX_ESTIMATE_G // 1000)
            )
        if item.bags is not None and not 0 < item.bags <= MAX_BAGS:
            raise BookingError(field, _("bags must be 1 to %(n)d", n=MAX_BAGS))
    return items


def _before_cutoff(session: Session, booking: Booking, now: datetime, cutoff: timedelta) -> None:
    if booking.status not in (BookingStatus.BOOKED, BookingStatus.ASSIGNED, BookingStatus.UNASSIGNED):
        raise BookingError(
            "status", _("a booking that is %(status)s cannot be changed", status=booking.status.label)
        )
    slot = session.get(Slot, booking.slot_id)
    assert slot is not None  # nosec B101 # narrows the type: the booking's slot exists
    if slot_window(slot)[0] - cutoff < now:
        hours = cutoff.total_seconds() / 3600
        raise BookingError(
            "slot_id", _("too late: changes close %(h)s h before the slot starts", h=f"{hours:g}")
        )


def cancel(
    session: Session,
    resident: ResidentAccount,
    booking_id: int,
    *,
    cutoff: timedelta,
    now: datetime | None = None,
) -> Booking:
    """Cancel the resident's booking before the cut-off, freeing its place, and commit."""
    now = now or utcnow()
    booking = own_booking(session, resident.id, booking_id)  # type: ignore[arg-type]
    _before_cutoff(session, booking, now, cutoff)
    try:
        _release_place(session, booking.slot_id)
        booking.cancelled_at = now
        set_status(
            session,
            booking,
            BookingStatus.CANCELLED,
            reason="cancelled by the resident",
            user_id=resident.user_id,
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return booking


def reschedule(
    session: Session,
    resident: ResidentAccount,
    booking_id: int,
    slot_id: int,
    *,
    cutoff: timedelta,
    now: datetime | None = None,
) -> Booking:
    """Move the booking to another slot (taking its place first), before the cut-off; commit."""
    now = now or utcnow()
    booking = own_booking(session, resident.id, booking_id)  # type: ignore[arg-type]
    _before_cutoff(session, booking, now, cutoff)
    if slot_id == booking.slot_id:
        raise BookingError("slot_id", _("the booking is already in this slot"))
    address = session.get(ResidentAddress, booking.address_id)
    assert address is not None  # nosec B101 # narrows the type: the booking's address exists
    slot = _bookable_slot(session, slot_id, address, now)
    try:
        if not _take_place(session, slot.id):  # type: ignore[arg-type]
            raise BookingError("slot_id", _("this slot is full: choose another one"))
        _release_place(session, booking.slot_id)
        booking.slot_id = slot.id  # type: ignore[assignment]
        set_status(
            session,
            booking,
            BookingStatus.BOOKED,
            reason="rescheduled by the resident",
            user_id=resident.user_id,
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return booking


def release_for_no_show(session: Session, booking: Booking, *, reason: str, user_id: int | None) -> Booking:
    """Mark a booking a no-show (staged); its place stays counted, the slot has passed."""
    return set_status(
        session, booking, BookingStatus.NO_SHOW, reason=reason or "nobody at the door", user_id=user_id
    )


def history(session: Session, booking_id: int) -> list[BookingEvent]:
    """A booking's status changes, oldest first."""
    return list(
        session.exec(
            select(BookingEvent).where(BookingEvent.booking_id == booking_id).order_by(BookingEvent.id)
        ).all()
    )


def resident_bookings(session: Session, resident_id: int) -> list[tuple[Booking, Slot]]:
    """The resident's bookings with their slots, newest slot first."""
    rows = session.exec(
        select(Booking, Slot)
        .join(Slot, Slot.id == Booking.slot_id)  # type: ignore[arg-type]
        .where(Booking.resident_id == resident_id)
        .order_by(col(Slot.day).desc(), col(Slot.start).desc(), col(Booking.id).desc())
    ).all()
    return [(b, s) for b, s in rows]


def booking_items(session: Session, booking_id: int) -> list[BookingItem]:
    """The materials of a booking with the resident's estimates."""
    return list(session.exec(select(BookingItem).where(BookingItem.booking_id == booking_id)).all())


def booking_collection_ids(session: Session, booking_id: int) -> list[int]:
    """Ids of the collection records made at the booking's stop (corrections included), oldest first."""
    from webapp.models import Collection, PlannedStop

    if not hasattr(PlannedStop, "booking_id"):  # the routes do not carry bookings yet
        return []
    return list(
        session.exec(
            select(Collection.id)
            .join(PlannedStop, PlannedStop.id == Collection.stop_id)  # type: ignore[arg-type]
            .where(PlannedStop.booking_id == booking_id)
            .order_by(col(Collection.id))
        ).all()  # type: ignore[arg-type]
    )


def booking_weights(session: Session, booking_id: int) -> list[tuple[int, int]]:
    """(material id, grams) of the record in force at the booking's stop, if any."""
    from webapp.models import Collection, CollectionWeight

    ids = booking_collection_ids(session, booking_id)
    if not ids:
        return []
    records = session.exec(select(Collection).where(col(Collection.id).in_(ids))).all()
    superseded = {r.supersedes_id for r in records if r.supersedes_id is not None}
    current = [r.id for r in records if r.id not in superseded]
    if not current:
        return []
    rows = session.exec(select(CollectionWeight).where(CollectionWeight.collection_id == current[-1])).all()
    return [(w.material_id, w.grams) for w in rows]
