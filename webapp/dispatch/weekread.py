"""A stored week plan read back for its page: days, routes, visits, map and comparison."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from webapp.dispatch.exports import hhmm
from webapp.models import Facility, Outlet, Vehicle
from webapp.models.weekplans import WeekPlan, WeekPlanDay, WeekRoute, WeekVisit


@dataclass
class RouteView:
    """A week route with its truck and its visits (each with its outlet or facility)."""

    route: WeekRoute
    vehicle: Vehicle | None
    visits: list[tuple[WeekVisit, Any]] = field(default_factory=list)


@dataclass
class DayView:
    """A day of the week plan and its routes."""

    day: WeekPlanDay
    colour: str
    routes: list[RouteView] = field(default_factory=list)

    @property
    def outlets(self) -> int:
        """Outlets visited that day."""
        return sum(r.route.stop_count for r in self.routes)


def week_days(session: Session, week: WeekPlan, colour_of: Any) -> list[DayView]:
    """The plan's days in order, each with its routes and visits, read in four queries."""
    days = session.exec(
        select(WeekPlanDay).where(WeekPlanDay.week_plan_id == week.id).order_by(col(WeekPlanDay.index))
    ).all()
    routes = session.exec(
        select(WeekRoute)
        .where(col(WeekRoute.week_day_id).in_([d.id for d in days]))
        .order_by(col(WeekRoute.week_day_id), col(WeekRoute.number))
    ).all()
    visits = session.exec(
        select(WeekVisit)
        .where(col(WeekVisit.week_route_id).in_([r.id for r in routes]))
        .order_by(col(WeekVisit.week_route_id), col(WeekVisit.position))
    ).all()
    outlets = {
        o.id: o for o in session.exec(select(Outlet).where(col(Outlet.id).in_({v.outlet_id for v in visits})))
    }
    facilities = {f.id: f for f in session.exec(select(Facility))}
    vehicles = {v.id: v for v in session.exec(select(Vehicle))}
    views = {d.id: DayView(d, colour_of(d.index)) for d in days}
    by_route = {}
    for route in routes:
        by_route[route.id] = RouteView(route, vehicles.get(route.vehicle_id))
        views[route.week_day_id].routes.append(by_route[route.id])
    for visit in visits:
        place = outlets.get(visit.outlet_id) if visit.outlet_id else facilities.get(visit.facility_id)
        by_route[visit.week_route_id].visits.append((visit, place))
    return list(views.values())


def to_geojson(days: list[DayView], label: Any) -> dict[str, Any]:
    """Route lines and visited outlets, coloured by day; ``label(i)`` names day ``i``."""
    features: list[dict[str, Any]] = []
    for view in days:
        for rv in view.routes:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": rv.route.geometry},
                    "properties": {"day": view.day.index, "colour": view.colour, "route": rv.route.number},
                }
            )
            for visit, place in rv.visits:
                if visit.kind != "outlet" or place is None:
                    continue
                features.append(
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [place.lon, place.lat]},
                        "properties": {
                            "day": view.day.index,
                            "day_label": label(view.day.index),
                            "colour": view.colour,
                            "code": place.code,
                            "name": place.name,
                            "arrival": hhmm(visit.arrival_s),
                            "fill": visit.fill_pct,
                            "low": visit.fill_low_pct,
                            "high": visit.fill_high_pct,
                        },
                    }
                )
    return {"type": "FeatureCollection", "features": features}


@dataclass(frozen=True)
class Figure:
    """One line of the comparison: the week plan's figure, the baseline's, the change."""

    key: str
    week: float | None
    baseline: float | None

    @property
    def change_pct(self) -> float | None:
        """Change of the week plan against the baseline, in % of the baseline."""
        if self.week is None or not self.baseline:
            return None
        return (self.week - self.baseline) / self.baseline * 100


def compare(session: Session, week: WeekPlan, baseline: WeekPlan | None) -> list[Figure]:
    """The week plan beside daily due-threshold planning of the same forecast."""
    if baseline is None:
        return []

    def most_trucks(plan: WeekPlan) -> float:
        trucks = session.exec(select(WeekPlanDay.trucks).where(WeekPlanDay.week_plan_id == plan.id)).all()
        return float(max(trucks, default=0))

    def per_tonne(plan: WeekPlan) -> float | None:
        return plan.cost_per_tonne_fen / 100 if plan.cost_per_tonne_fen is not None else None

    return [
        Figure("cost_per_tonne", per_tonne(week), per_tonne(baseline)),
        Figure("cost", week.cost_fen / 100, baseline.cost_fen / 100),
        Figure("km", week.distance_m / 1000, baseline.distance_m / 1000),
        Figure("tonnes", week.collected_g / 1e6, baseline.collected_g / 1e6),
        Figure("truck_days", week.truck_days, baseline.truck_days),
        Figure("most_trucks", most_trucks(week), most_trucks(baseline)),
        Figure("overflows", len(week.overflows), len(baseline.overflows)),
    ]


def overflow_rows(session: Session, week: WeekPlan) -> list[tuple[int, Outlet | None]]:
    """The predicted overflows as (day index, outlet)."""
    ids = {o["outlet_id"] for o in week.overflows}
    outlets = {o.id: o for o in session.exec(select(Outlet).where(col(Outlet.id).in_(ids)))}
    return [(o["day"], outlets.get(o["outlet_id"])) for o in week.overflows]
