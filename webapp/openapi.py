"""The OpenAPI 3.1 description of the machine API under /api/v1.

Written by hand beside the views it describes; a test checks it against the
OpenAPI 3.1 schema and that every /api/v1 route of the app appears in it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from webapp.access import public

bp = Blueprint("openapi", __name__)

_REF = "#/components/schemas/"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    "401": _json(_ref("Error"), "No valid bearer token of the right kind."),
    "422": _json(_ref("Invalid"), "Invalid input, or an id reused for different content; nothing stored."),
}

_SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {
        "error": {"type": "string"}, "status": {"type": "integer"}}},
    "Problem": {"type": "object", "required": ["field", "message"], "properties": {
        "field": {"type": "string", "description": "e.g. `weights_kg.paper`; empty for the whole body"},
        "message": {"type": "string"}, "index": {"type": ["integer", "null"]}}},
    "Invalid": {"type": "object", "required": ["error"], "properties": {
        "error": {"type": "string"}, "status": {"type": "integer"},
        "errors": {"type": "array", "items": _ref("Problem")}}},
    "Kilograms": {"description": "Kilograms with at most one decimal; stored as integer grams. "
                                 "Negative, NaN, Infinity, booleans and more than the truck holds "
                                 "(at most 5000 kg per stop) are refused.",
                  "oneOf": [{"type": "number", "minimum": 0, "maximum": 5000, "multipleOf": 0.1},
                            {"type": "string", "pattern": r"^\s*\d{1,7}(?:[.,]\d)?\s*$"}]},
    "Position": {"type": "object", "required": ["lon", "lat"], "description": "GPS fix, WGS-84.",
                 "properties": {"lon": {"type": "number", "minimum": -180, "maximum": 180},
                                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                                "accuracy_m": {"type": ["number", "null"], "minimum": 0}}},
    "CompletionIn": {
        "type": "object", "required": ["id", "stop_id", "outcome", "recorded_at"],
        "description": "What the driver recorded at a stop. `id` is generated on the phone: the same id "
                       "with the same content returns the stored record; with other content it is 422.",
        "properties": {
            "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
            "stop_id": {"type": "integer", "minimum": 1},
            "outcome": {"type": "string", "enum": ["collected", "skipped"]},
            "weights_kg": {"type": "object", "additionalProperties": _ref("Kilograms"),
                           "description": "Material code to kilograms (collected only)."},
            "skip_reason": {"type": ["string", "null"], "description": "A skip reason code (skipped only)."},
            "note": {"type": "string", "maxLength": 500},
            "photo_sha256": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$",
                             "description": "Upload to /api/v1/driver/evidence first."},
            "signature_sha256": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$"},
            "recorded_at": {"type": "string", "format": "date-time"},
            "arrived_at": {"type": ["string", "null"], "format": "date-time"},
            "position": {"oneOf": [_ref("Position"), {"type": "null"}]},
            "supersedes": {"type": ["string", "null"],
                           "description": "The id of the record this one corrects (a new row; the old stays)."},
            "correction_reason": {"type": "string", "maxLength": 255,
                                  "description": "Required with `supersedes`."}}},
    "Completion": {"type": "object", "required": ["id", "server_id", "stop_id", "outcome", "weights_g", "total_g"],
                   "properties": {
                       "id": {"type": "string"}, "server_id": {"type": "integer"}, "stop_id": {"type": "integer"},
                       "route_id": {"type": "integer"}, "outcome": {"type": "string", "enum": ["collected", "skipped"]},
                       "weights_g": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
                       "total_g": {"type": "integer", "minimum": 0},
                       "skip_reason": {"type": ["string", "null"]}, "note": {"type": "string"},
                       "photo_sha256": {"type": ["string", "null"]}, "signature_sha256": {"type": ["string", "null"]},
                       "position": {"oneOf": [_ref("Position"), {"type": "null"}]},
                       "arrived_at": {"type": ["string", "null"], "format": "date-time"},
                       "recorded_at": {"type": "string", "format": "date-time"},
                       "received_at": {"type": "string", "format": "date-time"},
                       "supersedes": {"type": ["string", "null"]}, "correction_reason": {"type": "string"},
                       "out_of_order": {"type": "boolean"}}},
    "Stop": {"type": "object", "required": ["id", "position", "kind", "status"], "properties": {
        "id": {"type": "integer"}, "position": {"type": "integer"},
        "kind": {"type": "string", "enum": ["outlet", "unload"]},
        "status": {"type": "string", "enum": ["pending", "collected", "skipped", "unload"]},
        "name": {"type": "string"}, "address": {"type": "string"},
        "lon": {"type": ["number", "null"]}, "lat": {"type": ["number", "null"]},
        "planned_arrival": {"type": "string", "pattern": "^\\d\\d:\\d\\d$"}, "expected_kg": {"type": "number"},
        "materials": {"type": "array", "items": {"type": "object", "properties": {
            "code": {"type": "string"}, "name": {"type": "string"}}}},
        "page": {"type": "string"},
        "navigation": {"type": "object", "additionalProperties": {"type": "string", "format": "uri"},
                       "description": "amap and apple in GCJ-02, baidu in BD-09, google in GCJ-02."},
        "record": {"oneOf": [_ref("Completion"), {"type": "null"}]}}},
    "Route": {"type": "object", "required": ["id", "number", "day", "stops"], "properties": {
        "id": {"type": "integer"}, "number": {"type": "integer"}, "day": {"type": "string", "format": "date"},
        "vehicle": {"type": "string"}, "capacity_kg": {"type": "number"}, "done": {"type": "integer"},
        "total": {"type": "integer"}, "collected_kg": {"type": "number"},
        "stops": {"type": "array", "items": _ref("Stop")}}},
    "Evidence": {"type": "object", "required": ["sha256"], "properties": {
        "sha256": {"type": "string"}, "media_type": {"type": "string"}, "size_bytes": {"type": "integer"}}},
    "FillReadingIn": {"type": "object", "required": ["reading_id", "outlet_code", "fill_pct", "measured_at"],
                      "properties": {"reading_id": {"type": "string", "minLength": 1, "maxLength": 64},
                                     "outlet_code": {"type": "string", "minLength": 1, "maxLength": 32},
                                     "fill_pct": {"type": "number", "minimum": 0, "maximum": 100},
                                     "measured_at": {"type": "string", "format": "date-time"}}},
    "FillReadingResult": {"type": "object", "properties": {
        "reading_id": {"type": "string"}, "id": {"type": "integer"}, "outlet_code": {"type": "string"},
        "status": {"type": "string", "enum": ["created", "duplicate"]}, "due": {"type": "boolean"}}},
}


def _driver_paths() -> dict[str, Any]:
    security = [{"deviceToken": []}]
    return {
        "/api/v1/driver/routes/today": {"get": {
            "operationId": "driverRoutesToday", "tags": ["driver"], "security": security,
            "summary": "The token's driver's routes on today's accepted plans (Shenzhen time)",
            "responses": {"200": _json({"type": "object", "properties": {
                "day": {"type": "string", "format": "date"}, "routes": {"type": "array", "items": _ref("Route")}}},
                "Routes with stops in order."), "401": _ERRORS["401"]}}},
        "/api/v1/driver/routes/{route_id}": {"get": {
            "operationId": "driverRoute", "tags": ["driver"], "security": security, "summary": "One route",
            "parameters": [{"name": "route_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": _json(_ref("Route"), "The route."), "401": _ERRORS["401"],
                          "403": _json(_ref("Error"), "Assigned to another driver."),
                          "404": _json(_ref("Error"), "No such route.")}}},
        "/api/v1/driver/evidence": {"post": {
            "operationId": "driverEvidence", "tags": ["driver"], "security": security,
            "summary": "Upload a photo or signature (JPEG, PNG or WebP, at most 3 MB); idempotent by content",
            "requestBody": {"required": True, "content": {m: {"schema": {"type": "string", "format": "binary"}}
                                                          for m in ("image/jpeg", "image/png", "image/webp")}},
            "responses": {"201": _json(_ref("Evidence"), "Stored."), "200": _json(_ref("Evidence"), "Already stored."),
                          "401": _ERRORS["401"], "422": _json(_ref("Error"), "Not an image, or too large.")}}},
        "/api/v1/driver/completions": {"post": {
            "operationId": "driverCompletion", "tags": ["driver"], "security": security,
            "summary": "Record a stop (collected with weights, or skipped with a reason) exactly once",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("CompletionIn")}}},
            "responses": {"201": _json(_ref("Completion"), "Stored."),
                          "200": _json(_ref("Completion"), "This id was stored before with the same content."),
                          "401": _ERRORS["401"], "403": _json(_ref("Error"), "The stop is on another driver's route."),
                          "404": _json(_ref("Error"), "No such stop."),
                          "409": _json({"allOf": [_ref("Error"), {"type": "object", "properties": {
                              "existing": _ref("Completion")}}]},
                              "The stop already has a record; send a correction with `supersedes`."),
                          "422": _ERRORS["422"]}}},
        "/api/v1/driver/completions/{client_id}": {"get": {
            "operationId": "driverCompletionGet", "tags": ["driver"], "security": security,
            "summary": "A stored record of this driver by the phone's id",
            "parameters": [{"name": "client_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": _json(_ref("Completion"), "The record."), "401": _ERRORS["401"],
                          "404": _json(_ref("Error"), "No such record of this driver.")}}},
    }


def _readings_path() -> dict[str, Any]:
    body = {"oneOf": [_ref("FillReadingIn"), {"type": "object", "required": ["readings"], "properties": {
        "readings": {"type": "array", "minItems": 1, "maxItems": 1000, "items": _ref("FillReadingIn")}}}]}
    result = {"type": "object", "properties": {"readings": {"type": "array", "items": _ref("FillReadingResult")}}}
    return {"/api/v1/fill-readings": {"post": {
        "operationId": "postFillReadings", "tags": ["sensors"], "security": [{"sensorToken": []}],
        "summary": "One fill reading or a batch; all stored or none; each reading id stored once",
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "responses": {"201": _json(result, "At least one reading was new."),
                      "200": _json(result, "Every reading was stored before."),
                      "401": _ERRORS["401"], "422": _ERRORS["422"]}}}}


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document as a dict."""
    bearer = {"type": "http", "scheme": "bearer"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "ReLoop API", "version": "1",
                 "description": "Machine API of ReLoop. Authenticate with `Authorization: Bearer <token>`; "
                                "cookies and CSRF tokens are not used here."},
        "servers": [{"url": "/"}],
        "tags": [{"name": "driver", "description": "Phones of drivers syncing their offline queue"},
                 {"name": "sensors", "description": "Fill-level sensors of outlets"}],
        "paths": {**_readings_path(), **_driver_paths()},
        "components": {"schemas": _SCHEMAS, "securitySchemes": {
            "deviceToken": {**bearer, "description": "Issued to a logged-in driver's phone by POST /driver/device-token."},
            "sensorToken": {**bearer, "description": "Issued by an administrator under Sensor tokens."}}},
    }


@bp.get("/api/v1/openapi.json")
@public
def openapi_json() -> ResponseReturnValue:
    """The OpenAPI 3.1 document of /api/v1."""
    return jsonify(document())
