"""OpenAPI description of the cascade customers' API (merged by :mod:`webapp.openapi`)."""

from __future__ import annotations

from typing import Any

from webapp.cascade.health import FIELDS, MAX_ALARMS


def paths() -> dict[str, Any]:
    """The ``/api/v1/cascade/...`` paths."""
    from webapp.openapi import INVALID, TOO_LARGE, UNAUTHORIZED, json_response, ref

    result = json_response(ref("HealthReadingResult"), "")
    return {
        "/api/v1/cascade/health-readings": {
            "post": {
                "operationId": "postCascadeHealthReading",
                "tags": ["cascade"],
                "security": [{"cascade_customerToken": []}],
                "summary": "One health reading of a cascade product in service; stored once per reading id",
                "description": "A reading whose maximum temperature is over 55 °C, or whose SOH fell more "
                "than 2 percentage points per 30 days since the product's previous reading, raises an "
                "anomaly the regulator sees. The same `reading_id` with the same body answers 200 with "
                "the stored result; with another body 409 naming `reading_id`.",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("HealthReadingIn")}},
                },
                "responses": {
                    "201": {**result, "description": "Stored."},
                    "200": {**result, "description": "Stored before with the same body."},
                    "401": UNAUTHORIZED,
                    "403": json_response(
                        ref("Invalid"),
                        "The product was not shipped on an order of the customer the token was issued "
                        "to (`reloop cascade customer-token NAME`, NAME as written on the orders); "
                        "nothing stored.",
                    ),
                    "409": json_response(
                        ref("Invalid"),
                        "The reading id was used with another body, or the product is not in service.",
                    ),
                    "413": TOO_LARGE,
                    "422": INVALID,
                },
            }
        }
    }


def schemas() -> dict[str, Any]:
    """Component schemas of this API."""
    return {
        "HealthReadingIn": {
            "type": "object",
            "additionalProperties": False,
            "required": [f for f in FIELDS if f != "alarms"],
            "properties": {
                "reading_id": {"type": "string", "minLength": 1, "maxLength": 64},
                "product_code": {"type": "string", "minLength": 1, "maxLength": 24},
                "taken_at": {"type": "string", "format": "date-time"},
                "soh_pct": {"type": "number", "minimum": 0, "maximum": 100},
                "cycles": {"type": "integer", "minimum": 0, "maximum": 10_000_000},
                "max_temperature_c": {"type": "number", "minimum": -60, "maximum": 200},
                "alarms": {
                    "type": "array",
                    "maxItems": MAX_ALARMS,
                    "items": {"type": "string", "minLength": 1, "maxLength": 60},
                },
            },
        },
        "HealthReadingResult": {
            "type": "object",
            "required": ["reading_id", "product_code", "taken_at", "anomaly", "created"],
            "properties": {
                "reading_id": {"type": "string"},
                "product_code": {"type": "string"},
                "taken_at": {"type": "string", "format": "date-time"},
                "anomaly": {"type": ["string", "null"], "enum": ["soh_fall", "over_temperature", None]},
                "created": {"type": "boolean"},
            },
        },
    }
