"""The lifecycle rules: which event may follow which state, and what it changes.

Checks run from the general to the specific (payload, time, status, role, custody)
so the error a user sees names the most basic thing wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import NoReturn

from traceability._model import (
    ActorRole,
    BatteryState,
    BatteryStatus,
    EventKind,
    LifecycleError,
    TraceEvent,
)
from traceability._payloads import validate_payload

S = BatteryStatus
K = EventKind
R = ActorRole

#: Statuses each kind may follow, for the battery the event is about.
ALLOWED_FROM: Mapping[EventKind, frozenset[BatteryStatus]] = {
    K.RETIRED_FROM_VEHICLE: frozenset({S.NEW}),
    K.RECEIVED_AT_OUTLET: frozenset({S.NEW, S.RETIRED, S.IN_TRANSIT}),
    K.HANDED_OVER: frozenset({S.AT_OUTLET, S.AT_ENTERPRISE}),
    K.RECEIVED_BY_ENTERPRISE: frozenset({S.NEW, S.RETIRED, S.IN_TRANSIT}),
    K.INSPECTED: frozenset({S.AT_ENTERPRISE}),
    K.CAPACITY_TESTED: frozenset({S.AT_ENTERPRISE}),
    K.DISASSEMBLED: frozenset({S.AT_ENTERPRISE}),
    K.REGROUPED: frozenset({S.NEW}),
    K.CASCADE_SHIPPED: frozenset({S.AT_ENTERPRISE}),
    K.CASCADE_RETIRED: frozenset({S.IN_SERVICE}),
    K.RECYCLED: frozenset({S.AT_ENTERPRISE}),
    K.DISPOSED: frozenset({S.AT_ENTERPRISE, S.RECYCLED}),
}

#: Roles that may record each kind (2018 traceability rules: who does what).
ALLOWED_ROLES: Mapping[EventKind, frozenset[ActorRole]] = {
    K.RETIRED_FROM_VEHICLE: frozenset({R.MANUFACTURER, R.COLLECTOR, R.DISMANTLER}),
    K.RECEIVED_AT_OUTLET: frozenset({R.COLLECTOR, R.MANUFACTURER}),
    K.HANDED_OVER: frozenset(R),
    K.RECEIVED_BY_ENTERPRISE: frozenset({R.CASCADE_USER, R.RECYCLER, R.DISMANTLER}),
    K.INSPECTED: frozenset({R.CASCADE_USER, R.RECYCLER, R.DISMANTLER}),
    K.CAPACITY_TESTED: frozenset({R.CASCADE_USER, R.RECYCLER}),
    K.DISASSEMBLED: frozenset({R.CASCADE_USER, R.RECYCLER, R.DISMANTLER}),
    K.REGROUPED: frozenset({R.CASCADE_USER}),
    K.CASCADE_SHIPPED: frozenset({R.CASCADE_USER}),
    K.CASCADE_RETIRED: frozenset({R.CASCADE_USER, R.COLLECTOR}),
    K.RECYCLED: frozenset({R.RECYCLER}),
    K.DISPOSED: frozenset({R.RECYCLER, R.CASCADE_USER, R.DISMANTLER}),
}

_RECEIPTS = frozenset({K.RECEIVED_AT_OUTLET, K.RECEIVED_BY_ENTERPRISE})
_NEEDS_CUSTODY = frozenset(
    {K.HANDED_OVER, K.INSPECTED, K.CAPACITY_TESTED, K.DISASSEMBLED, K.CASCADE_SHIPPED, K.RECYCLED, K.DISPOSED}
)


def step(state: BatteryState, event: TraceEvent) -> BatteryState:
    """Check ``event`` against ``state`` and return the changed fields.

    History and time bookkeeping are left to the caller.
    """
    validate_payload(event.kind, event.payload)
    _check_time(state, event)
    if state.code != event.battery_code:
        return _side_effect(state, event)
    _check_status(state, event)
    _check_role(event)
    if event.kind in _NEEDS_CUSTODY and event.actor != state.custodian:
        _refuse(
            event, "not_custodian", f"{event.actor} does not hold {state.code} (held by {state.custodian})"
        )
    return _EFFECTS[event.kind](state, event)


def _refuse(event: TraceEvent, code: str, message: str) -> NoReturn:
    raise LifecycleError(code, message, event_id=event.event_id)


def _check_time(state: BatteryState, event: TraceEvent) -> None:
    if event.recorded_at < event.occurred_at:
        _refuse(event, "recorded_before_occurred", "an event cannot be recorded before it happened")
    if state.last_occurred_at is not None and event.occurred_at < state.last_occurred_at:
        _refuse(
            event,
            "out_of_order",
            f"{event.kind} at {event.occurred_at.isoformat()} is earlier than the last event "
            f"of {state.code} ({state.last_occurred_at.isoformat()})",
        )


def _check_role(event: TraceEvent) -> None:
    if event.actor_role not in ALLOWED_ROLES[event.kind]:
        _refuse(event, "wrong_role", f"a {event.actor_role.label_en} cannot record '{event.kind.label_en}'")


def _check_status(state: BatteryState, event: TraceEvent) -> None:
    if state.status in ALLOWED_FROM[event.kind]:
        if event.kind is K.CASCADE_SHIPPED and not state.is_cascade_product:
            _refuse(event, "not_cascade_product", f"{state.code} is not a cascade-use product")
        return
    code, message = _why_not(state, event.kind)
    _refuse(event, code, message)


def _why_not(state: BatteryState, kind: EventKind) -> tuple[str, str]:
    where = f"{state.code} is {state.status.label_en}"
    if state.status is S.IN_CASCADE_PRODUCT:
        return "in_cascade_product", f"{where} {state.parent}; record events on the product"
    if state.status.is_final:
        return "final_state", f"{where}; no further events can be recorded on this code"
    if state.status is S.IN_TRANSIT:
        return "in_transit", f"{where} to {state.destination}; it must be received first"
    if kind in _RECEIPTS:
        return "already_in_custody", (
            f"{where} at {state.location}; it must be handed over before another receipt"
        )
    if state.status in (S.NEW, S.RETIRED):
        return "not_received", f"{where}; '{kind.label_en}' needs it received first"
    if kind is K.RETIRED_FROM_VEHICLE:
        return "already_retired", f"{where}; it left its vehicle already"
    if kind is K.REGROUPED:
        return "already_tracked", f"{where}; a cascade product needs a new code"
    if state.status is S.IN_SERVICE:
        return "in_service", f"{where}; record its retirement and receipt first"
    return "invalid_transition", f"'{kind.label_en}' cannot follow: {where}"


def _side_effect(state: BatteryState, event: TraceEvent) -> BatteryState:
    """The event is about another battery and names this one as source or part."""
    if event.kind is K.REGROUPED:
        if state.status is not S.AT_ENTERPRISE or state.custodian != event.actor:
            code, message = _why_not(state, event.kind)
            if state.status is S.AT_ENTERPRISE:
                code, message = "not_custodian", f"{event.actor} does not hold {state.code}"
            elif state.status in (S.NEW, S.RETIRED):
                message = f"source {state.code} has not been received by {event.actor}"
            _refuse(event, code, message)
        return replace(
            state, status=S.IN_CASCADE_PRODUCT, parent=event.battery_code, custodian=None, location=None
        )
    if state.status is not S.NEW:
        _refuse(event, "already_tracked", f"part {state.code} already has a record ({state.status.label_en})")
    return replace(
        state,
        status=S.AT_ENTERPRISE,
        custodian=event.actor,
        location=event.location,
        parent=event.battery_code,
    )


def _retired(state: BatteryState, event: TraceEvent) -> BatteryState:
    return replace(state, status=S.RETIRED, custodian=event.actor, location=event.location)


def _received(state: BatteryState, event: TraceEvent) -> BatteryState:
    if state.destination is not None and state.destination != (event.actor, event.location):
        _refuse(
            event,
            "wrong_recipient",
            f"{state.code} was handed over to {state.destination[0]} at "
            f"{state.destination[1]}, not {event.actor} at {event.location}",
        )
    status = S.AT_OUTLET if event.kind is K.RECEIVED_AT_OUTLET else S.AT_ENTERPRISE
    return replace(state, status=status, custodian=event.actor, location=event.location, destination=None)


def _handed_over(state: BatteryState, event: TraceEvent) -> BatteryState:
    destination = (str(event.payload["to_actor"]), str(event.payload["to_location"]))
    return replace(state, status=S.IN_TRANSIT, destination=destination)


def _inspected(state: BatteryState, event: TraceEvent) -> BatteryState:
    # The verdict is in the payload; quarantine is the workshop's rule, not a custody change.
    return state


def _tested(state: BatteryState, event: TraceEvent) -> BatteryState:
    return replace(state, tested=True)


def _disassembled(state: BatteryState, event: TraceEvent) -> BatteryState:
    return replace(state, status=S.DISASSEMBLED, parts=tuple(event.payload["parts"]))


def _regrouped(state: BatteryState, event: TraceEvent) -> BatteryState:
    if state.code in event.payload["sources"]:
        _refuse(event, "cascade_reused_code", "a cascade product cannot list itself as a source")
    return replace(
        state,
        status=S.AT_ENTERPRISE,
        custodian=event.actor,
        location=event.location,
        is_cascade_product=True,
        sources=tuple(event.payload["sources"]),
    )


def _shipped(state: BatteryState, event: TraceEvent) -> BatteryState:
    return replace(
        state,
        status=S.IN_SERVICE,
        custodian=str(event.payload["customer"]),
        location=str(event.payload.get("to_location", event.payload["customer"])),
    )


def _cascade_retired(state: BatteryState, event: TraceEvent) -> BatteryState:
    return replace(state, status=S.RETIRED)


def _recycled(state: BatteryState, event: TraceEvent) -> BatteryState:
    return replace(state, status=S.RECYCLED)


def _disposed(state: BatteryState, event: TraceEvent) -> BatteryState:
    return replace(state, status=S.DISPOSED, custodian=None)


_EFFECTS: Mapping[EventKind, Callable[[BatteryState, TraceEvent], BatteryState]] = {
    K.RETIRED_FROM_VEHICLE: _retired,
    K.RECEIVED_AT_OUTLET: _received,
    K.HANDED_OVER: _handed_over,
    K.RECEIVED_BY_ENTERPRISE: _received,
    K.INSPECTED: _inspected,
    K.CAPACITY_TESTED: _tested,
    K.DISASSEMBLED: _disassembled,
    K.REGROUPED: _regrouped,
    K.CASCADE_SHIPPED: _shipped,
    K.CASCADE_RETIRED: _cascade_retired,
    K.RECYCLED: _recycled,
    K.DISPOSED: _disposed,
}
