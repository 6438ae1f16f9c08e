"""The lifecycle state machine: allowed sequences, refusals, corrections."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from tests.traceability.conftest import PACK_A, PACK_B, PRODUCT, RECYCLED, EventFactory
from traceability import (
    BatteryState,
    BatteryStatus,
    EventKind,
    LifecycleError,
    PayloadError,
    TraceEvent,
    allowed_kinds,
    apply,
    apply_all,
    check_transition,
    replay,
)

HANDOVER = {"to_actor": "cu", "to_location": "F1"}
TEST = {"soh_permille": 800, "capacity_wh": 40_000, "method": "m", "equipment": "e"}


def run(events: Iterable[TraceEvent]) -> dict[str, BatteryState]:
    states: dict[str, BatteryState] = {}
    for event in events:
        states.update(apply_all(states, event))
    return states


def refusal(state: BatteryState, event: TraceEvent) -> str:
    with pytest.raises(LifecycleError) as caught:
        apply(state, event)
    return caught.value.code


def at_outlet(event: EventFactory) -> list[TraceEvent]:
    return [
        event("retired_from_vehicle", actor="dm", role="dismantler", location="D1"),
        event("received_at_outlet", actor="o1", role="collector", location="O1"),
    ]


def at_enterprise(event: EventFactory, code: str = PACK_A) -> list[TraceEvent]:
    return [
        event("received_at_outlet", code, actor="o1", role="collector", location="O1"),
        event("handed_over", code, actor="o1", role="collector", location="O1", payload=HANDOVER),
        event("received_by_enterprise", code),
    ]


def cascade(event: EventFactory) -> list[TraceEvent]:
    return [
        *at_enterprise(event, PACK_A),
        *at_enterprise(event, PACK_B),
        event("regrouped", PRODUCT, payload={"sources": [PACK_A, PACK_B]}),
    ]


def test_kinds_have_chinese_and_english_labels() -> None:
    """Every kind is labelled in both languages."""
    assert EventKind.RECEIVED_AT_OUTLET.label_zh == "回收入库"
    assert all(kind.label_en and kind.label_zh for kind in EventKind)


def test_outlet_to_enterprise_chain_is_accepted(event: EventFactory) -> None:
    """Receipt, handover and receipt move custody to the enterprise."""
    state = run(at_enterprise(event))[PACK_A]
    assert (state.status, state.custodian, state.location) == (BatteryStatus.AT_ENTERPRISE, "cu", "F1")


def test_handover_before_receipt_is_refused(event: EventFactory) -> None:
    """Nobody can hand over a battery they never received."""
    retired = run(at_outlet(event)[:1])[PACK_A]
    handover = event("handed_over", actor="dm", role="dismantler", payload=HANDOVER)
    assert refusal(retired, handover) == "not_received"


def test_second_receipt_without_handover_is_refused(event: EventFactory) -> None:
    """A battery cannot be received at two places without a handover between."""
    state = run(at_outlet(event))[PACK_A]
    again = event("received_at_outlet", actor="o2", role="collector", location="O2")
    assert refusal(state, again) == "already_in_custody"


def test_receipt_by_someone_else_than_the_recipient_is_refused(event: EventFactory) -> None:
    """The handover names who receives."""
    state = run(at_enterprise(event)[:2])[PACK_A]
    assert refusal(state, event("received_by_enterprise", actor="other")) == "wrong_recipient"


def test_only_the_custodian_can_hand_over(event: EventFactory) -> None:
    """An outlet cannot hand over a battery another outlet holds."""
    state = run(at_outlet(event))[PACK_A]
    handover = event("handed_over", actor="o2", role="collector", payload=HANDOVER)
    assert refusal(state, handover) == "not_custodian"


def test_in_transit_battery_must_be_received_first(event: EventFactory) -> None:
    """Nothing but a receipt follows a handover."""
    state = run(at_enterprise(event)[:2])[PACK_A]
    assert refusal(state, event("capacity_tested", payload=TEST)) == "in_transit"


def test_role_must_fit_the_kind(event: EventFactory) -> None:
    """A cascade-use enterprise cannot record recycling."""
    state = run(at_enterprise(event))[PACK_A]
    assert refusal(state, event("recycled", payload=RECYCLED)) == "wrong_role"


def test_regrouping_consumes_the_sources(event: EventFactory) -> None:
    """Sources become part of the product; the product is at the enterprise."""
    states = run(cascade(event))
    assert states[PRODUCT].is_cascade_product
    assert states[PRODUCT].sources == (PACK_A, PACK_B)
    assert {states[c].parent for c in (PACK_A, PACK_B)} == {PRODUCT}
    assert states[PACK_A].status is BatteryStatus.IN_CASCADE_PRODUCT


def test_recycling_a_battery_inside_a_cascade_product_is_refused(event: EventFactory) -> None:
    """Once shipped as part of a cascade product, a pack cannot be recycled on its own."""
    states = run(
        [
            *cascade(event),
            event("cascade_shipped", PRODUCT, payload={"customer": "tower", "application": "5G"}),
        ]
    )
    recycle = event("recycled", PACK_A, role="recycler", payload=RECYCLED)
    assert refusal(states[PACK_A], recycle) == "in_cascade_product"


def test_regrouping_a_source_not_held_is_refused(event: EventFactory) -> None:
    """All sources must be received by the regrouping enterprise, else none change."""
    states = run(at_enterprise(event, PACK_A))
    regroup = event("regrouped", PRODUCT, payload={"sources": [PACK_A, PACK_B]})
    with pytest.raises(LifecycleError) as caught:
        apply_all(states, regroup)
    assert caught.value.code == "not_received"
    assert states[PACK_A].status is BatteryStatus.AT_ENTERPRISE


def test_regrouping_onto_a_used_code_is_refused(event: EventFactory) -> None:
    """A cascade product needs a code with no history."""
    states = run(cascade(event))
    again = event("regrouped", PRODUCT, payload={"sources": [PACK_A]})
    assert refusal(states[PRODUCT], again) == "already_tracked"


def test_cascade_product_lifecycle_ends_in_recycling(event: EventFactory) -> None:
    """Ship, retire, receive at a recycler, recycle, dispose."""
    states = run(
        [
            *cascade(event),
            event("cascade_shipped", PRODUCT, payload={"customer": "tower", "application": "5G"}),
            event("cascade_retired", PRODUCT),
            event("received_by_enterprise", PRODUCT, actor="rc", role="recycler", location="R1"),
            event("recycled", PRODUCT, actor="rc", role="recycler", location="R1", payload=RECYCLED),
            event(
                "disposed",
                PRODUCT,
                actor="rc",
                role="recycler",
                location="R1",
                payload={"method": "landfill"},
            ),
        ]
    )
    assert states[PRODUCT].status is BatteryStatus.DISPOSED


def test_shipping_a_plain_battery_is_refused(event: EventFactory) -> None:
    """Only cascade products are shipped for cascade use."""
    state = run(at_enterprise(event))[PACK_A]
    ship = event("cascade_shipped", payload={"customer": "x", "application": "y"})
    assert refusal(state, ship) == "not_cascade_product"


def test_disassembly_brings_parts_into_the_record(event: EventFactory) -> None:
    """Parts start at the enterprise with the pack as parent; the pack is final."""
    module = PACK_B[:3] + "M" + PACK_B[4:]
    states = run([*at_enterprise(event), event("disassembled", payload={"parts": [module]})])
    assert states[PACK_A].status.is_final
    assert (states[module].status, states[module].parent) == (BatteryStatus.AT_ENTERPRISE, PACK_A)


def test_no_event_follows_a_final_state(event: EventFactory) -> None:
    """A disassembled pack takes no further events."""
    states = run([*at_enterprise(event), event("disassembled", payload={"parts": [PACK_B]})])
    assert refusal(states[PACK_A], event("capacity_tested", payload=TEST)) == "final_state"


def test_events_out_of_time_order_are_refused(event: EventFactory) -> None:
    """An event cannot happen before the battery's last one."""
    state = run(at_outlet(event))[PACK_A]
    late = event("handed_over", actor="o1", role="collector", payload=HANDOVER, hours=0)
    assert refusal(state, late) == "out_of_order"


def test_duplicate_event_id_is_refused(event: EventFactory) -> None:
    """The same event cannot be applied twice."""
    events = at_outlet(event)
    assert refusal(run(events)[PACK_A], events[-1]) == "duplicate_event"


def test_bad_payload_raises_payload_error(event: EventFactory) -> None:
    """Payload problems are PayloadError, not LifecycleError."""
    state = run(at_enterprise(event))[PACK_A]
    with pytest.raises(PayloadError):
        apply(state, event("capacity_tested", payload={**TEST, "soh_permille": 2000}))


def test_correction_supersedes_with_reason(event: EventFactory) -> None:
    """A corrected receipt location replaces the original in the history."""
    first = event("received_at_outlet", actor="o1", role="collector", location="O1")
    fix = event(
        "received_at_outlet",
        actor="o1",
        role="collector",
        location="O9",
        corrects=first.event_id,
        correction_reason="wrong outlet picked",
        hours=1,
    )
    state = replay(PACK_A, [first, fix])
    assert state.location == "O9" and state.superseded == {first.event_id}
    assert [e.event_id for e in state.history] == [fix.event_id]


def test_correction_making_history_impossible_is_refused(event: EventFactory) -> None:
    """Correcting the receipt to another outlet breaks the later handover."""
    first, handover = (
        at_outlet(event)[1],
        event("handed_over", actor="o1", role="collector", location="O1", payload=HANDOVER),
    )
    fix = event(
        "received_at_outlet",
        actor="o2",
        role="collector",
        location="O2",
        corrects=first.event_id,
        correction_reason="typo",
        hours=first.occurred_at.hour,
    )
    state = replay(PACK_A, [first, handover])
    assert refusal(state, fix) == "not_custodian"


def test_correction_must_keep_its_kind(event: EventFactory) -> None:
    """A receipt cannot be corrected into a test."""
    state = run(at_enterprise(event))[PACK_A]
    target = state.history[-1].event_id
    fix = event("capacity_tested", payload=TEST, corrects=target, correction_reason="x")
    assert refusal(state, fix) == "correction_mismatch"


def test_superseded_event_cannot_be_corrected_again(event: EventFactory) -> None:
    """Corrections chain through the latest version."""
    first = event("received_at_outlet", actor="o1", role="collector", location="O1")
    fix = event(
        "received_at_outlet",
        actor="o1",
        role="collector",
        location="O2",
        corrects=first.event_id,
        correction_reason="a",
    )
    again = event(
        "received_at_outlet",
        actor="o1",
        role="collector",
        location="O3",
        corrects=first.event_id,
        correction_reason="b",
    )
    assert refusal(replay(PACK_A, [first, fix]), again) == "already_superseded"


def test_correcting_sources_releases_the_dropped_one(event: EventFactory) -> None:
    """A regrouping corrected to drop a source hands that source back."""
    events = cascade(event)
    fix = event(
        "regrouped",
        PRODUCT,
        payload={"sources": [PACK_A]},
        corrects=events[-1].event_id,
        correction_reason="B was not used",
    )
    states = run(events)
    states.update(apply_all(states, fix))
    assert states[PACK_B].status is BatteryStatus.AT_ENTERPRISE
    assert states[PRODUCT].sources == (PACK_A,)
    assert replay(PACK_B, [*events, fix]) == states[PACK_B]


def test_a_correction_needs_a_reason(event: EventFactory) -> None:
    """corrects without correction_reason is not an event."""
    with pytest.raises(ValueError):
        event("received_at_outlet", corrects="e1")


def test_allowed_kinds_follow_the_status(event: EventFactory) -> None:
    """A battery at an outlet can only be handed over."""
    assert allowed_kinds(run(at_outlet(event))[PACK_A]) == {EventKind.HANDED_OVER}


def test_replay_skips_other_batteries(event: EventFactory) -> None:
    """A whole log can be replayed for one code."""
    events = [*at_enterprise(event, PACK_A), *at_enterprise(event, PACK_B)]
    assert len(replay(PACK_B, events).history) == 3


def test_correcting_sources_takes_in_an_added_one(event: EventFactory) -> None:
    """A regrouping corrected to add a source consumes that source too."""
    module = PACK_B[:3] + "M" + PACK_B[4:]
    events = [*cascade(event), *at_enterprise(event, module)]
    fix = event(
        "regrouped",
        PRODUCT,
        payload={"sources": [PACK_A, PACK_B, module]},
        corrects=events[6].event_id,
        correction_reason="module was used too",
    )
    states = run(events)
    states.update(apply_all(states, fix))
    assert states[module].status is BatteryStatus.IN_CASCADE_PRODUCT
    assert states[PRODUCT].sources == (PACK_A, PACK_B, module)


def test_check_transition_raises_like_apply(event: EventFactory) -> None:
    """check_transition refuses what apply refuses and passes what apply accepts."""
    state = run(at_outlet(event))[PACK_A]
    check_transition(state, event("handed_over", actor="o1", role="collector", payload=HANDOVER))
    with pytest.raises(LifecycleError):
        check_transition(state, event("received_at_outlet", actor="o2", role="collector"))
