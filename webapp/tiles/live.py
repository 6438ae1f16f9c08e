"""What the dispatcher's live map shows over a plan: each stop's state and each truck's last position."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from traceability import CHINA_TZ
from webapp.driver.queries import RouteView


def live_map(views: list[RouteView]) -> dict[str, Any]:
    """Stops by route and position with their status; per route the last record's place and time.

    The app has no GPS ping: a truck's last known position is where its latest record
    (collected or skipped) was made — the phone's fix when it sent one, else the outlet.
    """
    stops: list[dict[str, Any]] = []
    trucks: list[dict[str, Any]] = []
    for rv in views:
        latest = None
        for s in rv.outlet_stops:
            stops.append({"route": rv.route.number, "position": s.stop.position, "status": s.status})
            if s.record is not None and (latest is None or s.record.recorded_at > latest.record.recorded_at):
                latest = s
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
                "label": f"{rv.vehicle.plate} · " + _("Last position %(time)s", time=at),
            }
        )
    return {"stops": stops, "trucks": trucks}
