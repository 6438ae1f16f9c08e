"""Power-battery indicators from the traceability log.

- received: batteries whose first receipt into custody (at an outlet or by the
  enterprise) happened in the period, with their mass and energy (rated energy when the
  log states it, else the energy measured by the capacity test; batteries with neither
  are counted in ``energy_unknown``);
- to cascade use: batteries regrouped into a cascade product in the period; to
  recycling: batteries recycled in the period (mass fed to the process);
- cascade products shipped in the period, with their rated energy;
- reporting: the obligations of the period's events (:mod:`webapp.audit.deadlines`)
  reported on time, late, open and overdue, open and not yet due;
- chains complete: received batteries with no open handover and no finding of
  :mod:`webapp.audit.anomalies` (never received, two places, mass balance); chains
  verified: every entry that touched the battery lies under the latest signed tree
  head, the head's signature holds with the pinned key, and the tree rebuilt from the
  stored entry lines has the signed root (one pass over the log instead of one
  inclusion proof per entry: rebuilding the root from every leaf proves each leaf's
  inclusion);
- recovery rates of the period's recycling against the 2024 thresholds.

Superseded entries are left out everywhere: their corrections speak for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import case
from sqlmodel import Session, col, func, select

from traceability import (
    DeadlineStatus,
    EventKind,
    leaf_hash,
    root_from_leaf_hashes,
    verify_tree_head,
)
from webapp.audit import anomalies
from webapp.audit.deadlines import Obligation, obligations
from webapp.metrics import _records
from webapp.metrics.figures import Drill, Figure, Ratio, Scope
from webapp.models import Battery, BatteryLink, TraceEventRow
from webapp.trace.settings import TraceSettings
from webapp.trace.treeheads import latest_tree_head

_METALS = tuple(anomalies.THRESHOLDS_PERMILLE)


@dataclass(frozen=True)
class Recovery:
    """One element's recovery over the period's recycling with a recorded input content
    (units ``li_g`` over ``input_li_g`` and so on)."""

    metal: str
    rate: Ratio  # recovered grams over input grams
    threshold_permille: int
    below: Figure  # recycling events under the threshold

    @property
    def meets(self) -> bool | None:
        value = self.rate.value
        return None if value is None else value * 1000 >= self.threshold_permille

    def to_json(self) -> dict[str, Any]:
        return {
            "metal": self.metal,
            "rate": self.rate.to_json(),
            "threshold_permille": self.threshold_permille,
            "meets": self.meets,
            "events_below": self.below.to_json(),
        }


@dataclass(frozen=True)
class BatteryIndicators:
    """The battery flow of the period and how well the log proves it."""

    received: Figure
    received_mass: Figure
    received_energy: Figure
    energy_unknown: int
    to_cascade: Figure
    to_cascade_mass: Figure
    to_recycling: Figure
    to_recycling_mass: Figure
    shipped: Figure
    shipped_energy: Figure
    reported_on_time: Ratio
    reported_late: Figure
    overdue_open: Figure
    not_yet_due: Figure
    chains_complete: Ratio
    chains_verified: Ratio
    chains_complete_and_verified: Ratio
    verification_note: str
    recovery: tuple[Recovery, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "received": {
                "count": self.received.to_json(),
                "mass": self.received_mass.to_json(),
                "energy": self.received_energy.to_json(),
                "energy_unknown": self.energy_unknown,
            },
            "to_cascade": {"count": self.to_cascade.to_json(), "mass": self.to_cascade_mass.to_json()},
            "to_recycling": {"count": self.to_recycling.to_json(), "mass": self.to_recycling_mass.to_json()},
            "cascade_shipped": {"count": self.shipped.to_json(), "energy": self.shipped_energy.to_json()},
            "reporting": {
                "on_time": self.reported_on_time.to_json(),
                "late": self.reported_late.to_json(),
                "overdue_open": self.overdue_open.to_json(),
                "not_yet_due": self.not_yet_due.to_json(),
            },
            "chains": {
                "complete": self.chains_complete.to_json(),
                "verified": self.chains_verified.to_json(),
                "complete_and_verified": self.chains_complete_and_verified.to_json(),
                "verification_note": self.verification_note,
            },
            "recovery": [r.to_json() for r in self.recovery],
        }


def compute(
    session: Session,
    scope: Scope,
    *,
    today: date,
    now: datetime,
    public_key: Ed25519PublicKey | None,
    trace: TraceSettings | None = None,
) -> BatteryIndicators:
    """Battery indicators of ``scope``; ``public_key`` checks the signed tree head
    (without it no chain counts as verified); ``trace`` gives the configured reporting
    rules and holiday table (default: the 2018 rules, the bundled calendar)."""
    count, mass, energy, unknown = _received(session, scope)
    received = Figure(count, "count", Drill.of("batteries", scope, set="received"))
    cascade_n, cascade_g = _to_cascade(session, scope)
    recycled_n, recycled_g = _recycled(session, scope)
    shipped_n, shipped_wh = _shipped(session, scope)
    duties = classify(period_obligations(session, scope, today=today, trace=trace))
    complete, verified, note = chain_sets(session, scope, now=now, public_key=public_key)
    cascade = Drill.of("batteries", scope, set="cascade")
    recycled = Drill.of("battery_events", scope, event=EventKind.RECYCLED.value)
    shipped = Drill.of("battery_events", scope, event=EventKind.CASCADE_SHIPPED.value)
    decided = sum(len(duties[k]) for k in ("on_time", "late", "overdue"))
    return BatteryIndicators(
        received=received,
        received_mass=Figure(mass, "g", received.drill),
        received_energy=Figure(energy, "Wh", received.drill),
        energy_unknown=unknown,
        to_cascade=Figure(cascade_n, "count", cascade),
        to_cascade_mass=Figure(cascade_g, "g", cascade),
        to_recycling=Figure(recycled_n, "count", recycled),
        to_recycling_mass=Figure(recycled_g, "g", recycled),
        shipped=Figure(shipped_n, "count", shipped),
        shipped_energy=Figure(shipped_wh, "Wh", shipped),
        reported_on_time=Ratio(
            _duty(scope, duties, "on_time"),
            Figure(decided, "count", Drill.of("battery_events", scope, obligation="decided")),
        ),
        reported_late=_duty(scope, duties, "late"),
        overdue_open=_duty(scope, duties, "overdue"),
        not_yet_due=_duty(scope, duties, "pending"),
        chains_complete=Ratio(
            Figure(len(complete), "count", Drill.of("batteries", scope, set="complete")), received
        ),
        chains_verified=Ratio(
            Figure(len(verified), "count", Drill.of("batteries", scope, set="verified")), received
        ),
        chains_complete_and_verified=Ratio(
            Figure(
                len(complete & verified), "count", Drill.of("batteries", scope, set="complete_and_verified")
            ),
            received,
        ),
        verification_note=note,
        recovery=_recovery(session, scope),
    )


def _duty(scope: Scope, duties: dict[str, list[Obligation]], key: str) -> Figure:
    return Figure(len(duties[key]), "count", Drill.of("battery_events", scope, obligation=key))


def _received(session: Session, scope: Scope) -> tuple[int, int, int, int]:
    first = _records.first_receipts(scope).subquery()
    tested = tested_energy().subquery()
    energy = case((col(Battery.rated_energy_wh).is_not(None), Battery.rated_energy_wh), else_=tested.c.wh)
    row = session.exec(
        select(
            func.count(first.c.code),
            func.sum(Battery.mass_g),
            func.sum(energy),
            func.sum(case((energy.is_(None), 1), else_=0)),
        )
        .select_from(first)
        .outerjoin(Battery, col(Battery.code) == first.c.code)
        .outerjoin(tested, tested.c.code == first.c.code)
    ).one()
    return tuple(int(v or 0) for v in row)  # type: ignore[return-value]


def tested_energy() -> Any:
    """Per battery, the energy measured by its capacity test in force (``code``, ``wh``)."""
    wh = TraceEventRow.payload["capacity_wh"].as_integer()  # type: ignore[index]
    return (
        select(col(TraceEventRow.battery_code).label("code"), func.max(wh).label("wh"))
        .where(TraceEventRow.kind == EventKind.CAPACITY_TESTED.value, _records.event_in_force())
        .group_by(TraceEventRow.battery_code)
    )


def _to_cascade(session: Session, scope: Scope) -> tuple[int, int]:
    sources = (
        select(BatteryLink.child_code)
        .distinct()
        .join(TraceEventRow, col(TraceEventRow.seq) == BatteryLink.since_seq)
        .where(*_records.regrouped_sources(scope))
        .subquery()
    )
    row = session.exec(
        select(func.count(sources.c.child_code), func.sum(Battery.mass_g))
        .select_from(sources)
        .outerjoin(Battery, col(Battery.code) == sources.c.child_code)
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


def _recycled(session: Session, scope: Scope) -> tuple[int, int]:
    fed = TraceEventRow.payload["input_mass_g"].as_integer()  # type: ignore[index]
    row = session.exec(
        select(func.count(), func.sum(fed)).where(*_records.events(scope, [EventKind.RECYCLED.value]))
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


def _shipped(session: Session, scope: Scope) -> tuple[int, int]:
    row = session.exec(
        select(func.count(), func.sum(Battery.rated_energy_wh))
        .select_from(TraceEventRow)
        .outerjoin(Battery, col(Battery.code) == TraceEventRow.battery_code)
        .where(*_records.events(scope, [EventKind.CASCADE_SHIPPED.value]))
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


def period_obligations(
    session: Session, scope: Scope, *, today: date, trace: TraceSettings | None = None
) -> list[Obligation]:
    """Reporting obligations of the events that happened in the period (China dates)."""
    trace = trace or TraceSettings()
    found = [
        ob
        for ob in obligations(session, today=today, rules=trace.rules, holidays_path=trace.holidays_path)
        if scope.start <= ob.deadline.event_date <= scope.end
    ]
    if scope.org_id is None:
        return found
    ids = set(
        session.exec(
            select(TraceEventRow.event_id).where(
                TraceEventRow.org_id == scope.org_id,
                col(TraceEventRow.occurred_at) >= scope.start_utc,
                col(TraceEventRow.occurred_at) < scope.end_utc,
            )
        ).all()
    )
    return [ob for ob in found if ob.deadline.event_id in ids]


def classify(found: list[Obligation]) -> dict[str, list[Obligation]]:
    """Obligations by outcome: reported on time, reported late, open and overdue, open
    and not yet due (``pending``: left out of the on-time share until decided)."""
    lists: dict[str, list[Obligation]] = {"on_time": [], "late": [], "overdue": [], "pending": []}
    for ob in found:
        overdue = ob.deadline.status is DeadlineStatus.OVERDUE
        if ob.reported_on is not None:
            lists["late" if overdue else "on_time"].append(ob)
        else:
            lists["overdue" if overdue else "pending"].append(ob)
    return lists


def received_codes(session: Session, scope: Scope) -> list[str]:
    """Codes of the batteries received in the period."""
    first = _records.first_receipts(scope).subquery()
    return sorted(session.exec(select(first.c.code)).all())


def chain_sets(
    session: Session, scope: Scope, *, now: datetime, public_key: Ed25519PublicKey | None
) -> tuple[set[str], set[str], str]:
    """Received codes whose chain is complete, those verified, and a note on verification."""
    codes = set(received_codes(session, scope))
    if not codes:
        return set(), set(), ""
    found = [
        *anomalies.not_received(session, now=now, days=7),
        *anomalies.two_places(session),
        *anomalies.mass_balance(session),
    ]
    broken = {a.battery_code for a in found}
    moving = set(session.exec(select(Battery.code).where(Battery.status == "in_transit")).all())
    complete = codes - broken - moving
    verified, note = _verified(session, scope, public_key)
    return complete, verified & codes, note


def _verified(session: Session, scope: Scope, public_key: Ed25519PublicKey | None) -> tuple[set[str], str]:
    head = latest_tree_head(session)
    if head is None:
        return set(), "no signed tree head yet"
    if public_key is None:
        return set(), "no key to check the tree head with"
    if not verify_tree_head(head, public_key=public_key):
        return set(), "the latest tree head's signature does not verify with the pinned key"
    lines = session.exec(
        select(TraceEventRow.line).where(col(TraceEventRow.seq) < head.tree_size).order_by(TraceEventRow.seq)
    ).all()
    rebuilt = root_from_leaf_hashes(leaf_hash(line.encode("utf-8")) for line in lines)
    if len(lines) != head.tree_size or rebuilt != head.root_hash:
        return set(), "the stored log does not rebuild the signed root"
    first = _records.first_receipts(scope).subquery()
    newest: dict[str, int] = {}
    for code, seq in session.exec(
        select(TraceEventRow.battery_code, func.max(TraceEventRow.seq))
        .join(first, first.c.code == TraceEventRow.battery_code)
        .group_by(TraceEventRow.battery_code)
    ).all():
        newest[code] = seq
    last_link = func.max(func.coalesce(BatteryLink.until_seq, BatteryLink.since_seq))
    for code, seq in session.exec(
        select(BatteryLink.child_code, last_link)
        .join(first, first.c.code == BatteryLink.child_code)
        .group_by(BatteryLink.child_code)
    ).all():
        newest[code] = max(newest.get(code, -1), seq)
    return {c for c, seq in newest.items() if seq < head.tree_size}, f"tree head of {head.tree_size} entries"


def _recovery(session: Session, scope: Scope) -> tuple[Recovery, ...]:
    row = session.exec(
        select(*recovery_sums()).where(*_records.events(scope, [EventKind.RECYCLED.value]))
    ).one()
    low = anomalies.low_recovery(session)
    window = _recycled_ids(session, scope)
    drill = Drill.of("battery_events", scope, event=EventKind.RECYCLED.value)
    found = []
    for index, metal in enumerate(_METALS):
        below = sum(1 for a in low if a.values["metal"] == metal and a.event_id in window)
        found.append(
            Recovery(
                metal,
                Ratio(
                    Figure(int(row[2 * index] or 0), f"{metal}_g", drill),
                    Figure(int(row[2 * index + 1] or 0), f"input_{metal}_g", drill),
                ),
                anomalies.THRESHOLDS_PERMILLE[metal],
                Figure(
                    below, "count", Drill.of("battery_events", scope, event="recycled", below_threshold=metal)
                ),
            )
        )
    return tuple(found)


def recovery_sums() -> list[Any]:
    """Per metal: grams recovered where the input content is recorded, and that content."""
    payload: Any = TraceEventRow.payload
    columns = []
    for metal in _METALS:
        contained = payload[f"input_{metal}_g"].as_integer()
        out = payload[f"{metal}_g"].as_integer()
        columns += [func.sum(case((contained.is_not(None), out), else_=None)), func.sum(contained)]
    return columns


def _recycled_ids(session: Session, scope: Scope) -> set[str]:
    return set(
        session.exec(
            select(TraceEventRow.event_id).where(*_records.events(scope, [EventKind.RECYCLED.value]))
        ).all()
    )
