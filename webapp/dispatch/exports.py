"""A plan as GeoJSON (the map), GPX (navigation devices) and CSV (spreadsheets)."""

from __future__ import annotations

import io
from typing import Any

from sqlmodel import Session, select

import routing
from webapp import sheets
from webapp.models import CollectionPlan, Facility, Outlet, PlannedRoute, PlannedStop, Vehicle
from webapp.residents.routing import booking_places


def hhmm(seconds: int) -> str:
    """Seconds from midnight as HH:MM."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def plan_rows(session: Session, plan: CollectionPlan) -> list[dict[str, Any]]:
    """Routes with their vehicle and ordered stops, ready for templates and exports."""
    routes = session.exec(
        select(PlannedRoute).where(PlannedRoute.plan_id == plan.id).order_by(PlannedRoute.number)
    ).all()
    result = []
    for route in routes:
        stops = session.exec(
            select(PlannedStop).where(PlannedStop.route_id == route.id).order_by(PlannedStop.position)
        ).all()
        outlets = {
            o.id: o
            for o in session.exec(
                select(Outlet).where(Outlet.id.in_([s.outlet_id for s in stops if s.outlet_id]))
            )
        }  # type: ignore[union-attr]
        facilities = {f.id: f for f in session.exec(select(Facility))}
        doors = booking_places(session, [s.booking_id for s in stops if s.booking_id])  # type: ignore[misc]
        result.append(
            {
                "route": route,
                "vehicle": session.get(Vehicle, route.vehicle_id),
                "stops": [
                    {
                        "stop": s,
                        "place": outlets.get(s.outlet_id)
                        if s.outlet_id
                        else doors.get(s.booking_id)
                        if s.booking_id
                        else facilities.get(s.facility_id),
                    }
                    for s in stops
                ],
            }
        )
    return result


def to_geojson(plan: CollectionPlan, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Route lines (along the streets) and stop points."""
    features: list[dict[str, Any]] = []
    for item in rows:
        route = item["route"]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": route.geometry},
                "properties": {
                    "route": route.number,
                    "colour": route.colour,
                    "vehicle": item["vehicle"].plate,
                    "km": round(route.distance_m / 1000, 1),
                },
            }
        )
        for entry in item["stops"]:
            stop, place = entry["stop"], entry["place"]
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [place.lon, place.lat]},
                    "properties": {
                        "route": route.number,
                        "colour": route.colour,
                        "position": stop.position,
                        "kind": stop.kind,
                        "code": place.code,
                        "name": place.name,
                        "arrival": hhmm(stop.arrival_s),
                        "expected_kg": stop.expected_g / 1000,
                    },
                }
            )
    return {
        "type": "FeatureCollection",
        "properties": {"plan": plan.id, "day": plan.day.isoformat()},
        "features": features,
    }


def to_gpx(plan: CollectionPlan, rows: list[dict[str, Any]]) -> str:
    """One GPX route per truck, with its stops as route points."""
    routes = [
        routing.GpxRoute(
            name=f"{item['route'].number} {item['vehicle'].plate}",
            stops=tuple(
                routing.GpxStop(
                    e["place"].lon,
                    e["place"].lat,
                    e["place"].code,
                    f"{e['place'].name} {hhmm(e['stop'].arrival_s)}",
                )
                for e in item["stops"]
            ),
            track=tuple((lon, lat) for lon, lat in item["route"].geometry),
            track_name=str(item["route"].number),
        )
        for item in rows
    ]
    return routing.to_gpx(f"plan {plan.id} {plan.day}", routes)


def to_csv(rows: list[dict[str, Any]]) -> str:
    """One line per visit: route, order, what, where, when, expected kg, load after."""
    buffer = io.StringIO()
    writer = sheets.writer(buffer)
    writer.writerow(
        [
            "route",
            "vehicle",
            "position",
            "kind",
            "code",
            "name",
            "lon",
            "lat",
            "arrival",
            "departure",
            "expected_kg",
            "load_after_kg",
        ]
    )
    for item in rows:
        for entry in item["stops"]:
            stop, place = entry["stop"], entry["place"]
            writer.writerow(
                [
                    item["route"].number,
                    item["vehicle"].plate,
                    stop.position,
                    stop.kind,
                    place.code,
                    place.name,
                    f"{place.lon:.6f}",
                    f"{place.lat:.6f}",
                    hhmm(stop.arrival_s),
                    hhmm(stop.departure_s),
                    f"{stop.expected_g / 1000:.1f}",
                    f"{stop.load_after_g / 1000:.1f}",
                ]
            )
    return buffer.getvalue()
