"""The weighbridge pages (operator, dispatcher, admin): weigh a truck, print its ticket,
correct it, import a scale's export, and reconcile trips with the drivers' weights."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import col, select

from traceability import CHINA_TZ, china_today
from webapp.access import role_required
from webapp.db import db_session
from webapp.dispatch.exports import hhmm
from webapp.models import Driver, EvidenceFile, Facility, Material, PlannedRoute, Role, User, Vehicle
from webapp.models.weighbridge import TicketDirection, WeighIn, WeighTicket
from webapp.weighbridge import cancels, imports, listen, operations, reconcile, tolerance, unloads
from webapp.weighbridge.tickets import TicketError, open_weigh_ins, tickets_between, voided_by

bp = Blueprint("weighbridge", __name__, url_prefix="/weighbridge")
ROLES = (Role.WEIGHBRIDGE, Role.DISPATCHER, Role.ADMIN)


def _facility() -> Facility:
    """The facility named by ``facility_id`` (form or query), else the first weighing site."""
    session = db_session()
    sites = operations.weighing_sites(session)
    if not sites:
        abort(404)
    wanted = request.values.get("facility_id", type=int)
    return next((f for f in sites if f.id == wanted), sites[0])


def _day() -> date:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return china_today()


def _tolerance() -> int:
    return int(current_app.config["RELOOP_SETTINGS"].weighbridge_tolerance_permille)


def _helpers() -> dict[str, Any]:
    session = db_session()
    locale = str(get_locale())
    return {
        "kg": lambda g: f"{g / 1000:,.1f}" if g is not None else "—",
        "hhmm": hhmm,
        "local": lambda m: m.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if m else "—",
        "plates": {v.id: v.plate for v in session.exec(select(Vehicle))},
        "drivers": {d.id: d.name for d in session.exec(select(Driver))},
        "material_names": {m.id: m.name(locale) for m in session.exec(select(Material))},
        "tolerance_permille": _tolerance(),
    }


@bp.get("/")
@role_required(*ROLES)
def index() -> ResponseReturnValue:
    """The facility's tickets of a day and its planned unload visits."""
    session, facility, day = db_session(), _facility(), _day()
    tickets = tickets_between(session, day, day + timedelta(days=1), facility_id=facility.id)
    trips = {t.ticket.id: t for t in reconcile.of_tickets(session, tickets, tolerance_permille=_tolerance())}
    return render_template(
        "weighbridge/index.html",
        facility=facility,
        sites=operations.weighing_sites(session),
        day=day,
        tickets=tickets,
        trips=trips,
        unloads=operations.unload_options(session, facility.id, day),  # type: ignore[arg-type]
        weigh_ins=open_weigh_ins(session, facility.id),  # type: ignore[arg-type]
        cancelled=cancels.cancelled_on(session, facility.id, day),  # type: ignore[arg-type]
        **_helpers(),
    )


def _form_page(
    facility: Facility, form: Any, errors: dict[str, str], voids: WeighTicket | None = None
) -> str:
    session = db_session()
    day = china_today()
    options = operations.unload_options(session, facility.id, day)  # type: ignore[arg-type]
    vehicles = session.exec(select(Vehicle).where(Vehicle.active == True).order_by(col(Vehicle.plate))).all()  # noqa: E712
    materials = session.exec(
        select(Material).where(Material.active == True).order_by(col(Material.sort_order))
    ).all()  # noqa: E712
    preselected = form.get("stop_id")
    if preselected is None and voids is None:
        wanted = request.args.get("vehicle_id", type=int)
        open_ = [o for o in options if o.ticket_number is None and (wanted is None or o.vehicle.id == wanted)]
        preselected = str(open_[0].stop.id) if open_ else ""
    return render_template(
        "weighbridge/ticket_form.html",
        facility=facility,
        options=options,
        vehicles=vehicles,
        materials=materials,
        form=form,
        errors=errors,
        voids=voids,
        preselected=preselected,
        live=None if voids is not None else listen.live_weight(session, facility.id),  # type: ignore[arg-type]
        client_id=form.get("client_id") or uuid.uuid4().hex,
        now=datetime.now(CHINA_TZ).strftime("%Y-%m-%dT%H:%M"),
        **_helpers(),
    )


@bp.route("/tickets/new", methods=["GET", "POST"])
@role_required(*ROLES)
def new_ticket() -> ResponseReturnValue:
    """Weigh a truck: the next open unload visit preselected, tare from the vehicle if not weighed."""
    facility = _facility()
    if request.method == "GET":
        return _form_page(facility, _weigh_out_form() or request.args, {})
    try:
        saved = operations.save_from_form(
            db_session(),
            request.form,
            request.files.get("photo"),
            facility_id=facility.id,  # type: ignore[arg-type]
            operator_id=current_user.id,
        )
    except operations.FormError as exc:
        return _form_page(facility, request.form, exc.errors), 422
    if isinstance(saved, WeighIn):
        flash(
            _(
                "Weighed in: %(plate)s, gross %(kg)s kg. Weigh it out when it leaves.",
                plate=saved.plate,
                kg=f"{saved.gross_g / 1000:,.1f}",
            )
        )
        return redirect(url_for("weighbridge.index", facility_id=facility.id), code=303)
    return redirect(url_for("weighbridge.ticket", ticket_id=saved.id), code=303)


def _weigh_out_form() -> dict[str, str] | None:
    """The form of a truck's weigh-out: its weigh-in's gross, truck and stop."""
    weigh_in = db_session().get(WeighIn, request.args.get("weigh_in_id", type=int) or 0)
    if weigh_in is None:
        return None
    return {
        "weigh_in_id": str(weigh_in.id),
        "direction": weigh_in.direction.value,
        "stop_id": str(weigh_in.stop_id or ""),
        "vehicle_id": str(weigh_in.vehicle_id or ""),
        "plate": weigh_in.plate,
        "gross_kg": str(weigh_in.gross_g / 1000),
        "weighed_at": weigh_in.weighed_at.astimezone(CHINA_TZ).strftime("%Y-%m-%dT%H:%M"),
    }


def _ticket_or_404(ticket_id: int) -> WeighTicket:
    ticket = db_session().get(WeighTicket, ticket_id)
    if ticket is None:
        abort(404)
    return ticket


def _ticket_context(ticket: WeighTicket) -> dict[str, Any]:
    session = db_session()
    balance = None
    if ticket.direction == TicketDirection.IN:
        balance = reconcile.of_tickets(session, [ticket], tolerance_permille=_tolerance())[0]
    route = session.get(PlannedRoute, ticket.route_id) if ticket.route_id else None
    operator = session.get(User, ticket.operator_id) if ticket.operator_id else None
    return dict(
        ticket=ticket,
        facility=session.get(Facility, ticket.facility_id),
        route=route,
        operator=operator,
        balance=balance,
        voided_by=voided_by(session, ticket.id),  # type: ignore[arg-type]
        cancelled=cancels.cancellation(session, ticket.id),  # type: ignore[arg-type]
        voids=session.get(WeighTicket, ticket.voids_id) if ticket.voids_id else None,
        unload=unloads.latest_by_stop(session, [ticket.stop_id]).get(ticket.stop_id)
        if ticket.stop_id
        else None,
        **_helpers(),
    )


@bp.get("/tickets/<int:ticket_id>")
@role_required(*ROLES)
def ticket(ticket_id: int) -> ResponseReturnValue:
    """One ticket, its trip's difference with the drivers' weights, print and correct links."""
    return render_template("weighbridge/ticket.html", **_ticket_context(_ticket_or_404(ticket_id)))


@bp.get("/tickets/<int:ticket_id>/print")
@role_required(*ROLES)
def print_ticket(ticket_id: int) -> ResponseReturnValue:
    """The printable ticket: ``?size=a5`` (default) or ``?size=80mm`` for a thermal printer."""
    size = "80mm" if request.args.get("size") == "80mm" else "a5"
    context = _ticket_context(_ticket_or_404(ticket_id))
    return render_template("weighbridge/print.html", size=size, **context)


@bp.get("/tickets/<int:ticket_id>/photo")
@role_required(*ROLES)
def photo(ticket_id: int) -> ResponseReturnValue:
    """The photo taken at the weighing."""
    ticket = _ticket_or_404(ticket_id)
    row = db_session().get(EvidenceFile, ticket.photo_id) if ticket.photo_id else None
    if row is None:
        abort(404)
    return Response(row.data, mimetype=row.media_type, headers={"Cache-Control": "private, max-age=86400"})


@bp.route("/tickets/<int:ticket_id>/correct", methods=["GET", "POST"])
@role_required(*ROLES)
def correct_ticket(ticket_id: int) -> ResponseReturnValue:
    """A correction: a new ticket that voids this one, with a reason."""
    old = _ticket_or_404(ticket_id)
    facility = db_session().get(Facility, old.facility_id)
    if request.method == "GET":
        prefill = {
            "direction": old.direction.value,
            "stop_id": str(old.stop_id or ""),
            "vehicle_id": str(old.vehicle_id or ""),
            "plate": old.plate,
            "gross_kg": str(old.gross_g / 1000),
            "tare_kg": str(old.tare_g / 1000),
            "material_id": str(old.material_id or ""),
            "reference": old.reference,
            "weighed_at": old.weighed_at.astimezone(CHINA_TZ).strftime("%Y-%m-%dT%H:%M"),
        }
        return _form_page(facility, prefill, {}, voids=old)  # type: ignore[arg-type]
    try:
        ticket = operations.save_from_form(
            db_session(),
            request.form,
            request.files.get("photo"),
            facility_id=old.facility_id,
            operator_id=current_user.id,
            voids=old,
        )
    except operations.FormError as exc:
        return _form_page(facility, request.form, exc.errors, voids=old), 422  # type: ignore[arg-type]
    return redirect(url_for("weighbridge.ticket", ticket_id=ticket.id), code=303)


@bp.route("/import", methods=["GET", "POST"])
@role_required(*ROLES)
def import_csv() -> ResponseReturnValue:
    """Import a scale software's CSV export: all lines or none, each bad line named."""
    session, facility = db_session(), _facility()
    context: dict[str, Any] = dict(
        facility=facility, sites=operations.weighing_sites(session), columns=imports.COLUMNS
    )
    if request.method == "GET":
        return render_template("weighbridge/import.html", **context)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template(
            "weighbridge/import.html",
            errors=[{"line": 0, "field": "file", "message": _("Choose a file.")}],
            **context,
        ), 422
    result = imports.import_csv(session, upload.read(), facility_id=facility.id, operator_id=current_user.id)  # type: ignore[arg-type]
    status = 422 if result.errors else 200
    return render_template(
        "weighbridge/import.html", result=result, errors=result.errors, **context, **_helpers()
    ), status


def _period() -> tuple[date, date, int]:
    days = max(1, min(request.args.get("days", default=1, type=int) or 1, 366))
    end = _day() + timedelta(days=1)
    return end - timedelta(days=days), end, days


@bp.get("/reconciliation")
@role_required(*ROLES)
def reconciliation() -> ResponseReturnValue:
    """Per trip, driver and day: the drivers' kg beside the net weight, over tolerance flagged."""
    session = db_session()
    start, end, days = _period()
    facility_id = request.args.get("facility_id", type=int)
    trips = reconcile.balances(session, start, end, tolerance_permille=_tolerance(), facility_id=facility_id)
    return render_template(
        "weighbridge/reconciliation.html",
        trips=trips,
        per_driver=reconcile.by_driver_day(trips),
        per_day=reconcile.by_day(trips),
        start=start,
        last=end - timedelta(days=1),
        days=days,
        facility_id=facility_id,
        sites=operations.weighing_sites(session),
        **_helpers(),
    )


@bp.get("/review")
@role_required(*ROLES)
def review() -> ResponseReturnValue:
    """Trips over the tolerance in the last days (30 by default), newest first."""
    session = db_session()
    days = max(1, min(request.args.get("days", default=30, type=int) or 30, 366))
    end = china_today() + timedelta(days=1)
    trips = reconcile.balances(session, end - timedelta(days=days), end, tolerance_permille=_tolerance())
    flagged = sorted((t for t in trips if t.flagged), key=lambda t: t.ticket.weighed_at, reverse=True)
    return render_template("weighbridge/review.html", trips=flagged, days=days, **_helpers())


@bp.post("/weigh-ins/<int:weigh_in_id>/cancel")
@role_required(*ROLES)
def cancel_weigh_in(weigh_in_id: int) -> ResponseReturnValue:
    """Cancel a mistaken weigh-in with a reason (a new row; it leaves the waiting list)."""
    try:
        cancels.cancel_weigh_in(
            db_session(), weigh_in_id, reason=request.form.get("reason", ""), operator_id=current_user.id
        )
    except TicketError as exc:
        for error in exc.errors:
            flash(f"{error['field']}: {error['message']}", "error")
        return index(), 422
    flash(_("Weigh-in cancelled."))
    return redirect(url_for("weighbridge.index", facility_id=request.form.get("facility_id")), code=303)


@bp.post("/tickets/<int:ticket_id>/cancel")
@role_required(*ROLES)
def cancel_ticket(ticket_id: int) -> ResponseReturnValue:
    """Cancel a ticket issued by mistake: it keeps its number, shown as cancelled with the reason."""
    ticket = _ticket_or_404(ticket_id)
    try:
        cancels.cancel_ticket(
            db_session(), ticket_id, reason=request.form.get("reason", ""), operator_id=current_user.id
        )
    except TicketError as exc:
        for error in exc.errors:
            flash(f"{error['field']}: {error['message']}", "error")
        return render_template("weighbridge/ticket.html", **_ticket_context(ticket)), 422
    return redirect(url_for("weighbridge.ticket", ticket_id=ticket_id), code=303)


@bp.route("/tolerance", methods=["GET", "POST"])
@role_required(Role.DISPATCHER, Role.ADMIN)
def tolerances() -> ResponseReturnValue:
    """Each weighing site's reconciliation tolerance as history; a change is a new row."""
    session = db_session()
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            tolerance.set_tolerance(
                session,
                facility_id=request.form.get("facility_id", type=int) or 0,
                permille=_permille(request.form.get("tolerance_percent", "")),
                valid_from=_valid_from(request.form.get("valid_from", "")),
                actor_id=current_user.id,
            )
        except TicketError as exc:
            errors, status = {e["field"]: e["message"] for e in exc.errors}, 422
        else:
            flash(_("Tolerance saved."))
            return redirect(url_for("weighbridge.tolerances"), code=303)
    sites = operations.weighing_sites(session)
    return render_template(
        "weighbridge/tolerance.html",
        sites=sites,
        histories={f.id: tolerance.history(session, f.id) for f in sites},  # type: ignore[arg-type]
        in_force=tolerance.lookup(session, _tolerance()),
        today=china_today(),
        errors=errors,
        form=request.form,
        **_helpers(),
    ), status


def _permille(text: str) -> int:
    """Per mille from a percentage typed with at most one decimal (3.5 -> 35); -1 when unreadable."""
    try:
        value = round(float(text.strip()) * 10)
    except ValueError:
        return -1
    return value if str(text).strip() else -1


def _valid_from(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return china_today()
