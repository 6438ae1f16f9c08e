"""`reloop sensors bridge`, the Procfile's sensors process, as a process of its own."""

from __future__ import annotations

import os
import signal
import subprocess  # nosec B404 - runs our own `reloop` command
import sys
import time
from pathlib import Path

from sqlmodel import Session, select

from tests.webapp.sensors.broker import Broker, Publisher
from tests.webapp.sensors.conftest import fill_message, wait_for
from webapp.models import FillReading
from webapp.models.sensors import SensorDevice


def test_the_bridge_command_records_a_reading_and_stops_cleanly_on_sigterm(
    app, mosquitto: Broker, publisher: Publisher, device: SensorDevice, db: Session, tmp_path: Path
) -> None:
    """Started as the Procfile starts it, configured by RELOOP_MQTT_URL; SIGTERM ends it with exit 0."""
    reloop = Path(sys.executable).with_name("reloop")
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "RELOOP_INSTANCE_PATH": str(tmp_path / "instance"),
        "RELOOP_MQTT_URL": mosquitto.url,
        "RELOOP_MQTT_CLIENT_ID": "test-bridge-command",
    }
    process = subprocess.Popen(  # nosec B603 - fixed arguments
        [str(reloop), "sensors", "bridge"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        message = fill_message("cli-1", 66)

        def stored() -> bool:
            # Until the bridge has subscribed nobody receives; resending the same message id
            # until it is stored is what a sensor does, and it is stored once.
            publisher.send("S-0001", "fill", message)
            time.sleep(0.3)
            db.expire_all()
            return (
                db.exec(select(FillReading).where(FillReading.reading_id == "mqtt:S-0001:cli-1")).first()
                is not None
            )

        wait_for(stored, timeout=90, what="the reading stored by the command")
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "sensors bridge stopped" in output
    db.expire_all()
    assert len(db.exec(select(FillReading)).all()) == 1
