"""The MQTT bridge against a real Mosquitto: readings in, duplicates and bad messages
counted, nothing lost across a broker restart."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from tests.webapp.sensors.broker import PREFIX, Broker, Publisher
from tests.webapp.sensors.conftest import fill_message, now_text, tally, wait_for
from traceability.deadlines import CHINA_TZ
from webapp.models import FillReading, Outlet, ReadingSource
from webapp.models._types import utcnow
from webapp.models.sensors import SensorDevice, SensorReading
from webapp.sensors.bridge import Bridge


def _readings(db: Session) -> list[FillReading]:
    db.expire_all()
    return list(db.exec(select(FillReading).order_by(FillReading.id)))


def test_a_json_message_appears_as_a_reading_on_the_outlet_page_within_seconds(
    bridge: Bridge, publisher: Publisher, device: SensorDevice, outlet: Outlet, client: FlaskClient, auth, db
) -> None:
    """The issue's done-when: published to Mosquitto, shown on the outlet page in seconds."""
    auth.login()
    publisher.send(
        "S-0001", "fill", fill_message("m-1", 73.5, battery_pct=88, signal_dbm=-91, material="paper")
    )

    def shown() -> bool:
        page = client.get(f"/outlets/{outlet.id}").get_data(as_text=True)
        return "73.5%" in page

    seconds = wait_for(shown, timeout=10, what="the reading on the outlet page")
    assert seconds < 5
    [reading] = _readings(db)
    assert (reading.fill_pct, reading.source, reading.reading_id) == (
        73.5,
        ReadingSource.SENSOR,
        "mqtt:S-0001:m-1",
    )
    db.expire_all()
    health = db.get(SensorDevice, device.id)
    assert (health.battery_pct, health.signal_dbm, health.last_fill_pct) == (88, -91, 73.5)
    assert health.last_seen_at is not None
    sensor = db.exec(select(SensorReading)).one()
    assert sensor.message_id == "m-1" and sensor.material_id is not None
    assert db.get(Outlet, outlet.id).last_fill_pct == 73.5


def test_a_raw_distance_is_converted_with_the_devices_calibration(
    bridge: Bridge, publisher: Publisher, device: SensorDevice, db: Session
) -> None:
    """1,200 mm mount, full at 1,000 mm: 700 mm to the surface is 50 %, 150 mm is full."""
    publisher.send("S-0001", "distance", {"message_id": "d-1", "measured_at": now_text(), "distance_mm": 700})
    publisher.send("S-0001", "distance", {"message_id": "d-2", "measured_at": now_text(), "distance_mm": 150})
    publisher.send(
        "S-0001", "distance", {"message_id": "d-3", "measured_at": now_text(), "distance_mm": 1230}
    )
    wait_for(lambda: len(_readings(db)) == 3, what="three converted readings")
    assert [r.fill_pct for r in _readings(db)] == [50.0, 100.0, 0.0]
    assert [s.distance_mm for s in db.exec(select(SensorReading).order_by(SensorReading.id))] == [
        700,
        150,
        1230,
    ]


def test_a_message_sent_twice_is_stored_once_and_counted_as_a_duplicate(
    bridge: Bridge, publisher: Publisher, device: SensorDevice, db: Session
) -> None:
    """Idempotent by message id: the second copy is acknowledged, counted, not stored."""
    message = fill_message("m-7", 40)
    publisher.send("S-0001", "fill", message)
    publisher.send("S-0001", "fill", message)
    publisher.send("S-0001", "fill", fill_message("m-8", 41))
    wait_for(lambda: sum(bridge.counts.values()) == 3, what="three messages taken")
    assert len(_readings(db)) == 2
    assert tally(db) == Counter({"accepted": 2, "duplicate": 1})


def test_bad_messages_are_counted_and_logged_and_the_bridge_keeps_going(
    bridge: Bridge, publisher: Publisher, device: SensorDevice, db: Session, caplog
) -> None:
    """Bad JSON, unknown device, out-of-range values, far times: each refused; the next good one is stored."""
    future = (utcnow() + timedelta(days=2)).astimezone(CHINA_TZ).isoformat()
    bad = [
        ("S-0001", "fill", b"{not json"),
        ("S-0001", "fill", b"[1, 2]"),
        ("S-0001", "fill", b"[" * 1500),
        ("S-9999", "fill", fill_message("u-1", 50, device="S-9999")),
        ("S-0001", "fill", fill_message("b-1", 140)),
        ("S-0001", "fill", fill_message("b-2", 50, battery_pct=250)),
        ("S-0001", "fill", {**fill_message("b-3", 50), "measured_at": future}),
        ("S-0001", "fill", {**fill_message("b-4", 50), "measured_at": "1970-01-01T00:00:00Z"}),
        ("S-0001", "fill", {**fill_message("b-5", 50), "measured_at": "yesterday"}),
        ("S-0001", "distance", {"message_id": "b-6", "measured_at": now_text(), "distance_mm": 5000}),
        ("S-0001", "fill", fill_message("b-7", 50, material="plutonium")),
        ("S-0001", "fill", {**fill_message("b-8", 50), "fill_pct": "NaN"}),
        ("S-0001", "fill", b'{"device_id": "S-0001", "message_id": "b-9", "fill_pct": NaN}'),
    ]
    for device_code, kind, body in bad:
        publisher.send(device_code, kind, body)
    publisher.send_raw(f"{PREFIX}/S-0001/fill/extra", json.dumps(fill_message("b-10", 5)).encode())
    publisher.send("S-0001", "fill", fill_message("ok-1", 55))
    wait_for(lambda: sum(bridge.counts.values()) == len(bad) + 2, what="every message taken")
    assert bridge.counts == Counter({"bad": len(bad) + 1, "accepted": 1})
    assert [r.fill_pct for r in _readings(db)] == [55.0]
    assert tally(db) == Counter({"bad": len(bad) + 1, "accepted": 1})
    db.expire_all()
    assert "ok-1" not in db.get(SensorDevice, device.id).last_problem  # the last refusal is kept, by field
    assert db.get(SensorDevice, device.id).last_problem.startswith(("topic", "fill_pct", "payload"))
    refusals = [r.getMessage() for r in caplog.records if "refused a message" in r.getMessage()]
    assert len(refusals) == len(bad) + 1
    assert any("S-9999 is not a registered sensor" in line for line in refusals)
    assert any("measured_at" in line for line in refusals)


def test_a_broker_restart_mid_stream_loses_no_qos1_message(
    bridge: Bridge, mosquitto: Broker, publisher: Publisher, device: SensorDevice, db: Session
) -> None:
    """300 messages, Mosquitto restarted after 150: all 300 stored, each once."""
    for number in range(150):
        publisher.send("S-0001", "fill", fill_message(f"r-{number}", number % 100))
    mosquitto.restart()
    for number in range(150, 300):
        publisher.send("S-0001", "fill", fill_message(f"r-{number}", number % 100))
    publisher.wait_acknowledged(timeout=60)
    wait_for(lambda: len(_readings(db)) == 300, timeout=60, what="all 300 readings")
    ids = [r.reading_id for r in _readings(db)]
    assert sorted(ids) == sorted(f"mqtt:S-0001:r-{n}" for n in range(300))
    assert db.exec(select(func.count()).select_from(SensorReading)).one() == 300
