"""The week view of the dispatch board (dispatcher): plan five days from the fill forecast,
compare with daily due-threshold planning, accept day 1, re-plan the next morning."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import col, select

from webapp.access import STAFF, role_required
from webapp.db import db_session
from webapp.dispatch import weekaccept, weekread
from webapp.dispatch.exports import hhmm
from webapp.dispatch.forms import AcceptForm
from webapp.dispatch.operations import DispatchError
from webapp.dispatch.views import _depots, _id, china_today, chosen_drivers, enqueue_and_follow, row_or_404
from webapp.dispatch.weekforms import ReplanForm, WeekForm
from webapp.dispatch.weekplans import PlanWeekParams, day_colour
from webapp.models import Driver, Facility, Job, Vehicle
from webapp.models.weekplans import WeekMethod, WeekPlan, WeekPlanStatus

bp = Blueprint("week", __name__, url_prefix="/dispatch/week")


@bp.get("/")
@role_required(*STAFF)
def index() -> ResponseReturnValue:
    """Plan a week for a depot; the week plans made so far."""
    depots = _depots()
    if not depots:
        flash(_("Add a depot first."), "error")
        return redirect(url_for("outlets.index"))
    depot_id = _id(request.args.get("depot", ""))
    if depot_id not in {d.id for d in depots}:
        depot_id = depots[0].id
    form = WeekForm(formdata=None, first_day=china_today(), depot=depot_id)
    form.offer_trucks(_trucks(depot_id), fresh=True)  # type: ignore[arg-type]
    return _index(form, depots, depot_id)  # type: ignore[arg-type]


def _trucks(depot_id: int) -> list[Vehicle]:
    """The depot's active trucks: the week form's choices."""
    active = select(Vehicle).where(Vehicle.depot_id == depot_id, Vehicle.active == True)
    return list(db_session().exec(active.order_by(col(Vehicle.id))))


def _index(form: WeekForm, depots: list[Facility], depot_id: int) -> str:
    form.depot.choices = [(d.id, d.name) for d in depots]
    weeks = db_session().exec(
        select(WeekPlan)
        .where(WeekPlan.depot_id == depot_id, WeekPlan.method == WeekMethod.FORECAST)
        .order_by(col(WeekPlan.id).desc())
        .limit(30)
    )
    return render_template(
        "dispatch/weeks.html", form=form, depots=depots, depot_id=depot_id, weeks=list(weeks)
    )


@bp.post("/plan")
@role_required(*STAFF)
def plan() -> ResponseReturnValue:
    """Queue the week's planning; the job page opens the week plan when it is done."""
    depots = _depots()
    if not depots:
        flash(_("Add a depot first."), "error")
        return redirect(url_for("outlets.index"))
    form = WeekForm()
    form.depot.choices = [(d.id, d.name) for d in depots]
    depot_id = form.depot.data if form.depot.data in {d.id for d in depots} else depots[0].id
    form.offer_trucks(_trucks(depot_id), fresh=False)  # type: ignore[arg-type]
    if not form.validate_on_submit():
        for name, errors in form.errors.items():
            flash(f"{form[name].label.text}: {' '.join(map(str, errors))}", "error")
        return _index(form, depots, depot_id), 422  # type: ignore[arg-type]
    params = PlanWeekParams(
        first_day=form.first_day.data,
        depot_id=form.depot.data,
        days=form.days.data,
        confidence=form.confidence.data,
        time_limit_s=form.time_limit_s.data,
        seed=form.seed.data or 0,
        vehicle_ids=form.vehicle_ids(),
        locale=str(get_locale()),
    )
    return enqueue_and_follow(params)


@bp.get("/<int:week_id>")
@role_required(*STAFF)
def show(week_id: int) -> ResponseReturnValue:
    """Five days on the map and as lists, predicted fills, the comparison, accept day 1."""
    session = db_session()
    week = _get(week_id)
    baseline = session.get(WeekPlan, week.baseline_id) if week.baseline_id else None
    days = weekread.week_days(session, week, day_colour)

    def label(index: int) -> str:
        when = week.first_day + timedelta(days=index)
        return _("Day %(n)d · %(date)s", n=index + 1, date=when.strftime("%m-%d"))

    first = week.first_day
    return render_template(
        "dispatch/week.html",
        week=week,
        depot=session.get(Facility, week.depot_id),
        days=days,
        day_label=label,
        baseline=baseline,
        figures=weekread.compare(session, week, baseline),
        overflows=weekread.overflow_rows(session, week),
        geojson=weekread.to_geojson(days, label),
        drivers=session.exec(select(Driver).where(Driver.active == True).order_by(col(Driver.id))).all(),
        suggested=weekaccept.suggested_drivers(session, week)
        if week.status == WeekPlanStatus.PROPOSED
        else {},
        accept_form=AcceptForm(),
        replan_form=ReplanForm(formdata=None, first_day=max(china_today(), first)),
        hhmm=hhmm,
    )


@bp.post("/<int:week_id>/accept")
@role_required(*STAFF)
def accept(week_id: int) -> ResponseReturnValue:
    """Make day 1 the day's plan and hand its routes to the chosen drivers, as the day plan does."""
    _get(week_id)
    if not AcceptForm().validate_on_submit():
        abort(400)
    drivers = chosen_drivers()
    try:
        plan = weekaccept.accept_day_one(db_session(), week_id, drivers, actor_id=current_user.id)
    except DispatchError as exc:
        db_session().rollback()
        flash(str(exc), "error")
        return redirect(url_for("week.show", week_id=week_id))
    flash(_("Day 1 accepted as the day's plan; the drivers have their routes."), "success")
    return redirect(url_for("dispatch.show_plan", plan_id=plan.id))


@bp.post("/<int:week_id>/replan")
@role_required(*STAFF)
def replan(week_id: int) -> ResponseReturnValue:
    """Plan the week again from a later morning's readings, keeping the ticked routes of that day
    and the routes of that day's accepted plan."""
    week = _get(week_id)
    form = ReplanForm()
    if not form.validate_on_submit():
        flash(_("Choose the day to re-plan from."), "error")
        return redirect(url_for("week.show", week_id=week_id))
    keep = tuple(n for n in map(_id, request.form.getlist("keep")) if n is not None)
    params = PlanWeekParams(
        first_day=form.first_day.data,
        depot_id=week.depot_id,
        days=week.days,
        confidence=week.confidence,
        time_limit_s=week.time_limit_s,
        seed=week.seed,
        keep_routes=keep,
        replans=week.id,
        vehicle_ids=_chosen_trucks(week),
        locale=str(get_locale()),
    )
    return enqueue_and_follow(params)


def _chosen_trucks(week: WeekPlan) -> tuple[int, ...] | None:
    """The trucks chosen when ``week`` was planned (None: every truck), for its re-plan."""
    job = db_session().get(Job, week.job_id) if week.job_id else None
    return PlanWeekParams.of(job).vehicle_ids if job is not None else None


def _get(week_id: int) -> WeekPlan:
    """A week plan made from the forecast (its due-threshold comparison has no page of its own)."""
    return row_or_404(WeekPlan, week_id, found=lambda week: week.method == WeekMethod.FORECAST)
