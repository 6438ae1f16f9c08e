"""Checking battery events sent as JSON (API) or CSV rows, before the log sees them.

Everything that can be checked without the database is checked here: field types
and lengths, the GB/T 34014 code (and, for a regrouping, the cascade-product code
with its sources), the payload against its kind's schema. Problems come back as
``(field, message)`` pairs so a client can mark each bad field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from traceability import (
    DEFAULT_SPEC,
    ActorRole,
    EventKind,
    PayloadError,
    to_china_date,
    validate_cascade_code,
    validate_code,
    validate_payload,
)
from traceability.codes import CodeError
from webapp.api.text import parse_time, storable, time_problem

MAX_BATCH = 1000
#: Column widths of ``trace_event``; longer text would be cut by one database and
#: refused by the other, so it is refused here for both.
LIMITS = {
    "event_id": 64,
    "battery_code": 24,
    "actor": 120,
    "location": 120,
    "corrects": 64,
    "correction_reason": 255,
}
FIELDS = (
    "event_id",
    "kind",
    "battery_code",
    "actor",
    "actor_role",
    "location",
    "occurred_at",
    "payload",
    "corrects",
    "correction_reason",
)

Problem = tuple[str, str]
_UNSTORABLE = "contains a character that cannot be stored (NUL or a lone surrogate)"


@dataclass(frozen=True)
class EventInput:
    """One checked event, ready for :func:`webapp.trace.operations.record_events`."""

    event_id: str
    kind: EventKind
    battery_code: str
    actor: str
    actor_role: ActorRole
    location: str
    occurred_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)
    corrects: str | None = None
    correction_reason: str | None = None


def parse_batch(body: Any) -> tuple[list[EventInput], list[dict[str, Any]]]:
    """One event object or ``{"events": [...]}``; returns (events, errors by index)."""
    if isinstance(body, dict) and "events" in body:
        extra = sorted(str(k) for k in body if k != "events")
        if extra:  # as in an event: nothing unchecked is let through, not even beside it
            return [], [_error(None, name, "unknown field") for name in extra]
        items = body["events"]
        if not isinstance(items, list) or not items:
            return [], [_error(None, "events", "must be a non-empty list")]
        if len(items) > MAX_BATCH:
            return [], [_error(None, "events", f"at most {MAX_BATCH} events per request")]
    elif isinstance(body, dict):
        items = [body]
    else:
        return [], [_error(None, "", "body must be a JSON object")]
    events: list[EventInput] = []
    errors: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        event, problems = parse_event(item)
        errors += [_error(index, f, m) for f, m in problems]
        if event is not None:
            events.append(event)
    return events, errors


def _error(index: int | None, field_name: str, message: str) -> dict[str, Any]:
    return {"index": index, "field": field_name, "message": message}


def parse_event(item: Any) -> tuple[EventInput | None, list[Problem]]:
    """Check one event object; returns the event or every problem found."""
    if not isinstance(item, dict):
        return None, [("", "each event must be a JSON object")]
    problems: list[Problem] = [(k, "unknown field") for k in item if k not in FIELDS]
    text = {
        name: _text(item, name, problems, required=name not in ("corrects", "correction_reason"))
        for name in LIMITS
    }
    kind = _choice(item, "kind", EventKind, problems)
    role = _choice(item, "actor_role", ActorRole, problems)
    occurred = _timestamp(item.get("occurred_at"), problems)
    payload = item.get("payload", {})
    if not isinstance(payload, dict):
        problems.append(("payload", "must be a JSON object"))
        payload = None
    else:
        problems += [
            (f"payload.{k}", _UNSTORABLE)
            for k, v in payload.items()
            if isinstance(v, str) and not storable(v)
        ]
    if (text["corrects"] is None) != (text["correction_reason"] is None):
        problems.append(("correction_reason", "corrects and correction_reason go together"))
    if problems or kind is None or role is None or occurred is None or payload is None:
        return None, problems
    problems += _code_problems(text["battery_code"] or "", kind, payload, occurred)
    problems += _payload_problems(kind, payload)
    if problems:
        return None, problems
    return EventInput(
        event_id=text["event_id"] or "",
        kind=kind,
        battery_code=text["battery_code"] or "",
        actor=text["actor"] or "",
        actor_role=role,
        location=text["location"] or "",
        occurred_at=occurred,
        payload=dict(payload),
        corrects=text["corrects"],
        correction_reason=text["correction_reason"],
    ), []


def _text(item: Mapping[str, Any], name: str, problems: list[Problem], *, required: bool) -> str | None:
    value = item.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append((name, "must be a non-empty string"))
        return None
    if len(value) > LIMITS[name]:
        problems.append((name, f"at most {LIMITS[name]} characters"))
        return None
    if not storable(value):
        problems.append((name, _UNSTORABLE))
        return None
    return value.strip()


def _choice(item: Mapping[str, Any], name: str, enum: type[Any], problems: list[Problem]) -> Any:
    value = item.get(name)
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        problems.append((name, f"must be one of: {allowed}"))
        return None


def _timestamp(value: Any, problems: list[Problem]) -> datetime | None:
    parsed = parse_time(value)
    if parsed is None:
        problems.append(
            ("occurred_at", "must be an ISO 8601 time with a zone, e.g. 2026-11-23T08:30:00+08:00")
        )
        return None
    # Recording refuses more than a few minutes ahead; this also keeps the time convertible
    # to China time (which overflows in the year 9999).
    problem = time_problem(parsed)
    if problem is not None:
        problems.append(("occurred_at", problem))
        return None
    return parsed


def _code_problems(
    code: str, kind: EventKind, payload: Mapping[str, Any], occurred: datetime
) -> list[Problem]:
    # A battery made after the event happened is as wrong as a malformed code.
    today = to_china_date(occurred)
    sources = payload.get("sources")
    if kind is EventKind.REGROUPED and isinstance(sources, list) and all(isinstance(s, str) for s in sources):
        errors = validate_cascade_code(code, sources, today=today)
    else:
        errors = validate_code(code, today=today)
    return [(_code_field(e), code_message(e)) for e in errors]


def _code_field(error: CodeError) -> str:
    # "sources[2].serial" is about a source code, named in the payload.
    if error.segment.startswith("sources"):
        return "payload." + error.segment.split(".")[0]
    return "battery_code"


def code_message(error: CodeError) -> str:
    """One code problem with the positions it concerns, e.g. ``[15-17] ...``."""
    return f"{error.segment} [{error.positions}]: {error.message}"


def _payload_problems(kind: EventKind, payload: Mapping[str, Any]) -> list[Problem]:
    try:
        validate_payload(kind.value, payload, spec=DEFAULT_SPEC)
    except PayloadError as exc:
        return [(f"payload.{p.field}", p.message) for p in exc.problems]
    return []
