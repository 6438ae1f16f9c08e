"""The driver records the unload visit: a page on the phone (cookie) and the sync API
(device token) the phone's queue can post to, both idempotent by the record id."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import Blueprint, abort, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from traceability import CHINA_TZ
from webapp.access import role_required, token_required
from webapp.db import db_session
from webapp.dispatch.exports import hhmm
from webapp.driver.operations import driver_of, driver_of_token
from webapp.driver.queries import route_view
from webapp.driver.views import _page_data  # what driver.js reads: the phone's queue and token
from webapp.models import Facility, PlannedRoute, PlannedStop, Role, TokenKind
from webapp.models.weighbridge import TicketDirection, UnloadVisit, WeighTicket
from webapp.weighbridge import unloads
from webapp.weighbridge.tickets import in_force

api = Blueprint("unload_api", __name__, url_prefix="/api/v1/driver/unloads")
pages = Blueprint("driver_unload", __name__, url_prefix="/driver/unloads")


@pages.app_template_global()
def unload_visit_of(stop_id: int) -> UnloadVisit | None:
    """The driver's latest unload record at a stop (for the route page)."""
    return unloads.latest_by_stop(db_session(), [stop_id]).get(stop_id)


def _answer(row: UnloadVisit, created: bool) -> ResponseReturnValue:
    body = {
        "id": row.client_id,
        "stop_id": row.stop_id,
        # In Shenzhen time whether just stored or read back, so a resend's answer is the first's.
        "arrived_at": row.arrived_at.astimezone(CHINA_TZ).isoformat(),
        "ticket_number": row.ticket_number,
        "created": created,
    }
    return jsonify(body), 201 if created else 200


@api.post("")
@token_required(TokenKind.DEVICE)
def post_unload() -> ResponseReturnValue:
    """Record arrival at an unload stop with the ticket number: 201 new, 200 a resend, 409 a clash."""
    session = db_session()
    driver = driver_of_token(session, g.api_token)
    if driver is None:
        return jsonify(
            error=_("No active driver profile for this user: ask the dispatcher."), status=403
        ), 403
    try:
        item = unloads.parse(request.get_json(silent=True))
        row, created = unloads.record_unload(session, item, driver=driver, user_id=g.api_token.user_id)
    except unloads.UnloadError as exc:
        errors = [{"index": 0, "field": exc.field, "message": exc.message}]
        return jsonify(error=exc.message, status=exc.status, errors=errors), exc.status
    return _answer(row, created)


def _stop_of_mine(stop_id: int) -> tuple[PlannedStop, PlannedRoute]:
    session = db_session()
    stop = session.get(PlannedStop, stop_id)
    route = session.get(PlannedRoute, stop.route_id) if stop else None
    driver = driver_of(session, current_user.id)
    if stop is None or route is None or stop.kind != "unload":
        abort(404)
    if driver is None or route.driver_id != driver.id:
        abort(403)
    return stop, route


@pages.route("/<int:stop_id>", methods=["GET", "POST"])
@role_required(Role.DRIVER)
def unload_page(stop_id: int) -> ResponseReturnValue:
    """The unload stop on the phone: arrival time (now by default) and the ticket number."""
    session = db_session()
    stop, route = _stop_of_mine(stop_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        driver = driver_of(session, current_user.id)
        try:
            item = unloads.parse(
                {
                    "id": request.form.get("id", ""),
                    "stop_id": stop_id,
                    "arrived_at": request.form.get("arrived_at", ""),
                    "ticket_number": request.form.get("ticket_number", ""),
                }
            )
            unloads.record_unload(session, item, driver=driver, user_id=current_user.id)  # type: ignore[arg-type]
        except unloads.UnloadError as exc:
            errors[exc.field or "arrived_at"] = exc.message
        else:
            return redirect(url_for("driver.today_route"), code=303)
    tickets = session.exec(
        select(WeighTicket).where(
            WeighTicket.stop_id == stop_id, WeighTicket.direction == TicketDirection.IN, in_force()
        )
    ).all()
    return render_template(
        "weighbridge/driver_unload.html",
        stop=stop,
        route=route,
        facility=session.get(Facility, stop.facility_id) if stop.facility_id else None,
        visit=unload_visit_of(stop_id),
        tickets=tickets,
        errors=errors,
        form=request.form,
        record_id=request.form.get("id") or uuid.uuid4().hex,
        now=datetime.now(CHINA_TZ).strftime("%Y-%m-%dT%H:%M"),
        hhmm=hhmm,
        tz=CHINA_TZ,
        page_data=_page_data(
            [route_view(session, route)],
            unload_api=url_for("unload_api.post_unload"),
            unload_stop_id=stop_id,
        ),
    ), (422 if errors else 200)
