"""The driver's phone pages: today's route, a stop, the offline shell (PWA).

Pages are plain HTML forms; ``static/driver/driver.js`` turns a submit into a record
queued on the phone (IndexedDB) and sent through the JSON API when there is signal.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from routing import nav_links
from traceability import CHINA_TZ, china_today
from webapp import installable
from webapp.access import public, role_required
from webapp.api import tokens
from webapp.changelog import record
from webapp.db import db_session
from webapp.dispatch.exports import hhmm
from webapp.dispatch.problem import OUTLET_HOURS
from webapp.driver import evidence, operations
from webapp.driver.completions import MAX_STOP_G, parse_completion
from webapp.driver.forms import completion_body
from webapp.driver.queries import RouteView, route_view, routes_of_day
from webapp.models import Driver, EvidenceFile, Material, PlannedRoute, PlannedStop, Role, SkipReason
from webapp.models._types import utcnow
from webapp.residents import routing as resident_routes
from webapp.tracks.running import running_route

bp = Blueprint("driver", __name__, url_prefix="/driver")

# Files the service worker keeps for offline use; their content hash versions it.
SHELL_STATIC = [
    "css/reloop.css",
    "driver/driver.css",
    "driver/driver.js",
    "driver/route-map.js",
    "vendor/htmx-2.0.4/htmx.min.js",
    "vendor/leaflet-1.9.4/leaflet.js",
    "vendor/leaflet-1.9.4/leaflet.css",
    "vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js",
    "vendor/leaflet.markercluster-1.5.3/MarkerCluster.css",
    "vendor/leaflet.markercluster-1.5.3/MarkerCluster.Default.css",
    "js/basemap.js",
    "js/paint.js",
    "favicon.svg",
    "driver/icon-192.png",
    "driver/icon-512.png",
]


@bp.get("/")
@role_required(Role.DRIVER)
def today_route() -> ResponseReturnValue:
    """Today's route(s) of the logged-in driver, stops in order with progress."""
    session = db_session()
    driver = operations.driver_of(session, current_user.id)
    routes = (
        [route_view(session, r) for r in routes_of_day(session, driver.id, china_today())] if driver else []
    )
    return render_template(
        "driver/route.html",
        routes=routes,
        driver=driver,
        day=china_today(),
        **_helpers(),
        page_data=_page_data(routes),
    )


@bp.get("/routes/<int:route_id>")
@role_required(Role.DRIVER)
def show_route(route_id: int) -> ResponseReturnValue:
    """One of the driver's routes (another driver's route is not found)."""
    rv = route_view(db_session(), _my_route(route_id))
    return render_template(
        "driver/route.html",
        routes=[rv],
        driver=_me(),
        day=rv.plan.day,
        **_helpers(),
        page_data=_page_data([rv]),
    )


@bp.get("/stops/<int:stop_id>")
@role_required(Role.DRIVER)
def show_stop(stop_id: int) -> ResponseReturnValue:
    """A stop: navigate there, arrive, weigh per material, photo, signature, or skip."""
    return _render_stop(stop_id, errors={}, values={})


@bp.post("/stops/<int:stop_id>")
@role_required(Role.DRIVER)
def record_stop(stop_id: int) -> ResponseReturnValue:
    """The stop form without JavaScript: store the record now (the phone has signal)."""
    session = db_session()
    driver = _me()
    body = completion_body(request.form, stop_id)
    errors: dict[str, str] = {}
    upload = request.files.get("photo")
    if upload is not None and upload.filename:
        try:
            body["photo_sha256"] = evidence.store_evidence(session, upload.read(), user_id=current_user.id)[
                0
            ].sha256
        except evidence.EvidenceError as exc:
            errors["photo_sha256"] = str(exc)
    data, problems = parse_completion(body)
    errors.update({p["field"]: p["message"] for p in problems})
    if data is not None and not errors:
        try:
            operations.record_completion(
                session,
                driver,
                data,
                user_id=current_user.id,
                confirmation_code=request.form.get("confirmation_code"),
            )
        except operations.AlreadyRecordedError as exc:
            errors[""] = str(exc)
        except operations.DriverError as exc:
            if exc.status in (403, 404):
                abort(404)
            errors.update({p["field"]: p["message"] for p in exc.problems} or {"": str(exc)})
    if errors:
        return _render_stop(stop_id, errors=errors, values=request.form), 422
    flash(_("Stop recorded."), "success")
    return redirect(url_for("driver.today_route"))


@bp.post("/routes/<int:route_id>/start")
@role_required(Role.DRIVER)
def start_route(route_id: int) -> ResponseReturnValue:
    """The driver sets off: the first resident's booking of the route is on the way, with an ETA."""
    session = db_session()
    route = _my_route(route_id)
    told = resident_routes.on_the_way(session, route, after=None, now=utcnow(), user_id=current_user.id)
    session.commit()
    flash(
        _("Have a good trip.") if told is None else _("The next resident was told you are on the way."),
        "success",
    )
    return redirect(url_for("driver.today_route"))


@bp.get("/stops/<int:stop_id>/call")
@role_required(Role.DRIVER)
def call_resident(stop_id: int) -> ResponseReturnValue:
    """Call the resident of a booking stop: the page shows the masked number only; this
    link hands the number to the phone's dialer and writes the access to the change log."""
    session = db_session()
    stop = session.get(PlannedStop, stop_id)
    if stop is None or stop.kind != "booking":
        abort(404)
    _my_route(stop.route_id)
    phone = resident_routes.phone_of_stop(session, stop)
    if phone is None:
        abort(404)
    record(session, "call_resident", stop, after={"booking_id": stop.booking_id}, user_id=current_user.id)
    session.commit()
    return redirect(f"tel:{phone}")


@bp.post("/device-token")
@role_required(Role.DRIVER)
def device_token() -> ResponseReturnValue:
    """Give this phone a bearer token for the sync API (session and CSRF checked here).

    Every active driver user gets one, profile or not: the phone can hold it before the
    dispatcher links the user to a driver profile. The form field ``device_id`` is the
    phone's own id (driver.js makes it once): asking again from the same phone replaces
    its token instead of adding a device.
    """
    device_id = request.form.get("device_id") or None
    if device_id is not None and not tokens.DEVICE_ID.fullmatch(device_id):
        message = _("device_id must be 8 to 64 letters, digits or hyphens")
        return jsonify(error=message, field="device_id", status=422), 422
    session = db_session()
    driver = operations.driver_of(session, current_user.id)
    row, plain = tokens.issue_device_token(
        session,
        user_id=current_user.id,
        org_id=driver.org_id if driver else current_user.org_id,
        owner=driver.name if driver else (current_user.display_name or current_user.username),
        user_agent=request.user_agent.string,
        device_id=device_id,
    )
    return jsonify(token=plain, user_id=current_user.id, expires_at=row.expires_at.isoformat()), 201


@bp.get("/sw.js")
@public
def service_worker() -> ResponseReturnValue:
    """The service worker, served under /driver/ so it controls the driver pages."""
    return installable.service_worker_response(
        "driver/sw.js",
        scope=url_for("driver.today_route"),
        shell_files=SHELL_STATIC,
        offline_url=url_for("driver.offline"),
    )


@bp.get("/maplibre-worker.js")
@public
def maplibre_worker() -> ResponseReturnValue:
    """MapLibre's worker (vendored, unchanged) from inside the service worker's scope: a worker
    is controlled by the service worker whose scope holds its own URL, and only a controlled
    worker fetches the kept tiles with no signal."""
    return send_from_directory(
        current_app.static_folder,
        "vendor/maplibre-gl-5.24.0/maplibre-gl-csp-worker.js",
        mimetype="text/javascript",
    )


@bp.get("/manifest.webmanifest")
@public
def manifest() -> ResponseReturnValue:
    """Install the driver pages as an app on the phone's home screen."""
    return installable.manifest_response(
        name=_("ReLoop driver"),
        short_name=_("ReLoop"),
        start_url=url_for("driver.today_route"),
        theme_color="#15803d",
    )


@bp.get("/offline")
@public
def offline() -> ResponseReturnValue:
    """Shown by the service worker for a page that was never opened with signal."""
    return render_template("driver/offline.html")


@bp.get("/evidence/<int:file_id>")
@role_required(Role.DRIVER, Role.DISPATCHER, Role.ADMIN)
def evidence_file(file_id: int) -> ResponseReturnValue:
    """A stored photo or signature: staff see all, a driver only what they uploaded."""
    row = db_session().get(EvidenceFile, file_id)
    if row is None or (current_user.role == Role.DRIVER and row.uploaded_by_id != current_user.id):
        abort(404)
    response = Response(row.data, mimetype=row.media_type)
    response.set_etag(row.sha256)
    response.cache_control.private = True
    response.cache_control.max_age = 86400
    return response


def _me() -> Driver:
    driver = operations.driver_of(db_session(), current_user.id)
    if driver is None:
        abort(404)
    return driver


def _my_route(route_id: int) -> PlannedRoute:
    route = db_session().get(PlannedRoute, route_id)
    if route is None or route.driver_id != _me().id:
        abort(404)  # not 403: another driver's route is not even confirmed to exist
    return route


def _render_stop(stop_id: int, *, errors: dict[str, str], values: Any) -> str:
    session = db_session()
    stop = session.get(PlannedStop, stop_id)
    if stop is None or stop.kind == "unload":
        abort(404)
    rv = route_view(session, _my_route(stop.route_id))
    sv = rv.find(stop_id)
    materials = session.exec(
        select(Material).where(Material.active == True).order_by(Material.sort_order)
    ).all()
    reasons = session.exec(
        select(SkipReason).where(SkipReason.active == True).order_by(SkipReason.sort_order)
    ).all()
    limit = min(rv.vehicle.capacity_g, MAX_STOP_G)
    data = _page_data(
        [rv],
        stop={
            "id": stop_id,
            "position": stop.position,
            "limit_g": limit,
            "record": sv.record.client_id if sv.record else None,
            "earlier": [
                {"id": s.stop.id, "position": s.stop.position, "status": s.status}
                for s in rv.outlet_stops
                if s.stop.position < stop.position
            ],
            "reasons": {r.code: {"photo": r.requires_photo, "note": r.requires_note} for r in reasons},
        },
    )
    return render_template(
        "driver/stop.html",
        rv=rv,
        sv=sv,
        materials=materials,
        reasons=reasons,
        links=nav_links(sv.place.lon, sv.place.lat, sv.place.name),  # type: ignore[union-attr]
        earlier=rv.earlier_pending(stop_id),
        new_id=uuid.uuid4().hex,
        errors=errors,
        values=values,
        limit_kg=limit / 1000,
        booking=stop.kind == "booking",
        **_helpers(),
        page_data=data,
    )


def _helpers() -> dict[str, Any]:
    locale = str(get_locale())
    return {
        "hhmm": hhmm,
        "kg": lambda g: f"{g / 1000:.1f}",
        "mname": lambda m: m.name(locale),
        "hours": f"{OUTLET_HOURS[0]:%H:%M}–{OUTLET_HOURS[1]:%H:%M}",
        "tz": CHINA_TZ,
        "route_geo": _route_geo,
    }


def _route_geo(rv: RouteView) -> dict[str, Any]:
    """The route line and its numbered stops for the small map."""
    return {
        "line": rv.route.geometry,
        "stops": [
            {
                "id": s.stop.id,
                "n": s.stop.position,
                "kind": s.stop.kind,
                "status": s.status,
                "lon": s.place.lon,
                "lat": s.place.lat,
                "name": s.place.name,
                "url": url_for("driver.show_stop", stop_id=s.stop.id) if s.stop.kind != "unload" else None,
            }
            for s in rv.stops
            if s.place is not None
        ],
    }


def _page_data(routes: list[RouteView], **extra: Any) -> dict[str, Any]:
    """What driver.js needs: who, where to sync, the route's stop pages, the route whose
    track the phone records (None: no route of today is under way), and its words."""
    urls = [url_for("driver.show_stop", stop_id=s.stop.id) for rv in routes for s in rv.outlet_stops]
    running = running_route(db_session(), routes, china_today())
    return {
        "user_id": current_user.id,
        "token_url": url_for("driver.device_token"),
        "api": url_for("driver_api.post_completion"),
        "evidence_api": url_for("driver_api.post_evidence"),
        "positions_api": url_for("driver_api.post_positions"),
        "track": {"route_id": running} if running else None,
        "route_url": url_for("driver.today_route"),
        "sw_url": url_for("driver.service_worker"),
        "warm": [url_for("driver.today_route"), url_for("main.streets"), *urls],
        "i18n": _words(),
        "rendered_at": int(time.time() * 1000),
        **extra,
    }


def _words() -> dict[str, str]:
    return {
        "pending": _("{n} waiting to sync"),
        "syncing": _("Sending records…"),
        "synced": _("All records sent"),
        "offline": _("No signal: records stay on this phone and are sent later"),
        "rejected": _("{n} records were refused by the server; see the list below"),
        "queued": _("Waiting to sync"),
        "collected": _("Collected {kg} kg"),
        "skipped": _("Skipped"),
        "kg_format": _("Enter kilograms with at most one decimal, e.g. 12.5"),
        "kg_max": _("More than {max} kg: check the number"),
        "need_weight": _("Enter at least one weight above 0 kg, or skip the stop with a reason"),
        "need_reason": _("Choose why the stop is skipped"),
        "need_photo": _("This reason needs a photo"),
        "need_note": _("This reason needs a note"),
        "need_correction": _("Say why the record is corrected"),
        "need_code": _("Enter the code the resident shows"),
        "call_offline": _("No signal: the number is fetched when you call, so calling needs signal."),
        "arrived": _("Arrived at {time}"),
        "order": _("Stop {list} comes before this one and is not done yet."),
        "saved": _("Saved on this phone."),
        "correcting": _("Recorded already: a new record will correct it."),
    }
