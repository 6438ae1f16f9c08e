"""Recording battery events: the one way into the log.

:func:`record_events` takes checked inputs (:mod:`webapp.trace.inputs`), and in one
transaction: takes the log's write lock, replays the touched batteries from the
log, runs the lifecycle rules on every event, and only if all pass appends the
entries, their Merkle nodes, the derived ``battery`` rows and ``battery_link`` ties.
A batch is all or nothing, so the API's bulk post and the CSV import never leave
half a file behind.

Idempotent by event id: an id already in the log with the same content answers with
the stored entry; with other content it is refused (HTTP 422).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from traceability import (
    BatteryState,
    LifecycleError,
    LogEntry,
    MerkleTree,
    PayloadError,
    TraceEvent,
    affected_codes,
    apply_all,
    event_record,
    next_entry,
)
from webapp.db import lock_for_write
from webapp.models import TraceEventRow
from webapp.models._types import utcnow
from webapp.trace import derived
from webapp.trace.inputs import EventInput
from webapp.trace.records import (
    LogIntegrityError,
    StoredEvent,
    entries_by_id,
    insert_rows,
    last_entry,
    load_states,
)
from webapp.trace.store import DbNodeStore

# One advisory lock id for the log on PostgreSQL ("RLTRACE" in ASCII).
LOCK_KEY = 0x524C5452414345
#: Clocks of partner systems drift; beyond this an "occurred" time is in the future.
CLOCK_SKEW = timedelta(minutes=5)
_FIELD_OF = {
    "out_of_order": "occurred_at",
    "recorded_before_occurred": "occurred_at",
    "wrong_role": "actor_role",
    "not_custodian": "actor",
    "wrong_recipient": "actor",
    "unknown_target": "corrects",
    "already_superseded": "corrects",
    "correction_mismatch": "corrects",
    "duplicate_event": "event_id",
}


@dataclass(frozen=True)
class ItemError:
    """Why one event of a batch was refused. ``status`` is 422 (bad input) or 409 (conflict)."""

    index: int | None
    event_id: str
    field: str
    code: str
    message: str
    status: int

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the API and the import report."""
        return {
            "index": self.index,
            "event_id": self.event_id,
            "field": self.field,
            "code": self.code,
            "message": self.message,
        }


class RecordError(ValueError):
    """A batch was refused; nothing was written. ``errors`` names each bad event."""

    def __init__(self, errors: Sequence[ItemError]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(f"[{e.index}] {e.field}: {e.message}" for e in self.errors))

    @property
    def status(self) -> int:
        """422 when any input was malformed, else 409 (the lifecycle refused)."""
        return 422 if any(e.status == 422 for e in self.errors) else 409


@dataclass(frozen=True)
class Recorded:
    """Where an event sits in the log; ``created`` is False for a repeated post."""

    index: int
    event_id: str
    seq: int
    leaf_hash: str
    created: bool


def record_event(
    session: Session, event: EventInput, *, actor_id: int | None, org_id: int | None = None
) -> Recorded:
    """Record one event (see :func:`record_events`)."""
    return record_events(session, [event], actor_id=actor_id, org_id=org_id)[0]


def record_events(
    session: Session,
    events: Sequence[EventInput],
    *,
    actor_id: int | None,
    org_id: int | None = None,
    now: datetime | None = None,
) -> list[Recorded]:
    """Append ``events`` in order, all or none, and commit.

    Raises
    ------
    RecordError
        Listing every refused event (later events are still checked, against the
        states the accepted ones before them produced); nothing is written.
    LogIntegrityError
        When the stored rows and tree disagree.
    """
    try:
        lock_log(session)
        batch = _Batch(session, now or utcnow())
        results = batch.check(events)
        batch.write(actor_id=actor_id, org_id=org_id)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return results


def lock_log(session: Session) -> None:
    """Serialize appends until the transaction ends.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: take the database write
    lock now (``BEGIN IMMEDIATE``) instead of at the first INSERT, so two writers can
    never both read the same last entry.
    """
    lock_for_write(session, LOCK_KEY)


class _Batch:
    """The state of one append: last entry, tree, battery states, what to write."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session, self.now = session, now
        self.store = DbNodeStore(session)
        self.store.prefetch_frontier()
        self.tree = MerkleTree(self.store)
        self.prev = _checked_last(session, self.tree)
        self.known: dict[str, StoredEvent] = {}
        self.states: dict[str, BatteryState] = {}
        self.entries: list[LogEntry] = []
        self.touched: set[str] = set()
        self.errors: list[ItemError] = []

    def check(self, events: Sequence[EventInput]) -> list[Recorded]:
        """Apply every event in memory; raise :class:`RecordError` if any is refused."""
        self._prefetch(events)
        results = [r for i, e in enumerate(events) if (r := self._one(i, e)) is not None]
        if self.errors:
            raise RecordError(self.errors)
        return results

    def _prefetch(self, events: Sequence[EventInput]) -> None:
        ids = {e.event_id for e in events} | {e.corrects for e in events if e.corrects}
        self.known = entries_by_id(self.session, ids)
        codes = {c for e in events for c in _codes_named(e)}
        for stored in self.known.values():
            codes.update(affected_codes(stored.event))
        self.states = load_states(self.session, codes)

    def _one(self, index: int, item: EventInput) -> Recorded | None:
        stored = self.known.get(item.event_id)
        if stored is not None:
            return self._repeat(index, item, stored)
        if item.occurred_at > self.now + CLOCK_SKEW:
            return self._refuse(index, item, "occurred_at", "future", "is in the future", 422)
        event = _event(item, self.now)
        try:
            changed = apply_all(self.states, event)
        except LifecycleError as exc:
            return self._refuse(index, item, _FIELD_OF.get(exc.code, "kind"), exc.code, exc.message, 409)
        except PayloadError as exc:
            return self._refuse(index, item, "payload", "invalid", str(exc), 422)
        self.states.update(changed)
        self.touched.update(changed)
        entry = next_entry(self.prev, event)
        self.tree.append_hash(entry.leaf_hash)
        self.prev = entry
        self.entries.append(entry)
        self.known[event.event_id] = StoredEvent(entry.seq, entry, entry.leaf_hash.hex(), entry.line())
        return Recorded(index, event.event_id, entry.seq, entry.leaf_hash.hex(), True)

    def _repeat(self, index: int, item: EventInput, stored: StoredEvent) -> Recorded | None:
        candidate = _event(item, stored.event.recorded_at)
        if event_record(candidate) != event_record(stored.event):
            return self._refuse(
                index,
                item,
                "event_id",
                "event_id_conflict",
                f"event {item.event_id} was already recorded with other content",
                422,
            )
        return Recorded(index, item.event_id, stored.seq, stored.leaf_hash, False)

    def _refuse(
        self, index: int, item: EventInput, field: str, code: str, message: str, status: int
    ) -> Recorded | None:
        """Note why ``item`` was refused; there is no entry to return."""
        self.errors.append(ItemError(index, item.event_id, field, code, message, status))
        return None

    def write(self, *, actor_id: int | None, org_id: int | None) -> None:
        """Insert the entries, their nodes, links and battery rows (no commit)."""
        if not self.entries:
            return
        rows = [_row(entry, actor_id, org_id) for entry in self.entries]
        insert_rows(self.session, TraceEventRow.__table__, rows)  # type: ignore[attr-defined]
        self.store.flush()
        derived.stage(self.session, self.entries, {c: self.states[c] for c in self.touched}, org_id=org_id)


def _codes_named(item: EventInput) -> list[str]:
    extra = item.payload.get("sources") or item.payload.get("parts") or []
    return [item.battery_code, *[c for c in extra if isinstance(c, str)]]


def _checked_last(session: Session, tree: MerkleTree) -> LogEntry | None:
    last = last_entry(session)
    size = 0 if last is None else last.seq + 1
    if tree.size != size:
        raise LogIntegrityError(f"the log has {size} entries but the tree {tree.size} leaves")
    if last is not None and (
        last.entry.leaf_hash.hex() != last.leaf_hash or tree.leaf_hash(last.seq) != last.entry.leaf_hash
    ):
        raise LogIntegrityError(f"entry {last.seq} does not match its stored leaf hash")
    return None if last is None else last.entry


def _event(item: EventInput, recorded_at: datetime) -> TraceEvent:
    return TraceEvent(
        event_id=item.event_id,
        kind=item.kind,
        battery_code=item.battery_code,
        actor=item.actor,
        actor_role=item.actor_role,
        location=item.location,
        occurred_at=item.occurred_at,
        recorded_at=recorded_at,
        payload=item.payload,
        corrects=item.corrects,
        correction_reason=item.correction_reason,
    )


def _row(entry: LogEntry, actor_id: int | None, org_id: int | None) -> dict[str, Any]:
    event = entry.event
    return {
        "seq": entry.seq,
        "org_id": org_id,
        "event_id": event.event_id,
        "battery_code": event.battery_code,
        "kind": event.kind.value,
        "actor": event.actor,
        "actor_role": event.actor_role.value,
        "location": event.location,
        "occurred_at": event.occurred_at,
        "recorded_at": event.recorded_at,
        "payload": dict(event.payload),
        "corrects": event.corrects,
        "correction_reason": event.correction_reason,
        "prev_hash": entry.prev_hash.hex(),
        "leaf_hash": entry.leaf_hash.hex(),
        "line": entry.line(),
        "recorded_by_id": actor_id,
    }
