"""The battery log's part of the OpenAPI document (see :mod:`webapp.openapi`).

The event schemas are built from the same data the API checks with: the event kinds
and roles, the GB/T 34014 code table and each kind's payload fields, so the document
cannot drift from :mod:`webapp.trace.inputs`.
"""

from __future__ import annotations

from typing import Any

from traceability import DEFAULT_SPEC, ActorRole, BatteryStatus, EventKind
from traceability._payloads import COMMON_FIELDS, MAX_SAFE_INT, MAX_TEXT, SCHEMAS, PayloadField
from webapp.openapi import (
    INVALID,
    NOT_BLANK,
    TIME_IN,
    TOO_LARGE,
    UNAUTHORIZED,
    UNAVAILABLE,
    error,
    json_response,
    ref,
)
from webapp.trace.api import MAX_SIZE_DIGITS
from webapp.trace.inputs import LIMITS, MAX_BATCH

READERS: list[dict[str, list[str]]] = [{"partnerToken": []}, {"auditorToken": []}]
PARTNER: list[dict[str, list[str]]] = [{"partnerToken": []}]
_HEX = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
#: Largest tree size or proof bound a query may name.
MAX_SIZE = 10**MAX_SIZE_DIGITS - 1


def code_pattern(*, any_case: bool = False) -> str:
    """A regular expression for a GB/T 34014 code, segment by segment from the code table."""
    parts = []
    for segment in DEFAULT_SPEC.segments:
        chars = "".join(sorted(segment.alphabet))
        if any_case:
            chars += chars.lower()
        parts.append(f"[{chars}]" + (f"{{{segment.length}}}" if segment.length > 1 else ""))
    return "^" + "".join(parts) + "$"


def _text(limit: int) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": limit, "pattern": NOT_BLANK}


def _field(field: PayloadField) -> dict[str, Any]:
    if field.type == "int":
        low = field.minimum if field.minimum is not None else -MAX_SAFE_INT
        high = field.maximum if field.maximum is not None else MAX_SAFE_INT
        return {"type": "integer", "minimum": low, "maximum": high}
    if field.type == "str":
        return _text(MAX_TEXT)
    if field.type == "grams_list":
        low = field.minimum if field.minimum is not None else 0
        items = {"type": "integer", "minimum": low, "maximum": MAX_SAFE_INT}
        return {"type": "array", "minItems": 1, "items": items}
    return {
        "type": "array",
        "minItems": 1,
        "uniqueItems": True,
        "items": {"type": "string", "pattern": code_pattern()},
    }


def _payload(kind: str) -> dict[str, Any]:
    fields = (*SCHEMAS[kind], *COMMON_FIELDS)
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {f.name: _field(f) for f in fields},
        "required": [f.name for f in fields if f.required],
    }
    if kind == "capacity_tested":
        schema["anyOf"] = [{"required": ["capacity_wh"]}, {"required": ["capacity_mah"]}]
    return schema


def _event_in() -> dict[str, Any]:
    properties: dict[str, Any] = {name: _text(limit) for name, limit in LIMITS.items()}
    properties["battery_code"] = {
        "type": "string",
        "pattern": code_pattern(),
        "examples": ["S01PE0A1234567S5A0000123"],
    }
    properties["corrects"] = {
        "type": ["string", "null"],
        "minLength": 1,
        "maxLength": LIMITS["corrects"],
        "pattern": NOT_BLANK,
    }
    properties["correction_reason"] = {
        "type": ["string", "null"],
        "minLength": 1,
        "maxLength": LIMITS["correction_reason"],
        "pattern": NOT_BLANK,
    }
    properties["kind"] = {"type": "string", "enum": [k.value for k in EventKind]}
    properties["actor_role"] = {"type": "string", "enum": [r.value for r in ActorRole]}
    properties["occurred_at"] = TIME_IN
    properties["payload"] = {"type": "object", "description": "Fields of the event's kind; absent is empty."}
    by_kind = []
    for kind in EventKind:
        payload = _payload(kind.value)
        branch: dict[str, Any] = {"properties": {"kind": {"const": kind.value}, "payload": payload}}
        if payload["required"]:
            branch["required"] = ["payload"]
        by_kind.append(branch)
    together = [
        {
            "if": {"required": [a], "properties": {a: {"type": "string"}}},
            "then": {"required": [b], "properties": {b: {"type": "string"}}},
        }
        for a, b in (("corrects", "correction_reason"), ("correction_reason", "corrects"))
    ]
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "required": ["event_id", "kind", "battery_code", "actor", "actor_role", "location", "occurred_at"],
        "description": "One lifecycle event. `occurred_at` may not be ahead of the server's clock "
        "by more than 5 minutes nor before 2000; the code's production date may not "
        "be after it. `corrects` and `correction_reason` go together.",
        "oneOf": by_kind,
        "allOf": together,
    }


def schemas() -> dict[str, Any]:
    """Component schemas of the battery-log API."""
    record = {
        "type": "object",
        "required": [
            "id",
            "kind",
            "battery",
            "actor",
            "role",
            "location",
            "occurred_at",
            "recorded_at",
            "payload",
        ],
        "properties": {
            "id": {"type": "string"},
            "kind": {"type": "string", "enum": [k.value for k in EventKind]},
            "battery": {"type": "string"},
            "actor": {"type": "string"},
            "role": {"type": "string", "enum": [r.value for r in ActorRole]},
            "location": {"type": "string"},
            "occurred_at": {"type": "string", "format": "date-time"},
            "recorded_at": {"type": "string", "format": "date-time"},
            "payload": {"type": "object"},
            "corrects": {"type": ["string", "null"]},
            "correction_reason": {"type": ["string", "null"]},
        },
    }
    codes = {"type": "array", "items": {"type": "string"}}
    return {
        "BatteryEventIn": _event_in(),
        "BatteryEventResult": {
            "type": "object",
            "required": ["index", "event_id", "seq", "leaf_hash", "status"],
            "properties": {
                "index": {"type": "integer", "minimum": 0},
                "event_id": {"type": "string"},
                "seq": {"type": "integer", "minimum": 0},
                "leaf_hash": _HEX,
                "status": {"type": "string", "enum": ["created", "duplicate"]},
            },
        },
        "EventRecord": record,
        "BatteryState": {
            "type": "object",
            "required": ["code", "status"],
            "properties": {
                "code": {"type": "string"},
                "status": {"type": "string", "enum": [s.value for s in BatteryStatus]},
                "holder": {"type": ["string", "null"]},
                "location": {"type": ["string", "null"]},
                "parent": {"type": ["string", "null"]},
                "sources": codes,
                "parts": codes,
                "is_cascade_product": {"type": "boolean"},
            },
        },
        "TreeHead": {
            "type": "object",
            "required": [
                "version",
                "algorithm",
                "log_id",
                "tree_size",
                "timestamp_ms",
                "root_hash",
                "signature",
                "public_key",
                "key_id",
            ],
            "properties": {
                "version": {"const": 1},
                "algorithm": {"const": "Ed25519"},
                "log_id": {"type": "string"},
                "tree_size": {"type": "integer", "minimum": 0},
                "timestamp_ms": {"type": "integer", "minimum": 0},
                "root_hash": _HEX,
                "signature": {"type": "string", "contentEncoding": "base64"},
                "public_key": {"type": "string", "contentEncoding": "base64"},
                "key_id": {"type": "string"},
            },
        },
    }


def _query(name: str, *, required: bool, minimum: int, example: Any = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "name": name,
        "in": "query",
        "required": required,
        "schema": {"type": "integer", "minimum": minimum, "maximum": MAX_SIZE},
    }
    if example is not None:
        found["example"] = example
    return found


def _post_events() -> dict[str, Any]:
    batch = {
        "type": "object",
        "required": ["events"],
        "additionalProperties": False,
        "properties": {
            "events": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH, "items": ref("BatteryEventIn")}
        },
    }
    conflict = json_response(
        ref("Invalid"),
        "A lifecycle rule refused an event (each error has its "
        "`index`, `field` and rule `code`); nothing recorded.",
    )
    results = json_response(
        {
            "type": "object",
            "required": ["events"],
            "properties": {"events": {"type": "array", "items": ref("BatteryEventResult")}},
        },
        "",
    )
    return {
        "post": {
            "operationId": "postBatteryEvents",
            "tags": ["trace"],
            "security": PARTNER,
            "summary": "One battery event or a batch, all recorded or none; idempotent by `event_id`",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"oneOf": [ref("BatteryEventIn"), batch]}}},
            },
            "responses": {
                "201": {**results, "description": "At least one event was new."},
                "200": {**results, "description": "Every event was in the log already."},
                "401": UNAUTHORIZED,
                "409": conflict,
                "413": TOO_LARGE,
                "422": INVALID,
                "503": error(
                    "The log failed its integrity check, or the database cannot "
                    "take writes now; nothing recorded."
                ),
            },
        }
    }


def paths() -> dict[str, Any]:
    """Paths of the battery-log API."""
    proof_error = error("A size the log does not have, or a malformed parameter (`field` names it).")
    head = json_response(ref("TreeHead"), "A signed tree head.")
    return {
        "/api/v1/battery-events": _post_events(),
        "/api/v1/trace/batteries/{code}/events": {
            "get": {
                "operationId": "batteryEvents",
                "tags": ["trace"],
                "security": READERS,
                "summary": "A battery's entries in log order, with its state replayed from them",
                "parameters": [
                    {
                        "name": "code",
                        "in": "path",
                        "required": True,
                        "example": "S01PE0A1234567S5A0000123",
                        "description": "GB/T 34014 code; lower case is accepted",
                        "schema": {"type": "string", "pattern": code_pattern(any_case=True)},
                    }
                ],
                "responses": {
                    "200": json_response(
                        {
                            "type": "object",
                            "required": ["battery", "events"],
                            "properties": {
                                "battery": ref("BatteryState"),
                                "events": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["seq", "leaf_hash", "in_force", "event"],
                                        "properties": {
                                            "seq": {"type": "integer"},
                                            "leaf_hash": _HEX,
                                            "in_force": {"type": "boolean"},
                                            "event": ref("EventRecord"),
                                        },
                                    },
                                },
                            },
                        },
                        "The entries and the state.",
                    ),
                    "401": UNAUTHORIZED,
                    "404": error("No events for this battery."),
                    "422": error("Not a GB/T 34014 code (`field` is `code`)."),
                },
            }
        },
        "/api/v1/trace/tree-head": {
            "get": {
                "operationId": "getTreeHead",
                "tags": ["trace"],
                "security": READERS,
                "summary": "The latest signed tree head",
                "responses": {
                    "200": head,
                    "401": UNAUTHORIZED,
                    "404": error("No tree head has been issued yet."),
                },
            },
            "post": {
                "operationId": "postTreeHead",
                "tags": ["trace"],
                "security": PARTNER,
                "summary": "Sign the log's current size and root now",
                "responses": {"201": head, "401": UNAUTHORIZED, "503": UNAVAILABLE},
            },
        },
        "/api/v1/trace/proofs/inclusion": {
            "get": {
                "operationId": "inclusionProof",
                "tags": ["trace"],
                "security": READERS,
                "summary": "Audit path of an event in the tree of `tree_size` entries "
                "(default: the whole log)",
                "parameters": [
                    {
                        "name": "event_id",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1},
                    },
                    _query("tree_size", required=False, minimum=1),
                ],
                "responses": {
                    "200": json_response(
                        {
                            "type": "object",
                            "required": [
                                "event_id",
                                "leaf_index",
                                "tree_size",
                                "leaf_hash",
                                "audit_path",
                                "root_hash",
                            ],
                            "properties": {
                                "event_id": {"type": "string"},
                                "leaf_index": {"type": "integer", "minimum": 0},
                                "tree_size": {"type": "integer", "minimum": 1},
                                "leaf_hash": _HEX,
                                "audit_path": {"type": "array", "items": _HEX},
                                "root_hash": _HEX,
                            },
                        },
                        "The audit path.",
                    ),
                    "401": UNAUTHORIZED,
                    "404": error("No such event in the log."),
                    "422": proof_error,
                },
            }
        },
        "/api/v1/trace/proofs/consistency": {
            "get": {
                "operationId": "consistencyProof",
                "tags": ["trace"],
                "security": READERS,
                "summary": "Proof that the log at `first` entries is a prefix of the log at `second`",
                "parameters": [
                    _query("first", required=True, minimum=0, example=1),
                    _query("second", required=True, minimum=0, example=2),
                ],
                "responses": {
                    "200": json_response(
                        {
                            "type": "object",
                            "required": ["first", "second", "first_root", "second_root", "proof"],
                            "properties": {
                                "first": {"type": "integer"},
                                "second": {"type": "integer"},
                                "first_root": _HEX,
                                "second_root": _HEX,
                                "proof": {"type": "array", "items": _HEX},
                            },
                        },
                        "The proof.",
                    ),
                    "401": UNAUTHORIZED,
                    "422": proof_error,
                },
            }
        },
    }
