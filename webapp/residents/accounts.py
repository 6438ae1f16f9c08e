"""Residents' accounts: one-time codes, registration, addresses, export, closing, retention.

PIPL: an account holds a mobile number, a password hash, a card number and the
addresses the resident gives; nothing else is asked. Staff see numbers masked, and
every staff look at a resident's data is written to the change log
(:func:`record_staff_access`). Closing an account (or the retention period running
out) blanks the number and address details; bookings and weights stay, anonymous.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func
from sqlmodel import Session, col, select

import geodata
from webapp.auth.operations import hash_password
from webapp.changelog import record
from webapp.models import Role, User, UserSession
from webapp.models._types import utcnow
from webapp.models.residents import (
    Booking,
    BookingItem,
    BookingStatus,
    PhoneCode,
    ResidentAccount,
    ResidentAddress,
    ServiceArea,
    Slot,
    mask_phone,
)
from webapp.residents import bookings
from webapp.residents.bookings import BookingError
from webapp.residents.sms import SmsSender

PHONE = re.compile(r"1[3-9]\d{9}")
CODE_TTL = timedelta(minutes=10)
CODE_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)
CODES_PER_HOUR = 5


def normalise_phone(text: str) -> str:
    """A mainland mobile number without spaces, dashes or +86; BookingError when it is none."""
    digits = re.sub(r"[\s-]", "", text or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    if not PHONE.fullmatch(digits):
        raise BookingError("phone", _("enter an 11-digit mainland mobile number, e.g. 13812345678"))
    return digits


def _hash_code(phone: str, code: str) -> str:
    return hashlib.sha256(f"{phone}:{code}".encode()).hexdigest()


def send_code(session: Session, phone_text: str, sender: SmsSender, *, now: datetime | None = None) -> str:
    """Send a registration code to a number that has no account yet; returns the number."""
    now = now or utcnow()
    phone = normalise_phone(phone_text)
    if session.exec(select(ResidentAccount.id).where(ResidentAccount.phone == phone)).first():
        raise BookingError("phone", _("this number is already registered: log in instead"))
    recent = session.exec(
        select(PhoneCode.created_at).where(
            PhoneCode.phone == phone, PhoneCode.created_at > now - timedelta(hours=1)
        )
    ).all()
    if recent and max(recent) > now - RESEND_AFTER:
        raise BookingError("phone", _("a code was sent less than a minute ago: wait before asking again"))
    if len(recent) >= CODES_PER_HOUR:
        raise BookingError("phone", _("too many codes for this number in the last hour: try later"))
    code = f"{secrets.randbelow(1_000_000):06d}"
    session.add(
        PhoneCode(
            phone=phone,
            purpose="register",
            code_sha256=_hash_code(phone, code),
            created_at=now,
            expires_at=now + CODE_TTL,
        )
    )
    session.commit()
    sender.send(phone, f"【ReLoop】验证码 {code}，10分钟内有效。Your ReLoop code is {code}.")
    return phone


def _use_code(session: Session, phone: str, code: str, now: datetime) -> None:
    row = session.exec(
        select(PhoneCode)
        .where(PhoneCode.phone == phone, PhoneCode.purpose == "register", col(PhoneCode.used_at).is_(None))
        .order_by(col(PhoneCode.id).desc())
    ).first()
    if row is None or row.expires_at <= now:
        raise BookingError("code", _("no valid code for this number: ask for a new one"))
    if row.attempts >= CODE_ATTEMPTS:
        raise BookingError("code", _("too many wrong codes: ask for a new one"))
    row.attempts += 1
    session.add(row)
    if not secrets.compare_digest(row.code_sha256, _hash_code(phone, code.strip())):
        session.commit()  # the failed attempt counts even though the registration fails
        raise BookingError("code", _("wrong code"))
    row.used_at = now


def register(
    session: Session, phone_text: str, code: str, password: str, *, now: datetime | None = None
) -> ResidentAccount:
    """Create the resident's login and account once the code matches; one transaction."""
    now = now or utcnow()
    phone = normalise_phone(phone_text)
    if len(password) < 8:
        raise BookingError("password", _("the password needs at least 8 characters"))
    if session.exec(select(User.id).where(User.username == phone)).first():
        raise BookingError("phone", _("this number is already registered: log in instead"))
    _use_code(session, phone, code, now)
    try:
        user = User(
            username=phone,
            display_name=_display(phone),
            password_hash=hash_password(password),
            role=Role.RESIDENT,
        )
        session.add(user)
        session.flush()
        account = ResidentAccount(
            user_id=user.id,  # type: ignore[arg-type]
            phone=phone,
            card_no=_new_card_no(session),
            qr_secret=secrets.token_urlsafe(24),
            phone_verified_at=now,
            created_at=now,
            last_active_at=now,
        )
        session.add(account)
        session.flush()
        record(session, "create", account, after={"card_no": account.card_no}, user_id=user.id)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return account


def create_resident(
    session: Session, phone: str, password: str, *, password_hash: str | None = None
) -> ResidentAccount:
    """A verified resident without the SMS round trip (seed, tests, load runs); staged, no commit."""
    phone = normalise_phone(phone)
    user = User(
        username=phone,
        display_name=_display(phone),
        password_hash=password_hash or hash_password(password),
        role=Role.RESIDENT,
    )
    session.add(user)
    session.flush()
    account = ResidentAccount(
        user_id=user.id,  # type: ignore[arg-type]
        phone=phone,
        card_no=_new_card_no(session),
        qr_secret=secrets.token_urlsafe(24),
        phone_verified_at=utcnow(),
    )
    session.add(account)
    session.flush()
    return account


def _display(phone: str) -> str:
    return mask_phone(phone)


def _new_card_no(session: Session) -> str:
    while True:
        card = f"R{secrets.randbelow(10**10):010d}"
        if not session.exec(select(ResidentAccount.id).where(ResidentAccount.card_no == card)).first():
            return card


def account_of_user(session: Session, user_id: int) -> ResidentAccount | None:
    """The open resident account of a login."""
    return session.exec(
        select(ResidentAccount).where(
            ResidentAccount.user_id == user_id, col(ResidentAccount.closed_at).is_(None)
        )
    ).first()


# -- service areas and addresses -----------------------------------------------------------


def ensure_service_areas(session: Session) -> list[ServiceArea]:
    """The service areas; one per district we serve is made the first time none exist."""
    areas = list(session.exec(select(ServiceArea).order_by(ServiceArea.id)).all())
    if areas:
        return areas
    for district in geodata.DISTRICTS:
        session.add(
            ServiceArea(code=district.code[:2].upper(), name=district.name_zh, district=district.code)
        )
    session.commit()
    return list(session.exec(select(ServiceArea).order_by(ServiceArea.id)).all())


def area_for(session: Session, district: str | None) -> ServiceArea | None:
    """The active service area covering ``district`` (a district-less area covers all)."""
    areas = session.exec(select(ServiceArea).where(ServiceArea.active == True)).all()  # noqa: E712
    for area in areas:
        if area.district == district:
            return area
    return next((a for a in areas if a.district is None), None)


InsideArea = Callable[[float, float], tuple[bool, float]]
#: (lon, lat) -> the point moved inside the service area, and how far: (lon, lat, metres).
SnapInside = Callable[[float, float], tuple[float, float, float]]
#: Farthest a picked point is moved onto a street; beyond it the pick is refused.
MAX_SNAP_M = 2_000.0


def add_address(
    session: Session,
    account: ResidentAccount,
    *,
    lon: float,
    lat: float,
    detail: str,
    label: str = "",
    inside_area: InsideArea,
    district_of: Callable[[float, float], str | None],
    snap: SnapInside | None = None,
    max_snap_m: float = MAX_SNAP_M,
) -> ResidentAddress:
    """Add a pickup address inside the street network's service area, validated as outlets
    are, and commit. A point outside but within ``max_snap_m`` of a street is moved onto
    the nearest street by ``snap`` (the row keeps the moved point) rather than refused."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise BookingError("lon", _("pick the address on the map (longitude and latitude)"))
    inside, metres = inside_area(lon, lat)
    if not inside and snap is not None and metres <= max_snap_m:
        lon, lat, _moved = snap(lon, lat)
        inside, metres = inside_area(lon, lat)
    if not inside:
        raise BookingError(
            "lon",
            _("the point is outside the service area: %(m)s m from the nearest street", m=f"{metres:,.0f}"),
        )
    district = district_of(lon, lat)
    if district is None:
        raise BookingError("lon", _("the point is outside the districts we serve"))
    area = area_for(session, district)
    if area is None:
        raise BookingError("lon", _("no doorstep pickup is offered in this district yet"))
    detail = detail.strip()
    if not detail:
        raise BookingError("detail", _("give the compound, building and door number"))
    address = ResidentAddress(
        org_id=account.org_id,
        resident_id=account.id,  # type: ignore[arg-type]
        service_area_id=area.id,  # type: ignore[arg-type]
        label=label.strip()[:40],
        detail=detail[:160],
        district=district,
        lon=round(lon, 7),
        lat=round(lat, 7),
    )
    session.add(address)
    session.commit()
    return address


def addresses(session: Session, account_id: int) -> list[ResidentAddress]:
    """The resident's current addresses."""
    return list(
        session.exec(
            select(ResidentAddress)
            .where(ResidentAddress.resident_id == account_id, col(ResidentAddress.removed_at).is_(None))
            .order_by(ResidentAddress.id)
        ).all()
    )


# -- PIPL: export, close, retention, staff access ------------------------------------------


def export_data(session: Session, account: ResidentAccount) -> dict[str, Any]:
    """Everything held about the resident, as JSON-able data."""
    rows = bookings.resident_bookings(session, account.id)  # type: ignore[arg-type]
    return {
        "account": {
            "phone": account.phone,
            "card_no": account.card_no,
            "created_at": account.created_at.isoformat(),
            "phone_verified_at": account.phone_verified_at.isoformat() if account.phone_verified_at else None,
        },
        "addresses": [
            {"label": a.label, "detail": a.detail, "district": a.district, "lon": a.lon, "lat": a.lat}
            for a in session.exec(
                select(ResidentAddress).where(ResidentAddress.resident_id == account.id)
            ).all()
        ],
        "bookings": [_booking_export(session, b, s) for b, s in rows],
    }


def _booking_export(session: Session, booking: Booking, slot: Slot) -> dict[str, Any]:
    items = session.exec(select(BookingItem).where(BookingItem.booking_id == booking.id)).all()
    return {
        "id": booking.id,
        "day": slot.day.isoformat(),
        "window": f"{slot.start:%H:%M}-{slot.end:%H:%M}",
        "status": booking.status.value,
        "reason": booking.reason,
        "note": booking.note,
        "items": [
            {"material_id": i.material_id, "estimated_g": i.estimated_g, "bags": i.bags} for i in items
        ],
        "history": [
            {"status": e.status.value, "reason": e.reason, "at": e.at.isoformat()}
            for e in bookings.history(session, booking.id)  # type: ignore[arg-type]
        ],
    }


def close_account(session: Session, account: ResidentAccount, *, actor_id: int | None, reason: str) -> None:
    """Anonymise the account: open bookings cancelled, number and address details gone; commit."""
    now = utcnow()
    try:
        for booking in session.exec(
            select(Booking).where(
                Booking.resident_id == account.id,
                col(Booking.status).in_([s for s in BookingStatus if s.open]),
            )
        ).all():
            bookings._release_place(session, booking.slot_id)
            booking.cancelled_at = now
            booking.note = ""
            bookings.set_status(
                session, booking, BookingStatus.CANCELLED, reason="account closed", user_id=actor_id
            )
        for address in session.exec(
            select(ResidentAddress).where(ResidentAddress.resident_id == account.id)
        ).all():
            # ~100 m: the collection statistics keep their place, the door does not.
            address.detail, address.label = "", ""
            address.lon, address.lat = round(address.lon, 3), round(address.lat, 3)
            address.removed_at = address.removed_at or now
            session.add(address)
        account.phone = None
        account.closed_at = now
        user = session.get(User, account.user_id)
        assert user is not None  # nosec B101 # narrows the type: the account's user exists
        user.username = f"closed-{account.id}"
        user.display_name = "—"
        user.password_hash = "!"  # nosec B105 # not a password: a hash no password matches
        user.active = False
        for login in session.exec(select(UserSession).where(UserSession.user_id == user.id)).all():
            login.revoked_at = login.revoked_at or now
            session.add(login)
        session.add_all([account, user])
        record(session, "close", account, after={"reason": reason}, user_id=actor_id)
        session.commit()
    except BaseException:
        session.rollback()
        raise


def purge_expired(session: Session, *, retention_days: int, now: datetime | None = None) -> int:
    """Anonymise accounts inactive for longer than the retention period; old codes go too."""
    now = now or utcnow()
    limit = now - timedelta(days=retention_days)
    stale = session.exec(
        select(ResidentAccount).where(
            col(ResidentAccount.closed_at).is_(None),
            func.coalesce(ResidentAccount.last_active_at, ResidentAccount.created_at) < limit,
        )
    ).all()
    for account in stale:
        close_account(
            session, account, actor_id=None, reason=f"retention period of {retention_days} days ran out"
        )
    for code in session.exec(select(PhoneCode).where(PhoneCode.expires_at < now - timedelta(days=1))).all():
        session.delete(code)
    session.commit()
    return len(stale)


def record_staff_access(session: Session, account: ResidentAccount, *, user_id: int, what: str) -> None:
    """Write a staff member's look at a resident's data to the change log (staged)."""
    record(session, "view", account, after={"viewed": what}, user_id=user_id)
