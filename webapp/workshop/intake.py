"""The workshop queue and receiving a pack into the workshop.

The queue is read from the log's derived rows: packs handed over to the workshop and
not yet received (from outlets, handovers, partners), and packs the workshop holds,
each with how far it has come (inspected, tested, graded, taken apart).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from traceability import EventKind, normalize_code, validate_code
from webapp.models import Battery, TraceEventRow
from webapp.models._types import utcnow
from webapp.models.workshop import Disassembly, Inspection, TestRecord, UnitGradeRow
from webapp.workshop import logbook
from webapp.workshop.errors import WorkshopInputError
from webapp.workshop.settings import WorkshopSettings

QUEUE_LIMIT = 500


@dataclass(frozen=True)
class QueueEntry:
    """One pack in (or on its way to) the workshop."""

    code: str
    status: str
    sender: str
    mass_g: int | None
    last_event_at: datetime | None
    stage: str  # incoming / received / quarantined / inspected / tested / graded / disassembled
    grade: str | None


def queue(session: Session, settings: WorkshopSettings, *, include_done: bool = False) -> list[QueueEntry]:
    """Packs on their way to the workshop, then those it holds, oldest first."""
    incoming = _incoming(session, settings)
    statuses = ["at_enterprise", "disassembled"] if include_done else ["at_enterprise"]
    held = session.exec(
        select(Battery)
        .where(
            Battery.holder == settings.actor[:120],
            col(Battery.status).in_(statuses),
            Battery.product_type == "P",
            Battery.is_cascade_product == False,  # noqa: E712
        )
        .order_by(col(Battery.last_event_at))
        .limit(QUEUE_LIMIT)
    ).all()
    codes = [b.code for b in held]
    stages = _stages(session, codes)
    entries = [
        QueueEntry(b.code, b.status, sender, b.mass_g, b.last_event_at, "incoming", None)
        for b, sender in incoming
    ]
    for battery in held:
        stage, grade = stages.get(battery.code, ("received", None))
        if battery.status == "disassembled":
            stage = "disassembled"
        entries.append(
            QueueEntry(battery.code, battery.status, "", battery.mass_g, battery.last_event_at, stage, grade)
        )
    return entries


def _incoming(session: Session, settings: WorkshopSettings) -> list[tuple[Battery, str]]:
    moving = session.exec(
        select(Battery)
        .where(Battery.status == "in_transit")
        .order_by(col(Battery.last_event_at))
        .limit(QUEUE_LIMIT)
    ).all()
    if not moving:
        return []
    handovers: dict[str, TraceEventRow] = {}
    rows = session.exec(
        select(TraceEventRow)
        .where(
            TraceEventRow.kind == EventKind.HANDED_OVER.value,
            col(TraceEventRow.battery_code).in_([b.code for b in moving]),
        )
        .order_by(col(TraceEventRow.seq))
    )
    for row in rows:
        handovers[row.battery_code] = row
    found = []
    for battery in moving:
        handover = handovers.get(battery.code)
        if handover is not None and handover.payload.get("to_actor") == settings.actor:
            found.append((battery, handover.actor))
    return found


def _stages(session: Session, codes: list[str]) -> dict[str, tuple[str, str | None]]:
    if not codes:
        return {}
    stages: dict[str, tuple[str, str | None]] = {}
    for code, safe in session.exec(
        select(Inspection.battery_code, Inspection.safe).where(col(Inspection.battery_code).in_(codes))
    ):
        if stages.get(code, ("",))[0] != "quarantined":
            stages[code] = ("inspected" if safe else "quarantined", None)
    tested = set(session.exec(select(TestRecord.battery_code).where(col(TestRecord.battery_code).in_(codes))))
    for code in tested:
        if stages.get(code, ("",))[0] != "quarantined":
            stages[code] = ("tested", None)
    for code, grade in session.exec(
        select(UnitGradeRow.battery_code, UnitGradeRow.grade)
        .where(col(UnitGradeRow.battery_code).in_(codes))
        .order_by(col(UnitGradeRow.graded_at), col(UnitGradeRow.id))
    ):
        stage = stages.get(code, ("graded", None))[0]
        stages[code] = (stage if stage == "quarantined" else "graded", grade)
    for code in session.exec(
        select(Disassembly.battery_code).where(col(Disassembly.battery_code).in_(codes))
    ):
        stages[code] = ("disassembled", stages.get(code, ("", None))[1])
    return stages


def check_code(text: str, field: str = "battery_code") -> str:
    """A typed or scanned GB/T 34014 code, normalised; refused naming ``field``."""
    code = normalize_code(text or "")
    if not code:
        raise WorkshopInputError.one(field, "give the battery code")
    errors = validate_code(code)
    if errors:
        details = "; ".join(f"{e.segment} [{e.positions}]: {e.message}" for e in errors)
        raise WorkshopInputError.one(field, f"{code} is not a valid GB/T 34014 code: {details}")
    return code


def receive(
    session: Session,
    code_text: str,
    *,
    settings: WorkshopSettings,
    mass_g: int | None = None,
    condition: str = "",
    occurred_at: datetime | None = None,
    actor_id: int | None = None,
    org_id: int | None = None,
) -> str:
    """Receive a pack into the workshop: a ``received_by_enterprise`` event (commits).

    A pack handed over to the workshop, or one a partner brings that the log has not
    seen yet, may be received; anything else is refused with the log's reason.
    """
    code = check_code(code_text)
    if mass_g is not None and mass_g <= 0:
        raise WorkshopInputError.one("mass_g", "the pack's mass must be positive")
    payload: dict[str, object] = {}
    if mass_g is not None:
        payload["mass_g"] = mass_g
    if condition.strip():
        payload["condition"] = condition.strip()[:500]
    when = occurred_at or utcnow()
    logbook.record(
        session,
        [logbook.event(settings, EventKind.RECEIVED_BY_ENTERPRISE, code, when, payload)],
        actor_id=actor_id,
        org_id=org_id,
    )
    return code
