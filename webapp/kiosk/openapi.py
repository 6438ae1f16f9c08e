"""The kiosk API's part of the OpenAPI document (merged by :func:`webapp.openapi.document`)."""

from __future__ import annotations

from typing import Any

from webapp.kiosk.deposits import MAX_BATCH, MAX_DEPOSIT_G


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def schemas() -> dict[str, Any]:
    """Component schemas of the kiosk API."""
    from webapp.openapi import TIME_IN

    text = {"type": "string", "minLength": 1}
    return {
        "KioskDepositIn": {
            "type": "object",
            "required": ["deposit_id", "material", "grams", "kiosk_time"],
            "properties": {
                "deposit_id": {
                    **text,
                    "maxLength": 64,
                    "description": "The kiosk's own id: a resend is stored once.",
                },
                "resident_card": {
                    **text,
                    "maxLength": 32,
                    "description": "Card number; or give resident_qr.",
                },
                "resident_qr": {**text, "maxLength": 200, "description": "Text of the account QR code."},
                "material": {**text, "maxLength": 40, "examples": ["paper"]},
                "grams": {"type": "integer", "minimum": 1, "maximum": MAX_DEPOSIT_G},
                "kiosk_time": TIME_IN,
                "photo_sha256": {"type": "string", "pattern": "^([0-9a-f]{64})?$"},
            },
            "oneOf": [{"required": ["resident_card"]}, {"required": ["resident_qr"]}],
            "additionalProperties": False,
        },
        "KioskDepositResult": {
            "type": "object",
            "required": ["deposit_id", "id", "status", "state", "points", "balance"],
            "properties": {
                "deposit_id": {"type": "string"},
                "id": {"type": "integer"},
                "status": {"enum": ["created", "duplicate"]},
                "state": {
                    "enum": ["credited", "held"],
                    "description": "held: waits for a reviewer, no points yet",
                },
                "hold_reason": {"enum": ["outlier", "photo_repeat", "resident_cap", "kiosk_cap", None]},
                "points": {"type": "integer", "description": "Points this deposit credited"},
                "balance": {"type": "integer", "description": "The resident's balance after it"},
            },
        },
    }


def paths() -> dict[str, Any]:
    """The kiosk API's paths."""
    from webapp.openapi import INVALID, TOO_LARGE, UNAUTHORIZED, error, json_response

    batch = {
        "type": "object",
        "required": ["deposits"],
        "properties": {
            "deposits": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_BATCH,
                "items": _ref("KioskDepositIn"),
            }
        },
        "additionalProperties": False,
    }
    result = {
        "type": "object",
        "required": ["deposits"],
        "properties": {"deposits": {"type": "array", "items": _ref("KioskDepositResult")}},
    }
    return {
        "/api/v1/kiosk/deposits": {
            "post": {
                "operationId": "postKioskDeposits",
                "tags": ["kiosks"],
                "security": [{"kioskToken": []}],
                "summary": "One deposit or a batch; all stored or none; each deposit id stored once",
                "description": "Each new deposit credits the resident's points at the price in force on "
                "its Shenzhen day and raises the kiosk's fill level, unless it is held for review "
                "(weight outlier, repeated photo, resident's or kiosk's daily cap).",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"anyOf": [batch, _ref("KioskDepositIn")]}}},
                },
                "responses": {
                    "201": json_response(result, "At least one deposit was new."),
                    "200": json_response(result, "Every deposit was stored before (a resend)."),
                    "401": UNAUTHORIZED,
                    "403": error("The token is not registered to an active kiosk."),
                    "409": INVALID,
                    "413": TOO_LARGE,
                    "422": INVALID,
                },
            }
        }
    }
