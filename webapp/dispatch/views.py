"""The dispatch board (dispatcher): what is due, solve the day, read, compare,
accept and hand out the routes, export them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

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
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import defer
from sqlmodel import select

from traceability import china_today
from webapp.access import STAFF, role_required
from webapp.db import db_session
from webapp.dispatch import costs, exports, operations, reasons, sheet, stored
from webapp.dispatch.bookings import day_board as day_bookings_board
from webapp.dispatch.bookings import plan_bookings
from webapp.dispatch.forms import AcceptForm, SolveForm
from webapp.dispatch.params import SolveDayParams
from webapp.dispatch.problem import candidate_points
from webapp.driver.queries import route_view
from webapp.fleet.availability import FleetDay, available_fleet, suggested_drivers
from webapp.jobs import operations as jobs
from webapp.jobs.params import JobParams
from webapp.models import CollectionPlan, Driver, Facility, PlannedRoute, PlanStatus

bp = Blueprint("dispatch", __name__, url_prefix="/dispatch")

# Row ids are 32-bit on PostgreSQL: a longer number is no row, not a database error.
MAX_ID = 2**31 - 1
Row = TypeVar("Row")


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
    day = _day(request.args.get("day", "")) or china_today()
    depot_id = _id(request.args.get("depot", ""))
    if depot_id not in {d.id for d in depots}:
        depot_id = depots[0].id
    form = SolveForm(formdata=None, day=day, depot=depot_id)
    fleet = available_fleet(db_session(), depot_id, day)  # type: ignore[arg-type]
    form.offer_fleet(fleet, fresh=True)
    form.remember(db_session(), operations.last_solve_params(db_session(), day, depot_id))  # type: ignore[arg-type]
    return _board(form, depots, day, depot_id, fleet)  # type: ignore[arg-type]


def _board(form: SolveForm, depots: list[Facility], day: date, depot_id: int, fleet: FleetDay) -> str:
    """The board for a day and depot, with the solve form as given (fresh, or with its errors)."""
    form.depot.choices = [(d.id, d.name) for d in depots]
    session = db_session()
    outlets = candidate_points(session, day, depot_id)
    # The list shows totals only: leave each plan's JSON (thousands of stops) unread.
    plans = session.exec(
        select(CollectionPlan)
        .where(CollectionPlan.day == day, CollectionPlan.depot_id == depot_id)
        .options(
            defer(CollectionPlan.search),  # type: ignore[arg-type]
            defer(CollectionPlan.stops),  # type: ignore[arg-type]
            defer(CollectionPlan.unassigned),  # type: ignore[arg-type]
        )
        .order_by(CollectionPlan.id.desc())  # type: ignore[union-attr]
    ).all()
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
        depots=depots,
        solve_form=form,
        outlets=outlets,
        plans=plans,
        route_counts=route_counts,
        day=day,
        depot_id=depot_id,
        fleet=fleet,
        hhmm_time=lambda t: t.strftime("%H:%M") if t else "",
        outlets_geojson=points,
        bookings=day_bookings_board(session, day, depot_id),
    )


@bp.post("/solve")
@role_required(*STAFF)
def solve() -> ResponseReturnValue:
    """Queue a solve of the chosen day and depot; the job page shows its progress.

    A refused form is shown again (422) on the board of the day and depot it names.
    """
    depots = _depots()
    if not depots:  # nothing to plan from: say so, as the board does
        flash(_("Add a depot first."), "error")
        return redirect(url_for("outlets.index"))
    session = db_session()
    form = SolveForm()
    form.depot.choices = [(d.id, d.name) for d in depots]
    day = form.day.data if isinstance(form.day.data, date) else china_today()
    depot_id = form.depot.data if form.depot.data in {d.id for d in depots} else depots[0].id
    fleet = available_fleet(session, depot_id, day)
    form.offer_fleet(fleet, fresh=False)
    valid = form.validate_on_submit()
    if not (form.check_outlets(session) and valid):
        if not form.fleet_shown.data:
            form.offer_fleet(fleet, fresh=True)
        for field, errors in form.errors.items():
            flash(f"{form[field].label.text}: {' '.join(map(str, errors))}", "error")
        return _board(form, depots, day, depot_id, fleet), 422
    include, exclude = form.outlet_ids(session)
    params = {**form.job_params(), "include_outlets": include, "exclude_outlets": exclude}
    return enqueue_and_follow(SolveDayParams.from_json({**params, "locale": str(get_locale())}))


@bp.get("/plans/<int:plan_id>")
@role_required(*STAFF)
def show_plan(plan_id: int) -> ResponseReturnValue:
    """Routes on the map and as lists, totals, unassigned stops, what-if against the plan in force."""
    session = db_session()
    plan = _get(plan_id)
    rows = exports.plan_rows(session, plan)
    drivers = session.exec(select(Driver).where(Driver.active == True).order_by(Driver.id)).all()
    by_vehicle = {d.vehicle_id: d.id for d in drivers}
    # The accept form's drivers: the one paired with each route's truck that day, else its usual driver.
    suggested = suggested_drivers(session, plan) if plan.status == PlanStatus.PROPOSED else {}
    return render_template(
        "dispatch/plan.html",
        plan=plan,
        rows=rows,
        drivers=drivers,
        by_vehicle=by_vehicle,
        suggested=suggested,
        comparison=operations.compare_with_current(session, plan),
        hhmm=exports.hhmm,
        depot=session.get(Facility, plan.depot_id),
        accept_form=AcceptForm(),
        geojson=exports.to_geojson(plan, rows),
        reason_label=reasons.reason_label,
        reason_detail=reasons.reason_detail,
        bookings=plan_bookings(session, plan),
        costs=_account(plan),
        **_progress_context(plan),
    )


def _account(plan: CollectionPlan) -> costs.Account:
    """The plan's cost account with the settings and trucks of the solve that made it."""
    session, settings = db_session(), current_app.config["RELOOP_SETTINGS"]
    params = operations.choices_of(session, plan)
    # Trucks that could have gone out: ticked, and with a ticked driver on duty to drive them.
    crews = available_fleet(session, plan.depot_id, plan.day).crews(
        vehicle_ids=params.get("vehicle_ids"), driver_ids=params.get("driver_ids")
    )
    offered = [crew.vehicle for crew in crews]
    return costs.account(
        session, plan, params, offered, cache_dir=settings.cache_dir, speeds_kmh=settings.road_speeds_kmh
    )


def chosen_drivers() -> dict[int, int | None]:
    """The accept form's driver per route (``driver_<route id>``; empty: none); 400 on an unknown id."""
    drivers: dict[int, int | None] = {}
    for key, value in request.form.items():
        route_id = _id(key.removeprefix("driver_")) if key.startswith("driver_") else None
        if route_id is not None:
            driver_id = _id(value)
            if value and driver_id is None:
                abort(400, description=_("Unknown driver."))
            drivers[route_id] = driver_id
    return drivers


@bp.post("/plans/<int:plan_id>/accept")
@role_required(*STAFF)
def accept(plan_id: int) -> ResponseReturnValue:
    """Make this plan the day's plan and hand its routes to the chosen drivers."""
    _get(plan_id)
    if not AcceptForm().validate_on_submit():
        abort(400)
    drivers = chosen_drivers()
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
    numbers = {n for n in map(_id, request.form.getlist("lock")) if n is not None}
    return enqueue_and_follow(
        SolveDayParams.from_json(
            {
                "day": plan.day.isoformat(),
                "depot_id": plan.depot_id,
                "time_limit_s": plan.time_limit_s,
                "seed": plan.seed,
                "locale": str(get_locale()),
                "locked": stored.route_locks(db_session(), plan, numbers),
                "replans": plan.id,
                **operations.choices_of(db_session(), plan),
            }
        )
    )


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


@bp.get("/plans/<int:plan_id>/routes/<int:number>/sheet")
@role_required(*STAFF)
def route_sheet(plan_id: int, number: int) -> ResponseReturnValue:
    """One route as an A4 sheet for its driver: stops in order, times, addresses, contacts."""
    found = sheet.route_sheet(db_session(), _get(plan_id), number) if number <= MAX_ID else None
    if found is None:
        abort(404)
    return render_template(
        "dispatch/route_sheet.html", sheet=found, hhmm=exports.hhmm, **sheet.sheet_context(found)
    )


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
    route_id, driver_id = _form_id("route_id"), _optional_form_id("driver_id")
    return _reassigned(
        lambda: operations.reassign_route(db_session(), route_id, driver_id, actor_id=current_user.id),
        route_id=route_id,
    )


@bp.post("/stops/reassign")
@role_required(*STAFF)
def reassign_stop() -> ResponseReturnValue:
    """Move a stop not yet recorded to another route of the plan."""
    stop_id, route_id = _form_id("stop_id"), _form_id("route_id")
    return _reassigned(
        lambda: operations.reassign_stop(
            db_session(),
            stop_id,
            route_id,
            actor_id=current_user.id,
            cache_dir=current_app.config["RELOOP_SETTINGS"].cache_dir,
            speeds_kmh=current_app.config["RELOOP_SETTINGS"].road_speeds_kmh,
        ),
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


def _id(text: str) -> int | None:
    """A row id from text: ASCII digits within the database's integer range, else None."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def _day(text: str) -> date | None:
    """A day from ``YYYY-MM-DD`` text, else None."""
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _form_id(name: str) -> int:
    """A form field's row id; 400 naming the field when it is missing or no id."""
    value = _id(request.form.get(name, ""))
    if value is None:
        abort(400, description=_("%(field)s: not a valid id.", field=name))
    return value


def _optional_form_id(name: str) -> int | None:
    """Like :func:`_form_id`, but an empty field is None (e.g. "no driver")."""
    return _form_id(name) if request.form.get(name, "") else None


def _progress_context(plan: CollectionPlan) -> dict[str, object]:
    session = db_session()
    routes = session.exec(
        select(PlannedRoute).where(PlannedRoute.plan_id == plan.id).order_by(PlannedRoute.number)
    ).all()
    drivers = {d.id: d for d in session.exec(select(Driver))}
    return {"views": [route_view(session, r) for r in routes], "driver_names": drivers}


def _get(plan_id: int) -> CollectionPlan:
    return row_or_404(CollectionPlan, plan_id)


def row_or_404(model: type[Row], row_id: int, *, found: Callable[[Row], bool] = lambda _row: True) -> Row:
    """The ``model`` row ``row_id`` when it exists and is ``found``; 404 otherwise (an id
    beyond the database's integer range included)."""
    row = db_session().get(model, row_id) if 1 <= row_id <= MAX_ID else None
    if row is None or not found(row):
        abort(404)
    return row


def enqueue_and_follow(params: JobParams) -> ResponseReturnValue:
    """Queue the job for the signed-in user and open its page, which follows its progress."""
    job = jobs.enqueue(db_session(), params, actor_id=current_user.id, org_id=current_user.org_id)
    return redirect(url_for("jobs.show", job_id=job.id))
