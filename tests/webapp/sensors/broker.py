"""A Mosquitto of one's own for a test: a free loopback port, persistence in a temporary
folder (so QoS 1 messages and sessions survive :meth:`Broker.restart`), and a QoS 1
publisher with a persistent session of its own. Used by tests/webapp/sensors and by
the MQTT section of ``make reliability``."""

from __future__ import annotations

import getpass
import json
import shutil
import socket
import subprocess  # nosec B404 - starts the local mosquitto binary with a fixed argument list
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
PREFIX = "reloop/sensors"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Broker:
    """One mosquitto process on 127.0.0.1, restartable on the same port and store."""

    def __init__(self, folder: Path) -> None:
        if not Path(MOSQUITTO).exists():
            raise RuntimeError("mosquitto is not installed: `make broker-deps` (apt-get install mosquitto)")
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.config = folder / "mosquitto.conf"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            # Run as root (CI), mosquitto would switch to its own user, who cannot write
            # in this test's private folder; naming the current user keeps it.
            f"user {getpass.getuser()}\n"
            "persistence true\n"
            f"persistence_location {folder}/\n"
            # The default 1,000 would drop QoS 1 messages queued for a bridge that is busy
            # or away; docs/sensors.md says the same for production.
            "max_queued_messages 0\n"
            f"log_dest file {folder}/mosquitto.log\n"
        )
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}/{PREFIX}"

    def start(self) -> None:
        self._process = subprocess.Popen(  # nosec B603 - fixed binary and our own config file
            [MOSQUITTO, "-c", str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.log()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not open its port within 15 s")

    def stop(self) -> None:
        """SIGTERM: mosquitto writes its store (sessions, queued messages) and exits."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=20)
        self._process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        path = self.folder / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def broker(folder: Path) -> Iterator[Broker]:
    """A started broker, stopped on exit whatever happened."""
    running = Broker(folder)
    running.start()
    try:
        yield running
    finally:
        running.stop()


class Publisher:
    """A sensor gateway: QoS 1, persistent session, resends unacknowledged messages itself."""

    def __init__(self, port: int) -> None:
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"test-sensor-{uuid.uuid4().hex[:8]}", protocol=mqtt.MQTTv5
        )
        self.client.reconnect_delay_set(min_delay=1, max_delay=2)
        self.acknowledged = 0
        self.client.on_publish = self._on_publish
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 3600
        self.client.connect("127.0.0.1", port, clean_start=False, properties=properties)
        self.client.loop_start()
        self.sent: list[mqtt.MQTTMessageInfo] = []

    def send(self, device: str, kind: str, body: dict[str, Any] | bytes) -> None:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.sent.append(self.client.publish(f"{PREFIX}/{device}/{kind}", payload, qos=1))

    def send_raw(self, topic: str, payload: bytes) -> None:
        self.sent.append(self.client.publish(topic, payload, qos=1))

    def wait_acknowledged(self, timeout: float = 60) -> None:
        """Until the broker acknowledged every message sent (PUBACK)."""
        # Counted from PUBACKs: a message published while the broker was down reports
        # "not connected" on its info object although the client queued it and resends it.
        deadline = time.monotonic() + timeout
        while self.acknowledged < len(self.sent):
            if time.monotonic() > deadline:
                left = len(self.sent) - self.acknowledged
                raise TimeoutError(f"{left} messages not acknowledged by the broker")
            time.sleep(0.05)

    def _on_publish(self, _c: mqtt.Client, _u: Any, _mid: int, _reason: Any, _p: Any) -> None:
        self.acknowledged += 1

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
