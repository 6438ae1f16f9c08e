"""Record weighbridge tickets (磅单) and read what was weighed.

The functions other areas call:

``record_ticket(session, facility_id=, direction=, gross_g=, vehicle_id=, ...) -> WeighTicket``
    Validate, number and insert one ticket, then commit. Inbound tickets must name a
    vehicle on an accepted route that Shenzhen day (the route and its unload stop at
    this facility are found when not given); outbound tickets (sales) need a plate or
    a vehicle and usually a ``material_id`` and a ``reference`` (the sales order).
    The tare is the weighed one or, when ``tare_g`` is None, the vehicle's registered
    tare. A correction passes ``voids_id`` and ``void_reason``. Raises
    :class:`TicketError` naming each bad field; nothing is written then.

``net_weighed(session, start, end, *, direction=IN, facility_id=None, material_id=None)``
    Net grams of the tickets in force (not voided) weighed on Shenzhen days
    ``start <= day < end``, per material id. Inbound loads are mixed: their net is
    shared out over the materials the drivers recorded on that trip, in proportion
    (largest remainder, so the shares sum to the ticket's net exactly); a load with
    no recorded pickups is counted under ``None``.

Numbering: ``YYYY-NNNNNN`` per facility and Shenzhen year, without gaps. The number is
taken inside the inserting transaction, under a per-facility lock (PostgreSQL: a
transaction-scoped advisory lock; SQLite: ``BEGIN IMMEDIATE``, the database write
lock), as max + 1. A save that fails rolls the number back with the row; the unique
key ``(facility_id, year, seq)`` is the database's own guard behind the lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from traceability import CHINA_TZ
from webapp.db import lock_for_write
from webapp.models import Facility, Vehicle
from webapp.models._types import utcnow
from webapp.models.weighbridge import (
    TareSource,
    TicketCancel,
    TicketDirection,
    TicketSource,
    WeighIn,
    WeighInCancel,
    WeighTicket,
)
from webapp.weighbridge import trips

# pg_advisory_xact_lock(int, int): the first key names this lock family.
LOCK_CLASS = 0x57_42  # "WB"
MAX_GROSS_G = 100_000_000  # 100 t: no road truck weighs more


class TicketError(ValueError):
    """A ticket was refused; ``errors`` lists ``{field, message}`` for each reason."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class TicketInput:
    """What an operator (or an import line) gives for one ticket."""

    facility_id: int
    direction: TicketDirection
    gross_g: int
    tare_g: int | None = None
    vehicle_id: int | None = None
    plate: str = ""
    route_id: int | None = None
    stop_id: int | None = None
    material_id: int | None = None
    weighed_at: datetime | None = None
    tare_at: datetime | None = None
    photo_id: int | None = None
    client_id: str | None = None
    scale_ticket_no: str | None = None
    reference: str = ""
    note: str = ""
    voids_id: int | None = None
    void_reason: str = ""
    source: TicketSource = TicketSource.MANUAL
    weigh_in_id: int | None = None


def format_number(year: int, seq: int) -> str:
    """The printed ticket number, e.g. ``2026-000123``."""
    return f"{year:04d}-{seq:06d}"


def record_ticket(session: Session, *, operator_id: int | None = None, **fields: Any) -> WeighTicket:
    """Validate, number, insert and commit one ticket (see the module docstring)."""
    data = TicketInput(**fields)
    try:
        lock_numbering(session, data.facility_id)
        ticket = add_ticket(session, data, operator_id=operator_id)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return ticket


def lock_numbering(session: Session, facility_id: int) -> None:
    """Serialize ticket numbering at a facility until the transaction ends."""
    lock_for_write(session, LOCK_CLASS, facility_id)


def add_ticket(session: Session, data: TicketInput, *, operator_id: int | None) -> WeighTicket:
    """Check and insert one ticket in the caller's transaction (locked by :func:`lock_numbering`)."""
    if data.client_id:
        found = session.exec(select(WeighTicket).where(WeighTicket.client_id == data.client_id)).first()
        if found is not None:
            return found  # a double submit: the ticket stored the first time
    if data.weigh_in_id is not None:
        data = _with_weigh_in(session, data)
    row = _checked(session, data)
    row.operator_id = operator_id
    row.seq = next_seq(session, data.facility_id, row.year)
    row.number = format_number(row.year, row.seq)
    session.add(row)
    session.flush()
    return row


def _with_weigh_in(session: Session, data: TicketInput) -> TicketInput:
    """The weigh-out of a truck weighed in: gross, time, truck and stop from the weigh-in."""
    weigh_in = session.get(WeighIn, data.weigh_in_id)
    if weigh_in is None or weigh_in.facility_id != data.facility_id:
        raise TicketError([{"field": "weigh_in_id", "message": _("No such weigh-in at this facility.")}])
    done = session.exec(select(WeighTicket.number).where(WeighTicket.weigh_in_id == weigh_in.id)).first()
    if done is not None:
        raise TicketError(
            [{"field": "weigh_in_id", "message": _("This truck was weighed out on ticket %(n)s.", n=done)}]
        )
    if session.exec(select(WeighInCancel).where(WeighInCancel.weigh_in_id == weigh_in.id)).first():
        raise TicketError([{"field": "weigh_in_id", "message": _("This weigh-in is cancelled already.")}])
    return replace(
        data,
        direction=weigh_in.direction,
        gross_g=weigh_in.gross_g,
        weighed_at=weigh_in.weighed_at,
        tare_at=data.tare_at or utcnow(),
        vehicle_id=weigh_in.vehicle_id,
        plate=weigh_in.plate,
        stop_id=weigh_in.stop_id,
    )


def record_weigh_in(session: Session, *, operator_id: int | None = None, **fields: Any) -> WeighIn:
    """Weigh a truck in (gross only) and commit; the same checks as a ticket, no number yet."""
    data = TicketInput(**fields)
    if data.client_id:
        found = session.exec(select(WeighIn).where(WeighIn.client_id == data.client_id)).first()
        if found is not None:
            return found
    # Checked as a ticket whose tare is its gross (a placeholder), so a truck on no trip
    # or with a bad weight is refused here, at the gate, and not only at the weigh-out.
    checked = _checked(session, replace(data, tare_g=data.gross_g if data.gross_g > 0 else 0, voids_id=None))
    row = WeighIn(
        org_id=checked.org_id,
        facility_id=checked.facility_id,
        direction=checked.direction,
        vehicle_id=checked.vehicle_id,
        plate=checked.plate,
        stop_id=checked.stop_id,
        gross_g=checked.gross_g,
        weighed_at=checked.weighed_at,
        operator_id=operator_id,
        client_id=checked.client_id,
    )
    session.add(row)
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return row


def open_weigh_ins(session: Session, facility_id: int) -> list[WeighIn]:
    """Trucks weighed in at the facility and not yet weighed out (nor cancelled), oldest first."""
    done = select(WeighTicket.weigh_in_id).where(col(WeighTicket.weigh_in_id).is_not(None))
    cancelled = select(WeighInCancel.weigh_in_id)
    return list(
        session.exec(
            select(WeighIn)
            .where(
                WeighIn.facility_id == facility_id,
                col(WeighIn.id).not_in(done),
                col(WeighIn.id).not_in(cancelled),
            )
            .order_by(col(WeighIn.weighed_at))
        )
    )


def next_seq(session: Session, facility_id: int, year: int) -> int:
    """One more than the highest number used at the facility in the year."""
    top = session.exec(
        select(func.max(WeighTicket.seq)).where(
            WeighTicket.facility_id == facility_id, WeighTicket.year == year
        )
    ).one()
    return int(top or 0) + 1


def _checked(session: Session, data: TicketInput) -> WeighTicket:
    errors: list[dict[str, str]] = []

    def refuse(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    facility = session.get(Facility, data.facility_id)
    if facility is None:
        refuse("facility_id", _("No such facility."))
    vehicle = session.get(Vehicle, data.vehicle_id) if data.vehicle_id is not None else None
    if data.vehicle_id is not None and vehicle is None:
        refuse("vehicle_id", _("No such vehicle."))
    plate = vehicle.plate if vehicle is not None else data.plate.strip()
    if not plate and vehicle is None and data.vehicle_id is None:
        refuse("vehicle_id", _("Choose the vehicle or type its plate."))
    if not 0 < data.gross_g <= MAX_GROSS_G:
        refuse("gross_g", _("The gross weight must be above 0 and at most 100 t."))
    tare, tare_source = data.tare_g, TareSource.WEIGHED
    if tare is None:
        tare_source = TareSource.REGISTERED
        tare = vehicle.tare_g if vehicle is not None else 0
        if not tare:
            refuse("tare_g", _("Weigh the empty truck: this vehicle has no registered tare."))
    if tare is not None and tare < 0:
        refuse("tare_g", _("The tare cannot be negative."))
    elif tare is not None and tare > data.gross_g:
        refuse("tare_g", _("The tare is above the gross weight."))
    weighed_at = data.weighed_at or utcnow()
    if weighed_at.tzinfo is None:
        refuse("weighed_at", _("The time needs a time zone."))
        weighed_at = weighed_at.replace(tzinfo=CHINA_TZ)
    route_id, stop_id, driver_id = data.route_id, data.stop_id, None
    if data.direction == TicketDirection.IN and facility is not None:
        trip = trips.find_trip(
            session,
            vehicle_id=data.vehicle_id,
            facility_id=facility.id,  # type: ignore[arg-type]
            day=weighed_at.astimezone(CHINA_TZ).date(),
            route_id=route_id,
            stop_id=stop_id,
        )
        if isinstance(trip, trips.TripRefusal):
            refuse(trip.field, trip.message)
        else:
            route_id, stop_id, driver_id = trip.route_id, trip.stop_id, trip.driver_id
    if data.voids_id is not None:
        _check_void(session, data, refuse)
    if errors:
        raise TicketError(errors)
    return WeighTicket(
        org_id=facility.org_id if facility else None,
        facility_id=data.facility_id,
        year=weighed_at.astimezone(CHINA_TZ).year,
        seq=1,
        number="",
        direction=data.direction,
        vehicle_id=data.vehicle_id,
        plate=plate[:16],
        route_id=route_id,
        stop_id=stop_id,
        driver_id=driver_id,
        material_id=data.material_id,
        gross_g=data.gross_g,
        tare_g=tare,
        net_g=data.gross_g - (tare or 0),
        tare_source=tare_source,
        weighed_at=weighed_at,
        tare_at=data.tare_at,
        photo_id=data.photo_id,
        source=data.source,
        scale_ticket_no=data.scale_ticket_no or None,
        client_id=data.client_id or None,
        reference=data.reference[:64],
        note=data.note[:500],
        voids_id=data.voids_id,
        void_reason=data.void_reason.strip()[:255],
        weigh_in_id=data.weigh_in_id,
    )


def _check_void(session: Session, data: TicketInput, refuse: Any) -> None:
    old = session.get(WeighTicket, data.voids_id)
    if old is None or old.facility_id != data.facility_id:
        refuse("voids_id", _("No such ticket at this facility."))
    elif voided_by(session, old.id) is not None:  # type: ignore[arg-type]
        refuse("voids_id", _("Ticket %(number)s is already voided.", number=old.number))
    elif session.exec(select(TicketCancel).where(TicketCancel.ticket_id == old.id)).first() is not None:
        refuse("voids_id", _("This ticket is cancelled already."))
    if not data.void_reason.strip():
        refuse("void_reason", _("Give the reason for the correction."))


def voided_by(session: Session, ticket_id: int) -> WeighTicket | None:
    """The ticket that voids this one, if any."""
    return session.exec(select(WeighTicket).where(WeighTicket.voids_id == ticket_id)).first()


def in_force() -> Any:
    """A WHERE clause: tickets no other ticket voids and no cancellation names."""
    voiding = select(WeighTicket.voids_id).where(col(WeighTicket.voids_id).is_not(None))
    cancelled = select(TicketCancel.ticket_id)
    return and_(col(WeighTicket.id).not_in(voiding), col(WeighTicket.id).not_in(cancelled))


def find_by_number(session: Session, facility_id: int | None, number: str) -> WeighTicket | None:
    """A ticket by its printed number (at a facility, or anywhere when None)."""
    query = select(WeighTicket).where(WeighTicket.number == number.strip())
    if facility_id is not None:
        query = query.where(WeighTicket.facility_id == facility_id)
    return session.exec(query.order_by(col(WeighTicket.id))).first()


def net_weighed(
    session: Session,
    start: date,
    end: date,
    *,
    direction: TicketDirection = TicketDirection.IN,
    facility_id: int | None = None,
    material_id: int | None = None,
) -> dict[int | None, int]:
    """Net grams per material id of the tickets in force weighed on ``start <= day < end``."""
    tickets = tickets_between(session, start, end, direction=direction, facility_id=facility_id)
    shares = trips.collected_by_ticket(session, [t for t in tickets if t.material_id is None])
    totals: dict[int | None, int] = {}
    for ticket in tickets:
        if ticket.material_id is not None:
            split = {ticket.material_id: ticket.net_g}
        else:
            split = apportion(ticket.net_g, shares.get(ticket.id, {}))  # type: ignore[arg-type]
        for material, grams in split.items():
            totals[material] = totals.get(material, 0) + grams
    if material_id is not None:
        return {material_id: totals.get(material_id, 0)}
    return totals


def tickets_between(
    session: Session,
    start: date,
    end: date,
    *,
    direction: TicketDirection | None = None,
    facility_id: int | None = None,
) -> list[WeighTicket]:
    """Tickets in force weighed on Shenzhen days ``start <= day < end``, oldest first."""
    lo = datetime.combine(start, datetime.min.time(), CHINA_TZ)
    hi = datetime.combine(end, datetime.min.time(), CHINA_TZ)
    query = select(WeighTicket).where(
        col(WeighTicket.weighed_at) >= lo, col(WeighTicket.weighed_at) < hi, in_force()
    )
    if direction is not None:
        query = query.where(WeighTicket.direction == direction)
    if facility_id is not None:
        query = query.where(WeighTicket.facility_id == facility_id)
    return list(session.exec(query.order_by(col(WeighTicket.weighed_at), col(WeighTicket.id))))


def apportion(total: int, weights: dict[int, int]) -> dict[int | None, int]:
    """Share ``total`` over ``weights`` in proportion; the shares sum to ``total`` exactly."""
    base = sum(weights.values())
    if total <= 0 or base <= 0:
        return {None: total} if total else {}
    exact = {k: total * v for k, v in weights.items()}
    shares: dict[int | None, int] = {k: q // base for k, q in exact.items()}
    left = total - sum(shares.values())
    for key in sorted(exact, key=lambda k: (-(exact[k] % base), k))[:left]:
        shares[key] = shares[key] + 1
    return shares


def numbers(tickets: Iterable[WeighTicket]) -> list[str]:
    """The printed numbers of some tickets."""
    return [t.number for t in tickets]
