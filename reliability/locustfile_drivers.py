"""Drivers' phones posting stop records to the sync API, for ``locust --headless``.

Two kinds of phone, picked by class name on the command line:

- ``FlakyDriver`` records its stops one after another on a flaky network: for 20 %
  of the posts (``RELOOP_RESEND_SHARE``) the answer is "lost" and the phone sends the
  same body with the same id again, half the time after the answer, half the time
  while the first post is still in flight.
- ``QueuedDriver`` comes back online at the end of a shift holding a queue of records
  and replays it in order, as the driver app does; the run quits when every queue
  is empty.

Both retry a record that got no answer or a 5xx/408/429 (as the app does) and never
give one up. Phones (token and stop ids) come from the JSON file named by
``RELOOP_PHONES``; everything the phones saw is written to ``RELOOP_LOAD_OUT`` when
locust quits, for the test to hold against the database. Loopback only: the test
passes ``--host http://127.0.0.1:PORT``.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import gevent
from locust import FastHttpUser, between, constant, events, task
from locust.exception import StopUser

API = "/api/v1/driver/completions"
RETRY_STATUSES = {0, 408, 429, 500, 502, 503, 504}
PHONES: list[dict[str, Any]] = json.loads(Path(os.environ["RELOOP_PHONES"]).read_text())["phones"]
RESEND_SHARE = float(os.environ.get("RELOOP_RESEND_SHARE", "0.2"))
_next_phone = itertools.count()
_rng = random.Random(int(os.environ.get("RELOOP_LOAD_SEED", "8")))

# What the phones saw, by record id: each answer's status and server id.
answers: dict[str, list[tuple[int, int | None]]] = {}
# The records the phones hold as acknowledged: id -> stop, grams sent, server id.
acks: dict[str, dict[str, Any]] = {}
requests: list[tuple[str, int, float]] = []  # name, status (0: no answer), milliseconds
progress = {
    "resent": 0,
    "overlapped": 0,
    "exhausted": 0,
    "queued": 0,
    "first_send": None,
    "last_ack": None,
    "phones_done": 0,
}


@events.request.add_listener
def _count(
    request_type: str,
    name: str,
    response_time: float,
    response: Any = None,
    exception: Any = None,
    **_kw: Any,
) -> None:
    status = getattr(response, "status_code", 0) or 0
    requests.append((name, 0 if exception and not status else status, response_time))


@events.quitting.add_listener
def _write(environment: Any, **_kw: Any) -> None:
    out = {"answers": answers, "acks": acks, "requests": requests, **progress}
    Path(os.environ["RELOOP_LOAD_OUT"]).write_text(json.dumps(out))


def record_body(stop_id: int, recorded_at: datetime) -> dict[str, Any]:
    """What the phone sends for a stop: mostly weighed pickups, some skips."""
    body: dict[str, Any] = {
        "id": uuid.uuid4().hex,
        "stop_id": stop_id,
        "recorded_at": recorded_at.isoformat(),
        "arrived_at": (recorded_at - timedelta(minutes=4)).isoformat(),
        "position": {
            "lon": 114.0 + _rng.random() / 20,
            "lat": 22.5 + _rng.random() / 20,
            "accuracy_m": 8,
        },
    }
    if _rng.random() < 0.1:
        body.update(outcome="skipped", skip_reason="truck_full")
    else:
        weights = {
            "paper": round(_rng.uniform(0.5, 120), 1),
            "plastic": str(round(_rng.uniform(0, 40), 1)),
        }
        body.update(outcome="collected", weights_kg=weights)
    return body


def grams(body: dict[str, Any]) -> int:
    return sum(round(float(kg) * 1000) for kg in body.get("weights_kg", {}).values())


class Phone(FastHttpUser):
    """One driver's phone: its token and the stops it will record, in order."""

    abstract = True
    network_timeout = 30.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        index = next(_next_phone)
        if index >= len(PHONES):
            raise StopUser()
        phone = PHONES[index]
        self.auth = {"Authorization": f"Bearer {phone['token']}"}
        self.stops: list[int] = list(phone["stop_ids"])

    def post(self, body: dict[str, Any], name: str) -> tuple[int, dict[str, Any] | None]:
        """One POST; the status (0 without an answer) and the JSON answer."""
        with self.client.post(API, json=body, headers=self.auth, name=name, catch_response=True) as response:
            status = response.status_code or 0
            data = None
            if status in (200, 201):
                try:
                    data = response.json()
                except ValueError:
                    data = None
            answers.setdefault(body["id"], []).append((status, data.get("server_id") if data else None))
            if status in (200, 201) and data is not None:
                response.success()
            else:
                response.failure(f"HTTP {status}")
            return status, data

    def deliver(self, body: dict[str, Any], name: str) -> dict[str, Any]:
        """Send until the server acknowledges, waiting a second between tries as the app does."""
        status, data = self.post(body, name)
        while data is None:
            if status not in RETRY_STATUSES:
                raise RuntimeError(f"record {body['id']} refused with HTTP {status}")
            gevent.sleep(1.0)
            status, data = self.post(body, f"{name} (retry)")
        return data

    def acknowledged(self, body: dict[str, Any], data: dict[str, Any]) -> None:
        acks[body["id"]] = {
            "stop_id": body["stop_id"],
            "total_g": grams(body),
            "server_id": data["server_id"],
            "outcome": body["outcome"],
        }
        progress["last_ack"] = time.time()


class FlakyDriver(Phone):
    """Records the next stop of the route, with a share of the answers lost on the way."""

    wait_time = between(0.2, 1.0)

    @task
    def record_next_stop(self) -> None:
        if not self.stops:
            progress["exhausted"] += 1
            raise StopUser()
        body = record_body(self.stops.pop(0), datetime.now(UTC))
        if _rng.random() >= RESEND_SHARE:
            self.acknowledged(body, self.deliver(body, "completion"))
            return
        progress["resent"] += 1
        if _rng.random() < 0.5:
            self.post(body, "completion")  # stored, but the phone never hears back
            self.acknowledged(body, self.deliver(body, "completion (resent)"))
            return
        # The phone gives up waiting and sends again while the first post is still running.
        progress["overlapped"] += 1
        first = gevent.spawn(self.post, body, "completion")
        gevent.sleep(_rng.uniform(0, 0.02))
        data = self.deliver(body, "completion (resent)")
        first.join()
        self.acknowledged(body, data)


class QueuedDriver(Phone):
    """Replays a queue of records held offline; the run ends when every phone is done."""

    wait_time = constant(0)

    def on_start(self) -> None:
        super().on_start()
        start = datetime.now(UTC) - timedelta(hours=6)
        step = timedelta(hours=6) / max(1, len(self.stops))
        self.queue = [record_body(stop, start + n * step) for n, stop in enumerate(self.stops)]
        progress["queued"] += len(self.queue)

    @task
    def replay_queue(self) -> None:
        if progress["first_send"] is None:
            progress["first_send"] = time.time()
        for body in self.queue:
            self.acknowledged(body, self.deliver(body, "queued completion"))
        self.queue = []
        progress["phones_done"] += 1
        if progress["phones_done"] >= min(len(PHONES), self.environment.parsed_options.num_users):
            gevent.spawn(self.environment.runner.quit)
        raise StopUser()
