"""The OpenAPI 3.1 description of the machine API under /api/v1.

Written by hand beside the views it describes; tests check it against the OpenAPI 3.1
schema, that it names exactly the /api/v1 routes of the app, and schemathesis calls
every operation with what it generates from it.

Each request schema accepts at least everything its view accepts (a view refusing
well-formed input for a business reason, such as an unknown outlet, answers 422);
where a view refuses unknown fields the schema says ``additionalProperties: false``.
The battery-log paths are in :mod:`webapp.trace.openapi`, beside that API.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from webapp.access import public
from webapp.api.text import RFC3339
from webapp.driver.completions import MAX_ID

bp = Blueprint("openapi", __name__)

_REF = "#/components/schemas/"
#: Text with something other than blanks (the blanks are exactly those ``str.strip`` removes).
NOT_BLANK = "[^\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
_SPACE = "[ \t\n\r\f\v]*"


def ref(name: str) -> dict[str, str]:
    """A reference to a component schema."""
    return {"$ref": _REF + name}


def json_response(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A response with a JSON body."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error(description: str) -> dict[str, Any]:
    """A response with the plain ``{"error", "status"}`` body."""
    return json_response(ref("Error"), description)


UNAUTHORIZED = {
    **json_response(
        ref("Unauthorized"),
        "No live bearer token of a kind this operation takes: missing, malformed, unknown, "
        "revoked, expired, of another kind, or its user disabled. All get this same answer.",
    ),
    "headers": {
        "WWW-Authenticate": {
            "description": 'RFC 6750 challenge: `Bearer realm="reloop"`, with `error="invalid_token"` '
            "when a token was sent.",
            "schema": {"type": "string", "pattern": "^Bearer "},
        }
    },
}
INVALID = json_response(
    ref("Invalid"), "Invalid input, or an id reused for different content; nothing stored."
)
BAD_REQUEST = error(
    "A path or query value holds a control character, or a number or date out of range; "
    "`field` names it. Nothing was read or stored."
)
TOO_LARGE = error("The body is larger than the server accepts (RELOOP_MAX_UPLOAD_BYTES).")
UNAVAILABLE = {
    **error(
        "The database cannot take the request now (down, restarting, read-only, full "
        "or busy); nothing stored. Retry after the seconds Retry-After gives."
    ),
    "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
}
#: A time sent to the API: RFC 3339 with a zone (the pattern the views check with), from 2000
#: up to the server's clock plus some slack; the year is narrowed to what can pass those bounds.
TIME_IN = {
    "type": "string",
    "format": "date-time",
    "pattern": "^(?:19|20)[0-9]{2}" + RFC3339.removeprefix("[0-9]{4}") + "$",
    "examples": ["2026-11-23T08:30:00+08:00"],
}
_OPTIONAL_TIME = {"type": ["string", "null"], "format": "date-time"}

_SCHEMAS: dict[str, Any] = {
    "Unauthorized": {
        "type": "object",
        "required": ["error", "status"],
        "properties": {"error": {"type": "string"}, "status": {"const": 401}},
        "additionalProperties": False,
    },
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string"},
            "status": {"type": "integer"},
            "field": {"type": "string"},
        },
    },
    "Problem": {
        "type": "object",
        "required": ["field", "message"],
        "properties": {
            "field": {"type": "string", "description": "e.g. `weights_kg.paper`; empty for the whole body"},
            "message": {"type": "string"},
            "index": {"type": ["integer", "null"]},
            "event_id": {"type": "string"},
            "code": {"type": "string"},
        },
    },
    "Invalid": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string"},
            "status": {"type": "integer"},
            "errors": {"type": "array", "items": ref("Problem")},
        },
    },
    "Kilograms": {
        "description": "Kilograms with at most one decimal; stored as integer grams. "
        "Negative, NaN, Infinity, booleans and more than the truck holds "
        "(at most 5000 kg per stop) are refused.",
        "oneOf": [
            {"type": "number", "minimum": 0, "maximum": 5000, "multipleOf": 0.1},
            {"type": "string", "pattern": f"^{_SPACE}[0-9]{{1,7}}(?:[.,][0-9])?{_SPACE}$"},
        ],
    },
    "Position": {
        "type": "object",
        "required": ["lon", "lat"],
        "description": "GPS fix, WGS-84.",
        "properties": {
            "lon": {"type": "number", "minimum": -180, "maximum": 180},
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "accuracy_m": {"type": ["number", "null"], "minimum": 0, "maximum": 1e6},
        },
    },
    "CompletionIn": {
        "type": "object",
        "required": ["id", "stop_id", "outcome", "recorded_at"],
        "description": "What the driver recorded at a stop. `id` is generated on the phone: the same id "
        "with the same content returns the stored record; with other content it is 422. "
        "Times more than an hour ahead of the server's clock are refused.",
        "properties": {
            "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
            "stop_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            "outcome": {"type": "string", "enum": ["collected", "skipped"]},
            "weights_kg": {
                "type": ["object", "null"],
                "additionalProperties": ref("Kilograms"),
                "description": "Material code to kilograms (collected only).",
            },
            "skip_reason": {"type": ["string", "null"], "description": "A skip reason code (skipped only)."},
            "note": {"type": ["string", "null"], "maxLength": 500},
            "photo_sha256": {
                "type": ["string", "null"],
                "pattern": "^(?:[0-9a-f]{64})?$",
                "description": "Upload to /api/v1/driver/evidence first.",
            },
            "signature_sha256": {"type": ["string", "null"], "pattern": "^(?:[0-9a-f]{64})?$"},
            "recorded_at": TIME_IN,
            "arrived_at": {**TIME_IN, "type": ["string", "null"]},
            "position": {"oneOf": [ref("Position"), {"type": "null"}]},
            "supersedes": {
                "type": ["string", "null"],
                "pattern": "^(?:[A-Za-z0-9_-]{8,64})?$",
                "description": "The id of the record this one corrects (a new row; the old stays).",
            },
            "correction_reason": {
                "type": ["string", "null"],
                "maxLength": 255,
                "description": "Required with `supersedes`.",
            },
            "confirmation_code": {
                "type": ["string", "null"],
                "maxLength": 16,
                "description": "At a resident's booking stop (kind `booking`): the code the resident "
                "shows, needed for the first collection; wrong or already used is refused (422).",
            },
        },
        "allOf": [
            {
                "if": {"required": ["outcome"], "properties": {"outcome": {"const": "collected"}}},
                "then": {
                    "required": ["weights_kg"],
                    "properties": {"weights_kg": {"type": "object", "minProperties": 1}},
                },
            },
            {
                "if": {"required": ["outcome"], "properties": {"outcome": {"const": "skipped"}}},
                "then": {
                    "required": ["skip_reason"],
                    "properties": {
                        "skip_reason": {"type": "string", "minLength": 1},
                        "weights_kg": {"type": ["object", "null"], "maxProperties": 0},
                    },
                },
            },
            {
                "if": {
                    "required": ["supersedes"],
                    "properties": {"supersedes": {"type": "string", "minLength": 1}},
                },
                "then": {
                    "required": ["correction_reason"],
                    "properties": {"correction_reason": {"type": "string", "pattern": NOT_BLANK}},
                },
            },
        ],
    },
    "Completion": {
        "type": "object",
        "required": ["id", "server_id", "stop_id", "outcome", "weights_g", "total_g"],
        "properties": {
            "id": {"type": "string"},
            "server_id": {"type": "integer"},
            "stop_id": {"type": "integer"},
            "route_id": {"type": "integer"},
            "outcome": {"type": "string", "enum": ["collected", "skipped"]},
            "weights_g": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
            "total_g": {"type": "integer", "minimum": 0},
            "skip_reason": {"type": ["string", "null"]},
            "note": {"type": "string"},
            "photo_sha256": {"type": ["string", "null"]},
            "signature_sha256": {"type": ["string", "null"]},
            "position": {"oneOf": [ref("Position"), {"type": "null"}]},
            "arrived_at": _OPTIONAL_TIME,
            "recorded_at": {"type": "string", "format": "date-time"},
            "received_at": {"type": "string", "format": "date-time"},
            "supersedes": {"type": ["string", "null"]},
            "correction_reason": {"type": "string"},
            "out_of_order": {"type": "boolean"},
        },
    },
    "Stop": {
        "type": "object",
        "required": ["id", "position", "kind", "status"],
        "properties": {
            "id": {"type": "integer"},
            "position": {"type": "integer"},
            "kind": {"type": "string", "enum": ["outlet", "booking", "unload"]},
            "status": {"type": "string", "enum": ["pending", "collected", "skipped", "unload"]},
            "name": {"type": "string"},
            "address": {"type": "string"},
            "lon": {"type": ["number", "null"]},
            "lat": {"type": ["number", "null"]},
            "planned_arrival": {"type": "string", "pattern": "^\\d\\d:\\d\\d$"},
            "expected_kg": {"type": "number"},
            "materials": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
                },
            },
            "page": {"type": "string"},
            "navigation": {
                "type": "object",
                "additionalProperties": {"type": "string", "format": "uri"},
                "description": "amap and apple in GCJ-02, baidu in BD-09, google in GCJ-02.",
            },
            "record": {"oneOf": [ref("Completion"), {"type": "null"}]},
            "booking": {
                "type": "object",
                "description": "Only at a resident's booking: the masked number and the call link "
                "(it asks for the number and logs the access); a first collection sends "
                "`confirmation_code` beside the record.",
                "properties": {
                    "label": {"type": "string"},
                    "window": {"type": "string"},
                    "masked_phone": {"type": "string"},
                    "call": {"type": "string"},
                    "needs_confirmation_code": {"type": "boolean"},
                },
            },
        },
    },
    "Route": {
        "type": "object",
        "required": ["id", "number", "day", "stops"],
        "properties": {
            "id": {"type": "integer"},
            "number": {"type": "integer"},
            "day": {"type": "string", "format": "date"},
            "vehicle": {"type": "string"},
            "capacity_kg": {"type": "number"},
            "done": {"type": "integer"},
            "total": {"type": "integer"},
            "collected_kg": {"type": "number"},
            "stops": {"type": "array", "items": ref("Stop")},
        },
    },
    "Evidence": {
        "type": "object",
        "required": ["sha256", "media_type", "size_bytes"],
        "properties": {
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "media_type": {"type": "string", "enum": ["image/jpeg", "image/png", "image/webp"]},
            "size_bytes": {"type": "integer", "minimum": 1},
        },
    },
    "FillReadingIn": {
        "type": "object",
        "required": ["reading_id", "outlet_code", "fill_pct", "measured_at"],
        "description": "Unknown fields are ignored. A time more than an hour ahead of the "
        "server's clock, or before 2000, is refused.",
        "properties": {
            "reading_id": {"type": "string", "minLength": 1, "maxLength": 64},
            "outlet_code": {"type": "string", "minLength": 1, "maxLength": 32},
            "fill_pct": {"type": "number", "minimum": 0, "maximum": 100},
            "measured_at": TIME_IN,
        },
        "examples": [
            {
                "reading_id": "gw7-000123",
                "outlet_code": "FT-0001",
                "fill_pct": 83.5,
                "measured_at": "2026-11-23T08:30:00+08:00",
            }
        ],
    },
    "FillReadingResult": {
        "type": "object",
        "required": ["reading_id", "id", "outlet_code", "status", "due"],
        "properties": {
            "reading_id": {"type": "string"},
            "id": {"type": "integer"},
            "outlet_code": {"type": "string"},
            "status": {"type": "string", "enum": ["created", "duplicate"]},
            "due": {"type": "boolean"},
        },
    },
}


def _driver_paths() -> dict[str, Any]:
    security: list[dict[str, list[str]]] = [{"deviceToken": []}]
    route_id = {
        "name": "route_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    }
    client_id = {
        "name": "client_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "minLength": 1},
        "example": "a1b2c3d4e5f6",
    }
    paths = {
        "/api/v1/driver/routes/today": {
            "get": {
                "operationId": "driverRoutesToday",
                "tags": ["driver"],
                "security": security,
                "summary": "The token's driver's routes on today's accepted plans (Shenzhen time)",
                "responses": {
                    "200": json_response(
                        {
                            "type": "object",
                            "required": ["day", "routes"],
                            "properties": {
                                "day": {"type": "string", "format": "date"},
                                "routes": {"type": "array", "items": ref("Route")},
                            },
                        },
                        "Routes with stops in order.",
                    ),
                    "401": UNAUTHORIZED,
                },
            }
        },
        "/api/v1/driver/routes/{route_id}": {
            "get": {
                "operationId": "driverRoute",
                "tags": ["driver"],
                "security": security,
                "summary": "One route",
                "parameters": [route_id],
                "responses": {
                    "200": json_response(ref("Route"), "The route."),
                    "401": UNAUTHORIZED,
                    "403": error("Assigned to another driver."),
                    "404": error("No such route."),
                },
            }
        },
        "/api/v1/driver/evidence": {
            "post": {
                "operationId": "driverEvidence",
                "tags": ["driver"],
                "security": security,
                "summary": "Upload a photo or signature (JPEG, PNG or WebP, at most 3 MB); "
                "idempotent by content. "
                "The type is read from the bytes, whatever the Content-Type says.",
                "requestBody": {
                    "required": True,
                    "content": {
                        m: {"schema": {"type": "string", "format": "binary"}}
                        for m in ("image/jpeg", "image/png", "image/webp")
                    },
                },
                "responses": {
                    "201": json_response(ref("Evidence"), "Stored."),
                    "200": json_response(ref("Evidence"), "Already stored."),
                    "401": UNAUTHORIZED,
                    "413": TOO_LARGE,
                    "422": error("Empty, not a JPEG, PNG or WebP image, or larger than 3 MB."),
                    "503": UNAVAILABLE,
                },
            }
        },
        "/api/v1/driver/completions": {
            "post": {
                "operationId": "driverCompletion",
                "tags": ["driver"],
                "security": security,
                "summary": "Record a stop (collected with weights, or skipped with a reason) exactly once",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("CompletionIn")}},
                },
                "responses": {
                    "201": json_response(ref("Completion"), "Stored."),
                    "200": json_response(
                        ref("Completion"), "This id was stored before with the same content."
                    ),
                    "401": UNAUTHORIZED,
                    "403": error("The stop is on another driver's route, or the id is another driver's."),
                    "404": error("No such stop."),
                    "409": json_response(
                        {
                            "allOf": [
                                ref("Error"),
                                {"type": "object", "properties": {"existing": ref("Completion")}},
                            ]
                        },
                        "The stop already has a record; send a correction with `supersedes`.",
                    ),
                    "413": TOO_LARGE,
                    "422": INVALID,
                    "503": UNAVAILABLE,
                },
            }
        },
        "/api/v1/driver/completions/{client_id}": {
            "get": {
                "operationId": "driverCompletionGet",
                "tags": ["driver"],
                "security": security,
                "summary": "A stored record of this driver by the phone's id",
                "parameters": [client_id],
                "responses": {
                    "200": json_response(ref("Completion"), "The record."),
                    "401": UNAUTHORIZED,
                    "404": error("No such record of this driver."),
                },
            }
        },
        "/api/v1/driver/unloads": {
            "post": {
                "operationId": "driverUnload",
                "tags": ["driver"],
                "security": security,
                "summary": "Record arriving at an unload stop with the weighbridge ticket number, "
                "which closes the trip; idempotent by the phone's id",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _UNLOAD}},
                },
                "responses": {
                    "201": json_response(_UNLOAD, "Stored."),
                    "200": json_response(_UNLOAD, "This id was stored before with the same content."),
                    "401": UNAUTHORIZED,
                    "403": error("The stop is on another driver's route."),
                    "409": error("This id was stored with other content."),
                    "413": TOO_LARGE,
                    "422": INVALID,
                    "503": UNAVAILABLE,
                },
            }
        },
    }
    from webapp.tracks import openapi as tracks

    paths.update(tracks.paths())
    no_driver = "The token's user has no active driver profile (the token stays good)."
    for operation in (op for item in paths.values() for op in item.values()):
        forbidden = operation["responses"].get("403")
        reason = f"{forbidden['description']} Or: {no_driver}" if forbidden else no_driver
        operation["responses"]["403"] = error(reason)
    return paths


_UNLOAD: dict[str, Any] = {
    "type": "object",
    "required": ["id", "stop_id", "arrived_at"],
    "properties": {
        "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
        "stop_id": {"type": "integer"},
        "arrived_at": {"type": "string", "description": "ISO 8601; without an offset, Shenzhen time"},
        "ticket_number": {"type": "string", "pattern": "^(\\d{4}-\\d{6})?$", "examples": ["2026-000123"]},
        "created": {"type": "boolean", "readOnly": True},
    },
}


def _readings_path() -> dict[str, Any]:
    batch = {
        "type": "object",
        "required": ["readings"],
        "properties": {
            "readings": {"type": "array", "minItems": 1, "maxItems": 1000, "items": ref("FillReadingIn")}
        },
    }
    single = {"allOf": [ref("FillReadingIn"), {"not": {"required": ["readings"]}}]}
    result = {
        "type": "object",
        "required": ["readings"],
        "properties": {"readings": {"type": "array", "items": ref("FillReadingResult")}},
    }
    return {
        "/api/v1/fill-readings": {
            "post": {
                "operationId": "postFillReadings",
                "tags": ["sensors"],
                "security": [{"sensorToken": []}],
                "summary": "One fill reading or a batch; all stored or none; each reading id stored once",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"anyOf": [batch, single]}}},
                },
                "responses": {
                    "201": json_response(result, "At least one reading was new."),
                    "200": json_response(result, "Every reading was stored before."),
                    "401": UNAUTHORIZED,
                    "413": TOO_LARGE,
                    "422": INVALID,
                    "503": UNAVAILABLE,
                },
            }
        }
    }


def _document_path() -> dict[str, Any]:
    return {
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "openapiDocument",
                "tags": ["meta"],
                "security": [],
                "summary": "This document",
                "responses": {
                    "200": json_response(
                        {"type": "object", "required": ["openapi", "paths"]}, "The OpenAPI 3.1 document."
                    )
                },
            }
        }
    }


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document as a dict."""
    from webapp.cascade import openapi as cascade
    from webapp.kiosk import openapi as kiosk
    from webapp.trace import openapi as trace

    bearer = {"type": "http", "scheme": "bearer"}
    paths = {
        **_readings_path(),
        **_driver_paths(),
        **trace.paths(),
        **cascade.paths(),
        **kiosk.paths(),
        **_document_path(),
    }
    for path, item in paths.items():
        for operation in item.values():
            if operation["security"]:  # it reads or writes the database
                operation["responses"].setdefault("503", UNAVAILABLE)
            # The request boundary (webapp/boundary.py) refuses bad path and query values with a
            # 400, and a JSON body holding refused text with a 422, before any view runs.
            if "{" in path or operation.get("parameters"):
                operation["responses"].setdefault("400", BAD_REQUEST)
            if "requestBody" in operation:
                operation["responses"].setdefault("422", INVALID)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ReLoop API",
            "version": "1",
            "description": "Machine API of ReLoop. Authenticate with `Authorization: Bearer <token>`; "
            "cookies and CSRF tokens are not used here. Every error body is JSON with "
            "an `error` message; refused input lists its problems under `errors`, "
            "each naming its `field` (and `index` in a batch). Every operation answers a "
            'missing or bad token with the same 401: `{"error": ..., "status": 401}` and '
            '`WWW-Authenticate: Bearer realm="reloop"`. Tokens expire (by default a phone\'s '
            "after 90 days, others after 365: `RELOOP_TOKEN_DAYS_<KIND>`) and stop working "
            "when revoked or when their user is disabled.",
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": "driver", "description": "Phones of drivers syncing their offline queue"},
            {"name": "sensors", "description": "Fill-level sensors of outlets"},
            {"name": "trace", "description": "The battery log: partner systems and auditors"},
            {"name": "cascade", "description": "Customers' systems: health of cascade products in service"},
            {"name": "kiosks", "description": "Smart recycling kiosks posting residents' deposits"},
            {"name": "meta", "description": "This document"},
        ],
        "paths": paths,
        "components": {
            "schemas": {
                **_SCHEMAS,
                **_tracks_schemas(),
                **trace.schemas(),
                **cascade.schemas(),
                **kiosk.schemas(),
            },
            "securitySchemes": {
                "deviceToken": {
                    **bearer,
                    "description": "Issued to a logged-in driver's phone by POST /driver/device-token; "
                    "one per phone (its `device_id`), at most RELOOP_MAX_DEVICE_TOKENS (3) per driver.",
                },
                "sensorToken": {**bearer, "description": "Issued by an administrator under Sensor tokens."},
                "partnerToken": {
                    **bearer,
                    "description": "A partner system's token: posts battery events, "
                    "signs tree heads and reads the log.",
                },
                "cascade_customerToken": {
                    **bearer,
                    "description": "A cascade-product customer's system: posts health readings.",
                },
                "kioskToken": {
                    **bearer,
                    "description": "A smart kiosk's token, registered to one kiosk outlet under Kiosks.",
                },
                "auditorToken": {
                    **bearer,
                    "description": "An auditor tool's token: reads the log and its proofs.",
                },
            },
        },
    }


def _tracks_schemas() -> dict[str, Any]:
    from webapp.tracks import openapi as tracks

    return tracks.schemas()


@bp.get("/api/v1/openapi.json")
@public
def openapi_json() -> ResponseReturnValue:
    """The OpenAPI 3.1 document of /api/v1."""
    return jsonify(document())
