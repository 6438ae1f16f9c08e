"""The full indicator set of a scope, as one frozen value with ``to_json()``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import Session, select

import geodata
from traceability import CHINA_TZ
from webapp.metrics import (
    batteries,
    carbon,
    collection,
    mass_balance,
    outlets,
    residents,
    subsidy,
    weighed,
    workshop,
)
from webapp.metrics.figures import MetricsInputError, Scope
from webapp.models import Organisation, Outlet
from webapp.trace.settings import TraceSettings


@dataclass(frozen=True)
class Indicators:
    """Every figure of the application for one scope."""

    scope: Scope
    computed_at: datetime
    org_name: str
    outlets: outlets.OutletIndicators
    collection: collection.CollectionIndicators
    batteries: batteries.BatteryIndicators
    carbon: carbon.CarbonIndicators
    subsidy: subsidy.SubsidyIndicators
    mass_balance: mass_balance.MassBalance
    residents: residents.ResidentIndicators | None = None
    workshop: workshop.WorkshopIndicators | None = None
    # The collection figures on weighbridge net weight (None with a district scope).
    collection_weighed: weighed.WeighedCollection | None = None

    def to_json(self) -> dict[str, Any]:
        """One object with a key per indicator group, plus ``scope``."""
        return {
            "scope": {
                "from": self.scope.start.isoformat(),
                "to": self.scope.end.isoformat(),
                "org_id": self.scope.org_id,
                "org_name": self.org_name,
                "district": self.scope.district,
                "computed_at": self.computed_at.isoformat(),
            },
            "outlets": self.outlets.to_json(),
            "collection": self.collection.to_json(),
            "batteries": self.batteries.to_json(),
            "carbon": self.carbon.to_json(),
            "subsidy": self.subsidy.to_json(),
            "mass_balance": self.mass_balance.to_json(),
            "residents": self.residents.to_json() if self.residents else None,
            "workshop": self.workshop.to_json() if self.workshop else None,
            "collection_weighed": self.collection_weighed.to_json() if self.collection_weighed else None,
        }


def check_scope(session: Session, scope: Scope) -> str:
    """Refuse an unknown organisation or district; returns the organisation's name."""
    name = ""
    if scope.org_id is not None:
        org = session.get(Organisation, scope.org_id)
        if org is None:
            raise MetricsInputError("org", f"no organisation with id {scope.org_id}")
        name = org.name
    if scope.district:
        known = {d.code for d in geodata.DISTRICTS}
        known |= {d for d in session.exec(select(Outlet.district).distinct()).all() if d}
        if scope.district not in known:
            raise MetricsInputError(
                "district", f"unknown district {scope.district!r}; known: {', '.join(sorted(known))}"
            )
    return name


def compute(
    session: Session,
    scope: Scope,
    *,
    cache_dir: Path | None = None,
    public_key: Ed25519PublicKey | None = None,
    trace: TraceSettings | None = None,
    now: datetime | None = None,
) -> Indicators:
    """Compute every indicator of ``scope`` from the records.

    ``now`` fixes the moment deadlines and anomalies are judged at (default: now);
    ``public_key`` verifies the signed tree head for the "chains verified" figure;
    ``trace`` carries the configured reporting rules (:func:`webapp.trace.settings.trace_settings`).
    """
    name = check_scope(session, scope)
    now = now or datetime.now(UTC)
    today = now.astimezone(CHINA_TZ).date()
    net = outlets.compute(session, scope, cache_dir=cache_dir)
    collected = collection.compute(session, scope)
    tickets = mass_balance.weighed_daily(session, scope, collected)
    return Indicators(
        scope=scope,
        computed_at=now,
        org_name=name,
        outlets=net,
        collection=collected,
        batteries=batteries.compute(session, scope, today=today, now=now, public_key=public_key, trace=trace),
        carbon=carbon.compute(session, scope, collected),
        subsidy=subsidy.compute(session, scope, collected, net.new, tickets),
        mass_balance=mass_balance.compute(session, scope, collected, tickets),
        residents=residents.compute(session, scope, collected.total),
        workshop=workshop.compute(session, scope),
        collection_weighed=weighed.compute(scope, collected, tickets),
    )


def default_period(today: date) -> tuple[date, date]:
    """The 365 days ending yesterday (the dashboard's default period)."""
    end = today - timedelta(days=1)
    return end - timedelta(days=364), end
