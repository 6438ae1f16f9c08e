"""What a regulator reads about one battery: timeline, custody chain, cascade lineage.

Everything is rebuilt from the hashed log lines (never from the derived ``battery``
row alone), so the page shows what the verification badge checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session, col, func, select

from traceability import (
    BatteryState,
    BatteryStatus,
    EventKind,
    SignedTreeHead,
    TraceEvent,
    apply,
    normalize_code,
    replay,
)
from webapp.models import Battery, Facility, Outlet, TraceEventRow
from webapp.trace.records import StoredEvent, events_touching, state_of
from webapp.trace.treeheads import latest_tree_head


@dataclass(frozen=True)
class TimelineItem:
    """One entry that touched the battery, in log order."""

    seq: int
    event: TraceEvent
    in_force: bool
    superseded_by: str | None
    role: str  # "own", "source" (named by a regrouping) or "part" (by a disassembly)


@dataclass(frozen=True)
class CustodyStep:
    """Who held the battery where, from ``since`` until the next step."""

    holder: str | None
    location: str | None
    status: BatteryStatus
    since: datetime
    kind: EventKind
    lon: float | None = None
    lat: float | None = None
    place: str = ""


@dataclass(frozen=True)
class LineageNode:
    """A battery related through a regrouping or a disassembly."""

    code: str
    status: BatteryStatus
    holder: str | None
    location: str | None
    origin: str = ""  # where a source was first received
    soh_permille: int | None = None


@dataclass(frozen=True)
class BatteryPage:
    """Everything the battery page shows."""

    battery: Battery
    state: BatteryState
    timeline: tuple[TimelineItem, ...]
    custody: tuple[CustodyStep, ...]
    sources: tuple[LineageNode, ...]
    parts: tuple[LineageNode, ...]
    product: LineageNode | None
    siblings: tuple[LineageNode, ...]


@dataclass(frozen=True)
class Overview:
    """Counts and the latest tree head for the audit home page."""

    batteries: int
    events: int
    by_status: dict[str, int]
    tree_head: SignedTreeHead | None
    recent: list[Battery]


def overview(session: Session, *, recent: int = 15) -> Overview:
    """Totals by status, log size, latest head and the most recently active batteries."""
    counts = dict(session.exec(select(Battery.status, func.count()).group_by(Battery.status)).all())
    events = session.exec(select(func.count()).select_from(TraceEventRow)).one()
    latest = session.exec(select(Battery).order_by(col(Battery.last_event_at).desc()).limit(recent)).all()
    return Overview(sum(counts.values()), events, counts, latest_tree_head(session), list(latest))


def search(session: Session, query: str, *, limit: int = 50) -> list[Battery]:
    """Batteries whose code contains ``query`` (typed or scanned, any case or spacing)."""
    text = normalize_code(query)
    if not text:
        return []
    return list(
        session.exec(
            select(Battery).where(col(Battery.code).contains(text)).order_by(Battery.code).limit(limit)
        ).all()
    )


def find(session: Session, code: str) -> Battery | None:
    """The battery with exactly this code."""
    return session.exec(select(Battery).where(Battery.code == code)).first()


def battery_page(session: Session, code: str) -> BatteryPage | None:
    """The battery's page, or ``None`` when the log has never seen the code."""
    battery = find(session, code)
    if battery is None:
        return None
    state, stored = state_of(session, code)
    related = [*state.sources, *state.parts, *([state.parent] if state.parent else [])]
    others = events_touching(session, related) if related else {}
    product = _node(session, state.parent, others) if state.parent else None
    siblings: tuple[LineageNode, ...] = ()
    if product is not None:
        parent_state, _ = state_of(session, product.code)
        siblings = tuple(
            _node(session, c, events_touching(session, parent_state.sources))
            for c in parent_state.sources
            if c != code
        )
    return BatteryPage(
        battery=battery,
        state=state,
        timeline=tuple(_timeline(code, stored, state)),
        custody=tuple(_located(session, custody_chain(state))),
        sources=tuple(_node(session, c, others) for c in state.sources),
        parts=tuple(_node(session, c, others) for c in state.parts),
        product=product,
        siblings=siblings,
    )


def _timeline(code: str, stored: Sequence[StoredEvent], state: BatteryState) -> list[TimelineItem]:
    in_force = {e.event_id for e in state.history}
    superseded_by = {s.event.corrects: s.event.event_id for s in stored if s.event.corrects}
    items = []
    for s in stored:
        role = (
            "own"
            if s.event.battery_code == code
            else ("source" if s.event.kind is EventKind.REGROUPED else "part")
        )
        items.append(
            TimelineItem(
                s.seq, s.event, s.event.event_id in in_force, superseded_by.get(s.event.event_id), role
            )
        )
    return items


def custody_chain(state: BatteryState) -> list[CustodyStep]:
    """Holder and location after each event in force, one step per change."""
    steps: list[CustodyStep] = []
    current = BatteryState(state.code)
    for event in state.history:
        # History already has corrections in place; fold them as plain events.
        current = apply(current, replace(event, corrects=None, correction_reason=None))
        where = (current.custodian, current.location, current.status)
        if not steps or (steps[-1].holder, steps[-1].location, steps[-1].status) != where:
            steps.append(
                CustodyStep(
                    current.custodian, current.location, current.status, event.occurred_at, event.kind
                )
            )
    return steps


def places(session: Session, names: Iterable[str]) -> dict[str, tuple[float, float, str]]:
    """Coordinates and names of locations that are outlet or facility codes."""
    wanted = {n for n in names if n}
    found: dict[str, tuple[float, float, str]] = {}
    if not wanted:
        return found
    for model in (Facility, Outlet):
        rows = session.exec(
            select(model.code, model.lon, model.lat, model.name).where(col(model.code).in_(wanted))  # type: ignore[attr-defined]
        ).all()  # type: ignore[attr-defined]
        found.update({c: (lon, lat, name) for c, lon, lat, name in rows})
    return found


def _located(session: Session, steps: list[CustodyStep]) -> list[CustodyStep]:
    known = places(session, [s.location for s in steps if s.location])
    return [
        replace(s, lon=known[s.location][0], lat=known[s.location][1], place=known[s.location][2])
        if s.location in known
        else s
        for s in steps
    ]


def _node(session: Session, code: str, touching: dict[str, list[StoredEvent]]) -> LineageNode:
    events = [s.event for s in touching.get(code) or events_touching(session, [code])[code]]
    state = replay(code, events)
    events = list(state.history)
    origin = next(
        (
            f"{e.actor} · {e.location}"
            for e in events
            if e.kind is EventKind.RECEIVED_AT_OUTLET and e.battery_code == code
        ),
        "",
    )
    soh = next(
        (
            int(e.payload["soh_permille"])
            for e in reversed(events)
            if e.kind is EventKind.CAPACITY_TESTED and e.battery_code == code
        ),
        None,
    )
    return LineageNode(code, state.status, state.custodian, state.location, origin, soh)
