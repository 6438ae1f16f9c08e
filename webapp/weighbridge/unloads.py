"""The driver's side of an unload: arrival at the unload stop and the ticket number.

``record_unload`` is idempotent like the driver's other records: the phone makes the
id, a resend of the same record gets the stored one back (``created`` False), the same
id with another content is a conflict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from traceability import CHINA_TZ
from webapp.driver.completions import valid_client_id
from webapp.models import Driver, PlannedRoute, PlannedStop
from webapp.models._types import utcnow
from webapp.models.weighbridge import UnloadVisit

TICKET_NUMBER = re.compile(r"\d{4}-\d{6}")
CLOCK_SKEW = timedelta(minutes=10)


class UnloadError(ValueError):
    """A refused unload record: HTTP ``status`` and ``{field, message}`` errors."""

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.status, self.field, self.message = status, field, message


@dataclass(frozen=True)
class UnloadInput:
    client_id: str
    stop_id: int
    arrived_at: datetime
    ticket_number: str = ""


def parse(body: object) -> UnloadInput:
    """A JSON body ``{id, stop_id, arrived_at, ticket_number}`` checked field by field."""
    if not isinstance(body, dict):
        raise UnloadError(422, "", _("Send a JSON object."))
    client_id = body.get("id")
    if not isinstance(client_id, str) or not valid_client_id(client_id):
        raise UnloadError(422, "id", _("The record id is missing or malformed."))
    stop_id = body.get("stop_id")
    if not isinstance(stop_id, int) or isinstance(stop_id, bool) or not 0 < stop_id < 2**31:
        raise UnloadError(422, "stop_id", _("The stop id must be a whole number."))
    try:
        arrived = datetime.fromisoformat(str(body.get("arrived_at", "")))
    except ValueError:
        raise UnloadError(422, "arrived_at", _("The arrival time must be an ISO 8601 time.")) from None
    number = body.get("ticket_number") or ""
    if not isinstance(number, str):
        raise UnloadError(422, "ticket_number", _("The ticket number is text like 2026-000123."))
    return UnloadInput(
        client_id, stop_id, arrived if arrived.tzinfo else arrived.replace(tzinfo=CHINA_TZ), number
    )


def record_unload(
    session: Session, item: UnloadInput, *, driver: Driver, user_id: int | None
) -> tuple[UnloadVisit, bool]:
    """Store the unload record (commits); a resend returns the stored one with False."""
    found = session.exec(select(UnloadVisit).where(UnloadVisit.client_id == item.client_id)).first()
    if found is not None:
        return _repeat(found, item)
    stop = session.get(PlannedStop, item.stop_id)
    if stop is None or stop.kind != "unload":
        raise UnloadError(422, "stop_id", _("Stop %(id)d is no unloading stop.", id=item.stop_id))
    route = session.get(PlannedRoute, stop.route_id)
    if route is None or route.driver_id != driver.id:
        raise UnloadError(403, "stop_id", _("This stop is on another driver's route."))
    if item.arrived_at > utcnow() + CLOCK_SKEW:
        raise UnloadError(422, "arrived_at", _("The arrival time is in the future."))
    number = item.ticket_number.strip()
    if number and not TICKET_NUMBER.fullmatch(number):
        raise UnloadError(422, "ticket_number", _("The ticket number is text like 2026-000123."))
    row = UnloadVisit(
        client_id=item.client_id,
        stop_id=stop.id,  # type: ignore[arg-type]
        route_id=route.id,  # type: ignore[arg-type]
        driver_id=driver.id,  # type: ignore[arg-type]
        user_id=user_id,
        arrived_at=item.arrived_at,
        ticket_number=number,
        org_id=driver.org_id,
    )
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # the same record from two sends at once: the other one won
        session.rollback()
        found = session.exec(select(UnloadVisit).where(UnloadVisit.client_id == item.client_id)).one()
        return _repeat(found, item)
    return row, True


def _repeat(found: UnloadVisit, item: UnloadInput) -> tuple[UnloadVisit, bool]:
    same = (
        found.stop_id == item.stop_id
        and found.arrived_at == item.arrived_at
        and found.ticket_number == item.ticket_number.strip()
    )
    if not same:
        raise UnloadError(409, "id", _("Record %(id)s was stored with other content.", id=item.client_id))
    return found, False


def latest_by_stop(session: Session, stop_ids: list[int]) -> dict[int, UnloadVisit]:
    """The latest unload record of each stop."""
    rows = session.exec(
        select(UnloadVisit).where(col(UnloadVisit.stop_id).in_(stop_ids)).order_by(col(UnloadVisit.id))
    )
    return {r.stop_id: r for r in rows}
