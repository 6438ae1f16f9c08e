"""From the database to a ``routing.WeekProblem``: outlets, their reading history, the fleet per day.

Each active outlet nearer this depot than to any other is forecast from its last
eight weeks of readings and pickups up to day 1's visit time (or now, if earlier:
planned in the morning, the morning's readings count), and its predicted fill at
10:00 of each day of the horizon, at ``confidence``, is what the week planner sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from flask_babel import gettext as _
from sqlmodel import Session, col, select

import geodata
import routing
from geodata.driving import drive_matrices
from routing.forecast import FillForecast, FillHistory, china_day_calendar, fit_day_effects, forecast_fill
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
from webapp.models._types import utcnow

HISTORY_DAYS = 56
VISIT_AT = time(10, 0)
# A driver's hour in Shenzhen with employer's charges (fen); the solver's costs have no labour.
LABOUR_FEN_PER_HOUR = 4000


@dataclass
class WeekInput:
    """The week problem and what maps its ids back to rows.

    ``codes`` and ``outlet_ids`` map a stop id to its outlet's code and row id,
    ``thresholds`` to the fill % at which the outlet is due; ``forecasts`` keep each
    outlet's fill forecast (for the band around a visit's predicted fill) and
    ``visit_times`` the moment of each day's visit it was read at. ``rows`` maps the
    problem's truck and facility ids to rows and holds the street legs, as a day plan's.
    """

    week: routing.WeekProblem
    codes: dict[str, str]
    first_day: date
    outlet_ids: dict[str, int] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    forecasts: dict[str, FillForecast] = field(default_factory=dict)
    visit_times: tuple[datetime, ...] = ()
    rows: DayProblem | None = None

    def fill_band(
        self, key: str, day: int, emptied_on: int | None, low: float, high: float
    ) -> tuple[float, float]:
        """The ``low``..``high`` quantiles of outlet ``key``'s fill at day ``day``'s visit,
        the bin last emptied at day ``emptied_on``'s visit (None: not in the horizon)."""
        model, at = self.forecasts[key], self.visit_times[day]
        if emptied_on is None:
            return tuple(  # type: ignore[return-value]
                round(model.level_pct + model.rise_pct(model.origin, at, confidence=q), 1)
                for q in (low, high)
            )
        since = self.visit_times[emptied_on]
        return tuple(round(model.rise_pct(since, at, confidence=q), 1) for q in (low, high))  # type: ignore[return-value]


def build_week(
    session: Session,
    first_day: date,
    depot_id: int,
    *,
    days: int,
    confidence: float,
    cache_dir: Path | None,
    speeds_kmh: Mapping[str, float] | None = None,
    vehicle_ids: tuple[int, ...] | None = None,
) -> WeekInput:
    """Read outlets, readings, pickups and crews, and build the horizon's problem.

    ``vehicle_ids`` limits each day's fleet to those trucks (None: every truck).
    """
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
    fleets = tuple(
        _fleet(session, first_day + timedelta(days=d), depot_id, scratch, vehicle_ids) for d in range(days)
    )
    forecasts, visit_times = _forecasts(session, outlets, first_day, days)
    fills = {
        o.id: tuple(
            round(m.level_pct + m.rise_pct(m.origin, v, confidence=confidence), 2) for v in visit_times
        )
        for o in outlets
        for m in (forecasts[o.id],)
    }
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
    return WeekInput(
        week,
        {outlet_key(o.id): o.code for o in outlets},  # type: ignore[arg-type]
        first_day,
        outlet_ids={outlet_key(o.id): o.id for o in outlets},  # type: ignore[arg-type, misc]
        thresholds={outlet_key(o.id): float(o.fill_threshold_pct) for o in outlets},  # type: ignore[arg-type]
        forecasts={outlet_key(o.id): forecasts[o.id] for o in outlets},  # type: ignore[arg-type]
        visit_times=visit_times,
        rows=scratch,
    )


def _fleet(
    session: Session, day: date, depot_id: int, scratch: DayProblem, vehicle_ids: tuple[int, ...] | None
) -> tuple[routing.VehicleType, ...]:
    try:
        crews = day_crews(session, day, depot_id, vehicle_ids=vehicle_ids)
        return tuple(_crew_type(c, scratch) for c in crews)
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


def _forecasts(
    session: Session, outlets: list[Outlet], first_day: date, days: int
) -> tuple[dict[int, FillForecast], tuple[datetime, ...]]:
    """Each outlet's fill forecast, and the visit time of each day and the morning after.

    Visits are at 10:00 in Shenzhen; a week planned from today after 10:00 starts its first
    day's visits now, so every reading taken so far counts. Otherwise the morning's readings
    count (the rolling horizon re-plans with them), never any taken after day 1's visits or
    in the future (a week re-planned from a past day reads what was known then).
    """
    visits = [datetime.combine(first_day + timedelta(days=d), VISIT_AT, CHINA_TZ) for d in range(days + 1)]
    clock = utcnow()
    if visits[0] < clock and clock.astimezone(CHINA_TZ).date() == first_day:
        visits[0] = clock
    now = min(clock, visits[0])
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
    models = {}
    for outlet in outlets:
        model = forecast_fill(histories[outlet.id], now=now, calendar=calendar, effects=effects)  # type: ignore[index]
        if not histories[outlet.id].readings:  # type: ignore[index]
            model = _from_last_fill(model, outlet)
        models[outlet.id] = model
    return models, tuple(visits)  # type: ignore[return-value]


def _from_last_fill(model: routing.forecast.FillForecast, outlet: Outlet) -> routing.forecast.FillForecast:
    """No reading in eight weeks: start from the outlet's last known fill (0 if none)."""
    from dataclasses import replace

    return replace(model, level_pct=outlet.last_fill_pct or 0.0)
