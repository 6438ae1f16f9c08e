"""The dispatcher's "planned vs driven" page of a route: distances, lateness, replay."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, url_for
from flask.typing import ResponseReturnValue

import geodata
from traceability import CHINA_TZ
from webapp.access import STAFF, role_required
from webapp.db import db_session
from webapp.dispatch.exports import hhmm
from webapp.driver.completions import MAX_ID
from webapp.models import Driver, PlannedRoute
from webapp.tracks.driven import Driven, compare

bp = Blueprint("tracks", __name__, url_prefix="/dispatch/routes")


@bp.get("/<int:route_id>/driven")
@role_required(*STAFF)
def driven(route_id: int) -> ResponseReturnValue:
    """Planned vs driven km, each stop's planned and recorded time, and the track to replay."""
    session = db_session()
    route = session.get(PlannedRoute, route_id) if 1 <= route_id <= MAX_ID else None
    if route is None:
        abort(404)
    graph = geodata.load_network(mode="drive", cache_dir=current_app.config["RELOOP_SETTINGS"].cache_dir)
    report = compare(session, route, graph)
    driver = session.get(Driver, route.driver_id) if route.driver_id else None
    return render_template(
        "tracks/driven.html",
        report=report,
        driver=driver,
        hhmm=hhmm,
        local=lambda moment: moment.astimezone(CHINA_TZ).strftime("%H:%M") if moment else "—",
        replay=_replay(report),
    )


def _replay(report: Driven) -> dict[str, Any]:
    """What the replay map draws: the planned line, the stops, the points in time order."""
    return {
        "planned": report.rv.route.geometry,
        "colour": report.rv.route.colour,
        "stops": [
            {
                "n": s.view.stop.position,
                "lon": s.view.place.lon,
                "lat": s.view.place.lat,
                "status": s.view.status,
            }
            for s in report.stops
            if s.view.place is not None
        ],
        "points": [
            {
                "lon": p.lon,
                "lat": p.lat,
                "t": p.recorded_at.astimezone(CHINA_TZ).strftime("%H:%M:%S"),
                "flag": p.flag,
            }
            for p in report.points
        ],
        "plan_url": url_for("dispatch.show_plan", plan_id=report.rv.plan.id),
    }
