"""Idempotent-by-id endpoints stay idempotent when the copies arrive at the same moment.

A sensor, phone or partner that resends while its first post is still being written
must get the stored row back (200), never a unique-key 500, and the table must hold
one copy. Real threads post to the app served on loopback.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlmodel import func, select

from tests.webapp.concurrently import burst, post_json, report, serving
from tests.webapp.driver.conftest import device_token, make_day
from tests.webapp.trace.conftest import to_enterprise
from webapp.api import tokens
from webapp.models import (
    EvidenceFile,
    FillReading,
    Outlet,
    OutletKind,
    OutletStatus,
    TokenKind,
    TraceEventRow,
)

RACERS = 20
READINGS = "/api/v1/fill-readings"
# A 1x1 PNG: the evidence endpoint keeps only real images.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@pytest.fixture
def outlet(db) -> Outlet:
    row = Outlet(
        code="FT-0700",
        name="并发测试站",
        kind=OutletKind.SMART_BIN,
        status=OutletStatus.ACTIVE,
        district="futian",
        lon=114.0552,
        lat=22.541,
    )
    db.add(row)
    db.commit()
    return row


@pytest.fixture
def sensor(db) -> dict[str, str]:
    _row, plain = tokens.issue(db, name="gateway", kind=TokenKind.SENSOR)
    return {"Authorization": f"Bearer {plain}"}


def _reading(reading_id: str, fill: float, at: datetime) -> dict:
    return {
        "reading_id": reading_id,
        "outlet_code": "FT-0700",
        "fill_pct": fill,
        "measured_at": at.isoformat(),
    }


def _count(db, table) -> int:
    return db.exec(select(func.count()).select_from(table)).one()


def test_twenty_identical_readings_at_once_store_one_and_answer_it(app, db, outlet, sensor) -> None:
    """The same reading 20 times at once: one 201, nineteen 200 with the same id, one row, no 500."""
    body = _reading("same-1", 64.5, datetime(2026, 11, 23, 8, tzinfo=UTC))
    with serving(app) as url:
        answers = burst(RACERS, lambda _n: post_json(url + READINGS, body, sensor))
    report(app, "race-identical-fill-readings", [s for s, _ in answers], stored=_count(db, FillReading))
    assert sorted(status for status, _ in answers) == [200] * (RACERS - 1) + [201], answers
    assert len({answer["readings"][0]["id"] for _s, answer in answers}) == 1
    assert _count(db, FillReading) == 1


def test_one_reading_id_with_twenty_values_at_once_keeps_the_first(app, db, outlet, sensor) -> None:
    """20 different readings under one id at once: one stored, the rest 422 naming reading_id."""
    at = datetime(2026, 11, 23, 8, tzinfo=UTC)
    with serving(app) as url:
        answers = burst(RACERS, lambda n: post_json(url + READINGS, _reading("same-2", n, at), sensor))
    assert sorted(status for status, _ in answers) == [201] + [422] * (RACERS - 1), answers
    assert all(a["errors"][0]["field"] == "reading_id" for status, a in answers if status == 422)
    assert _count(db, FillReading) == 1


def test_the_latest_of_twenty_readings_at_once_is_the_outlets_last_fill(app, db, outlet, sensor) -> None:
    """20 readings of one outlet at once, in shuffled arrival: the last fill is the latest measured."""
    start = datetime(2026, 11, 23, 8, tzinfo=UTC)
    with serving(app) as url:
        burst(
            RACERS,
            lambda n: post_json(
                url + READINGS, _reading(f"seq-{n}", n, start + timedelta(minutes=n)), sensor
            ),
        )
    db.refresh(outlet)
    assert outlet.last_fill_at == start + timedelta(minutes=RACERS - 1)
    assert outlet.last_fill_pct == RACERS - 1


def test_one_photo_uploaded_twenty_times_at_once_is_kept_once(app, db, client, cache_dir) -> None:
    """The same photo from 20 retries at once: every answer names its SHA-256, one row."""
    make_day(db, cache_dir)
    phone = {"Authorization": f"Bearer {device_token(client, 'driver1')}"}
    with serving(app) as url:
        answers = burst(
            RACERS,
            lambda _n: requests.post(url + "/api/v1/driver/evidence", data=PNG, headers=phone, timeout=120),
        )
    assert sorted(a.status_code for a in answers) == [200] * (RACERS - 1) + [201]
    assert {a.json()["sha256"] for a in answers} == {hashlib.sha256(PNG).hexdigest()}
    assert _count(db, EvidenceFile) == 1


def test_one_event_batch_posted_twenty_times_at_once_is_logged_once(app, db) -> None:
    """A partner's batch sent 20 times at once: one 201, nineteen 200 with the same entries."""
    _row, plain = tokens.issue(db, name="partner", kind=TokenKind.PARTNER)
    partner = {"Authorization": f"Bearer {plain}"}
    body = {"events": to_enterprise()}
    with serving(app) as url:
        answers = burst(RACERS, lambda _n: post_json(url + "/api/v1/battery-events", body, partner))
    assert sorted(status for status, _ in answers) == [200] * (RACERS - 1) + [201], answers
    assert len({tuple((e["seq"], e["leaf_hash"]) for e in answer["events"]) for _s, answer in answers}) == 1
    assert _count(db, TraceEventRow) == len(body["events"])
