"""Handing a unit over to a recycling enterprise (移交再生利用), with its paperwork.

A unit that failed intake inspection, or was graded for recycling, leaves the
workshop with a ``handed_over`` event to a recycler; the event's note and the printed
sheet say why, and for an unsafe unit that it is unsafe (GB/T 38698.1-2020) and may
only be recycled. A unit still fit for cascade use is not handed over from here.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from traceability import EventKind
from webapp.models import Battery, TraceEventRow
from webapp.models._types import utcnow
from webapp.workshop import logbook
from webapp.workshop.errors import Problem, WorkshopInputError
from webapp.workshop.grading import current_grade, unsafe_codes
from webapp.workshop.settings import WorkshopSettings

# In Chinese only: the regulator's pages show the log's text as it is.
UNSAFE_NOTE = "不安全：入库安全检查不合格（GB/T 38698.1-2020），已隔离，仅可再生利用。"
RECYCLING_NOTE = "分级结果：仅可再生利用。"


def hand_over_for_recycling(
    session: Session,
    code: str,
    *,
    recycler: str,
    recycler_site: str,
    waybill: str = "",
    settings: WorkshopSettings,
    occurred_at: datetime | None = None,
    actor_id: int | None = None,
    org_id: int | None = None,
) -> str:
    """Record the handover of ``code`` to ``recycler`` (commits); returns the event id."""
    problems = []
    if not recycler.strip():
        problems.append(Problem("recycler", "name the recycling enterprise"))
    if not recycler_site.strip():
        problems.append(Problem("recycler_site", "give the recycler's site"))
    battery = session.exec(select(Battery).where(Battery.code == code)).first()
    if battery is None:
        problems.append(Problem("battery_code", f"{code} is not in the log"))
    unsafe = bool(unsafe_codes(session, [code]))
    grade = current_grade(session, code)
    if not unsafe and (grade is None or not grade.recycling_only):
        problems.append(
            Problem(
                "battery_code", f"{code} is neither unsafe nor graded for recycling; it stays for cascade use"
            )
        )
    if problems:
        raise WorkshopInputError(problems)
    payload = {
        "to_actor": recycler.strip()[:120],
        "to_location": recycler_site.strip()[:120],
        "to_role": "recycler",
        "note": UNSAFE_NOTE if unsafe else RECYCLING_NOTE,
    }
    if waybill.strip():
        payload["waybill"] = waybill.strip()[:120]
    event = logbook.event(settings, EventKind.HANDED_OVER, code, occurred_at or utcnow(), payload)
    logbook.record(session, [event], actor_id=actor_id, org_id=org_id)
    return event.event_id


def handovers_of(session: Session, code: str) -> list[TraceEventRow]:
    """The handovers of ``code`` in the log, newest first."""
    return list(
        session.exec(
            select(TraceEventRow)
            .where(TraceEventRow.battery_code == code, TraceEventRow.kind == EventKind.HANDED_OVER.value)
            .order_by(col(TraceEventRow.seq).desc())
        )
    )
