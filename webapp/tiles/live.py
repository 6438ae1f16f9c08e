"""What the dispatcher's live map shows over a plan: each stop's state and each truck's last position."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from traceability import CHINA_TZ
from webapp.db import db_session
from webapp.driver.queries import RouteView
from webapp.tracks.points import last_positions


def live_map(views: list[RouteView]) -> dict[str, Any]:
    """Stops by route and position with their status; per route the truck's last known place.

    That is the latest GPS position the driver's phone sent (webapp.tracks) when it is
    newer than the route's latest record; else where the latest record (collected or
    skipped) was made — the phone's fix when it sent one, else the outlet.
    """
    stops: list[dict[str, Any]] = []
    trucks: list[dict[str, Any]] = []
    gps = last_positions(db_session(), [rv.route.id for rv in views])  # type: ignore[misc]
    for rv in views:
        latest = None
        for s in rv.outlet_stops:
            stops.append({"route": rv.route.number, "position": s.stop.position, "status": s.status})
            if s.record is not None and (latest is None or s.record.recorded_at > latest.record.recorded_at):
                latest = s
        fix = gps.get(rv.route.id)  # type: ignore[arg-type]
        if fix is not None and (
            latest is None or latest.record is None or fix.recorded_at >= latest.record.recorded_at
        ):
            at = fix.recorded_at.astimezone(CHINA_TZ).strftime("%H:%M")
            trucks.append(
                {
                    "route": rv.route.number,
                    "colour": rv.route.colour,
                    "lon": fix.lon,
                    "lat": fix.lat,
                    "source": "gps",
                    "label": f"{rv.vehicle.plate} · " + _("GPS %(time)s", time=at),
                }
            )
            continue
        if latest is None or latest.record is None or latest.place is None:
            continue
        record = latest.record
        lon, lat = (
            (record.lon, record.lat)
            if record.lon is not None and record.lat is not None
            else (
                latest.place.lon,
                latest.place.lat,
            )
        )
        at = record.recorded_at.astimezone(CHINA_TZ).strftime("%H:%M")
        trucks.append(
            {
                "route": rv.route.number,
                "colour": rv.route.colour,
                "lon": lon,
                "lat": lat,
                "source": "record",
                "label": f"{rv.vehicle.plate} · " + _("Last position %(time)s", time=at),
            }
        )
    return {"stops": stops, "trucks": trucks}
