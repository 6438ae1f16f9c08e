"""Throughput of the MQTT sensors bridge: messages stored per second.

    .venv/bin/python benchmarks/mqtt_bridge.py [--messages 3000] [--sensors 10]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/mqtt_bridge.py

A Mosquitto of its own (``tests.webapp.sensors.broker``), a scratch database of the
backend ``DATABASE_URL`` names (a SQLite file when unset), the bridge in a thread as
``reloop sensors bridge`` runs it (``for_app``). ``--messages`` QoS 1 distance messages
from ``--sensors`` sensors are published as fast as the publisher can; the clock runs
from the first publish to the moment the last reading is in the table, so it measures
the bridge's sustained rate with a full queue in front of it. Printed: messages/s and
the bridge's outcome counts (every message must be accepted, once).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reliability.test_mqtt import _arrange, _payload, own_database  # noqa: E402
from tests.webapp.conftest import make_app  # noqa: E402
from tests.webapp.sensors.broker import Publisher, broker  # noqa: E402
from tests.webapp.sensors.conftest import settings_for  # noqa: E402
from webapp.models import FillReading  # noqa: E402
from webapp.sensors.bridge import for_app  # noqa: E402


def measure(backend: str, messages: int, folder: Path) -> dict[str, object]:
    cache = Path(os.environ.get("RELOOP_CACHE_DIR", Path.home() / ".cache" / "reloop"))
    with own_database(backend, folder) as url, broker(folder / "broker") as mosquitto:
        app = make_app(url, folder / "instance", cache)
        engine = app.extensions["reloop.engine"]
        with Session(engine, expire_on_commit=False) as session:
            codes = _arrange(session)
        bridge = for_app(app, settings_for(mosquitto))
        thread = threading.Thread(target=bridge.run, daemon=True)
        thread.start()
        assert bridge.connected.wait(15), "the bridge did not subscribe"
        publisher = Publisher(mosquitto.port)
        start = time.monotonic()
        for number in range(messages):
            publisher.send(codes[number % len(codes)], "distance", _payload(f"b-{number}", number))
        with Session(engine) as session:
            while session.exec(select(func.count()).select_from(FillReading)).one() < messages:
                time.sleep(0.05)
                session.expire_all()
                if time.monotonic() - start > 1800:
                    raise TimeoutError("not stored within 30 min")
        seconds = time.monotonic() - start
        publisher.close()
        bridge.stop()
        thread.join(30)
        engine.dispose()
    return {
        "backend": backend,
        "messages": messages,
        "seconds": round(seconds, 1),
        "per_s": round(messages / seconds, 1),
        "counts": dict(bridge.counts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "")
    backend = "postgresql" if server.startswith(("postgres://", "postgresql")) else "sqlite"
    with tempfile.TemporaryDirectory(prefix="reloop-mqtt-bench-") as folder:
        figures = measure(backend, args.messages, Path(folder))
    print(
        f"{figures['backend']:<11} {figures['messages']:>6} messages  {figures['seconds']:>7} s  "
        f"{figures['per_s']:>7} msgs/s  {figures['counts']}"
    )


if __name__ == "__main__":
    main()
