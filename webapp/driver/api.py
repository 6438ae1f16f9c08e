"""The driver sync API under /api/v1/driver: bearer device tokens, never the cookie.

A phone that was offline for hours replays its queue here; a session or CSRF token
that expired meanwhile cannot make it fail.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlmodel import select

from routing import nav_links
from traceability import china_today
from webapp.access import token_required
from webapp.db import db_session
from webapp.dispatch.exports import hhmm
from webapp.driver import evidence, operations
from webapp.driver.completions import parse_completion, valid_client_id
from webapp.driver.queries import RouteView, route_view, routes_of_day, weights_of
from webapp.models import (
    ApiToken,
    Collection,
    Driver,
    EvidenceFile,
    PlannedRoute,
    SkipReason,
    TokenKind,
)
from webapp.tracks.points import store_points

bp = Blueprint("driver_api", __name__, url_prefix="/api/v1/driver")


class _NoDriver(Exception):
    pass


def _auth() -> tuple[ApiToken, Driver]:
    """The request's device token (checked by ``token_required``) and the driver it speaks for."""
    token: ApiToken = g.api_token
    driver = operations.driver_of(db_session(), token.user_id)
    if driver is None:
        raise _NoDriver
    return token, driver


@bp.errorhandler(_NoDriver)
def _no_driver(_exc: Exception) -> ResponseReturnValue:
    # The token is good (a 401 would make the phone throw it away); the dispatcher has not
    # linked this user to a driver profile yet, or has retired the profile.
    return jsonify(error=_("No active driver profile for this user: ask the dispatcher."), status=403), 403


@bp.get("/routes/today")
@token_required(TokenKind.DEVICE)
def get_today() -> ResponseReturnValue:
    """The token's driver's routes on today's accepted plans, stops in order."""
    _token, driver = _auth()
    session = db_session()
    views = [route_view(session, r) for r in routes_of_day(session, driver.id, china_today())]  # type: ignore[arg-type]
    return jsonify(day=china_today().isoformat(), routes=[_route_json(v) for v in views])


@bp.get("/routes/<int:route_id>")
@token_required(TokenKind.DEVICE)
def get_route(route_id: int) -> ResponseReturnValue:
    """One route; another driver's route is refused (403)."""
    _token, driver = _auth()
    route = db_session().get(PlannedRoute, route_id)
    if route is None:
        return jsonify(error=f"no route {route_id}", status=404), 404
    if route.driver_id != driver.id:
        return jsonify(error="this route is assigned to another driver", status=403), 403
    return jsonify(_route_json(route_view(db_session(), route)))


@bp.post("/evidence")
@token_required(TokenKind.DEVICE)
def post_evidence() -> ResponseReturnValue:
    """A photo or signature as the raw request body; answered with its SHA-256."""
    token, _driver = _auth()
    try:
        row, created = evidence.store_evidence(
            db_session(), request.get_data(cache=False), user_id=token.user_id
        )
    except evidence.EvidenceError as exc:
        return jsonify(error=str(exc), status=422), 422
    return jsonify(
        sha256=row.sha256, media_type=row.media_type, size_bytes=row.size_bytes
    ), 201 if created else 200


@bp.post("/completions")
@token_required(TokenKind.DEVICE)
def post_completion() -> ResponseReturnValue:
    """Store one stop record exactly once (201), or return the stored one (200)."""
    token, driver = _auth()
    data, problems = parse_completion(request.get_json(silent=True))
    if data is None:
        return jsonify(error="invalid record; nothing was stored", errors=problems, status=422), 422
    session = db_session()
    try:
        body = request.get_json(silent=True)
        row, created = operations.record_completion(
            session,
            driver,
            data,
            user_id=token.user_id,
            token_id=token.id,
            confirmation_code=_code(body.get("confirmation_code")),
        )
    except operations.AlreadyRecordedError as exc:
        session.rollback()
        return jsonify(error=str(exc), status=409, existing=completion_json(exc.existing)), 409
    except operations.DriverError as exc:
        session.rollback()
        return jsonify(error=str(exc), errors=exc.problems, status=exc.status), exc.status
    return jsonify(completion_json(row)), 201 if created else 200


@bp.get("/completions/<client_id>")
@token_required(TokenKind.DEVICE)
def get_completion(client_id: str) -> ResponseReturnValue:
    """A stored record of this driver, by the phone's id."""
    _token, driver = _auth()
    if not valid_client_id(client_id):  # no such record can exist, and NUL would fail the query
        return jsonify(error=f"no record {client_id}", status=404), 404
    row = db_session().exec(select(Collection).where(Collection.client_id == client_id)).first()
    if row is None or row.driver_id != driver.id:
        return jsonify(error=f"no record {client_id}", status=404), 404
    return jsonify(completion_json(row))


@bp.post("/positions")
@token_required(TokenKind.DEVICE)
def post_positions() -> ResponseReturnValue:
    """A batch of the truck's positions: new ones stored once (201), a resend stores nothing (200).

    Bad points are named by index and field and left out; the others are kept. Only a
    batch of which nothing can be kept is refused as a whole (422).
    """
    token, driver = _auth()
    result = store_points(db_session(), driver, request.get_json(silent=True), token_id=token.id)
    body = {
        "created": result.created,
        "duplicates": result.duplicates,
        "flagged": result.flagged,
        "errors": result.errors,
    }
    if not result.created and not result.duplicates:
        return jsonify(error="no position was stored", status=422, **body), 422
    return jsonify(body), 201 if result.created else 200


def completion_json(row: Collection) -> dict[str, Any]:
    """A stored record as the API returns it."""
    session = db_session()
    weights = weights_of(session, [row.id]).get(row.id, {})  # type: ignore[list-item]
    reason = session.get(SkipReason, row.skip_reason_id) if row.skip_reason_id else None
    superseded = session.get(Collection, row.supersedes_id) if row.supersedes_id else None
    photo = evidence_sha(row.photo_id)
    signature = evidence_sha(row.signature_id)
    return {
        "id": row.client_id,
        "server_id": row.id,
        "stop_id": row.stop_id,
        "route_id": row.route_id,
        "outcome": row.outcome.value,
        "weights_g": weights,
        "total_g": row.total_g,
        "skip_reason": reason.code if reason else None,
        "note": row.note,
        "photo_sha256": photo,
        "signature_sha256": signature,
        "position": {"lon": row.lon, "lat": row.lat, "accuracy_m": row.accuracy_m}
        if row.lon is not None
        else None,
        "arrived_at": row.arrived_at.isoformat() if row.arrived_at else None,
        "recorded_at": row.recorded_at.isoformat(),
        "received_at": row.received_at.isoformat(),
        "supersedes": superseded.client_id if superseded else None,
        "correction_reason": row.correction_reason,
        "out_of_order": row.out_of_order,
    }


def evidence_sha(file_id: int | None) -> str | None:
    """The SHA-256 of a stored photo or signature."""
    if file_id is None:
        return None
    found = db_session().get(EvidenceFile, file_id)
    return found.sha256 if found else None


def _route_json(rv: RouteView) -> dict[str, Any]:
    locale = str(get_locale())
    stops = []
    for sv in rv.stops:
        place = sv.place
        item: dict[str, Any] = {
            "id": sv.stop.id,
            "position": sv.stop.position,
            "kind": sv.stop.kind,
            "status": sv.status,
            "name": place.name if place else "",
            "address": place.address if place else "",
            "lon": place.lon if place else None,
            "lat": place.lat if place else None,
            "planned_arrival": hhmm(sv.stop.arrival_s),
            "expected_kg": round(sv.stop.expected_g / 1000, 1),
            "materials": [{"code": m.code, "name": m.name(locale)} for m in sv.materials],
        }
        if sv.stop.kind != "unload" and place is not None:
            item["page"] = url_for("driver.show_stop", stop_id=sv.stop.id)
            item["navigation"] = {link.app: link.href for link in nav_links(place.lon, place.lat, place.name)}
            item["record"] = completion_json(sv.record) if sv.record else None
        if sv.stop.kind == "booking" and place is not None:
            # What the phone keeps for the door: the masked number and the call link (the
            # link asks the server for the number and logs it); never the resident's code.
            item["booking"] = {
                "label": place.code,
                "window": place.window,
                "masked_phone": place.masked_phone,
                "call": url_for("driver.call_resident", stop_id=sv.stop.id),
                "needs_confirmation_code": sv.record is None,
            }
        stops.append(item)
    return {
        "id": rv.route.id,
        "number": rv.route.number,
        "day": rv.plan.day.isoformat(),
        "vehicle": rv.vehicle.plate,
        "capacity_kg": rv.vehicle.capacity_g / 1000,
        "done": rv.done,
        "total": rv.total,
        "collected_kg": rv.collected_g / 1000,
        "stops": stops,
    }


def _code(value: object) -> str | None:
    """A booking's confirmation code as sent (anything but text is no code)."""
    return value[:16] if isinstance(value, str) else None
