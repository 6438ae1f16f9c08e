"""The MQTT bridge: subscribes to the sensors' topics and takes the messages in, in batches.

The network thread only queues what arrives; a worker thread takes what is queued (up
to ``batch_max`` messages, waiting at most ``batch_wait_s`` for more) into the database
in one transaction (:func:`intake.take_batch`), then acknowledges them. One commit per
batch instead of one per message is where the throughput comes from (docs/sensors.md).

Nothing is lost across a broker restart or a bridge restart because of three choices:

- QoS 1 subscription and a persistent session (MQTT 5, ``clean_start=False``, a fixed
  client id, a session expiry): the broker keeps the subscription and every message
  not yet acknowledged while the bridge is away, and sends them again on reconnect;
- manual acknowledgement: PUBACK goes out only after the batch holding the message
  committed its reading (or its refusal's count), so a crash before the commit means a
  resend. A message received on an earlier connection is never acknowledged on a later
  one (its packet id may by then name another message): the broker resends it instead;
- idempotency by message id: the resend of a committed message is a duplicate, in a
  later batch or in the same one.

While the database is unreachable the batch is retried, not acknowledged and not
counted: it is not the messages' fault. A message no check foresaw failing is logged
with its traceback and counted as refused inside its batch (its savepoint rolled back);
should the batch itself fail otherwise, its messages are taken again one by one, so one
poisoned message can neither stop the bridge, nor sink its neighbours, nor come back
forever.
"""

from __future__ import annotations

import logging
import queue
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from flask import Flask
from flask_babel import force_locale
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from webapp.models.sensors import MessageOutcome
from webapp.sensors.intake import Taken, database_unavailable
from webapp.sensors.settings import SensorSettings

log = logging.getLogger("reloop.sensors")

TakeBatch = Callable[[Sequence[tuple[str, bytes]]], list[Taken]]
KEEPALIVE_S = 30
RETRY_MAX_S = 30.0
#: Messages per transaction at most, and how long the worker waits for a batch to fill
#: once its first message is in hand (a lone message waits no longer than this).
BATCH_MAX = 500
BATCH_WAIT_S = 0.02
#: Unacknowledged messages the broker may have in flight to the bridge (MQTT 5 Receive
#: Maximum): room for two full batches, one being committed while the next arrives.
RECEIVE_MAXIMUM = 2 * BATCH_MAX


@dataclass(frozen=True)
class _Received:
    """A message as the network thread queued it; ``connection`` numbers the connection it came on."""

    topic: str
    payload: bytes
    mid: int
    qos: int
    connection: int


class Bridge:
    """One MQTT client taking sensor messages in, in batches, through
    ``take([(topic, payload), ...]) -> [Taken, ...]``."""

    def __init__(
        self,
        settings: SensorSettings,
        take: TakeBatch,
        *,
        on_refused: Callable[[], None],
        batch_max: int = BATCH_MAX,
        batch_wait_s: float = BATCH_WAIT_S,
    ) -> None:
        self.settings = settings
        self.counts: Counter[str] = Counter()
        self.batches = 0
        self.connected = threading.Event()  # set once the subscription is acknowledged
        self._take = take
        self._on_refused = on_refused
        self._batch_max = batch_max
        self._batch_wait_s = batch_wait_s
        self._stop = threading.Event()
        self._inbox: queue.Queue[_Received] = queue.Queue()
        self._connection = 0
        self._connection_lock = threading.Lock()
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=settings.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if settings.username:
            client.username_pw_set(settings.username, settings.password)
        if settings.tls:
            client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        self._client = client

    def run(self) -> None:
        """Connect (retrying while the broker is down) and take messages until :meth:`stop`."""
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.settings.session_expiry_s
        properties.ReceiveMaximum = RECEIVE_MAXIMUM
        self._client.connect_async(
            self.settings.host,
            self.settings.port,
            keepalive=KEEPALIVE_S,
            clean_start=False,
            properties=properties,
        )
        log.info(
            "sensors bridge: %s:%d, topics %s, client id %s, batches of up to %d",
            self.settings.host,
            self.settings.port,
            self.settings.topics,
            self.settings.client_id,
            self._batch_max,
        )
        worker = threading.Thread(target=self._work, name="sensors-bridge-batches", daemon=True)
        worker.start()
        self._client.loop_forever(retry_first_connection=True)
        self._stop.set()
        worker.join()
        log.info("sensors bridge stopped: %s in %d batches", dict(self.counts), self.batches)

    def stop(self) -> None:
        """Leave after the batch in hand (unacknowledged messages are resent next time)."""
        self._stop.set()
        self._client.disconnect()

    def _on_connect(self, client: mqtt.Client, _u: Any, flags: Any, reason: Any, _p: Any) -> None:
        self._next_connection()
        if reason.is_failure:
            log.error("sensors bridge: the broker refused the connection: %s", reason)
            return
        # Subscribing again when the session was kept is harmless; after an expired
        # session it is what brings the subscription back.
        client.subscribe(self.settings.topics, qos=1)
        log.info("sensors bridge connected (session kept: %s)", flags.session_present)

    def _on_subscribe(self, _c: mqtt.Client, _u: Any, _mid: int, reasons: list[Any], _p: Any) -> None:
        if any(reason.is_failure for reason in reasons):
            log.error(
                "sensors bridge: the broker refused the subscription to %s: %s", self.settings.topics, reasons
            )
            return
        self.connected.set()

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self.connected.clear()
        self._next_connection()
        if not self._stop.is_set():
            log.warning("sensors bridge lost the broker (%s); reconnecting", reason)

    def _next_connection(self) -> None:
        with self._connection_lock:
            self._connection += 1

    def _on_message(self, _c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        self._inbox.put(_Received(message.topic, message.payload, message.mid, message.qos, self._connection))

    def _work(self) -> None:
        while not self._stop.is_set():
            batch = self._next_batch()
            if batch:
                self._take_in(batch)

    def _next_batch(self) -> list[_Received]:
        """What is queued, up to ``batch_max``, waiting ``batch_wait_s`` at most for it to fill."""
        try:
            batch = [self._inbox.get(timeout=0.2)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + self._batch_wait_s
        while len(batch) < self._batch_max:
            left = deadline - time.monotonic()
            try:
                batch.append(self._inbox.get(timeout=left) if left > 0 else self._inbox.get_nowait())
            except queue.Empty:
                break
        return batch

    def _take_in(self, batch: list[_Received]) -> None:
        outcomes = self._store([(r.topic, r.payload) for r in batch])
        if outcomes is None:
            return  # stopping while the database was away: the broker keeps the messages
        self.batches += 1
        for received, taken in zip(batch, outcomes, strict=True):
            self.counts[taken.outcome] += 1
            if taken.outcome is MessageOutcome.BAD:
                log.warning(
                    "sensors bridge refused a message on %s: %s", received.topic[:120], taken.problem[:300]
                )
            else:
                log.debug("sensors bridge %s %s", taken.outcome, taken.reading_id)
        with self._connection_lock:  # no reconnect between the check and the PUBACK
            for received in batch:
                if received.connection == self._connection:
                    self._client.ack(received.mid, received.qos)

    def _store(self, items: list[tuple[str, bytes]]) -> list[Taken] | None:
        """The batch's outcomes once committed; None when stopped while the database was away."""
        wait = 0.5
        while not self._stop.is_set():
            try:
                return self._take(items)
            except Exception as exc:  # noqa: BLE001 - the bridge outlives any one batch
                if not database_unavailable(exc):
                    return self._one_by_one(items, exc)
                log.warning("sensors bridge: database unavailable, retrying in %.1f s: %s", wait, exc)
            self._stop.wait(wait)
            wait = min(wait * 2, RETRY_MAX_S)
        return None

    def _one_by_one(self, items: list[tuple[str, bytes]], exc: Exception) -> list[Taken] | None:
        """After a batch failed in a way no check foresaw: each message in a batch of its own."""
        if len(items) == 1:
            return [self._refuse(items[0][0], exc)]
        log.warning("sensors bridge: a batch of %d failed (%r); taking it one by one", len(items), exc)
        taken: list[Taken] = []
        for item in items:
            one = self._store([item])
            if one is None:
                return None
            taken += one
        return taken

    def _refuse(self, topic: str, exc: Exception) -> Taken:
        log.exception("sensors bridge: a message on %s failed unexpectedly", topic[:120], exc_info=exc)
        try:
            self._on_refused()
        except Exception:  # noqa: BLE001 - counting is best effort here; the log has it
            log.exception("sensors bridge: could not count the failed message")
        return Taken(MessageOutcome.BAD, problem=f"internal error: {type(exc).__name__}")


def for_app(app: Flask, settings: SensorSettings) -> Bridge:
    """A bridge that takes batches into ``app``'s database, each in its own app context."""
    from sqlmodel import Session

    from webapp.sensors import intake

    def session() -> Session:
        return Session(app.extensions["reloop.engine"], expire_on_commit=False)

    def take(items: Sequence[tuple[str, bytes]]) -> list[Taken]:
        # English like the rest of a refusal's text (field names, limits): it goes to the
        # log and to the device's "last refused" line, read by whoever fixes the sensor.
        with app.app_context(), force_locale("en"), session() as db:
            return intake.take_batch(db, items, prefix=settings.prefix)

    def refused() -> None:
        with app.app_context(), session() as db:
            intake.count_unreadable(db)

    return Bridge(settings, take, on_refused=refused)
