"""Fixtures of the sensor tests: an outlet with a registered sensor, a broker of the
test's own, the bridge running against the test's app in a thread, and a publisher."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import Session, select

from tests.webapp.sensors.broker import Broker, Publisher, broker
from traceability.deadlines import CHINA_TZ
from webapp.models import Outlet, OutletKind, OutletStatus
from webapp.models._types import utcnow
from webapp.models.sensors import SensorDevice, SensorTally
from webapp.sensors.bridge import Bridge, for_app
from webapp.sensors.settings import SensorSettings, parse_url


def now_text() -> str:
    """Now in Shenzhen, as a sensor would stamp it."""
    return utcnow().astimezone(CHINA_TZ).replace(microsecond=0).isoformat()


def fill_message(message_id: str, fill_pct: float, *, device: str = "S-0001", **extra: object) -> dict:
    """The documented JSON payload."""
    return {
        "device_id": device,
        "message_id": message_id,
        "measured_at": now_text(),
        "fill_pct": fill_pct,
        **extra,
    }


@pytest.fixture
def outlet(db: Session) -> Outlet:
    row = Outlet(
        code="FT-0101",
        name="莲花街道回收站",
        kind=OutletKind.SMART_BIN,
        status=OutletStatus.ACTIVE,
        lon=114.05,
        lat=22.54,
    )
    db.add(row)
    db.commit()
    return row


@pytest.fixture
def device(db: Session, outlet: Outlet) -> SensorDevice:
    """Sensor S-0001 1,200 mm above the bottom of a bin that is full 1,000 mm up."""
    row = SensorDevice(code="S-0001", outlet_id=outlet.id, sensor_height_mm=1200, container_depth_mm=1000)
    db.add(row)
    db.commit()
    return row


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Broker]:
    with broker(tmp_path / "broker") as running:
        yield running


def settings_for(running: Broker) -> SensorSettings:
    return replace(
        SensorSettings(**parse_url(running.url)),  # type: ignore[arg-type]
        client_id=f"test-bridge-{uuid.uuid4().hex[:8]}",
    )


@pytest.fixture
def bridge(app: Flask, mosquitto: Broker) -> Iterator[Bridge]:
    """The bridge on the test's broker and database, subscribed before the test publishes."""
    running = for_app(app, settings_for(mosquitto))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    assert running.connected.wait(15), "the bridge did not subscribe within 15 s"
    yield running
    running.stop()
    thread.join(15)
    assert not thread.is_alive(), "the bridge did not stop"


@pytest.fixture
def publisher(mosquitto: Broker) -> Iterator[Publisher]:
    sender = Publisher(mosquitto.port)
    yield sender
    sender.close()


def wait_for(condition: Callable[[], bool], timeout: float = 20, what: str = "") -> float:
    """Poll until ``condition`` holds; the seconds it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)
    return time.monotonic() - start


def tally(db: Session) -> Counter[str]:
    """Messages counted per outcome (stored, duplicate, refused ...) over every device and day."""
    db.expire_all()
    found: Counter[str] = Counter()
    for row in db.exec(select(SensorTally)):
        found[str(row.outcome)] += row.count
    return found
