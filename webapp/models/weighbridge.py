"""Tables of the weighbridge area: tickets (磅单) and the drivers' unload visits.

A ticket is evidence for subsidy claims and sales, so both tables are append-only
(triggers from :mod:`webapp.models.append_only`, installed by migration 0016): a
correction is a new ticket whose ``voids_id`` names the ticket it replaces, with a
reason. Tickets are numbered per facility and year without gaps; ``seq`` is taken
inside the inserting transaction (see :mod:`webapp.weighbridge.tickets`) and the
unique key ``(facility_id, year, seq)`` backs that up in the database.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from webapp.models._types import UTCDateTime, str_enum, utcnow


class TicketDirection(StrEnum):
    """A truck weighed coming in (delivering collections) or going out (a sale)."""

    IN = "in"
    OUT = "out"

    @property
    def label(self) -> str:
        return str({TicketDirection.IN: _l("Inbound"), TicketDirection.OUT: _l("Outbound")}[self])


class TareSource(StrEnum):
    """Where a ticket's tare came from."""

    WEIGHED = "weighed"  # the empty truck was weighed
    REGISTERED = "registered"  # the vehicle's registered tare

    @property
    def label(self) -> str:
        return str({TareSource.WEIGHED: _l("Weighed"), TareSource.REGISTERED: _l("Registered tare")}[self])


class TicketSource(StrEnum):
    """How a ticket entered the system."""

    MANUAL = "manual"
    IMPORT = "import"


class WeighTicket(SQLModel, table=True):
    """One weighing of a truck at a facility's weighbridge, in integer grams.

        ``number`` is ``YYYY-NNNNNN`` (year and ``seq``). Inbound tickets name the route
        and its unload stop, so the pickups of the trip (since the previous unload) can be
        reconciled with ``net_g``; outbound tickets name what left (``material_id``) and
    carry the buyer's ``reference`` (e.g. a sales order number).
    """

    __tablename__ = "weigh_ticket"
    __table_args__ = (
        UniqueConstraint("facility_id", "year", "seq"),
        UniqueConstraint("facility_id", "scale_ticket_no"),
    )

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    facility_id: int = Field(foreign_key="facility.id", index=True)
    year: int
    seq: int = Field(ge=1)
    number: str = Field(max_length=16, index=True)
    direction: TicketDirection = Field(sa_type=str_enum(TicketDirection))
    # A buyer's truck on an outbound ticket is no vehicle of ours: only its plate is kept.
    vehicle_id: int | None = Field(default=None, foreign_key="vehicle.id", index=True)
    plate: str = Field(max_length=16)
    route_id: int | None = Field(default=None, foreign_key="planned_route.id", index=True)
    stop_id: int | None = Field(default=None, foreign_key="planned_stop.id", index=True)
    driver_id: int | None = Field(default=None, foreign_key="driver.id", index=True)
    material_id: int | None = Field(default=None, foreign_key="material.id")
    gross_g: int = Field(gt=0)
    tare_g: int = Field(ge=0)
    net_g: int = Field(ge=0)
    tare_source: TareSource = Field(sa_type=str_enum(TareSource))
    weighed_at: datetime = Field(sa_type=UTCDateTime, index=True)
    tare_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    photo_id: int | None = Field(default=None, foreign_key="evidence_file.id")
    operator_id: int | None = Field(default=None, foreign_key="user.id")
    source: TicketSource = Field(default=TicketSource.MANUAL, sa_type=str_enum(TicketSource))
    # The scale software's own ticket number, for imports: a second import of it is refused.
    scale_ticket_no: str | None = Field(default=None, max_length=40)
    # Set by the form or the caller, so a double submit stores one ticket.
    client_id: str | None = Field(default=None, max_length=64, unique=True)
    reference: str = Field(default="", max_length=64)
    note: str = Field(default="", max_length=500)
    # The truck's first weighing (weighed in full, out empty): unique, one ticket per weigh-in.
    weigh_in_id: int | None = Field(default=None, foreign_key="weigh_in.id", unique=True)
    # Unique: a ticket is voided at most once, so corrections form one chain.
    voids_id: int | None = Field(default=None, foreign_key="weigh_ticket.id", unique=True)
    void_reason: str = Field(default="", max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WeighIn(SQLModel, table=True):
    """A truck's first weighing (gross, arriving loaded), waiting for its weigh-out.

    The ticket is issued at the weigh-out and names this row; a weigh-in no ticket
    names is a truck still on site.
    """

    __tablename__ = "weigh_in"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    facility_id: int = Field(foreign_key="facility.id", index=True)
    direction: TicketDirection = Field(sa_type=str_enum(TicketDirection))
    vehicle_id: int | None = Field(default=None, foreign_key="vehicle.id")
    plate: str = Field(max_length=16)
    stop_id: int | None = Field(default=None, foreign_key="planned_stop.id")
    gross_g: int = Field(gt=0)
    weighed_at: datetime = Field(sa_type=UTCDateTime)
    operator_id: int | None = Field(default=None, foreign_key="user.id")
    client_id: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UnloadVisit(SQLModel, table=True):
    """A driver's record of arriving at an unload stop, with the ticket number they got.

    It closes the trip on the driver's side; ``client_id`` comes from the phone, so a
    record queued offline and sent twice is stored once.
    """

    __tablename__ = "unload_visit"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    client_id: str = Field(max_length=64, unique=True)
    stop_id: int = Field(foreign_key="planned_stop.id", index=True)
    route_id: int = Field(foreign_key="planned_route.id", index=True)
    driver_id: int = Field(foreign_key="driver.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    arrived_at: datetime = Field(sa_type=UTCDateTime)
    ticket_number: str = Field(default="", max_length=16)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WeighInCancel(SQLModel, table=True):
    """A weigh-in taken by mistake, cancelled with a reason (the weigh-in row stays).

    A weigh-in has no ticket number yet, so cancelling it leaves the numbering alone;
    a cancelled weigh-in can no longer be weighed out.
    """

    __tablename__ = "weigh_in_cancel"

    id: int | None = Field(default=None, primary_key=True)
    weigh_in_id: int = Field(foreign_key="weigh_in.id", unique=True)
    reason: str = Field(max_length=255)
    operator_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TicketCancel(SQLModel, table=True):
    """A ticket issued by mistake (no truck to replace it with), cancelled with a reason.

    The ticket keeps its number, so the numbering has no gap: the number is listed as
    cancelled, with the reason, and the ticket leaves every figure (not in force).
    """

    __tablename__ = "weigh_ticket_cancel"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="weigh_ticket.id", unique=True)
    reason: str = Field(max_length=255)
    operator_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FacilityTolerance(SQLModel, table=True):
    """A facility's reconciliation tolerance in per mille from ``valid_from`` on (a history:
    a change is a new row; without one the global setting applies)."""

    __tablename__ = "facility_tolerance"

    id: int | None = Field(default=None, primary_key=True)
    facility_id: int = Field(foreign_key="facility.id", index=True)
    tolerance_permille: int = Field(ge=0, le=1000)
    valid_from: date = Field(index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ScaleReading(SQLModel, table=True):
    """A stable weight read from a facility's scale by ``reloop weighbridge listen``.

    The ticket form shows the latest one as the live weight for the operator to take;
    it is no evidence by itself (the ticket is), so it is not append-only.
    """

    __tablename__ = "scale_reading"

    id: int | None = Field(default=None, primary_key=True)
    facility_id: int = Field(foreign_key="facility.id", index=True)
    grams: int
    frames: int = Field(ge=1)
    port: str = Field(default="", max_length=64)
    read_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
