"""Shared builders for the traceability tests: codes, events, a signing key."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from traceability import ActorRole, EventKind, TraceEvent

PACK_A = "S01PE0A1234567S5A0000123"
PACK_B = "S01PE0A1234567S5A0000124"
PRODUCT = "SRLPE0A1234567T310000001"
START = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)

# A recycling payload with every required field, outputs within the input.
RECYCLED = {
    "input_mass_g": 300_000,
    "li_g": 4_000,
    "ni_g": 20_000,
    "co_g": 6_000,
    "mn_g": 5_000,
    "electrode_powder_g": 90_000,
}

EventFactory = Callable[..., TraceEvent]


@pytest.fixture
def event() -> EventFactory:
    """Build events with increasing ids and times unless given."""
    counter = iter(range(1, 1_000_000))

    def build(
        kind: str,
        code: str = PACK_A,
        *,
        actor: str = "cu",
        role: str = "cascade_user",
        location: str = "F1",
        payload: Mapping[str, Any] | None = None,
        hours: int | None = None,
        **extra: Any,
    ) -> TraceEvent:
        n = next(counter)
        moment = START + timedelta(hours=n if hours is None else hours)
        return TraceEvent(
            extra.pop("event_id", f"e{n}"),
            EventKind(kind),
            code,
            actor,
            ActorRole(role),
            location,
            moment,
            moment,
            payload or {},
            **extra,
        )

    return build


@pytest.fixture(scope="session")
def key() -> Ed25519PrivateKey:
    """One signing key for the session."""
    return Ed25519PrivateKey.generate()
