"""Builders for battery events as a partner system would send them, and a recorder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from traceability import CHINA_TZ
from webapp.trace.inputs import parse_event
from webapp.trace.operations import Recorded, record_events

PACK_A = "S01PE0A1234567S5A0000123"
PACK_B = "S01PE0A1234567S5A0000124"
PRODUCT = "SRLPE0A1234567T310000001"
START = datetime(2026, 9, 1, 9, 0, tzinfo=CHINA_TZ)
OUTLET, PLANT = "NS-0001", "SRL-PLANT-1"
COLLECTOR, CASCADE = "绿环回收网点", "示例梯次利用企业"
TEST = {"soh_permille": 780, "capacity_wh": 42_000, "method": "GB/T 34015-2017", "equipment": "BTS-4000"}
RECYCLED = {
    "input_mass_g": 300_000,
    "li_g": 4_000,
    "ni_g": 20_000,
    "co_g": 6_000,
    "mn_g": 5_000,
    "electrode_powder_g": 90_000,
}

Item = dict[str, Any]


def item(
    kind: str,
    code: str = PACK_A,
    *,
    n: int,
    actor: str = CASCADE,
    role: str = "cascade_user",
    location: str = PLANT,
    payload: Item | None = None,
    **extra: Any,
) -> Item:
    """One event object as JSON would carry it; ``n`` numbers the id and the day."""
    body = {
        "event_id": extra.pop("event_id", f"ev-{code[-4:]}-{n}"),
        "kind": kind,
        "battery_code": code,
        "actor": actor,
        "actor_role": role,
        "location": location,
        "occurred_at": (START + timedelta(days=n)).isoformat(),
        "payload": payload or {},
    }
    body.update(extra)
    return body


def to_enterprise(code: str = PACK_A, *, start: int = 0) -> list[Item]:
    """Received at the outlet, handed over, received by the cascade-use enterprise."""
    return [
        item(
            "received_at_outlet",
            code,
            n=start,
            actor=COLLECTOR,
            role="collector",
            location=OUTLET,
            payload={"mass_g": 300_000},
        ),
        item(
            "handed_over",
            code,
            n=start + 1,
            actor=COLLECTOR,
            role="collector",
            location=OUTLET,
            payload={"to_actor": CASCADE, "to_location": PLANT},
        ),
        item("received_by_enterprise", code, n=start + 2, payload={"mass_g": 300_000}),
    ]


Recorder = Callable[..., list[Recorded]]


@pytest.fixture
def record(db: Session) -> Iterator[Recorder]:
    """Record event objects through the real operation (parse, then record_events)."""

    def run(items: list[Item], *, actor_id: int | None = None) -> list[Recorded]:
        parsed = []
        for body in items:
            event, problems = parse_event(body)
            assert event is not None, problems
            parsed.append(event)
        return record_events(db, parsed, actor_id=actor_id)

    yield run
