"""A resident's booking on a driver's route: what the driver sees, the code at the door,
the status the resident follows, and the points once the weights are in.

The driver sees the booking's place (address details for finding the door) and the
resident's masked mobile number only. The resident's app shows a short confirmation
code; the driver enters it when collecting, as proof of service. A wrong code, or one
already used, is refused naming the field ``confirmation_code``. The weights are
recorded as at an outlet (integer grams, corrections as new rows) and in the same
transaction the booking is ``collected`` and the resident credited through the points
ledger (:func:`webapp.kiosk.ledger.credit_for_collection`); a correction reverses the
corrected record's credits and credits the new weights.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from webapp.dispatch.bookings import booking_label, eta, move
from webapp.kiosk import ledger
from webapp.models import Collection, CollectionOutcome, PlannedRoute, PlannedStop
from webapp.models._types import utcnow
from webapp.models.residents import (
    Booking,
    BookingStatus,
    ResidentAccount,
    ResidentAddress,
    Slot,
    mask_phone,
)
from webapp.residents import bookings

CODE_FIELD = "confirmation_code"


@dataclass(frozen=True)
class BookingPlace:
    """A booking stop as drivers and dispatchers see it (never the confirmation code)."""

    booking_id: int
    code: str  # the booking's label, e.g. B00012
    name: str
    lon: float
    lat: float
    address: str
    masked_phone: str
    window: str
    status: BookingStatus
    resident_id: int


def booking_places(session: Session, booking_ids: list[int]) -> dict[int, BookingPlace]:
    """The places of bookings by id, for route lists, maps and the stop page."""
    if not booking_ids:
        return {}
    rows = session.exec(
        select(Booking, Slot, ResidentAddress, ResidentAccount)
        .join(Slot, col(Slot.id) == Booking.slot_id)
        .join(ResidentAddress, col(ResidentAddress.id) == Booking.address_id)
        .join(ResidentAccount, col(ResidentAccount.id) == Booking.resident_id)
        .where(col(Booking.id).in_(booking_ids))
    ).all()
    found: dict[int, BookingPlace] = {}
    for booking, slot, address, account in rows:
        window = f"{slot.start:%H:%M}–{slot.end:%H:%M}"
        found[booking.id] = BookingPlace(  # type: ignore[index]
            booking_id=booking.id,  # type: ignore[arg-type]
            code=booking_label(booking.id),  # type: ignore[arg-type]
            name=_("Doorstep pickup %(window)s", window=window),
            lon=address.lon,
            lat=address.lat,
            address=address.detail,
            masked_phone=mask_phone(account.phone),
            window=window,
            status=booking.status,
            resident_id=account.id,  # type: ignore[arg-type]
        )
    return found


def phone_of_stop(session: Session, stop: PlannedStop) -> str | None:
    """The resident's number behind a booking stop's call link (never shown on a page)."""
    booking = session.get(Booking, stop.booking_id) if stop.booking_id else None
    account = session.get(ResidentAccount, booking.resident_id) if booking else None
    return account.phone if account and account.active else None


def check_code(session: Session, stop: PlannedStop, code: str | None) -> list[dict[str, str]]:
    """Problems with the code the driver typed at a booking's door (empty when it is right)."""
    booking = session.get(Booking, stop.booking_id) if stop.booking_id else None
    if booking is None:
        return [{"field": "stop_id", "message": _("this stop has no booking")}]
    typed = (code or "").strip()
    if not typed:
        return [{"field": CODE_FIELD, "message": _("enter the code the resident shows")}]
    if booking.code_used_at is not None:
        return [{"field": CODE_FIELD, "message": _("this code was already used")}]
    if booking.status in (BookingStatus.CANCELLED, BookingStatus.COLLECTED, BookingStatus.NO_SHOW):
        return [{"field": CODE_FIELD, "message": _("this booking is no longer open")}]
    if not hmac.compare_digest(typed.upper().encode(), booking.code.upper().encode()):
        return [{"field": CODE_FIELD, "message": _("wrong code: ask the resident to show it again")}]
    return []


def after_record(
    session: Session,
    stop: PlannedStop,
    row: Collection,
    weights_g: dict[str, int],
    superseded: Collection | None,
    *,
    user_id: int | None,
) -> None:
    """What a stop's record changes for residents (staged with the record; no commit).

    At a booking stop: collected -> the booking is collected, its code used, the
    resident credited per material; skipped -> a no-show with the driver's reason. A
    correction reverses the corrected record's credits first. At any stop: the next
    booking of the route is on the way, with its arrival estimated from now.
    """
    now = utcnow()
    booking = session.get(Booking, stop.booking_id) if stop.booking_id else None
    if booking is not None:
        if superseded is not None:
            ledger.reverse_source(
                session, f"collection:{superseded.id}", reason=_("weights corrected"), actor_id=user_id
            )
        if row.outcome == CollectionOutcome.COLLECTED:
            if booking.code_used_at is None:  # checked by check_code before the record was made
                bookings.check_code(session, booking, booking.code)
            move(session, booking, BookingStatus.COLLECTED, user_id=user_id)
            for code, grams in sorted(weights_g.items()):
                if grams > 0:
                    ledger.credit_for_collection(
                        session,
                        booking.resident_id,
                        code,
                        grams,
                        f"collection:{row.id}",
                        row.recorded_at,
                        org_id=booking.org_id,
                        actor_id=user_id,
                    )
        else:
            move(session, booking, BookingStatus.NO_SHOW, reason=row.note, user_id=user_id)
    route = session.get(PlannedRoute, stop.route_id)
    if route is not None:
        on_the_way(session, route, after=stop, now=now, user_id=user_id)


def on_the_way(
    session: Session,
    route: PlannedRoute,
    *,
    after: PlannedStop | None,
    now: datetime,
    user_id: int | None,
) -> Booking | None:
    """The next pending stop of the route, if a booking still assigned, is on the way
    (staged). Its ETA is now plus the planned drive from ``after`` (None: the start)."""
    stops = session.exec(
        select(PlannedStop).where(PlannedStop.route_id == route.id).order_by(col(PlannedStop.position))
    ).all()
    recorded = set(
        session.exec(
            select(Collection.stop_id).where(col(Collection.stop_id).in_([s.id for s in stops]))
        ).all()
    )
    since = after.position if after is not None else 0
    following = [s for s in stops if s.position > since and s.kind != "unload" and s.id not in recorded]
    if not following or following[0].booking_id is None:
        return None
    target = following[0]
    booking = session.get(Booking, target.booking_id)
    if booking is None or booking.status != BookingStatus.ASSIGNED:
        return None
    left_at = after.departure_s if after is not None else route.start_s
    arrival = now + timedelta(seconds=max(0, target.arrival_s - left_at))
    move(session, booking, BookingStatus.ON_THE_WAY, user_id=user_id, eta=arrival)
    return booking


def planned_eta(stop: PlannedStop, day: object) -> datetime:
    """The plan's arrival at a stop as a UTC datetime (for pages that show it)."""
    return eta(day, stop.arrival_s)  # type: ignore[arg-type]
