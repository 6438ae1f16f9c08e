"""Anomalies a regulator looks for in the log.

- a handover never received: in transit for longer than ``in_transit_days``;
- a battery in two places: an event recorded at a location other than where the
  log has the battery (the lifecycle rules check who holds a battery, not where, so
  such an event is accepted and must be surfaced); a regrouping that names a source
  held elsewhere counts too;
- retired long ago and never received: still "retired" after ``retired_days``;
- recycling mass balance that does not add up: the mass fed to recycling differs
  from the mass received by more than ``tolerance_permille``, or recovered outputs
  plus the disposed residue exceed the input;
- recovery rates under the 2024 industry conditions (Li 90 %, Ni/Co/Mn 98 %,
  electrode powder 98 %), where the input content of the element is recorded.

Superseded events are left out: their corrections speak for them.

Findings are computed, not stored; each has a stable :attr:`Anomaly.key`. A regulator
or administrator acknowledges one with a note and a status (待处理, 已确认, 跟进中,
已关闭) through :func:`acknowledge`, which appends an ``anomaly_follow_up`` row; the
latest row is the finding's state, the earlier ones its trail (:func:`trails`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from traceability import EventKind
from webapp.models import AnomalyFollowUp, Battery, FollowUpStatus, TraceEventRow, User

KINDS = (
    "not_received",
    "two_places",
    "retired_not_received",
    "mass_balance",
    "low_recovery",
    "cascade_health",
)
NOTE_MAX = 1000

#: Minimum recovery rates in per mille (工业和信息化部 2024 industry conditions).
THRESHOLDS_PERMILLE: Mapping[str, int] = {"li": 900, "ni": 980, "co": 980, "mn": 980, "electrode_powder": 980}
#: Events that happen where the battery already is.
_IN_PLACE = {
    "handed_over",
    "inspected",
    "capacity_tested",
    "disassembled",
    "recycled",
    "disposed",
    "cascade_shipped",
}
#: Events after which the battery is where the event says.
_MOVES = {"retired_from_vehicle", "received_at_outlet", "received_by_enterprise", "regrouped"}


@dataclass(frozen=True)
class Anomaly:
    """One finding; ``values`` carries what the page needs to word it."""

    kind: str
    battery_code: str
    event_id: str | None = None
    at: datetime | None = None
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Stable name of the finding across visits: kind, battery, event (or, with no
        event, the moment of the battery's last entry) and the rule or metal it breaks."""
        anchor = self.event_id or (self.at.isoformat() if self.at else "-")
        detail = self.values.get("rule") or self.values.get("metal") or ""
        return f"{self.kind}:{self.battery_code}:{anchor}:{detail}"[:200]


class FollowUpError(ValueError):
    """An acknowledgement refused; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: Any) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class TrailEntry:
    """One acknowledgement as the page shows it."""

    status: FollowUpStatus
    note: str
    at: datetime
    who: str


def acknowledge(
    session: Session,
    found: Mapping[str, list[Anomaly]],
    *,
    key: str,
    status: str,
    note: str,
    actor_id: int | None,
) -> AnomalyFollowUp:
    """Append an acknowledgement of the finding ``key`` (one of ``found``) with its note
    and new status (no commit). Earlier rows stay as they were."""
    anomaly = next((a for items in found.values() for a in items if a.key == key), None)
    if anomaly is None:
        raise FollowUpError("key", _l("No current anomaly has this key."))
    try:
        chosen = FollowUpStatus(status)
    except ValueError:
        raise FollowUpError("status", _l("Not a follow-up status.")) from None
    text = (note or "").strip()
    if not text:
        raise FollowUpError("note", _l("Write a note."))
    if len(text) > NOTE_MAX:
        raise FollowUpError("note", _l("At most %(n)d characters.", n=NOTE_MAX))
    row = AnomalyFollowUp(
        anomaly_key=key,
        kind=anomaly.kind,
        battery_code=anomaly.battery_code,
        status=chosen,
        note=text,
        user_id=actor_id,
    )
    session.add(row)
    return row


def trails(session: Session, keys: list[str]) -> dict[str, list[TrailEntry]]:
    """Each key's acknowledgements, oldest first (the last is the current state)."""
    if not keys:
        return {}
    rows = session.exec(
        select(AnomalyFollowUp, User.display_name, User.username)
        .join(User, col(User.id) == AnomalyFollowUp.user_id, isouter=True)
        .where(col(AnomalyFollowUp.anomaly_key).in_(keys))
        .order_by(col(AnomalyFollowUp.at), col(AnomalyFollowUp.id))
    ).all()
    found: dict[str, list[TrailEntry]] = {}
    for row, display, username in rows:
        entry = TrailEntry(FollowUpStatus(row.status), row.note, row.at, display or username or "—")
        found.setdefault(row.anomaly_key, []).append(entry)
    return found


def find_all(
    session: Session,
    *,
    now: datetime,
    in_transit_days: int = 7,
    retired_days: int = 30,
    tolerance_permille: int = 20,
) -> dict[str, list[Anomaly]]:
    """Every list, by kind."""
    return {
        "not_received": not_received(session, now=now, days=in_transit_days),
        "two_places": two_places(session),
        "retired_not_received": retired_not_received(session, now=now, days=retired_days),
        "mass_balance": mass_balance(session, tolerance_permille=tolerance_permille),
        "low_recovery": low_recovery(session),
        "cascade_health": cascade_health(session),
    }


def cascade_health(session: Session) -> list[Anomaly]:
    """Cascade products in service whose health reading was over temperature or showed a
    fast SOH fall (see :mod:`webapp.cascade.health`)."""
    from webapp.cascade.health import anomalies as flagged

    return [
        Anomaly(
            "cascade_health",
            r.product_code,
            r.reading_id,
            r.taken_at,
            {"rule": r.anomaly, "soh_pct": r.soh_permille / 10, "temperature_c": r.max_temperature_dc / 10},
        )
        for r in flagged(session)
    ]


def not_received(session: Session, *, now: datetime, days: int) -> list[Anomaly]:
    """Handed over more than ``days`` ago and not received since."""
    rows = session.exec(
        select(Battery)
        .where(Battery.status == "in_transit", col(Battery.last_event_at) < now - timedelta(days=days))
        .order_by(col(Battery.last_event_at))
    ).all()
    found = []
    for battery in rows:
        handover = session.exec(
            select(TraceEventRow)
            .where(TraceEventRow.battery_code == battery.code, TraceEventRow.kind == "handed_over")
            .order_by(col(TraceEventRow.seq).desc())
        ).first()
        payload = handover.payload if handover else {}
        found.append(
            Anomaly(
                "not_received",
                battery.code,
                handover.event_id if handover else None,
                battery.last_event_at,
                {
                    "days": (now - battery.last_event_at).days,  # type: ignore[operator]
                    "from_actor": battery.holder,
                    "to_actor": payload.get("to_actor"),
                    "to_location": payload.get("to_location"),
                },
            )
        )
    return found


def retired_not_received(session: Session, *, now: datetime, days: int) -> list[Anomaly]:
    """Retired (from a vehicle or from cascade use) more than ``days`` ago, never received."""
    rows = session.exec(
        select(Battery)
        .where(Battery.status == "retired", col(Battery.last_event_at) < now - timedelta(days=days))
        .order_by(col(Battery.last_event_at))
    ).all()
    return [
        Anomaly(
            "retired_not_received",
            b.code,
            None,
            b.last_event_at,
            {
                "days": (now - b.last_event_at).days,  # type: ignore[operator]
                "holder": b.holder,
                "location": b.location,
            },
        )
        for b in rows
    ]


def two_places(session: Session) -> list[Anomaly]:
    """Events recorded away from where the log has the battery at that moment."""
    superseded = _superseded(session)
    rows = session.exec(
        select(
            TraceEventRow.event_id,
            TraceEventRow.kind,
            TraceEventRow.battery_code,
            TraceEventRow.location,
            TraceEventRow.occurred_at,
            TraceEventRow.payload,
        ).order_by(TraceEventRow.seq)
    ).all()
    where: dict[str, str | None] = {}
    found = []
    for event_id, kind, code, location, occurred, payload in rows:
        if event_id in superseded:
            continue
        # A correction re-states an event: compare it like the original.
        known = where.get(code)
        if kind in _IN_PLACE and known is not None and known != location:
            found.append(
                Anomaly(
                    "two_places",
                    code,
                    event_id,
                    occurred,
                    {"kind": EventKind(kind), "recorded_at": location, "log_has": known},
                )
            )
        if kind == "regrouped":
            for source in payload.get("sources", ()):
                held = where.get(source)
                if held is not None and held != location:
                    found.append(
                        Anomaly(
                            "two_places",
                            source,
                            event_id,
                            occurred,
                            {"kind": EventKind(kind), "recorded_at": location, "log_has": held},
                        )
                    )
                where[source] = None
        if kind == "disassembled":
            where.update({part: location for part in payload.get("parts", ())})
        if kind in _MOVES:
            where[code] = location
        elif kind == "cascade_shipped":
            where[code] = None  # at a customer's site, which the log does not locate
    return found


def mass_balance(session: Session, *, tolerance_permille: int = 20) -> list[Anomaly]:
    """Recycling inputs that differ from the mass received, or outputs above the input."""
    received: dict[str, int] = {}
    disposed: dict[str, int] = {}
    recycled: list[tuple[str, str, datetime, dict[str, Any]]] = []
    for event_id, kind, code, occurred, payload in _in_force(
        session, ("received_by_enterprise", "recycled", "disposed")
    ):
        if kind == "received_by_enterprise" and isinstance(payload.get("mass_g"), int):
            received[code] = payload["mass_g"]
        elif kind == "disposed" and isinstance(payload.get("mass_g"), int):
            disposed[code] = payload["mass_g"]
        elif kind == "recycled":
            recycled.append((event_id, code, occurred, payload))
    found = []
    for event_id, code, occurred, payload in recycled:
        fed = int(payload["input_mass_g"])
        got = received.get(code)
        if got and abs(fed - got) * 1000 > tolerance_permille * got:
            found.append(
                Anomaly(
                    "mass_balance",
                    code,
                    event_id,
                    occurred,
                    {"rule": "input_vs_received", "input_g": fed, "received_g": got},
                )
            )
        out = sum(int(payload.get(f"{m}_g", 0)) for m in THRESHOLDS_PERMILLE) + disposed.get(code, 0)
        if out > fed:
            found.append(
                Anomaly(
                    "mass_balance",
                    code,
                    event_id,
                    occurred,
                    {"rule": "outputs_exceed_input", "input_g": fed, "output_g": out},
                )
            )
    return found


def low_recovery(session: Session, *, thresholds: Mapping[str, int] = THRESHOLDS_PERMILLE) -> list[Anomaly]:
    """Recovery rates below the thresholds, per element with a recorded input content."""
    found = []
    for event_id, _kind, code, occurred, payload in _in_force(session, ("recycled",)):
        for metal, minimum in thresholds.items():
            contained = payload.get(f"input_{metal}_g")
            if not isinstance(contained, int) or contained <= 0:
                continue
            rate = int(payload.get(f"{metal}_g", 0)) * 1000 // contained
            if rate < minimum:
                found.append(
                    Anomaly(
                        "low_recovery",
                        code,
                        event_id,
                        occurred,
                        {"metal": metal, "rate_permille": rate, "threshold_permille": minimum},
                    )
                )
    return found


def _in_force(session: Session, kinds: tuple[str, ...]) -> list[tuple[Any, ...]]:
    superseded = _superseded(session)
    rows = session.exec(
        select(
            TraceEventRow.event_id,
            TraceEventRow.kind,
            TraceEventRow.battery_code,
            TraceEventRow.occurred_at,
            TraceEventRow.payload,
        )
        .where(col(TraceEventRow.kind).in_(kinds))
        .order_by(TraceEventRow.seq)
    ).all()
    return [tuple(r) for r in rows if r[0] not in superseded]


def _superseded(session: Session) -> set[str]:
    rows = session.exec(select(TraceEventRow.corrects).where(col(TraceEventRow.corrects).is_not(None))).all()
    return {r for r in rows if r}
