"""A workshop with its checklist and example grade rules, and packs on their way to it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session

from traceability import CHINA_TZ, ActorRole, EventKind
from webapp.trace.inputs import EventInput
from webapp.trace.operations import record_events
from webapp.workshop import checklist, rules
from webapp.workshop.settings import WorkshopSettings, workshop_settings

PACK = "S01PBA12026001K1A0009001"
OTHER = "S01PBA12026001K1A0009002"
COLLECTOR, OUTLET = "绿环回收网点", "NS-0001"
START = datetime(2026, 11, 1, 9, 0, tzinfo=CHINA_TZ)
#: When the tests inspect a pack: after its receipt on day 5, before its tests.
INSPECTED = START.replace(day=5, hour=10)

#: A test as a form sends it (Ah, Wh, %, mΩ, %/month, V).
GOOD_TEST = {
    "method": "GB/T 34015 0.33C",
    "equipment": "Neware CT-4008",
    "operator": "张工",
    "ambient_c": "25",
    "capacity_ah": "41.8",
    "energy_wh": "133.8",
    "soh_pct": "83.6",
    "dcir_mohm": "1.92",
    "self_discharge_pct_month": "1.8",
    "ocv_v": "3.296",
    "tested_at": "2026-11-20 09:30",
}


@pytest.fixture
def settings(app: Flask) -> WorkshopSettings:
    with app.app_context():
        return workshop_settings(app)


@pytest.fixture
def ws(db: Session, settings: WorkshopSettings) -> Iterator[Session]:
    """The database with the shipped checklist and grade rules."""
    checklist.seed_items(db)
    rules.seed_rules(db)
    db.commit()
    yield db


def hand_over(db: Session, settings: WorkshopSettings, code: str, *, mass_g: int = 300_000) -> None:
    """Receive ``code`` at an outlet and hand it over to the workshop."""
    events = [
        _event(EventKind.RECEIVED_AT_OUTLET, code, 0, {"mass_g": mass_g}),
        _event(EventKind.HANDED_OVER, code, 1, {"to_actor": settings.actor, "to_location": settings.site}),
    ]
    record_events(db, events, actor_id=None)


def _event(kind: EventKind, code: str, day: int, payload: dict[str, Any]) -> EventInput:
    return EventInput(
        f"t-{code[-4:]}-{kind.value[:8]}",
        kind,
        code,
        COLLECTOR,
        ActorRole.COLLECTOR,
        OUTLET,
        START + timedelta(days=day),
        payload,
    )
