"""From the database to a ``routing.WeekProblem``: outlets, their reading history, the fleet per day.

Each active outlet nearer this depot than to any other is forecast from its last
eight weeks of readings and pickups (``routing.forecast``), and its predicted fill at
10:00 of each day of the horizon, at ``confidence``, is what the week planner sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from flask_babel import gettext as _
from sqlmodel import Session, col, select

import geodata
import routing
from geodata.driving import drive_matrices
from routing.forecast import FillHistory, china_day_calendar, fit_day_effects, forecast_fill
from traceability import CHINA_TZ
from webapp.dispatch.problem import (
    OUTLET_HOURS,
    SERVICE_BASE_S,
    SERVICE_S_PER_KG,
    UNLOAD_KINDS,
    DayProblem,
    PlanningError,
    _accepted_materials,
    _crew_type,
    _facility,
    _nearest,
    _seconds,
    day_crews,
    depot_key,
    outlet_key,
)
from webapp.models import Collection, CollectionOutcome, Facility, FillReading, Outlet, OutletStatus

HISTORY_DAYS = 56
VISIT_AT = time(10, 0)
# A driver's hour in Shenzhen with employer's charges (fen); the solver's costs have no labour.
LABOUR_FEN_PER_HOUR = 4000


@dataclass
class WeekInput:
    """The week problem and the outlet code of each of its stop ids."""

    week: routing.WeekProblem
    codes: dict[str, str]
    first_day: date


def build_week(
    session: Session,
    first_day: date,
    depot_id: int,
    *,
    days: int,
    confidence: float,
    cache_dir: Path | None,
    speeds_kmh: Mapping[str, float] | None = None,
) -> WeekInput:
    """Read outlets, readings, pickups and crews, and build the horizon's problem."""
    depot = session.get(Facility, depot_id)
    if depot is None or not depot.is_depot:
        raise PlanningError(_("Facility %(id)d is not a depot.", id=depot_id))
    depots = [(d.id, d.lon, d.lat) for d in session.exec(select(Facility).where(Facility.is_depot == True))]
    outlets = [
        o
        for o in session.exec(select(Outlet).where(Outlet.status == OutletStatus.ACTIVE).order_by(Outlet.id))
        if _nearest(depots, o.lon, o.lat) == depot_id
    ]
    if not outlets:
        raise PlanningError(_("No outlet is due or half-full on this day: nothing to collect."))
    unload = session.exec(
        select(Facility).where(col(Facility.kind).in_(UNLOAD_KINDS)).order_by(Facility.id)
    ).all()
    places = [depot, *[f for f in unload if f.id != depot.id]]
    points = [(p.lon, p.lat) for p in places] + [(o.lon, o.lat) for o in outlets]
    legs = drive_matrices(
        geodata.load_network(mode="drive", cache_dir=cache_dir), points, speeds_kmh=speeds_kmh
    )
    scratch = DayProblem(problem=None, legs=legs)  # type: ignore[arg-type]
    fleets = tuple(_fleet(session, first_day + timedelta(days=d), depot_id, scratch) for d in range(days))
    fills = _outlook(session, outlets, first_day, days, confidence)
    accepted = _accepted_materials(session, [o.id for o in outlets])  # type: ignore[misc]
    outlooks = tuple(
        routing.OutletOutlook(_full_stop(o, len(places) + i, accepted.get(o.id, [])), fills[o.id])  # type: ignore[index, arg-type]
        for i, o in enumerate(outlets)
    )
    base = routing.CollectionProblem(
        locations=tuple(routing.Location(lon, lat) for lon, lat in points),
        depots=(routing.Depot(id=depot_key(depot_id), location=0),),
        facilities=tuple(_facility(f, i, scratch) for i, f in enumerate(places) if f.kind in UNLOAD_KINDS),
        stops=(),
        vehicle_types=fleets[0],
        distance_m=legs.distance_m,
        duration_s=legs.duration_s,
    )
    week = routing.WeekProblem(
        base, outlooks, days=days, labour_fen_per_hour=LABOUR_FEN_PER_HOUR, fleets=fleets
    )
    return WeekInput(week, {outlet_key(o.id): o.code for o in outlets}, first_day)  # type: ignore[arg-type]


def _fleet(
    session: Session, day: date, depot_id: int, scratch: DayProblem
) -> tuple[routing.VehicleType, ...]:
    try:
        return tuple(_crew_type(c, scratch) for c in day_crews(session, day, depot_id))
    except PlanningError:  # nobody on duty that day: the planner sends no truck
        return ()


def _full_stop(outlet: Outlet, index: int, materials: list) -> routing.Stop:  # type: ignore[type-arg]
    """The outlet's stop holding a full bin, split evenly over its accepted materials."""
    share = outlet.capacity_l / 1000 / max(len(materials), 1)
    loads = tuple(
        routing.Load(m.code, kg=round(share * m.density_kg_m3, 1), m3=round(share, 3)) for m in materials
    )
    return routing.Stop(
        id=outlet_key(outlet.id),  # type: ignore[arg-type]
        location=index,
        loads=loads,
        window=routing.TimeWindow(*(_seconds(t) for t in OUTLET_HOURS)),
        service_base_s=SERVICE_BASE_S,
        service_s_per_kg=SERVICE_S_PER_KG,
    )


def _outlook(
    session: Session, outlets: list[Outlet], first_day: date, days: int, confidence: float
) -> dict[int, tuple[float, ...]]:
    """Predicted fill (uncapped, cumulative) at 10:00 of each day and the morning after."""
    now = datetime.combine(first_day, time(0), CHINA_TZ)
    since = now - timedelta(days=HISTORY_DAYS)
    ids = [o.id for o in outlets]
    readings: dict[int, list[tuple[datetime, float]]] = {i: [] for i in ids}  # type: ignore[misc]
    for r in session.exec(
        select(FillReading).where(
            col(FillReading.outlet_id).in_(ids),
            FillReading.measured_at >= since,
            FillReading.measured_at < now,
        )
    ):
        readings[r.outlet_id].append((r.measured_at.astimezone(CHINA_TZ), r.fill_pct))
    emptied: dict[int, list[datetime]] = {i: [] for i in ids}  # type: ignore[misc]
    for c in session.exec(
        select(Collection).where(
            col(Collection.outlet_id).in_(ids),
            Collection.outcome == CollectionOutcome.COLLECTED,
            Collection.recorded_at >= since,
            Collection.recorded_at < now,
        )
    ):
        emptied[c.outlet_id].append(c.recorded_at.astimezone(CHINA_TZ))
    histories = {i: FillHistory(tuple(sorted(readings[i])), tuple(emptied[i])) for i in ids}  # type: ignore[index]
    calendar = china_day_calendar()
    effects = fit_day_effects(list(histories.values()), calendar, since=since)
    visits = [datetime.combine(first_day + timedelta(days=d), VISIT_AT, CHINA_TZ) for d in range(days + 1)]
    outlook = {}
    for outlet in outlets:
        model = forecast_fill(histories[outlet.id], now=now, calendar=calendar, effects=effects)  # type: ignore[index]
        if not histories[outlet.id].readings:  # type: ignore[index]
            model = _from_last_fill(model, outlet)
        outlook[outlet.id] = tuple(
            round(model.level_pct + model.rise_pct(model.origin, v, confidence=confidence), 2) for v in visits
        )
    return outlook  # type: ignore[return-value]


def _from_last_fill(model: routing.forecast.FillForecast, outlet: Outlet) -> routing.forecast.FillForecast:
    """No reading in eight weeks: start from the outlet's last known fill (0 if none)."""
    from dataclasses import replace

    return replace(model, level_pct=outlet.last_fill_pct or 0.0)
