"""Messages taken in batches: one transaction per batch, yet each message stands alone:
a refused or failing one rolls back only itself, a repeat inside the batch is a duplicate."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from flask import Flask
from sqlmodel import Session, func, select

from tests.webapp.sensors.broker import PREFIX, Publisher
from tests.webapp.sensors.conftest import fill_message, tally, wait_for
from webapp.models import FillReading
from webapp.models.sensors import MessageOutcome, SensorDevice, SensorReading
from webapp.sensors import intake
from webapp.sensors.bridge import Bridge

TOPIC = f"{PREFIX}/S-0001/fill"


def _body(message_id: str, fill: float, **extra: object) -> bytes:
    return json.dumps(fill_message(message_id, fill, **extra)).encode()


def _take(app: Flask, items: list[tuple[str, bytes]]) -> list[intake.Taken]:
    with app.app_context(), Session(app.extensions["reloop.engine"], expire_on_commit=False) as session:
        return intake.take_batch(session, items, prefix=PREFIX)


def _stored(db: Session) -> list[str]:
    db.expire_all()
    return sorted(db.exec(select(FillReading.reading_id)))


def test_a_batch_keeps_its_good_messages_beside_refused_ones_and_a_repeat(
    app: Flask, device: SensorDevice, db: Session
) -> None:
    """Good, bad JSON, good, the first again, unknown device, unknown material: 2 stored, all counted."""
    first = _body("g-1", 40)  # one body sent twice: a resend carries the same time
    taken = _take(
        app,
        [
            (TOPIC, first),
            (TOPIC, b"{not json"),
            (TOPIC, _body("g-2", 45)),
            (TOPIC, first),
            (f"{PREFIX}/S-9999/fill", _body("u-1", 50, device="S-9999")),
            (TOPIC, _body("g-3", 50, material="plutonium")),
        ],
    )
    assert [t.outcome for t in taken] == [
        MessageOutcome.ACCEPTED,
        MessageOutcome.BAD,
        MessageOutcome.ACCEPTED,
        MessageOutcome.DUPLICATE,
        MessageOutcome.BAD,
        MessageOutcome.BAD,
    ]
    assert _stored(db) == ["mqtt:S-0001:g-1", "mqtt:S-0001:g-2"]
    assert db.exec(select(func.count()).select_from(SensorReading)).one() == 2
    assert tally(db) == Counter({"accepted": 2, "duplicate": 1, "bad": 3})
    assert db.get(SensorDevice, device.id).last_problem.startswith("material")


def test_a_repeat_in_a_later_batch_is_a_duplicate(app: Flask, device: SensorDevice, db: Session) -> None:
    """Idempotent across batches: the second batch's copy is counted, not stored."""
    resent = _body("x-2", 31)
    _take(app, [(TOPIC, _body("x-1", 30)), (TOPIC, resent)])
    taken = _take(app, [(TOPIC, resent), (TOPIC, _body("x-3", 32))])
    assert [t.outcome for t in taken] == [MessageOutcome.DUPLICATE, MessageOutcome.ACCEPTED]
    assert _stored(db) == [f"mqtt:S-0001:x-{n}" for n in (1, 2, 3)]


def test_a_message_failing_after_its_insert_rolls_back_alone(
    app: Flask, device: SensorDevice, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure no check foresaw, after the reading was written: that reading goes, its neighbours stay."""
    seen = intake._seen

    def poisoned(device: SensorDevice, message: intake.Message, now, *, fill_pct):  # type: ignore[no-untyped-def]
        if message.message_id == "poison":
            raise RuntimeError("a bug met only by this message")
        seen(device, message, now, fill_pct=fill_pct)

    monkeypatch.setattr(intake, "_seen", poisoned)
    taken = _take(app, [(TOPIC, _body("p-1", 20)), (TOPIC, _body("poison", 21)), (TOPIC, _body("p-2", 22))])
    accepted, bad = MessageOutcome.ACCEPTED, MessageOutcome.BAD
    assert [t.outcome for t in taken] == [accepted, bad, accepted]
    assert taken[1].problem == "internal error: RuntimeError"
    assert _stored(db) == ["mqtt:S-0001:p-1", "mqtt:S-0001:p-2"]
    assert db.exec(select(func.count()).select_from(SensorReading)).one() == 2
    assert tally(db) == Counter({"accepted": 2, "bad": 1})


def test_a_burst_is_committed_in_fewer_transactions_than_messages(
    bridge: Bridge, publisher: Publisher, device: SensorDevice, db: Session
) -> None:
    """200 messages published at once reach the database in batches, every one stored once."""
    for number in range(200):
        publisher.send("S-0001", "fill", fill_message(f"burst-{number}", number % 100))
    publisher.wait_acknowledged(timeout=60)
    wait_for(lambda: sum(bridge.counts.values()) == 200, timeout=60, what="200 messages taken")
    assert len(_stored(db)) == 200
    assert bridge.counts == Counter({"accepted": 200})
    assert bridge.batches < 100
