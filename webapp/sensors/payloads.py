"""The two payloads a fill sensor may publish, parsed into :class:`Message`.

Topics are ``<prefix>/<device id>/fill`` (JSON with the fill level the device worked
out itself) and ``<prefix>/<device id>/distance`` (JSON with the raw distance from the
sensor down to the surface, converted here with the device's calibration). The
documented form of both is docs/sensors.md. Nothing here reads the database: an
unknown device or material is the intake's business.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from webapp.api.text import parse_time, storable, time_problem

#: Larger bodies are refused unread: a sensor's reading is a few dozen bytes.
MAX_PAYLOAD_BYTES = 2048
DEVICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
MESSAGE_ID = re.compile(r"[\x21-\x7e]{1,64}")  # printable ASCII, no spaces
MAX_DISTANCE_MM = 20_000
#: An echo this far past the bottom is still read as empty (uneven floors, a tilted
#: mount); farther is a fault, not a reading.
BOTTOM_SLACK_MM = 50


class PayloadKind(StrEnum):
    """The topic's last level: which payload the message carries."""

    FILL = "fill"
    DISTANCE = "distance"


class PayloadError(ValueError):
    """A message that cannot be a reading; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str, *, device_code: str = "") -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.device_code = device_code


@dataclass(frozen=True)
class Message:
    """One sensor message, checked field by field."""

    device_code: str
    kind: PayloadKind
    message_id: str
    measured_at: datetime
    fill_pct: float | None = None  # FILL
    distance_mm: int | None = None  # DISTANCE
    battery_pct: int | None = None
    signal_dbm: int | None = None
    material: str | None = None

    @property
    def reading_id(self) -> str:
        """The fill reading's idempotency key: the device and its message id.

        Readable when it fits the 64-character column, otherwise a digest of both, so
        the same message always maps to the same key.
        """
        plain = f"mqtt:{self.device_code}:{self.message_id}"
        if len(plain) <= 64:
            return plain
        digest = hashlib.sha256(f"{self.device_code}\n{self.message_id}".encode()).hexdigest()
        return f"mqtt:{digest[:59]}"


def device_of(topic: str, prefix: str) -> tuple[str, PayloadKind]:
    """The device id and payload kind a topic names under ``prefix``."""
    if prefix and not topic.startswith(prefix + "/"):
        raise PayloadError("topic", f"{topic!r} is not under {prefix}/")
    rest = topic[len(prefix) + 1 :] if prefix else topic
    parts = rest.split("/")
    if len(parts) != 2 or not DEVICE_ID.fullmatch(parts[0]) or parts[1] not in set(PayloadKind):
        raise PayloadError("topic", f"{topic!r} is not {prefix}/<device id>/fill or …/distance")
    return parts[0], PayloadKind(parts[1])


def parse(topic: str, payload: bytes, *, prefix: str) -> Message:
    """Check one message; raises :class:`PayloadError` naming the first bad field."""
    device, kind = device_of(topic, prefix)
    body = _json_object(payload, device)
    claimed = body.get("device_id")
    if kind is PayloadKind.FILL and claimed is None:
        raise PayloadError("device_id", "is required", device_code=device)
    if claimed is not None and claimed != device:
        raise PayloadError(
            "device_id", f"{claimed!r} differs from the topic's {device!r}", device_code=device
        )
    message_id = body.get("message_id")
    if not isinstance(message_id, str) or not MESSAGE_ID.fullmatch(message_id):
        raise PayloadError("message_id", "must be 1-64 printable ASCII characters", device_code=device)
    measured_at = parse_time(body.get("measured_at"))
    if measured_at is None:
        raise PayloadError("measured_at", "must be an RFC 3339 time with a zone", device_code=device)
    problem = time_problem(measured_at)
    if problem is not None:
        raise PayloadError("measured_at", problem, device_code=device)
    material = body.get("material")
    if material is not None and (not isinstance(material, str) or not material or not storable(material)):
        raise PayloadError("material", "must be a material code", device_code=device)
    common: dict[str, Any] = dict(
        device_code=device,
        kind=kind,
        message_id=message_id,
        measured_at=measured_at,
        battery_pct=_optional_int(body, "battery_pct", 0, 100, device),
        signal_dbm=_optional_int(body, "signal_dbm", -150, 0, device),
        material=material[:32] if material else None,
    )
    if kind is PayloadKind.FILL:
        return Message(**common, fill_pct=_number(body, "fill_pct", 0, 100, device))
    distance = _number(body, "distance_mm", 0, MAX_DISTANCE_MM, device)
    return Message(**common, distance_mm=round(distance))


def fill_from_distance(distance_mm: int, *, sensor_height_mm: int, container_depth_mm: int) -> float:
    """Fill % from the distance down to the surface, for a sensor ``sensor_height_mm``
    above the bottom of a container that is full ``container_depth_mm`` above it.

    A surface above the full line reads 100 (overflowing is what dispatch must see);
    an echo a little past the bottom reads 0; farther is refused.
    """
    if distance_mm > sensor_height_mm + BOTTOM_SLACK_MM:
        raise PayloadError(
            "distance_mm",
            f"{distance_mm} mm is below the container's bottom ({sensor_height_mm} mm from the sensor)",
        )
    level = sensor_height_mm - distance_mm
    return max(0.0, min(100.0, 100.0 * level / container_depth_mm))


def _json_object(payload: bytes, device: str) -> dict[str, Any]:
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise PayloadError(
            "payload", f"is {len(payload)} bytes, more than {MAX_PAYLOAD_BYTES}", device_code=device
        )
    try:
        body = json.loads(payload.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise PayloadError("payload", f"is not JSON ({exc})", device_code=device) from None
    if not isinstance(body, dict):
        raise PayloadError("payload", "must be a JSON object", device_code=device)
    return body


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _number(body: dict[str, Any], field: str, low: float, high: float, device: str) -> float:
    value = body.get(field)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PayloadError(field, "must be a number", device_code=device)
    if not low <= value <= high:
        raise PayloadError(field, f"{value} is outside {low:g}…{high:g}", device_code=device)
    return float(value)


def _optional_int(body: dict[str, Any], field: str, low: int, high: int, device: str) -> int | None:
    if body.get(field) is None:
        return None
    return round(_number(body, field, low, high, device))
