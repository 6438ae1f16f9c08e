"""Reconciliation tolerance per facility, kept as history, with the global setting as default.

A facility's tolerance is the row with the latest ``valid_from`` on or before the day of
the ticket; before its first row (or with none) the setting
``RELOOP_WEIGHBRIDGE_TOLERANCE_PERMILLE`` applies. A change is a new row: the trips of
the past stay judged by the tolerance of their day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from webapp.models import Facility
from webapp.models.weighbridge import FacilityTolerance
from webapp.weighbridge.tickets import TicketError

Lookup = Callable[[int, date], int]


def lookup(session: Session, default: int) -> Lookup:
    """A function ``(facility_id, day) -> per mille`` over the whole history, read once."""
    history: dict[int, list[tuple[date, int]]] = {}
    rows = session.exec(
        select(FacilityTolerance).order_by(col(FacilityTolerance.valid_from), col(FacilityTolerance.id))
    )
    for row in rows:
        history.setdefault(row.facility_id, []).append((row.valid_from, row.tolerance_permille))

    def tolerance(facility_id: int, day: date) -> int:
        found = default
        for valid_from, permille in history.get(facility_id, ()):
            if valid_from > day:
                break
            found = permille
        return found

    return tolerance


def history(session: Session, facility_id: int) -> list[FacilityTolerance]:
    """A facility's tolerance rows, newest first."""
    return list(
        session.exec(
            select(FacilityTolerance)
            .where(FacilityTolerance.facility_id == facility_id)
            .order_by(col(FacilityTolerance.valid_from).desc(), col(FacilityTolerance.id).desc())
        )
    )


def set_tolerance(
    session: Session, *, facility_id: int, permille: int, valid_from: date, actor_id: int | None
) -> FacilityTolerance:
    """Record a facility's tolerance from ``valid_from`` on and commit.

    Raises :class:`TicketError` naming ``facility_id`` or ``tolerance_permille``."""
    errors = []
    if session.get(Facility, facility_id) is None:
        errors.append({"field": "facility_id", "message": _("No such facility.")})
    if not 0 <= permille <= 1000:
        errors.append({"field": "tolerance_permille", "message": _("The tolerance must be 0 to 1000 ‰.")})
    if errors:
        raise TicketError(errors)
    row = FacilityTolerance(
        facility_id=facility_id, tolerance_permille=permille, valid_from=valid_from, created_by_id=actor_id
    )
    session.add(row)
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return row
