"""Canonical serialization of events and log entries: the bytes the Merkle tree hashes.

Canonical JSON here is: object keys sorted, no whitespace, UTF-8, no floats, integers
within ±(2**53 - 1), ASCII keys. For those values it coincides with RFC 8785 (JCS),
so a verifier in another language can rebuild the same bytes.

A log entry (one leaf, one line of an export) is the canonical JSON of::

    {"event": {...}, "prev": "<hex leaf hash of entry seq-1, zeros for 0>",
     "seq": <index in the log>, "v": 1}

``seq`` makes every entry commit to its position and ``prev`` to its predecessor, so
an export that lost, gained, swapped or altered a line shows where, not only that
the root differs.

An export is these lines, one per entry, separated by ``"\\n"``. Canonical JSON
escapes every control character, so a line never contains a raw newline; split
exports on ``"\\n"`` only (iterating a file does), not with ``str.splitlines``,
which also breaks on U+2028 inside strings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from traceability._model import ActorRole, EventKind, TraceEvent
from traceability.merkle import HASH_SIZE, leaf_hash

LEAF_VERSION = 1
GENESIS_PREV = bytes(HASH_SIZE)
MAX_SAFE_INT = 2**53 - 1


class CanonicalError(ValueError):
    """A value cannot be put in canonical form, or a line is not a canonical entry."""


def canonical_json(value: Any) -> bytes:
    """Serialize ``value`` deterministically (see the module docstring).

    Raises
    ------
    CanonicalError
        For floats, out-of-range integers, non-ASCII or non-string keys, or other types.
    """
    return json.dumps(
        _checked(value, "$"), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _checked(value: Any, path: str) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        if not -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
            raise CanonicalError(f"{path}: integer {value} is out of the safe range")
        return int(value)
    if isinstance(value, Mapping):
        if not all(isinstance(k, str) and k.isascii() for k in value):
            raise CanonicalError(f"{path}: object keys must be ASCII strings")
        return {k: _checked(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_checked(v, f"{path}[{i}]") for i, v in enumerate(value)]
    raise CanonicalError(f"{path}: {type(value).__name__} is not allowed (amounts are integers)")


def format_timestamp(moment: datetime) -> str:
    """UTC with microseconds and a ``Z``: ``2025-03-01T08:30:00.000000Z``."""
    if moment.utcoffset() is None:
        raise CanonicalError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> datetime:
    """Inverse of :func:`format_timestamp`."""
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise CanonicalError(f"bad timestamp {text!r}") from exc


def event_record(event: TraceEvent) -> dict[str, Any]:
    """The event as plain JSON data, the ``event`` member of a log entry."""
    return {
        "id": event.event_id,
        "kind": event.kind.value,
        "battery": event.battery_code,
        "actor": event.actor,
        "role": event.actor_role.value,
        "location": event.location,
        "occurred_at": format_timestamp(event.occurred_at),
        "recorded_at": format_timestamp(event.recorded_at),
        "payload": dict(event.payload),
        "corrects": event.corrects,
        "correction_reason": event.correction_reason,
    }


def event_from_record(record: Mapping[str, Any]) -> TraceEvent:
    """Rebuild a :class:`TraceEvent` from :func:`event_record` output."""
    try:
        return TraceEvent(
            event_id=record["id"],
            kind=EventKind(record["kind"]),
            battery_code=record["battery"],
            actor=record["actor"],
            actor_role=ActorRole(record["role"]),
            location=record["location"],
            occurred_at=parse_timestamp(record["occurred_at"]),
            recorded_at=parse_timestamp(record["recorded_at"]),
            payload=dict(record["payload"]),
            corrects=record["corrects"],
            correction_reason=record["correction_reason"],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CanonicalError(f"not an event record: {exc!r}") from exc


@dataclass(frozen=True)
class LogEntry:
    """One leaf of the log: an event with its position and its predecessor's hash."""

    seq: int
    prev_hash: bytes
    event: TraceEvent

    def leaf(self) -> bytes:
        """The canonical bytes hashed into the Merkle tree (and written as a line)."""
        return self._leaf

    def line(self) -> str:
        """The export line (without its newline)."""
        return self._leaf.decode("utf-8")

    @cached_property
    def leaf_hash(self) -> bytes:
        """RFC 9162 leaf hash of :meth:`leaf`."""
        return leaf_hash(self._leaf)

    # Cached: appending needs the bytes and the hash of each entry, and the next
    # entry needs the hash again; serializing once keeps appends cheap.
    @cached_property
    def _leaf(self) -> bytes:
        return canonical_json(
            {
                "v": LEAF_VERSION,
                "seq": self.seq,
                "prev": self.prev_hash.hex(),
                "event": event_record(self.event),
            }
        )


def next_entry(previous: LogEntry | None, event: TraceEvent) -> LogEntry:
    """The entry that appends ``event`` after ``previous`` (``None`` for the first)."""
    if previous is None:
        return LogEntry(0, GENESIS_PREV, event)
    return LogEntry(previous.seq + 1, previous.leaf_hash, event)


def parse_entry(line: str | bytes) -> LogEntry:
    """Read one export line back into a :class:`LogEntry`.

    Raises
    ------
    CanonicalError
        When the line is not JSON, not an entry, or not in canonical form.
    """
    raw = line.encode("utf-8") if isinstance(line, str) else line
    raw = raw.rstrip(b"\r\n")
    try:
        data = json.loads(raw)
        entry = LogEntry(int(data["seq"]), bytes.fromhex(data["prev"]), event_from_record(data["event"]))
        version = data["v"]
    except (KeyError, TypeError, ValueError) as exc:
        raise CanonicalError(f"not a log entry: {exc!r}") from exc
    if version != LEAF_VERSION or entry.leaf() != raw:
        raise CanonicalError("the line is not in canonical form")
    return entry
