"""Canonical serialization of events and log entries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.traceability.conftest import PACK_A, EventFactory
from traceability import (
    CanonicalError,
    LogEntry,
    canonical_json,
    event_from_record,
    event_record,
    next_entry,
    parse_entry,
)
from traceability.events import GENESIS_PREV, format_timestamp


def test_canonical_json_sorts_keys_without_spaces() -> None:
    """Keys sorted, no whitespace, UTF-8 kept literal."""
    assert canonical_json({"b": [1, None], "a": "网点"}) == '{"a":"网点","b":[1,null]}'.encode()


def test_floats_are_refused() -> None:
    """Amounts are integers; a float anywhere is an error naming its path."""
    with pytest.raises(CanonicalError, match=r"\$\.payload\.li_g"):
        canonical_json({"payload": {"li_g": 1.5}})


def test_unsafe_integers_are_refused() -> None:
    """Integers beyond 2**53 - 1 would round in JSON verifiers elsewhere."""
    with pytest.raises(CanonicalError):
        canonical_json({"n": 2**53})


def test_timestamps_are_utc_with_microseconds() -> None:
    """Any offset is normalised to UTC with a Z."""
    moment = datetime(2025, 3, 3, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    assert format_timestamp(moment) == "2025-03-03T01:30:00.000000Z"


def test_event_record_round_trips(event: EventFactory) -> None:
    """An event survives record and back unchanged."""
    original = event("handed_over", payload={"to_actor": "x", "to_location": "y"})
    assert event_from_record(event_record(original)) == original


def test_equal_events_serialize_identically(event: EventFactory) -> None:
    """Payload key order does not change the bytes."""
    a = event("received_at_outlet", payload={"mass_g": 5, "condition": "ok"}, event_id="x", hours=5)
    b = event("received_at_outlet", payload={"condition": "ok", "mass_g": 5}, event_id="x", hours=5)
    assert LogEntry(0, GENESIS_PREV, a).leaf() == LogEntry(0, GENESIS_PREV, b).leaf()


def test_entries_chain_by_hash(event: EventFactory) -> None:
    """Each entry carries its position and its predecessor's leaf hash."""
    first = next_entry(None, event("received_at_outlet"))
    second = next_entry(first, event("received_at_outlet", PACK_A))
    assert (first.seq, first.prev_hash) == (0, GENESIS_PREV)
    assert (second.seq, second.prev_hash) == (1, first.leaf_hash)


def test_entry_line_parses_back(event: EventFactory) -> None:
    """An export line reads back into the same entry."""
    entry = next_entry(None, event("received_at_outlet", payload={"note": "含换行\n"}))
    assert "\n" not in entry.line()
    assert parse_entry(entry.line() + "\n") == entry


def test_non_canonical_line_is_refused(event: EventFactory) -> None:
    """The same data with other spacing is not an entry."""
    entry = next_entry(None, event("received_at_outlet"))
    spaced = json.dumps(json.loads(entry.line()), indent=1)
    with pytest.raises(CanonicalError):
        parse_entry(spaced)


def test_naive_timestamps_are_refused() -> None:
    """Events need timezone-aware times."""
    with pytest.raises(CanonicalError):
        format_timestamp(datetime(2025, 1, 1))
    assert format_timestamp(datetime(2025, 1, 1, tzinfo=UTC)).endswith("Z")
