"""A driver's printed route sheet: one route's stops in order with what to expect there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale
from sqlmodel import Session, col, select

from webapp.models import (
    CollectionPlan,
    Driver,
    Facility,
    Material,
    Outlet,
    OutletMaterial,
    PlannedRoute,
    PlannedStop,
    Vehicle,
)
from webapp.residents.routing import booking_places


@dataclass(frozen=True)
class SheetLine:
    """One visit on the sheet; ``materials`` is ``(name, expected grams)`` for an outlet."""

    stop: PlannedStop
    place: Outlet | Facility | None
    materials: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class RouteSheet:
    plan: CollectionPlan
    route: PlannedRoute
    vehicle: Vehicle | None
    driver: Driver | None
    depot: Facility | None
    lines: tuple[SheetLine, ...]


def route_sheet(session: Session, plan: CollectionPlan, number: int) -> RouteSheet | None:
    """The sheet of route ``number`` of ``plan`` as its rows stand, or None if there is none."""
    route = session.exec(
        select(PlannedRoute).where(PlannedRoute.plan_id == plan.id, PlannedRoute.number == number)
    ).first()
    if route is None:
        return None
    stops = session.exec(
        select(PlannedStop).where(PlannedStop.route_id == route.id).order_by(col(PlannedStop.position))
    ).all()
    outlet_ids = [s.outlet_id for s in stops if s.outlet_id]
    outlets = {o.id: o for o in session.exec(select(Outlet).where(col(Outlet.id).in_(outlet_ids)))}
    facility_ids = [s.facility_id for s in stops if s.facility_id]
    facilities = {f.id: f for f in session.exec(select(Facility).where(col(Facility.id).in_(facility_ids)))}
    accepted = _materials(session, outlet_ids)  # type: ignore[arg-type]
    doors = booking_places(session, [s.booking_id for s in stops if s.booking_id])  # type: ignore[misc]
    lines = tuple(
        SheetLine(
            stop=s,
            place=outlets.get(s.outlet_id)
            if s.outlet_id
            else doors.get(s.booking_id)
            if s.booking_id
            else facilities.get(s.facility_id),
            materials=_split(s.expected_g, accepted.get(s.outlet_id, [])) if s.outlet_id else (),
        )
        for s in stops
    )
    return RouteSheet(
        plan=plan,
        route=route,
        vehicle=session.get(Vehicle, route.vehicle_id),
        driver=session.get(Driver, route.driver_id) if route.driver_id else None,
        depot=session.get(Facility, plan.depot_id),
        lines=lines,
    )


def _materials(session: Session, outlet_ids: list[int]) -> dict[int, list[Material]]:
    rows = session.exec(
        select(OutletMaterial.outlet_id, Material)
        .join(Material, col(Material.id) == OutletMaterial.material_id)
        .where(col(OutletMaterial.outlet_id).in_(outlet_ids))
        .order_by(col(Material.sort_order))
    ).all()
    found: dict[int, list[Material]] = {}
    for outlet_id, material in rows:
        found.setdefault(outlet_id, []).append(material)
    return found


def _split(expected_g: int, materials: list[Material]) -> tuple[tuple[str, int], ...]:
    """Expected grams per material, split as the day's problem estimates them.

    The problem takes the outlet's volume as shared evenly by its materials, so each
    one's weight goes with its density.
    """
    total = sum(m.density_kg_m3 for m in materials)
    locale = str(get_locale())
    return tuple((m.name(locale), round(expected_g * m.density_kg_m3 / total)) for m in materials if total)


def sheet_context(sheet: RouteSheet) -> dict[str, Any]:
    """Totals the sheet prints under the stops."""
    outlets = [line for line in sheet.lines if line.stop.kind != "unload"]
    return {"outlet_count": len(outlets), "expected_g": sum(line.stop.expected_g for line in outlets)}
