"""Which of a driver's routes is running now: the one the phone records a track for."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from webapp.driver.queries import RouteView
from webapp.weighbridge.unloads import latest_by_stop


def running_route(session: Session, views: list[RouteView], day: date) -> int | None:
    """The first of the day's routes still under way, or None.

    A route runs from the first page the driver opens on its day until every stop to
    collect has a record and every unload stop its weighbridge visit: the truck drives
    to the unload after the last pickup, and that stretch belongs to the track too.
    """
    for rv in views:
        if rv.plan.day != day:
            continue
        unloads = [s.stop.id for s in rv.stops if s.stop.kind == "unload"]
        visited = latest_by_stop(session, unloads) if unloads else {}  # type: ignore[arg-type]
        if rv.done < rv.total or any(stop_id not in visited for stop_id in unloads):
            return rv.route.id
    return None
