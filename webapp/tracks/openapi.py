"""The positions endpoint's part of the OpenAPI document (merged by :func:`webapp.openapi.document`)."""

from __future__ import annotations

from typing import Any

from webapp.driver.completions import MAX_ID
from webapp.tracks.points import MAX_BATCH, MAX_SPEED_MPS, OUTSIDE_CHINA, TOO_FAST


def schemas() -> dict[str, Any]:
    """Component schemas of the positions endpoint."""
    from webapp.openapi import TIME_IN

    def number(low: float, high: float, description: str) -> dict[str, Any]:
        return {"type": "number", "minimum": low, "maximum": high, "description": description}

    def measured(low: float, high: float, description: str) -> dict[str, Any]:
        """A value the phone may not have: null (or left out) means not measured."""
        return {"type": ["number", "null"], "minimum": low, "maximum": high, "description": description}

    problem = {
        "type": "object",
        "required": ["field", "message"],
        "properties": {
            "index": {"type": "integer"},
            "field": {"type": "string"},
            "message": {"type": "string"},
        },
    }
    return {
        "PositionIn": {
            "type": "object",
            "required": ["id", "route_id", "recorded_at", "lon", "lat"],
            "properties": {
                "id": {
                    "type": "string",
                    "pattern": "^[A-Za-z0-9_-]{8,64}$",
                    "description": "Made on the phone: a resent position is stored once.",
                },
                "route_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                "recorded_at": TIME_IN,
                "lon": number(-180, 180, "WGS-84 longitude, as the phone's GPS gives it"),
                "lat": number(-90, 90, "WGS-84 latitude"),
                "accuracy_m": measured(0, 100_000, "Radius of the fix's uncertainty"),
                "speed_mps": measured(0, 1_000, "Speed the phone measured, if any"),
                "heading_deg": measured(0, 360, "Heading the phone measured, if any"),
            },
        },
        "PositionsResult": {
            "type": "object",
            "required": ["created", "duplicates", "flagged", "errors"],
            "properties": {
                "created": {"type": "array", "items": {"type": "string"}, "description": "Ids stored now."},
                "duplicates": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Ids stored before with the same content: nothing stored again.",
                },
                "flagged": {
                    "type": "object",
                    "additionalProperties": {"enum": [OUTSIDE_CHINA, TOO_FAST]},
                    "description": "Stored but doubted (outside mainland China, or faster than "
                    f"{MAX_SPEED_MPS * 3.6:.0f} km/h from the point before): left out of the driven "
                    "distance and the live map.",
                },
                "errors": {
                    "type": "array",
                    "items": problem,
                    "description": "Refused positions by index and field (a bad time, another "
                    "driver's route, an id stored with other content); the rest are kept.",
                },
            },
        },
    }


def paths() -> dict[str, Any]:
    """The positions path; the driver paths' 403 wording is added by the caller."""
    from webapp.openapi import TOO_LARGE, UNAUTHORIZED, json_response, ref

    batch = {
        "type": "object",
        "required": ["points"],
        "properties": {
            "points": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH, "items": ref("PositionIn")}
        },
    }
    refused = {"allOf": [ref("Error"), ref("PositionsResult")]}
    return {
        "/api/v1/driver/positions": {
            "post": {
                "operationId": "driverPositions",
                "tags": ["driver"],
                "security": [{"deviceToken": []}],
                "summary": "The truck's positions while a route runs, in batches; each id stored once",
                "requestBody": {"required": True, "content": {"application/json": {"schema": batch}}},
                "responses": {
                    "201": json_response(ref("PositionsResult"), "At least one position was new."),
                    "200": json_response(
                        ref("PositionsResult"), "Nothing new: every kept position was stored before."
                    ),
                    "401": UNAUTHORIZED,
                    "413": TOO_LARGE,
                    "422": json_response(
                        refused,
                        f"Nothing could be kept: no list, more than {MAX_BATCH} positions, or every "
                        "position refused (see errors).",
                    ),
                },
            }
        }
    }
