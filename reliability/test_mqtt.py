"""10,000 sensor messages over MQTT with a Mosquitto restart mid-stream (issue 16).

Section ``mqtt-restart-<backend>`` of the figures table. Ten sensors publish 5,000 QoS 1
messages; once the bridge has taken 2,000 the broker is restarted (SIGTERM, same port and
store) while the other 5,000 are being published, some into the closed port. Counted in
the database afterwards: ``lost`` (message ids with no reading) and ``duplicated``
(readings beyond one per message id) must both be 0; ``redelivered`` is how many copies
the broker sent again and the bridge recognised as duplicates.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from reliability.figures import report
from tests.webapp.conftest import make_app
from tests.webapp.sensors.broker import Publisher, broker
from tests.webapp.sensors.conftest import now_text, settings_for
from webapp.db import scratch_postgres, upgrade
from webapp.models import FillReading, Outlet, OutletKind, OutletStatus
from webapp.models.sensors import SensorDevice, SensorReading
from webapp.sensors.bridge import for_app

MESSAGES = 10_000
SENSORS = 10
RESTART_AFTER_TAKEN = 2_000


@contextmanager
def own_database(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'mqtt.db'}"
        upgrade(url)
        yield url
        return
    with scratch_postgres(os.environ["DATABASE_URL"], prefix="reloop_mqtt") as url:
        yield url


def _arrange(session: Session) -> list[str]:
    codes = []
    for number in range(SENSORS):
        outlet = Outlet(
            code=f"MQ-{number:04d}",
            name=f"sensor outlet {number}",
            kind=OutletKind.SMART_BIN,
            status=OutletStatus.ACTIVE,
            lon=114.05,
            lat=22.54,
        )
        session.add(outlet)
        session.flush()
        code = f"S-{number:04d}"
        session.add(
            SensorDevice(code=code, outlet_id=outlet.id, sensor_height_mm=1200, container_depth_mm=1000)
        )  # type: ignore[arg-type]
        codes.append(code)
    session.commit()
    return codes


def _wait(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.2)


def test_ten_thousand_messages_with_a_broker_restart_lose_and_duplicate_nothing(
    backend: str, tmp_path: Path, cache_dir: Path
) -> None:
    """10,000 QoS 1 messages, broker restarted mid-stream: every one stored, none twice."""
    with own_database(backend, tmp_path) as url, broker(tmp_path / "broker") as mosquitto:
        app = make_app(url, tmp_path / "instance", cache_dir)
        with Session(app.extensions["reloop.engine"], expire_on_commit=False) as session:
            codes = _arrange(session)
        bridge = for_app(app, settings_for(mosquitto))
        thread = threading.Thread(target=bridge.run, daemon=True)
        thread.start()
        assert bridge.connected.wait(15)
        publisher = Publisher(mosquitto.port)
        sent = [(codes[n % SENSORS], f"m-{n}") for n in range(MESSAGES)]
        start = time.monotonic()
        try:
            for number, (code, message_id) in enumerate(sent[: MESSAGES // 2]):
                publisher.send(code, "distance", _payload(message_id, number))
            _wait(lambda: sum(bridge.counts.values()) >= RESTART_AFTER_TAKEN, 300, "2,000 messages taken")
            taken_at_restart = sum(bridge.counts.values())
            mosquitto.restart()
            for number, (code, message_id) in enumerate(sent[MESSAGES // 2 :], start=MESSAGES // 2):
                publisher.send(code, "distance", _payload(message_id, number))
            publisher.wait_acknowledged(timeout=600)
            with Session(app.extensions["reloop.engine"]) as session:
                _wait(lambda: _stored(session) >= MESSAGES, 900, "10,000 readings stored")
            seconds = time.monotonic() - start
        finally:
            publisher.close()
            bridge.stop()
            thread.join(30)
        with Session(app.extensions["reloop.engine"]) as session:
            stored_ids = set(session.exec(select(FillReading.reading_id)))
            rows = session.exec(select(func.count()).select_from(FillReading)).one()
            sensor_rows = session.exec(select(func.count()).select_from(SensorReading)).one()
        app.extensions["reloop.engine"].dispose()
    lost = sum(f"mqtt:{code}:{message_id}" not in stored_ids for code, message_id in sent)
    duplicated = (rows - len(stored_ids)) + (sensor_rows - len(stored_ids))
    report(
        f"mqtt-restart-{backend}",
        requests=MESSAGES,
        lost=lost,
        duplicated=duplicated,
        redelivered=bridge.counts.get("duplicate", 0),
        refused=bridge.counts.get("bad", 0),
        taken_before_restart=taken_at_restart,
        seconds=round(seconds, 1),
        per_s=round(MESSAGES / seconds, 1),
    )
    assert (lost, duplicated, bridge.counts.get("bad", 0)) == (0, 0, 0)
    assert rows == MESSAGES


def _payload(message_id: str, number: int) -> dict[str, object]:
    return {"message_id": message_id, "measured_at": now_text(), "distance_mm": 200 + number % 1000}


def _stored(session: Session) -> int:
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(FillReading)).one())
