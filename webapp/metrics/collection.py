"""Collection indicators: tonnes by material, month, outlet and district, low-value
share, pickups served against due, skip rate by reason, km per tonne.

A collection counts on its plan's service day (an Asia/Shanghai date) and only in its
latest version: a corrected record is replaced by its correction, never added to it.
Four grouped queries do the work (with the days of the period's routes); months,
districts and shares are folded from their few thousand result rows.
"""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import case
from sqlmodel import Session, col, func, select

from webapp.metrics import _records
from webapp.metrics.figures import Drill, Figure, Ratio, Scope
from webapp.models import (
    Collection,
    CollectionOutcome,
    CollectionPlan,
    CollectionWeight,
    Material,
    Outlet,
    PlannedRoute,
    PlannedStop,
    SkipReason,
)


@dataclass(frozen=True)
class MaterialInfo:
    """What the reports say about a material."""

    id: int
    code: str
    name_zh: str
    name_en: str
    low_value: bool
    sort_order: int


@dataclass(frozen=True)
class Tonnage:
    """Grams collected under one heading (a material, month, outlet or district)."""

    key: str
    label: str
    grams: Figure
    collections: int = 0
    parts: tuple[tuple[str, Figure], ...] = ()  # by material, for months
    district: str | None = None  # for outlets

    def to_json(self) -> dict[str, Any]:
        found = {"key": self.key, "label": self.label, "grams": self.grams.to_json()}
        if self.collections:
            found["collections"] = self.collections
        if self.district is not None:
            found["district"] = self.district
        if self.parts:
            found["by_material"] = {code: f.to_json() for code, f in self.parts}
        return found


@dataclass(frozen=True)
class SkipRate:
    """Stops skipped for one reason, as a share of the stops due."""

    reason: str
    name_zh: str
    name_en: str
    rate: Ratio

    def to_json(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "rate": self.rate.to_json(),
        }


@dataclass(frozen=True)
class CollectionIndicators:
    """Everything collected in the period; ``daily`` feeds the carbon and subsidy figures."""

    total: Figure
    by_material: tuple[Tonnage, ...]
    by_month: tuple[Tonnage, ...]
    by_outlet: tuple[Tonnage, ...]
    by_district: tuple[Tonnage, ...]
    low_value_share: Ratio
    due: Figure
    served: Ratio
    skipped: Ratio
    pending: Figure
    skip_rates: tuple[SkipRate, ...]
    distance: Figure
    km_per_tonne: Ratio | None
    materials: tuple[MaterialInfo, ...] = field(repr=False, default=())
    daily: tuple[tuple[date, int, int], ...] = field(repr=False, default=())  # day, material, g
    # route, material, g: the same scan grouped by route too, so the mass balance's per-trip
    # shares need no second read of a year's weights (webapp.metrics.mass_balance).
    by_route: tuple[tuple[int, int, int], ...] = field(repr=False, default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total.to_json(),
            "by_material": [t.to_json() for t in self.by_material],
            "by_month": [t.to_json() for t in self.by_month],
            "by_outlet": [t.to_json() for t in self.by_outlet],
            "by_district": [t.to_json() for t in self.by_district],
            "low_value_share": self.low_value_share.to_json(),
            "pickups": {
                "due": self.due.to_json(),
                "served": self.served.to_json(),
                "skipped": self.skipped.to_json(),
                "pending": self.pending.to_json(),
            },
            "skip_rates": [s.to_json() for s in self.skip_rates],
            "distance": self.distance.to_json(),
            "km_per_tonne": self.km_per_tonne.to_json() if self.km_per_tonne else None,
        }


def materials(session: Session) -> tuple[MaterialInfo, ...]:
    """Every material, in the list's order."""
    rows = session.exec(select(Material).order_by(Material.sort_order, Material.id)).all()
    return tuple(
        MaterialInfo(m.id, m.code, m.name_zh, m.name_en, m.low_value, m.sort_order)  # type: ignore[arg-type]
        for m in rows
    )


def compute(session: Session, scope: Scope) -> CollectionIndicators:
    """Collection indicators of ``scope``."""
    known = materials(session)
    daily, by_route = _daily(session, scope)
    by_outlet = _by_outlet(session, scope)
    total = Figure(sum(g for _d, _m, g in daily), "g", Drill.of("collections", scope))
    low_ids = {m.id for m in known if m.low_value}
    low = Figure(
        sum(g for _d, m, g in daily if m in low_ids), "g", Drill.of("collections", scope, low_value=1)
    )
    stops = _stops(session, scope)
    due = Figure(sum(stops.values()), "count", Drill.of("stops", scope))
    skipped = sum(n for (outcome, _r), n in stops.items() if outcome == CollectionOutcome.SKIPPED)
    distance = _distance(session, scope)
    return CollectionIndicators(
        total=total,
        by_material=_by_material(scope, known, daily),
        by_month=_by_month(scope, known, daily),
        by_outlet=tuple(by_outlet),
        by_district=_by_district(scope, by_outlet),
        low_value_share=Ratio(low, total),
        due=due,
        served=Ratio(
            Figure(
                stops.get((CollectionOutcome.COLLECTED, None), 0),
                "count",
                Drill.of("stops", scope, status="served"),
            ),
            due,
        ),
        skipped=Ratio(Figure(skipped, "count", Drill.of("stops", scope, status="skipped")), due),
        pending=Figure(stops.get((None, None), 0), "count", Drill.of("stops", scope, status="pending")),
        skip_rates=_skip_rates(session, scope, stops, due),
        distance=distance,
        # Routes cross district lines: their distance belongs to no one district.
        km_per_tonne=None if scope.district else Ratio(distance, total, 1000),
        materials=known,
        daily=tuple(daily),
        by_route=tuple(by_route),
    )


def _daily(session: Session, scope: Scope) -> tuple[list[tuple[date, int, int]], list[tuple[int, int, int]]]:
    """Grams per day and material, and per route and material, from one grouped scan."""
    grams = func.sum(CollectionWeight.grams)
    # The outlet join only serves a district filter; a year's weights are the bulk of
    # the work, so it is left out when no district is asked for. Grouped by route alone
    # (a route has one day, looked up after): a narrower key is a cheaper grouping
    # on both databases, and PostgreSQL then estimates the groups right.
    query = _records.collection_joins(
        select(Collection.route_id, CollectionWeight.material_id, grams)
        .select_from(Collection)
        .join(CollectionWeight, col(CollectionWeight.collection_id) == Collection.id),
        outlet=scope.district is not None,
    )
    rows = session.exec(
        query.where(*_records.collected(scope)).group_by(Collection.route_id, CollectionWeight.material_id)
    ).all()
    days = dict(
        session.exec(
            select(PlannedRoute.id, CollectionPlan.day)
            .join(CollectionPlan, col(CollectionPlan.id) == PlannedRoute.plan_id)
            .where(col(CollectionPlan.day).between(scope.start, scope.end))
        ).all()
    )
    daily: dict[tuple[date, int], int] = defaultdict(int)
    by_route = []
    for route, material, g in rows:
        daily[(days[route], material)] += int(g or 0)
        by_route.append((route, material, int(g or 0)))
    per_day = sorted((d, m, g) for (d, m), g in daily.items())
    return per_day, sorted(by_route)


def _by_outlet(session: Session, scope: Scope) -> list[Tonnage]:
    # A record's total_g is the sum of its weights, written with them in one transaction
    # (webapp.driver.operations); reading it spares a join with every weight row.
    # Doorstep collections (no outlet) make one row per district, drilled to their bookings.
    # Summed per outlet first (per stop where the outlet gives no district), then per
    # district: the booking's district is looked up for those few groups, not for every
    # record, and the grouping key stays two integers.
    stop = case((col(Outlet.district).is_(None), Collection.stop_id))
    per_outlet = (
        _records.collection_joins(
            select(
                col(Collection.outlet_id).label("outlet_id"),
                stop.label("stop_id"),
                func.sum(Collection.total_g).label("grams"),
                func.count(col(Collection.id)).label("records"),
            ).select_from(Collection)
        )
        .where(*_records.collected(scope))
        .group_by(Collection.outlet_id, stop)
        .subquery()
    )
    door = _records.booking_district(per_outlet.c.stop_id)
    district = func.coalesce(Outlet.district, door).label("district")
    rows = session.exec(
        select(
            Outlet.id,
            Outlet.code,
            Outlet.name,
            district,
            func.sum(per_outlet.c.grams),
            func.sum(per_outlet.c.records),
        )
        .select_from(per_outlet)
        .outerjoin(Outlet, col(Outlet.id) == per_outlet.c.outlet_id)
        .group_by(Outlet.id, Outlet.code, Outlet.name, district)
    ).all()
    rows = sorted(rows, key=lambda r: (-(r[4] or 0), r[1] or ""))  # heaviest first
    return [_tonnage(scope, *row) for row in rows]


#: The heading of the collections made at residents' doors (booking stops).
DOORSTEP = "doorstep"


def _tonnage(scope: Scope, *row: Any) -> Tonnage:
    outlet_id, code, name, district, grams, count = row
    if outlet_id is None:
        part = Scope(scope.start, scope.end, scope.org_id, district or scope.district)
        drill = Drill.of("collections", part, channel=DOORSTEP)
        label = "上门回收 (预约)"
    else:
        drill = Drill.of("collections", scope, outlet=outlet_id)
        code, label = code or "", f"{code} {name}"
    figure = Figure(int(grams or 0), "g", drill)
    return Tonnage(code or DOORSTEP, label, figure, int(count), district=district or "")


def _by_district(scope: Scope, by_outlet: list[Tonnage]) -> tuple[Tonnage, ...]:
    grams: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    for row in by_outlet:
        district = row.district or ""
        grams[district] += row.grams.value
        counts[district] += row.collections
    return tuple(
        Tonnage(
            d,
            d or "-",
            Figure(g, "g", Drill.of("collections", Scope(scope.start, scope.end, scope.org_id, d or None))),
            counts[d],
        )
        for d, g in sorted(grams.items())
        if d
    )


def _by_material(
    scope: Scope, known: tuple[MaterialInfo, ...], daily: list[tuple[date, int, int]]
) -> tuple[Tonnage, ...]:
    grams: dict[int, int] = defaultdict(int)
    for _day, material, g in daily:
        grams[material] += g
    return tuple(
        Tonnage(m.code, m.name_zh, Figure(grams[m.id], "g", Drill.of("collections", scope, material=m.code)))
        for m in known
        if m.id in grams
    )


def _by_month(
    scope: Scope, known: tuple[MaterialInfo, ...], daily: list[tuple[date, int, int]]
) -> tuple[Tonnage, ...]:
    cells: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for day, material, g in daily:
        cells[f"{day:%Y-%m}"][material] += g
    months = []
    for month in _months(scope):
        year, number = int(month[:4]), int(month[5:])
        last = monthrange(year, number)[1]
        part = scope.narrowed(date(year, number, 1), date(year, number, last))
        row = cells.get(month, {})
        parts = tuple(
            (m.code, Figure(row[m.id], "g", Drill.of("collections", part, material=m.code)))
            for m in known
            if row.get(m.id)
        )
        months.append(
            Tonnage(month, month, Figure(sum(row.values()), "g", Drill.of("collections", part)), parts=parts)
        )
    return tuple(months)


def _months(scope: Scope) -> list[str]:
    found, year, month = [], scope.start.year, scope.start.month
    while (year, month) <= (scope.end.year, scope.end.month):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _stops(session: Session, scope: Scope) -> dict[tuple[Any, Any], int]:
    """Stops due by the outcome and skip reason of their record in force."""
    query = _records.stop_joins(
        select(Collection.outcome, Collection.skip_reason_id, func.count()).select_from(PlannedStop)
    )
    rows = session.exec(
        query.where(*_records.due(scope)).group_by(Collection.outcome, Collection.skip_reason_id)
    ).all()
    found: dict[tuple[Any, Any], int] = defaultdict(int)
    for outcome, reason, count in rows:
        found[(outcome, reason if outcome == CollectionOutcome.SKIPPED else None)] += count
    return dict(found)


def _skip_rates(
    session: Session, scope: Scope, stops: dict[tuple[Any, Any], int], due: Figure
) -> tuple[SkipRate, ...]:
    reasons = {r.id: r for r in session.exec(select(SkipReason))}
    rates = []
    for (outcome, reason_id), count in sorted(stops.items(), key=lambda kv: -kv[1]):
        if outcome != CollectionOutcome.SKIPPED:
            continue
        reason = reasons.get(reason_id)
        code = reason.code if reason else "unknown"
        drill = Drill.of("stops", scope, status="skipped", reason=code)
        rates.append(
            SkipRate(
                code,
                reason.name_zh if reason else "未注明",
                reason.name_en if reason else "not given",
                Ratio(Figure(count, "count", drill), due),
            )
        )
    return tuple(rates)


def _distance(session: Session, scope: Scope) -> Figure:
    metres = session.exec(
        select(func.coalesce(func.sum(PlannedRoute.distance_m), 0))
        .join(CollectionPlan, col(CollectionPlan.id) == PlannedRoute.plan_id)
        .where(*_records.routes(scope))
    ).one()
    return Figure(int(metres), "m", Drill.of("routes", scope))
