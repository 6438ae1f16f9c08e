"""The two payloads, checked field by field, and the distance-to-fill conversion."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from tests.webapp.sensors.conftest import now_text
from webapp.sensors.payloads import PayloadError, PayloadKind, fill_from_distance, parse

PREFIX = "reloop/sensors"


@pytest.fixture(scope="module", autouse=True)
def _context() -> Iterator[None]:
    """time_problem's messages go through Flask-Babel: a bare app context in English, as the
    bridge takes messages (no database needed, so not the suite's seeded app)."""
    bare = Flask(__name__)
    Babel(bare)
    with bare.app_context(), force_locale("en"):
        yield


def _body(**fields: object) -> bytes:
    return json.dumps({"device_id": "S-1", "message_id": "m1", "measured_at": now_text(), **fields}).encode()


def test_the_json_payload_carries_fill_battery_signal_and_material() -> None:
    """Every documented field arrives in the message; the reading id is device and message id."""
    message = parse(
        f"{PREFIX}/S-1/fill",
        _body(fill_pct=62.5, battery_pct=80, signal_dbm=-97, material="paper"),
        prefix=PREFIX,
    )
    assert (message.kind, message.fill_pct, message.battery_pct, message.signal_dbm) == (
        PayloadKind.FILL,
        62.5,
        80,
        -97,
    )
    assert message.material == "paper" and message.reading_id == "mqtt:S-1:m1"


def test_a_long_message_id_still_gives_a_stable_reading_id_within_64_characters() -> None:
    """UUID-sized ids with a long device id are digested, the same way every time."""
    body = _body(device_id="D" * 32, message_id="x" * 64, fill_pct=1)
    first = parse(f"{PREFIX}/{'D' * 32}/fill", body, prefix=PREFIX).reading_id
    assert len(first) <= 64 and first == parse(f"{PREFIX}/{'D' * 32}/fill", body, prefix=PREFIX).reading_id


@pytest.mark.parametrize(
    ("topic", "payload", "field"),
    [
        ("other/S-1/fill", b"{}", "topic"),
        (f"{PREFIX}/S-1/level", b"{}", "topic"),
        (f"{PREFIX}/S-1/fill", b"\xff\xfe", "payload"),
        (f"{PREFIX}/S-1/fill", b"x" * 3000, "payload"),
        (f"{PREFIX}/S-1/fill", b'{"device_id": "S-2"}', "device_id"),
        (f"{PREFIX}/S-1/fill", b'{"message_id": "m"}', "device_id"),
        (f"{PREFIX}/S-1/fill", b'{"device_id": "S-1", "message_id": "a b"}', "message_id"),
        (
            f"{PREFIX}/S-1/fill",
            b'{"device_id": "S-1", "message_id": "m", "measured_at": "2026-13-01T00:00:00Z"}',
            "measured_at",
        ),
        (
            f"{PREFIX}/S-1/fill",
            b'{"device_id": "S-1", "message_id": "m", "measured_at": "2026-12-01T08:00:00"}',
            "measured_at",
        ),
    ],
)
def test_a_bad_message_is_refused_naming_its_field(topic: str, payload: bytes, field: str) -> None:
    """Each refusal says which part of the message is wrong."""
    with pytest.raises(PayloadError) as refused:
        parse(topic, payload, prefix=PREFIX)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"fill_pct": 100.1}, "fill_pct"),
        ({"fill_pct": True}, "fill_pct"),
        ({"fill_pct": 50, "battery_pct": -1}, "battery_pct"),
        ({"fill_pct": 50, "signal_dbm": 10}, "signal_dbm"),
        ({"fill_pct": 50, "material": 7}, "material"),
    ],
)
def test_out_of_range_values_are_refused_naming_the_field(fields: dict, field: str) -> None:
    """Fill 0-100, battery 0-100 %, signal -150-0 dBm, material a code."""
    with pytest.raises(PayloadError) as refused:
        parse(f"{PREFIX}/S-1/fill", _body(**fields), prefix=PREFIX)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("distance", "fill"), [(1200, 0.0), (1240, 0.0), (700, 50.0), (450, 75.0), (200, 100.0), (0, 100.0)]
)
def test_distance_to_the_surface_becomes_fill_with_the_calibration(distance: int, fill: float) -> None:
    """Sensor 1,200 mm above the bottom, full at 1,000 mm: level over full height."""
    assert fill_from_distance(distance, sensor_height_mm=1200, container_depth_mm=1000) == pytest.approx(fill)


def test_an_echo_well_below_the_bottom_is_not_a_reading() -> None:
    """More than 50 mm past the bottom is a fault (a fallen sensor, a missing container)."""
    with pytest.raises(PayloadError) as refused:
        fill_from_distance(1300, sensor_height_mm=1200, container_depth_mm=1000)
    assert refused.value.field == "distance_mm"


def test_the_raw_payload_needs_no_device_id_in_the_body() -> None:
    """The distance payload names its device by topic only; distance is rounded to whole mm."""
    body = json.dumps({"message_id": "d1", "measured_at": now_text(), "distance_mm": 812.4}).encode()
    message = parse(f"{PREFIX}/S-1/distance", body, prefix=PREFIX)
    assert (message.device_code, message.kind, message.distance_mm) == ("S-1", PayloadKind.DISTANCE, 812)
