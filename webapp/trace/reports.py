"""Recording that events were reported to the national traceability platform."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from webapp.api.text import time_problem
from webapp.models import TraceEventRow, TraceReport
from webapp.models._types import utcnow
from webapp.trace.operations import CLOCK_SKEW


class ReportError(ValueError):
    """A report could not be recorded; the message says which input is wrong."""


def record_reports(
    session: Session, event_ids: Iterable[str], *, reported_at: datetime, reference: str, actor_id: int | None
) -> int:
    """Record one report row per event and commit; returns how many.

    A second report of the same event is kept too (the table is append-only); the
    earliest one stops the event's deadline.
    """
    ids = sorted({i.strip() for i in event_ids if i and i.strip()})
    if not ids:
        raise ReportError(_("Choose at least one event."))
    if reported_at.tzinfo is None:
        raise ReportError(_("The report time needs a time zone."))
    if reported_at > utcnow() + CLOCK_SKEW:
        raise ReportError(_("The report time is in the future."))
    problem = time_problem(reported_at)
    if problem is not None:  # year 1 would stop the event's deadline for good
        raise ReportError(_("The report time %(problem)s.", problem=problem))
    known = set(
        session.exec(select(TraceEventRow.event_id).where(col(TraceEventRow.event_id).in_(ids))).all()
    )
    missing = [i for i in ids if i not in known]
    if missing:
        raise ReportError(_("No such events: %(ids)s", ids=", ".join(missing[:10])))
    for event_id in ids:
        session.add(
            TraceReport(
                event_id=event_id,
                reported_at=reported_at,
                reference=reference.strip()[:120],
                reported_by_id=actor_id,
            )
        )
    session.commit()
    return len(ids)
