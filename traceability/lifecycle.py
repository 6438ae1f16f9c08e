"""Battery lifecycle: event kinds, the event record, and the rules on their order.

A battery's state is the fold of its events: ``replay(code, events)`` or, one at a
time, ``apply(state, event)``. Impossible sequences (a handover before any receipt,
recycling a battery that went into a cascade product, two receipts at two places
without a handover between them) raise :class:`LifecycleError` with a stable
``code`` and a readable message; the API answers them with 409.

Some events touch several batteries: a regrouping consumes its sources, a
disassembly brings its parts into the record. :func:`affected_codes` names them and
:func:`apply_all` applies an event to all of them or to none.

Records are never changed in place. A correction is a new event with ``corrects``
set to the id of the event it supersedes and a ``correction_reason``; it must be of
the same kind and battery, and the battery's history is replayed with the
correction in the superseded event's place, so a correction that would make the
history impossible is refused like any other event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from traceability import _transitions
from traceability._model import (
    ActorRole,
    BatteryState,
    BatteryStatus,
    EventKind,
    LifecycleError,
    TraceEvent,
)
from traceability._payloads import PayloadError, PayloadProblem, validate_payload

__all__ = [
    "ActorRole",
    "BatteryState",
    "BatteryStatus",
    "EventKind",
    "LifecycleError",
    "PayloadError",
    "PayloadProblem",
    "TraceEvent",
    "affected_codes",
    "allowed_kinds",
    "apply",
    "apply_all",
    "check_transition",
    "replay",
    "validate_payload",
]


def affected_codes(event: TraceEvent) -> tuple[str, ...]:
    """Codes whose state ``event`` changes: its battery, then sources or parts."""
    extra: tuple[str, ...] = ()
    if event.kind is EventKind.REGROUPED:
        extra = tuple(event.payload.get("sources", ()))
    elif event.kind is EventKind.DISASSEMBLED:
        extra = tuple(event.payload.get("parts", ()))
    return (event.battery_code, *extra)


def check_transition(state: BatteryState, event: TraceEvent) -> None:
    """Raise :class:`LifecycleError` unless ``event`` may follow ``state``."""
    apply(state, event)


def apply(state: BatteryState, event: TraceEvent) -> BatteryState:
    """Return the state after ``event``; ``state`` itself is left unchanged.

    Raises
    ------
    LifecycleError
        When the event is impossible for this battery now.
    PayloadError
        When the payload does not match the event kind's schema.
    """
    if state.code not in affected_codes(event):
        raise LifecycleError(
            "not_affected", f"event {event.event_id} does not concern {state.code}", event_id=event.event_id
        )
    if event.event_id in state.event_ids():
        raise LifecycleError(
            "duplicate_event", f"event {event.event_id} was already recorded", event_id=event.event_id
        )
    # A correction that newly names this battery (say, as an added regrouping
    # source) is, for this battery, simply a new event.
    if event.corrects is not None and (event.battery_code == state.code or _in_force(state, event.corrects)):
        return _apply_correction(state, event)
    return _append(state, event)


def _append(state: BatteryState, event: TraceEvent) -> BatteryState:
    new_state = _transitions.step(state, event)
    return replace(new_state, history=(*state.history, event), last_occurred_at=event.occurred_at)


def _fold(code: str, events: Iterable[TraceEvent], superseded: frozenset[str]) -> BatteryState:
    state = BatteryState(code)
    for event in events:
        state = _append(state, event)
    return replace(state, superseded=superseded)


def _apply_correction(state: BatteryState, event: TraceEvent) -> BatteryState:
    targets = [e for e in state.history if e.event_id == event.corrects]
    if not targets:
        code = "already_superseded" if event.corrects in state.superseded else "unknown_target"
        raise LifecycleError(
            code, f"event {event.corrects} is not in force for {state.code}", event_id=event.event_id
        )
    target = targets[0]
    if target.kind is not event.kind or target.battery_code != event.battery_code:
        raise LifecycleError(
            "correction_mismatch",
            "a correction must keep the kind and battery of the event it corrects",
            event_id=event.event_id,
        )
    if event.recorded_at < target.recorded_at:
        raise LifecycleError(
            "out_of_order", "a correction cannot be recorded before its target", event_id=event.event_id
        )
    history = [event if e is target else e for e in state.history]
    return _fold(state.code, history, state.superseded | {target.event_id})


def replay(code: str, events: Iterable[TraceEvent]) -> BatteryState:
    """Fold ``events`` (in log order) into the state of battery ``code``.

    Events that do not touch ``code`` are skipped, so a whole log can be passed.
    Corrections are resolved as they come.
    """
    state = BatteryState(code)
    for event in events:
        if code in affected_codes(event):
            state = apply(state, event)
        elif event.corrects is not None and _in_force(state, event.corrects):
            state = _drop(state, event)
    return state


def _in_force(state: BatteryState, event_id: str) -> bool:
    return any(e.event_id == event_id for e in state.history)


def _drop(state: BatteryState, event: TraceEvent) -> BatteryState:
    # The correction no longer names this battery (e.g. a regrouping source taken
    # out): the superseded event leaves its history.
    kept = [e for e in state.history if e.event_id != event.corrects]
    return _fold(state.code, kept, state.superseded | {str(event.corrects)})


def apply_all(states: Mapping[str, BatteryState], event: TraceEvent) -> dict[str, BatteryState]:
    """Apply ``event`` to every battery it touches, all or none.

    ``states`` holds the current state of (at least) the touched batteries; a
    missing one counts as :attr:`BatteryStatus.NEW`. For a correction, also pass
    the states of the batteries the superseded event touched: those it no longer
    touches lose the superseded event. Returns the changed states only.
    """
    changed = {code: apply(states.get(code, BatteryState(code)), event) for code in affected_codes(event)}
    if event.corrects is not None:
        for code, state in states.items():
            if code not in changed and _in_force(state, event.corrects):
                changed[code] = _drop(state, event)
    return changed


def allowed_kinds(state: BatteryState) -> frozenset[EventKind]:
    """Event kinds the status of ``state`` admits (custody and role not considered)."""
    allowed = _transitions.ALLOWED_FROM
    return frozenset(kind for kind, statuses in allowed.items() if state.status in statuses)
