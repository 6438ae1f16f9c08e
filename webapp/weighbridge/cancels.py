"""Cancel a mistaken weigh-in or ticket: a new row with the reason, never an edit.

A weigh-in has no number yet, so cancelling it leaves the numbering alone. A cancelled
ticket keeps its number (the numbering stays gap-free): it is listed as cancelled with
its reason and leaves every figure (:func:`webapp.weighbridge.tickets.in_force`). A
ticket with a replacement is voided by the correcting ticket instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from traceability import CHINA_TZ
from webapp.models.sorting import Sale
from webapp.models.weighbridge import TicketCancel, WeighIn, WeighInCancel, WeighTicket
from webapp.weighbridge.tickets import TicketError, voided_by


def cancel_weigh_in(
    session: Session, weigh_in_id: int, *, reason: str, operator_id: int | None
) -> WeighInCancel:
    """Cancel a mistaken weigh-in (a new row with the reason) and commit.

    Raises :class:`TicketError` naming ``weigh_in_id`` (unknown, weighed out or already
    cancelled) or ``reason`` (empty)."""
    errors = []
    weigh_in = session.get(WeighIn, weigh_in_id)
    if weigh_in is None:
        errors.append({"field": "weigh_in_id", "message": _("No such weigh-in at this facility.")})
    else:
        done = session.exec(select(WeighTicket.number).where(WeighTicket.weigh_in_id == weigh_in_id)).first()
        if done is not None:
            errors.append(
                {"field": "weigh_in_id", "message": _("This truck was weighed out on ticket %(n)s.", n=done)}
            )
        elif session.exec(select(WeighInCancel).where(WeighInCancel.weigh_in_id == weigh_in_id)).first():
            errors.append({"field": "weigh_in_id", "message": _("This weigh-in is cancelled already.")})
    if not reason.strip():
        errors.append({"field": "reason", "message": _("Give the reason for the cancellation.")})
    if errors:
        raise TicketError(errors)
    row = WeighInCancel(weigh_in_id=weigh_in_id, reason=reason.strip()[:255], operator_id=operator_id)
    return _commit(session, row)


def cancel_ticket(session: Session, ticket_id: int, *, reason: str, operator_id: int | None) -> TicketCancel:
    """Cancel a ticket issued by mistake (no replacement) and commit: the ticket keeps its
    number, listed as cancelled with the reason, and leaves every figure.

    Raises :class:`TicketError` naming ``ticket_id`` (unknown, voided, already cancelled,
    or sold on) or ``reason`` (empty)."""
    errors = []
    ticket = session.get(WeighTicket, ticket_id)
    if ticket is None:
        errors.append({"field": "ticket_id", "message": _("No such ticket at this facility.")})
    elif voided_by(session, ticket_id) is not None:
        errors.append(
            {"field": "ticket_id", "message": _("Ticket %(number)s is already voided.", number=ticket.number)}
        )
    elif cancellation(session, ticket_id) is not None:
        errors.append({"field": "ticket_id", "message": _("This ticket is cancelled already.")})
    elif (sale := session.exec(select(Sale.id).where(Sale.ticket_id == ticket_id)).first()) is not None:
        errors.append({"field": "ticket_id", "message": _("Sale %(id)s left on this ticket.", id=sale)})
    if not reason.strip():
        errors.append({"field": "reason", "message": _("Give the reason for the cancellation.")})
    if errors:
        raise TicketError(errors)
    row = TicketCancel(ticket_id=ticket_id, reason=reason.strip()[:255], operator_id=operator_id)
    return _commit(session, row)


def cancellation(session: Session, ticket_id: int) -> TicketCancel | None:
    """The cancellation of a ticket, if it was cancelled."""
    return session.exec(select(TicketCancel).where(TicketCancel.ticket_id == ticket_id)).first()


def _commit(session: Session, row: Any) -> Any:
    session.add(row)
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return row


@dataclass(frozen=True)
class Cancelled:
    """A cancelled ticket (``ticket`` set, with its number) or weigh-in of a day."""

    at: datetime
    plate: str
    reason: str
    ticket: WeighTicket | None = None
    weigh_in: WeighIn | None = None


def cancelled_on(session: Session, facility_id: int, day: date) -> list[Cancelled]:
    """The tickets and weigh-ins of the facility weighed on Shenzhen ``day`` and cancelled."""
    lo = datetime.combine(day, datetime.min.time(), CHINA_TZ)
    hi = lo + timedelta(days=1)
    found = [
        Cancelled(t.weighed_at, t.plate, c.reason, ticket=t)
        for t, c in session.exec(
            select(WeighTicket, TicketCancel)
            .join(TicketCancel, col(TicketCancel.ticket_id) == WeighTicket.id)
            .where(WeighTicket.facility_id == facility_id)
            .where(col(WeighTicket.weighed_at) >= lo, col(WeighTicket.weighed_at) < hi)
        )
    ]
    found += [
        Cancelled(w.weighed_at, w.plate, c.reason, weigh_in=w)
        for w, c in session.exec(
            select(WeighIn, WeighInCancel)
            .join(WeighInCancel, col(WeighInCancel.weigh_in_id) == WeighIn.id)
            .where(WeighIn.facility_id == facility_id)
            .where(col(WeighIn.weighed_at) >= lo, col(WeighIn.weighed_at) < hi)
        )
    ]
    return sorted(found, key=lambda c: c.at)
