"""What the outlet page shows of an outlet's past: pickups, the fill trend and its changes,
and the stop a scanning driver is sent to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, col, select

from traceability import china_today
from webapp.driver.operations import driver_of
from webapp.driver.queries import current_records, routes_of_day, weights_of
from webapp.models import (
    AuditRecord,
    Collection,
    CollectionOutcome,
    Driver,
    FillReading,
    Material,
    PlannedStop,
    SkipReason,
    User,
)
from webapp.models._types import utcnow

PICKUPS_PER_PAGE = 10
TREND_DAYS = 30

# Outlet fields as the change history names them.
FIELD_LABELS = {
    "name": _l("Name"),
    "kind": _l("Type"),
    "status": _l("Status"),
    "district": _l("District"),
    "address": _l("Address"),
    "lon": _l("Longitude"),
    "lat": _l("Latitude"),
    "materials": _l("Materials accepted"),
    "fill_threshold_pct": _l("Due at fill level (%)"),
    "capacity_l": _l("Capacity (litres)"),
    "host_name": _l("Host"),
    "host_phone": _l("Host phone"),
    "partner": _l("Partner manufacturer (co-built)"),
    "opened_on": _l("Opened on"),
    "closed_on": _l("Closed on"),
    "close_reason": _l("Reason for closing"),
    "code": _l("Code"),
}
ACTION_LABELS = {"create": _l("Outlet created"), "update": _l("Details edited"), "close": _l("Outlet closed")}
_IGNORED = {"id", "org_id", "last_fill_pct"}


@dataclass(frozen=True)
class Pickup:
    """One record in force at this outlet: when, who, what happened, the weights."""

    at: datetime
    driver: str
    outcome: CollectionOutcome
    total_g: int
    weights: list[tuple[str, int]]  # (material name, grams)
    skip_reason: str
    corrected: bool


@dataclass(frozen=True)
class PickupPage:
    items: list[Pickup]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class Change:
    """One change-log row: when, by whom, what, and the fields that changed."""

    at: datetime
    user: str
    action: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (label, before, after)


def _in_force(outlet_id: int) -> Any:
    replaced = select(Collection.supersedes_id).where(col(Collection.supersedes_id).is_not(None))
    return (Collection.outlet_id == outlet_id) & col(Collection.id).not_in(replaced)


def pickups(
    session: Session, outlet_id: int, *, page: int, locale: str, per_page: int = PICKUPS_PER_PAGE
) -> PickupPage:
    """The outlet's pickup records in force, latest first, ``per_page`` a page."""
    where = _in_force(outlet_id)
    total = session.exec(select(func.count()).select_from(Collection).where(where)).one()
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    rows = session.exec(
        select(Collection, Driver.name)
        .join(Driver, col(Driver.id) == Collection.driver_id)
        .where(where)
        .order_by(col(Collection.recorded_at).desc(), col(Collection.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    weights = weights_of(session, [c.id for c, _n in rows if c.id is not None])
    names = {m.code: m.name(locale) for m in session.exec(select(Material))}
    reasons = {r.id: r.name(locale) for r in session.exec(select(SkipReason))}
    items = [
        Pickup(
            at=c.recorded_at,
            driver=name,
            outcome=c.outcome,
            total_g=c.total_g,
            weights=[(names.get(code, code), grams) for code, grams in weights.get(c.id or 0, {}).items()],
            skip_reason=reasons.get(c.skip_reason_id, "") if c.skip_reason_id else "",
            corrected=c.supersedes_id is not None,
        )
        for c, name in rows
    ]
    return PickupPage(items=items, page=page, pages=pages, total=total)


def trend(
    session: Session, outlet_id: int, *, now: datetime | None = None
) -> tuple[list[tuple[datetime, float]], list[datetime], datetime]:
    """The last ``TREND_DAYS`` days: fill readings (time, %), emptying times, and the start."""
    now = now or utcnow()
    start = now - timedelta(days=TREND_DAYS)
    readings = session.exec(
        select(FillReading.measured_at, FillReading.fill_pct)
        .where(FillReading.outlet_id == outlet_id, col(FillReading.measured_at) >= start)
        .order_by(col(FillReading.measured_at))
    ).all()
    emptied = session.exec(
        select(Collection.recorded_at)
        .where(
            _in_force(outlet_id),
            Collection.outcome == CollectionOutcome.COLLECTED,
            col(Collection.recorded_at) >= start,
        )
        .order_by(col(Collection.recorded_at))
    ).all()
    return [(at, pct) for at, pct in readings], list(emptied), start


def changes(session: Session, outlet_id: int, *, limit: int = 50) -> list[Change]:
    """The outlet's change log, latest first, with the fields each change touched."""
    rows = session.exec(
        select(AuditRecord, User.display_name)
        .join(User, col(User.id) == AuditRecord.user_id, isouter=True)
        .where(AuditRecord.object_type == "outlet", AuditRecord.object_id == str(outlet_id))
        .order_by(col(AuditRecord.at).desc(), col(AuditRecord.id).desc())
        .limit(limit)
    ).all()
    return [
        Change(
            at=row.at,
            user=name or "—",
            action=str(ACTION_LABELS.get(row.action, row.action)),
            fields=_diff(row.before or {}, row.after or {}) if row.action != "create" else [],
        )
        for row, name in rows
    ]


def _diff(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, str, str]]:
    found = []
    for key in FIELD_LABELS:
        if key in _IGNORED or before.get(key) == after.get(key) or key not in after:
            continue
        found.append((str(FIELD_LABELS[key]), _show(before.get(key)), _show(after.get(key))))
    return found


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "—"
    return str(value)


def todays_stop(session: Session, user_id: int, outlet_id: int) -> int | None:
    """The stop at this outlet on the driver's routes today: the first not yet recorded,
    else the last one; None when the outlet is not on their routes today."""
    driver = driver_of(session, user_id)
    if driver is None:
        return None
    route_ids = [r.id for r in routes_of_day(session, driver.id, china_today()) if r.id is not None]  # type: ignore[arg-type]
    if not route_ids:
        return None
    stops = session.exec(
        select(PlannedStop)
        .where(col(PlannedStop.route_id).in_(route_ids), PlannedStop.outlet_id == outlet_id)
        .order_by(col(PlannedStop.route_id), col(PlannedStop.position))
    ).all()
    if not stops:
        return None
    done = current_records(session, [s.id for s in stops if s.id is not None])
    pending = [s for s in stops if s.id not in done]
    return (pending[0] if pending else stops[-1]).id
