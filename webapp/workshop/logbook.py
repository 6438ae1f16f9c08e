"""Writing the workshop's steps into the battery log, in the caller's transaction.

Every step a technician records (receipt, inspection, test, disassembly, handover) is a log event,
so lineage, deadlines, mass balance and the passport follow. The workshop's own rows
are added to the session first and committed by :func:`record` together with the
events: the log refuses → nothing of the step is written.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from sqlmodel import Session

from traceability import ActorRole, EventKind
from webapp.trace.inputs import EventInput
from webapp.trace.operations import Recorded, RecordError, record_events
from webapp.workshop.errors import Problem, WorkshopInputError
from webapp.workshop.settings import WorkshopSettings

# Short kind tags keep ids codes (no English words) wherever a page shows them.
_ABBREVIATION = {
    EventKind.RECEIVED_BY_ENTERPRISE: "RCV",
    EventKind.INSPECTED: "INS",
    EventKind.CAPACITY_TESTED: "TST",
    EventKind.DISASSEMBLED: "DIS",
    EventKind.HANDED_OVER: "HOV",
}

# Set only while the demo seeds: event ids from a seeded generator and one recording
# time, so the same seed gives the same log (a test compares digests of it).
_REPLAY: ContextVar[tuple[random.Random, datetime] | None] = ContextVar("workshop_replay", default=None)


@contextmanager
def reproducible(seed: int, recorded_at: datetime) -> Iterator[None]:
    """Within the block, events get ids drawn from ``seed`` and are recorded at ``recorded_at``."""
    token = _REPLAY.set((random.Random(seed), recorded_at))  # nosec B311 # demo ids, not secrets
    try:
        yield
    finally:
        _REPLAY.reset(token)


def event(
    settings: WorkshopSettings,
    kind: EventKind,
    code: str,
    occurred_at: datetime,
    payload: Mapping[str, Any],
) -> EventInput:
    """An event recorded by the workshop (the cascade-use enterprise) at its site."""
    replay = _REPLAY.get()
    token = f"{replay[0].getrandbits(128):032x}" if replay else uuid.uuid4().hex
    return EventInput(
        event_id=f"WS-{_ABBREVIATION.get(kind, 'EVT')}-{token}",
        kind=kind,
        battery_code=code,
        actor=settings.actor,
        actor_role=ActorRole.CASCADE_USER,
        location=settings.site,
        occurred_at=occurred_at,
        payload=dict(payload),
    )


def record(
    session: Session,
    events: Sequence[EventInput],
    *,
    actor_id: int | None,
    org_id: int | None,
    lines: Sequence[int | None] | None = None,
) -> list[Recorded]:
    """Append ``events`` and commit the session's pending workshop rows with them.

    Raises
    ------
    WorkshopInputError
        When the log refuses any event (everything is rolled back); ``lines`` maps
        each event to the line or row the caller names in the problem.
    """
    try:
        replay = _REPLAY.get()
        now = replay[1] if replay else None
        return record_events(session, events, actor_id=actor_id, org_id=org_id, now=now)
    except RecordError as exc:
        problems = []
        for item in exc.errors:
            where = None
            if item.index is not None:
                where = lines[item.index] if lines is not None else None
            field = "battery_code" if item.field in ("kind", "actor", "actor_role") else item.field
            problems.append(Problem(field, f"{events[item.index or 0].battery_code}: {item.message}", where))
        raise WorkshopInputError(problems) from exc
