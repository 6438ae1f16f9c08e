"""The dispatch board (dispatcher): what is due, solve the day, read, compare,
accept and hand out the routes, export them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import defer
from sqlmodel import select

from webapp.access import STAFF, role_required
from webapp.db import db_session
from webapp.dispatch import exports, operations
from webapp.dispatch.forms import AcceptForm, SolveForm
from webapp.dispatch.problem import candidate_points
from webapp.driver.queries import route_view
from webapp.jobs import operations as jobs
from webapp.models import CollectionPlan, Driver, Facility, PlannedRoute

bp = Blueprint("dispatch", __name__, url_prefix="/dispatch")


def reason_label(reason: str) -> str:
    """Why a stop was not served, in the reader's language."""
    labels = {
        "no_vehicles": _("no vehicle available"),
        "too_heavy": _("heavier than any truck"),
        "too_bulky": _("bulkier than any truck"),
        "unreachable": _("not reachable on the road network"),
        "time_window": _("opening hours cannot be met"),
        "not_profitable": _("optional and not worth the detour"),
        "no_route_found": _("no feasible route found"),
    }
    return labels.get(reason, reason)


def _depots() -> list[Facility]:
    return list(db_session().exec(select(Facility).where(Facility.is_depot == True).order_by(Facility.id)))


@bp.get("/")
@role_required(*STAFF)
def board() -> ResponseReturnValue:
    """Choose day and depot; see what is due and the plans made so far."""
    depots = _depots()
    if not depots:
        flash(_("Add a depot first."), "error")
        return redirect(url_for("outlets.index"))
    form = SolveForm(request.args, meta={"csrf": False})
    form.depot.choices = [(d.id, d.name) for d in depots]
    day = form.day.data or date.today()
    depot_id = form.depot.data if form.depot.data in {d.id for d in depots} else depots[0].id
    form.day.data, form.depot.data = day, depot_id
    form.seed.data = form.seed.data or 0
    session = db_session()
    outlets = candidate_points(session, day, depot_id)
    # The list shows totals only: leave each plan's JSON (thousands of visits) unread.
    plans = session.exec(
        select(CollectionPlan)
        .where(CollectionPlan.day == day, CollectionPlan.depot_id == depot_id)
        .options(
            defer(CollectionPlan.plan),
            defer(CollectionPlan.stops),  # type: ignore[arg-type]
            defer(CollectionPlan.unassigned),
        )  # type: ignore[arg-type]
        .order_by(CollectionPlan.id.desc())
    ).all()  # type: ignore[union-attr]
    route_counts = dict(
        session.exec(  # type: ignore[call-overload]
            select(PlannedRoute.plan_id, func.count())
            .where(PlannedRoute.plan_id.in_([p.id for p in plans]))  # type: ignore[attr-defined]
            .group_by(PlannedRoute.plan_id)
        ).all()
    )
    points = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [o.lon, o.lat]},
                "properties": {"code": o.code, "name": o.name, "fill": o.last_fill_pct, "due": o.due},
            }
            for o in outlets
        ],
    }
    return render_template(
        "dispatch/board.html",
        form=form,
        solve_form=SolveForm(formdata=None, obj=form),
        outlets=outlets,
        plans=plans,
        route_counts=route_counts,
        day=day,
        depot_id=depot_id,
        outlets_geojson=points,
    )


@bp.post("/solve")
@role_required(*STAFF)
def solve() -> ResponseReturnValue:
    """Queue a solve of the chosen day and depot; the job page shows its progress."""
    form = SolveForm()
    form.depot.choices = [(d.id, d.name) for d in _depots()]
    if not form.validate_on_submit():
        for field, errors in form.errors.items():
            flash(f"{form[field].label.text}: {' '.join(errors)}", "error")
        return redirect(url_for("dispatch.board"))
    job = jobs.enqueue(
        db_session(),
        "dispatch.solve",
        {
            "day": form.day.data.isoformat(),
            "depot_id": form.depot.data,
            "time_limit_s": form.time_limit_s.data,
            "seed": form.seed.data or 0,
            "locale": str(get_locale()),
        },
        actor_id=current_user.id,
        org_id=current_user.org_id,
    )
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.get("/plans/<int:plan_id>")
@role_required(*STAFF)
def show_plan(plan_id: int) -> ResponseReturnValue:
    """Routes on the map and as lists, totals, unassigned stops, what-if against the plan in force."""
    session = db_session()
    plan = _get(plan_id)
    rows = exports.plan_rows(session, plan)
    drivers = session.exec(select(Driver).where(Driver.active == True).order_by(Driver.id)).all()
    by_vehicle = {d.vehicle_id: d.id for d in drivers}
    return render_template(
        "dispatch/plan.html",
        plan=plan,
        rows=rows,
        drivers=drivers,
        by_vehicle=by_vehicle,
        comparison=operations.compare_with_current(session, plan),
        hhmm=exports.hhmm,
        depot=session.get(Facility, plan.depot_id),
        accept_form=AcceptForm(),
        geojson=exports.to_geojson(plan, rows),
        reason_label=reason_label,
        **_progress_context(plan),
    )


@bp.post("/plans/<int:plan_id>/accept")
@role_required(*STAFF)
def accept(plan_id: int) -> ResponseReturnValue:
    """Make this plan the day's plan and hand its routes to the chosen drivers."""
    _get(plan_id)
    if not AcceptForm().validate_on_submit():
        abort(400)
    drivers = {
        int(key.removeprefix("driver_")): (int(value) if value.isdigit() else None)
        for key, value in request.form.items()
        if key.startswith("driver_") and key[7:].isdigit()
    }
    try:
        operations.accept_plan(db_session(), plan_id, drivers, actor_id=current_user.id)
    except operations.DispatchError as exc:
        db_session().rollback()
        flash(str(exc), "error")
    else:
        flash(_("Plan accepted; the drivers have their routes."), "success")
    return redirect(url_for("dispatch.show_plan", plan_id=plan_id))


@bp.post("/plans/<int:plan_id>/replan")
@role_required(*STAFF)
def replan(plan_id: int) -> ResponseReturnValue:
    """Solve the day again, keeping the ticked routes exactly as they are."""
    plan = _get(plan_id)
    if not AcceptForm().validate_on_submit():
        abort(400)
    numbers = {int(n) for n in request.form.getlist("lock") if n.isdigit()}
    job = jobs.enqueue(
        db_session(),
        "dispatch.solve",
        {
            "day": plan.day.isoformat(),
            "depot_id": plan.depot_id,
            "time_limit_s": plan.time_limit_s,
            "seed": plan.seed,
            "locale": str(get_locale()),
            "locked": operations.route_locks(plan, numbers),
            "replans": plan.id,
        },
        actor_id=current_user.id,
        org_id=current_user.org_id,
    )
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.get("/plans/<int:plan_id>/export.<fmt>")
@role_required(*STAFF)
def export(plan_id: int, fmt: str) -> ResponseReturnValue:
    """The plan as GeoJSON, GPX or CSV."""
    plan = _get(plan_id)
    rows = exports.plan_rows(db_session(), plan)
    name = f"plan-{plan.id}-{plan.day.isoformat()}"
    if fmt == "geojson":
        response = jsonify(exports.to_geojson(plan, rows))
        response.mimetype = "application/geo+json"
    elif fmt == "gpx":
        response = Response(exports.to_gpx(plan, rows), mimetype="application/gpx+xml")
    elif fmt == "csv":
        response = Response("\ufeff" + exports.to_csv(rows), mimetype="text/csv")
    else:
        abort(404)
    response.headers["Content-Disposition"] = f"attachment; filename={name}.{fmt}"
    return response


@bp.get("/plans/<int:plan_id>/progress")
@role_required(*STAFF)
def progress(plan_id: int) -> ResponseReturnValue:
    """Live progress of an accepted plan's routes; the plan page polls this partial."""
    plan = _get(plan_id)
    return render_template("dispatch/_progress.html", plan=plan, hhmm=exports.hhmm, **_progress_context(plan))


@bp.post("/routes/reassign")
@role_required(*STAFF)
def reassign_route() -> ResponseReturnValue:
    """Give a route to another driver."""
    route_id, driver_id = _form_int("route_id"), _form_int("driver_id")
    if route_id is None:
        abort(400)
    return _reassigned(
        lambda: operations.reassign_route(db_session(), route_id, driver_id, actor_id=current_user.id),
        route_id=route_id,
    )


@bp.post("/stops/reassign")
@role_required(*STAFF)
def reassign_stop() -> ResponseReturnValue:
    """Move a stop not yet recorded to another route of the plan."""
    stop_id, route_id = _form_int("stop_id"), _form_int("route_id")
    if stop_id is None or route_id is None:
        abort(400)
    return _reassigned(
        lambda: operations.reassign_stop(db_session(), stop_id, route_id, actor_id=current_user.id),
        route_id=route_id,
    )


def _reassigned(action: Callable[[], object], *, route_id: int) -> ResponseReturnValue:
    route = db_session().get(PlannedRoute, route_id)
    if route is None:
        abort(404)
    try:
        action()
    except operations.DispatchError as exc:
        db_session().rollback()
        flash(str(exc), "error")
    else:
        flash(_("Reassigned; the drivers see the change when their phones next have signal."), "success")
    return redirect(url_for("dispatch.show_plan", plan_id=route.plan_id) + "#live-progress")


def _form_int(name: str) -> int | None:
    value = request.form.get(name, "")
    return int(value) if value.isdigit() else None


def _progress_context(plan: CollectionPlan) -> dict[str, object]:
    session = db_session()
    routes = session.exec(
        select(PlannedRoute).where(PlannedRoute.plan_id == plan.id).order_by(PlannedRoute.number)
    ).all()
    drivers = {d.id: d for d in session.exec(select(Driver))}
    return {"views": [route_view(session, r) for r in routes], "driver_names": drivers}


def _get(plan_id: int) -> CollectionPlan:
    plan = db_session().get(CollectionPlan, plan_id)
    if plan is None:
        abort(404)
    return plan
