"""Residents of the Internet+ channel, their addresses, pickup slots and bookings.

A resident is a :class:`~webapp.models.users.User` with the resident role plus one
:class:`ResidentAccount` holding the least the service needs (PIPL): a mobile number,
a card number and an account QR secret for kiosks. Closing an account blanks the
number and the address details; bookings and weights stay, tied to an anonymous row.

A :class:`Slot` counts its bookings in ``booked``; the counter moves only by a
conditional UPDATE (``booked < capacity``) and a CHECK holds it within capacity, so a
slot can never be oversold whatever runs concurrently. A booking's status changes in
place; every change is also a row of :class:`BookingEvent`, which is append-only.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from webapp.models._types import UTCDateTime, str_enum, utcnow


def mask_phone(phone: str | None) -> str:
    """A mobile number as staff and drivers see it: ``13812345678`` -> ``138****5678``."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


class ServiceArea(SQLModel, table=True):
    """A part of the city where doorstep pickups are offered; slots belong to one.

    ``district`` narrows the bundled street network's service area to one district
    (None: anywhere in it). Addresses are validated as outlets are, then matched here.
    """

    __tablename__ = "service_area"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=80)
    district: str | None = Field(default=None, max_length=32, index=True)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ResidentAccount(SQLModel, table=True):
    """The resident profile of a user: the minimum the channel needs."""

    __tablename__ = "resident_account"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    user_id: int = Field(foreign_key="user.id", unique=True, index=True)
    # Null once the account is closed: the number is the personal datum that goes.
    phone: str | None = Field(default=None, max_length=20, unique=True, index=True)
    # What a kiosk reads: the printed card number, or the secret in the account's QR code.
    card_no: str = Field(max_length=16, unique=True, index=True)
    qr_secret: str = Field(max_length=64, unique=True, index=True)
    phone_verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_active_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)

    @property
    def masked_phone(self) -> str:
        """The number as staff and drivers see it."""
        return mask_phone(self.phone)

    @property
    def active(self) -> bool:
        return self.closed_at is None


class PhoneCode(SQLModel, table=True):
    """A one-time code sent by SMS; only its hash is kept, and it works once."""

    __tablename__ = "phone_code"

    id: int | None = Field(default=None, primary_key=True)
    phone: str = Field(max_length=20, index=True)
    purpose: str = Field(max_length=16)  # "register" or "reset"
    code_sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    attempts: int = Field(default=0, ge=0)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ResidentAddress(SQLModel, table=True):
    """Where a resident wants pickups: a point inside a service area, plus door details."""

    __tablename__ = "resident_address"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    resident_id: int = Field(foreign_key="resident_account.id", index=True)
    service_area_id: int = Field(foreign_key="service_area.id", index=True)
    label: str = Field(default="", max_length=40)
    # Compound, building, unit, floor, door: blanked when the account closes.
    detail: str = Field(default="", max_length=160)
    district: str | None = Field(default=None, max_length=32)
    lon: float
    lat: float
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Slot(SQLModel, table=True):
    """A pickup window of one day in one service area, with a number of places."""

    __tablename__ = "slot"
    __table_args__ = (
        UniqueConstraint("service_area_id", "day", "start"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="ck_slot_booked_within_capacity"),
    )

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    service_area_id: int = Field(foreign_key="service_area.id", index=True)
    day: date = Field(index=True)
    # Shenzhen wall-clock times of the window.
    start: time
    end: time
    capacity: int = Field(ge=0)
    # Places taken: moved only by conditional UPDATEs (see webapp.residents.bookings).
    booked: int = Field(default=0, ge=0)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


class BookingStatus(StrEnum):
    """Where a doorstep pickup booking is."""

    BOOKED = "booked"
    ASSIGNED = "assigned"  # on a route of the day's plan
    ON_THE_WAY = "on_the_way"
    COLLECTED = "collected"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    UNASSIGNED = "unassigned"  # the plan could not take it; ``reason`` says why

    @property
    def label(self) -> str:
        return str(
            {
                BookingStatus.BOOKED: _l("Booked"),
                BookingStatus.ASSIGNED: _l("Assigned to a route"),
                BookingStatus.ON_THE_WAY: _l("On the way"),
                BookingStatus.COLLECTED: _l("Collected"),
                BookingStatus.CANCELLED: _l("Cancelled"),
                BookingStatus.NO_SHOW: _l("No-show"),
                BookingStatus.UNASSIGNED: _l("Not on a route"),
            }[self]
        )

    @property
    def colour(self) -> str:
        return {
            BookingStatus.BOOKED: "#0369a1",
            BookingStatus.ASSIGNED: "#7c3aed",
            BookingStatus.ON_THE_WAY: "#b45309",
            BookingStatus.COLLECTED: "#15803d",
            BookingStatus.CANCELLED: "#6b7280",
            BookingStatus.NO_SHOW: "#b91c1c",
            BookingStatus.UNASSIGNED: "#be185d",
        }[self]

    @property
    def open(self) -> bool:
        """Still holds its slot place and may be served."""
        return self in (
            BookingStatus.BOOKED,
            BookingStatus.ASSIGNED,
            BookingStatus.ON_THE_WAY,
            BookingStatus.UNASSIGNED,
        )


class Booking(SQLModel, table=True):
    """A resident's doorstep pickup in a slot.

    ``code`` is the short confirmation code the resident shows and the driver enters as
    proof of service. It is kept in plain text so the resident's app can show it again;
    it proves presence at the door, it is no login secret, and it works once.
    """

    __tablename__ = "booking"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    resident_id: int = Field(foreign_key="resident_account.id", index=True)
    address_id: int = Field(foreign_key="resident_address.id", index=True)
    slot_id: int = Field(foreign_key="slot.id", index=True)
    status: BookingStatus = Field(sa_type=str_enum(BookingStatus), index=True)
    reason: str = Field(default="", max_length=255)
    code: str = Field(max_length=8)
    code_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    note: str = Field(default="", max_length=200)
    photo_id: int | None = Field(default=None, foreign_key="evidence_file.id")
    # Estimated arrival, set by whoever plans or drives the route.
    eta: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    collected_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class BookingItem(SQLModel, table=True):
    """One material of a booking with the resident's estimate: kilograms or bags."""

    __tablename__ = "booking_item"

    booking_id: int = Field(foreign_key="booking.id", primary_key=True)
    material_id: int = Field(foreign_key="material.id", primary_key=True)
    estimated_g: int | None = Field(default=None, ge=0)
    bags: int | None = Field(default=None, ge=0)


class BookingEvent(SQLModel, table=True):
    """One status change of a booking (append-only: the history is never rewritten)."""

    __tablename__ = "booking_event"

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(foreign_key="booking.id", index=True)
    status: BookingStatus = Field(sa_type=str_enum(BookingStatus))
    reason: str = Field(default="", max_length=255)
    slot_id: int | None = Field(default=None, foreign_key="slot.id")
    user_id: int | None = Field(default=None, foreign_key="user.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class ResidentialCompound(SQLModel, table=True):
    """A residential compound (小区) residents pick their address from.

    Loaded from the demo's seeding or a staff upload (``source``); its point is where a
    pickup truck stops for it, already snapped inside the service area.
    """

    __tablename__ = "residential_compound"
    __table_args__ = (UniqueConstraint("name", "district"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    name: str = Field(max_length=80, index=True)
    district: str = Field(max_length=32, index=True)
    lon: float
    lat: float
    households: int | None = Field(default=None, ge=0)
    source: str = Field(default="demo", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
