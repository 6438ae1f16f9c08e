"""Reading the log back: entries by id, the events that touched a battery, states.

The stored ``line`` is the source of truth: events are rebuilt from it (not from the
convenience columns beside it), so what a page shows is what was hashed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert, select
from sqlmodel import Session

from traceability import BatteryState, CanonicalError, LogEntry, TraceEvent, leaf_hash, parse_entry, replay
from webapp.models import BatteryLink, TraceEventRow

CHUNK = 500


class LogIntegrityError(RuntimeError):
    """The stored log contradicts itself (rows and tree disagree); nothing may be appended."""


class TamperedEntryError(LogIntegrityError):
    """A stored line no longer hashes to its recorded leaf (or is no entry at all).

    Raised instead of showing, or replaying, what someone wrote past the triggers;
    pages answer it with a tamper notice naming ``seq`` (see ``webapp.audit.views``).
    """

    def __init__(self, seq: int, event_id: str | None = None) -> None:
        super().__init__(f"log entry {seq} does not hash to its recorded leaf: the stored line was altered")
        self.seq = seq
        self.event_id = event_id


@dataclass(frozen=True)
class StoredEvent:
    """One stored entry with its position; ``event`` is parsed from the hashed line."""

    seq: int
    entry: LogEntry
    leaf_hash: str
    line: str

    @property
    def event(self) -> TraceEvent:
        """The event as hashed."""
        return self.entry.event


def chunks(values: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """``values`` in lists of at most ``size`` (IN lists stay small on both backends)."""
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _stored(seq: int, leaf: str, line: str) -> StoredEvent:
    # What was hashed is what a page may show: a line changed behind the triggers is
    # reported, never parsed and replayed as if it were the record.
    if leaf_hash(line.encode("utf-8")).hex() != leaf:
        raise TamperedEntryError(seq)
    try:
        entry = parse_entry(line)
    except CanonicalError as exc:  # rewritten together with its leaf hash column
        raise TamperedEntryError(seq) from exc
    return StoredEvent(seq, entry, leaf, line)


def last_entry(session: Session) -> StoredEvent | None:
    """The newest entry of the log."""
    row = session.execute(
        select(TraceEventRow.seq, TraceEventRow.leaf_hash, TraceEventRow.line)
        .order_by(TraceEventRow.seq.desc())
        .limit(1)  # type: ignore[attr-defined]
    ).first()
    return None if row is None else _stored(*row)


def entries_by_id(session: Session, event_ids: Iterable[str]) -> dict[str, StoredEvent]:
    """Stored entries of the given event ids that exist."""
    found: dict[str, StoredEvent] = {}
    for chunk in chunks(set(event_ids)):
        rows = session.execute(
            select(
                TraceEventRow.event_id, TraceEventRow.seq, TraceEventRow.leaf_hash, TraceEventRow.line
            ).where(TraceEventRow.event_id.in_(chunk))  # type: ignore[attr-defined]
        )
        for event_id, seq, leaf, line in rows:
            found[event_id] = _stored(seq, leaf, line)
    return found


def events_touching(session: Session, codes: Iterable[str]) -> dict[str, list[StoredEvent]]:
    """For each code, in log order, every entry that touched it.

    That is the code's own events plus, through ``battery_link``, the regroupings and
    disassemblies that named it and the corrections that changed those.
    """
    wanted = set(codes)
    seqs: dict[str, set[int]] = defaultdict(set)
    for chunk in chunks(wanted):
        links = session.execute(
            select(BatteryLink.child_code, BatteryLink.since_seq, BatteryLink.until_seq).where(
                BatteryLink.child_code.in_(chunk)
            )  # type: ignore[attr-defined]
        )
        for child, since, until in links:
            seqs[child].update(s for s in (since, until) if s is not None)
    by_seq = _rows(session, wanted, {s for found in seqs.values() for s in found})
    touching: dict[str, list[StoredEvent]] = {code: [] for code in wanted}
    for stored in sorted(by_seq.values(), key=lambda s: s.seq):
        own = stored.event.battery_code
        if own in touching:
            touching[own].append(stored)
        for code, linked in seqs.items():
            if stored.seq in linked and code != own:
                touching[code].append(stored)
    return touching


def _rows(session: Session, codes: set[str], seqs: set[int]) -> dict[int, StoredEvent]:
    # Two queries rather than one with OR: each uses its own index on both backends,
    # where "code IN (...) OR seq IN (...)" may scan the whole log.
    found: dict[int, StoredEvent] = {}
    columns = (TraceEventRow.seq, TraceEventRow.leaf_hash, TraceEventRow.line)
    for chunk in chunks(sorted(codes)):
        for seq, leaf, line in session.execute(select(*columns).where(TraceEventRow.battery_code.in_(chunk))):  # type: ignore[attr-defined]
            found[seq] = _stored(seq, leaf, line)
    for chunk in chunks(sorted(seqs - found.keys())):
        for seq, leaf, line in session.execute(select(*columns).where(TraceEventRow.seq.in_(chunk))):  # type: ignore[attr-defined]
            found[seq] = _stored(seq, leaf, line)
    return found


def load_states(session: Session, codes: Iterable[str]) -> dict[str, BatteryState]:
    """The state of each battery, replayed from the log (corrections included)."""
    return {
        code: replay(code, [s.event for s in stored])
        for code, stored in events_touching(session, codes).items()
    }


def state_of(session: Session, code: str) -> tuple[BatteryState, Sequence[StoredEvent]]:
    """One battery's state and the entries it was replayed from."""
    stored = events_touching(session, [code])[code]
    return replay(code, [s.event for s in stored]), stored


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` with one ``executemany`` (psycopg pipelines it; SQLite stays in process).

    Measured: on PostgreSQL this beats both multi-row ``VALUES`` statements (compiling
    them costs more than it saves) and RETURNING-batched inserts.
    """
    if rows:
        session.execute(insert(table), rows)
