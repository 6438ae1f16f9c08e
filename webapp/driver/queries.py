"""Reading a driver's day: today's routes, each stop with what was recorded there."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, select

from webapp.models import (
    Collection,
    CollectionOutcome,
    CollectionPlan,
    CollectionWeight,
    Facility,
    Material,
    Outlet,
    OutletMaterial,
    PlannedRoute,
    PlannedStop,
    PlanStatus,
    SkipReason,
    Vehicle,
)
from webapp.residents.routing import BookingPlace, booking_places


def current_records(session: Session, stop_ids: list[int]) -> dict[int, Collection]:
    """The record in force at each stop: the one no later record supersedes."""
    if not stop_ids:
        return {}
    replaced = select(Collection.supersedes_id).where(Collection.supersedes_id.is_not(None))  # type: ignore[union-attr]
    rows = session.exec(
        select(Collection).where(
            Collection.stop_id.in_(stop_ids),  # type: ignore[attr-defined]
            Collection.id.not_in(replaced),
        )
    ).all()  # type: ignore[union-attr]
    return {row.stop_id: row for row in rows}


def weights_of(session: Session, collection_ids: list[int]) -> dict[int, dict[str, int]]:
    """Grams by material code for each collection."""
    if not collection_ids:
        return {}
    rows = session.exec(
        select(CollectionWeight.collection_id, Material.code, CollectionWeight.grams)
        .join(Material, Material.id == CollectionWeight.material_id)  # type: ignore[arg-type]
        .where(CollectionWeight.collection_id.in_(collection_ids))  # type: ignore[attr-defined]
        .order_by(Material.sort_order)
    ).all()
    found: dict[int, dict[str, int]] = {}
    for collection_id, code, grams in rows:
        found.setdefault(collection_id, {})[code] = grams
    return found


@dataclass
class StopView:
    """A stop as the driver sees it."""

    stop: PlannedStop
    place: Outlet | Facility | BookingPlace | None
    materials: list[Material] = field(default_factory=list)
    record: Collection | None = None
    weights: dict[str, int] = field(default_factory=dict)
    skip_reason: SkipReason | None = None

    @property
    def status(self) -> str:
        if self.stop.kind == "unload":
            return "unload"
        if self.record is None:
            return "pending"
        return self.record.outcome.value


@dataclass
class RouteView:
    """A route with its stops in order and the progress made."""

    route: PlannedRoute
    plan: CollectionPlan
    vehicle: Vehicle
    stops: list[StopView]

    @property
    def outlet_stops(self) -> list[StopView]:
        return [s for s in self.stops if s.stop.kind != "unload"]

    @property
    def done(self) -> int:
        return sum(s.record is not None for s in self.outlet_stops)

    @property
    def total(self) -> int:
        return len(self.outlet_stops)

    @property
    def collected_g(self) -> int:
        return sum(
            s.record.total_g
            for s in self.outlet_stops
            if s.record is not None and s.record.outcome == CollectionOutcome.COLLECTED
        )

    def find(self, stop_id: int) -> StopView | None:
        return next((s for s in self.stops if s.stop.id == stop_id), None)

    def earlier_pending(self, stop_id: int) -> list[StopView]:
        """Outlet stops before this one with nothing recorded yet."""
        target = self.find(stop_id)
        if target is None:
            return []
        return [s for s in self.outlet_stops if s.stop.position < target.stop.position and s.record is None]


def routes_of_day(session: Session, driver_id: int, day: date) -> list[PlannedRoute]:
    """The driver's routes on the accepted plans of a day."""
    return list(
        session.exec(
            select(PlannedRoute)
            .join(CollectionPlan, CollectionPlan.id == PlannedRoute.plan_id)  # type: ignore[arg-type]
            .where(
                PlannedRoute.driver_id == driver_id,
                CollectionPlan.day == day,
                CollectionPlan.status == PlanStatus.ACCEPTED,
            )
            .order_by(PlannedRoute.id)
        ).all()
    )


def route_view(session: Session, route: PlannedRoute) -> RouteView:
    """Everything the route page and the dispatch progress need, in a few queries."""
    stops = session.exec(
        select(PlannedStop).where(PlannedStop.route_id == route.id).order_by(PlannedStop.position)
    ).all()
    outlet_ids = [s.outlet_id for s in stops if s.outlet_id]
    outlets = {o.id: o for o in session.exec(select(Outlet).where(Outlet.id.in_(outlet_ids)))}  # type: ignore[union-attr]
    facilities = {f.id: f for f in session.exec(select(Facility))}
    accepted: dict[int, list[Material]] = {}
    for outlet_id, material in session.exec(
        select(OutletMaterial.outlet_id, Material)
        .join(Material, Material.id == OutletMaterial.material_id)  # type: ignore[arg-type]
        .where(OutletMaterial.outlet_id.in_(outlet_ids))
        .order_by(Material.sort_order)
    ).all():  # type: ignore[attr-defined]
        accepted.setdefault(outlet_id, []).append(material)
    records = current_records(session, [s.id for s in stops])  # type: ignore[misc]
    weights = weights_of(session, [r.id for r in records.values()])  # type: ignore[misc]
    reasons = {r.id: r for r in session.exec(select(SkipReason))}
    doors = booking_places(session, [s.booking_id for s in stops if s.booking_id])
    everything = list(
        session.exec(select(Material).where(Material.active == True).order_by(Material.sort_order))
    )
    views = []
    for stop in stops:
        rec = records.get(stop.id)  # type: ignore[arg-type]
        if stop.booking_id:
            place: Any = doors.get(stop.booking_id)
        else:
            place = outlets.get(stop.outlet_id) if stop.outlet_id else facilities.get(stop.facility_id)
        views.append(
            StopView(
                stop=stop,
                place=place,
                materials=accepted.get(stop.outlet_id, [])
                if stop.outlet_id
                else everything
                if stop.booking_id
                else [],
                record=rec,
                weights=weights.get(rec.id, {}) if rec else {},  # type: ignore[arg-type]
                skip_reason=reasons.get(rec.skip_reason_id) if rec and rec.skip_reason_id else None,
            )
        )
    plan = session.get(CollectionPlan, route.plan_id)
    vehicle = session.get(Vehicle, route.vehicle_id)
    return RouteView(route=route, plan=plan, vehicle=vehicle, stops=views)  # type: ignore[arg-type]
