"""The fleet (dispatcher, admin): drivers, vehicles, depots and facilities, and each
day's roster (shifts) and vehicles out of service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import Session, col, or_, select
from sqlmodel.sql.expression import SelectOfScalar

from traceability import china_today
from webapp.access import STAFF, role_required
from webapp.db import db_session
from webapp.fleet import operations
from webapp.fleet.availability import available_fleet
from webapp.fleet.forms import ConfirmForm, DriverForm, FacilityForm, OutOfServiceForm, ShiftForm, VehicleForm
from webapp.fleet.validation import FleetInputError, mask_phone
from webapp.models import Driver, Facility, Shift, User, Vehicle, VehicleOutOfService
from webapp.partials import is_partial

bp = Blueprint("fleet", __name__, url_prefix="/fleet")

_Row = TypeVar("_Row", Driver, Vehicle, Facility)
_Form = TypeVar("_Form")


@bp.app_template_filter("masked_phone")
def _masked_phone(phone: str) -> str:
    return mask_phone(phone) if phone else "—"


def _actor() -> dict[str, Any]:
    return {"actor_id": current_user.id, "org_id": current_user.org_id}


def _depots() -> list[Facility]:
    return list(
        db_session().exec(select(Facility).where(Facility.is_depot == True).order_by(col(Facility.id)))
    )  # noqa: E712


def _list(template: str, partial: str, **context: Any) -> ResponseReturnValue:
    return render_template(partial if is_partial() else template, **context)


def _searched(query: SelectOfScalar[_Row], q: str, *columns: Any) -> SelectOfScalar[_Row]:
    """``query`` narrowed to rows where any of ``columns`` contains ``q`` (all rows when empty)."""
    return query.where(or_(*(col(c).contains(q) for c in columns))) if q else query


def _found(model: type[_Row], row_id: int) -> _Row:
    """The row of ``model`` with this id, or 404."""
    row = db_session().get(model, row_id)
    if row is None:
        abort(404)
    return row


def _form(form_class: Callable[..., _Form], row: Any) -> _Form:
    """The form filled from the request on a POST, else from ``row`` (None for a new one)."""
    return form_class(formdata=request.form if request.method == "POST" else None, obj=row)


def _edit(
    form: Any,
    save: Callable[[Session], _Row],
    *,
    saved: Callable[[_Row], str],
    back: str,
    template: str,
    **context: Any,
) -> ResponseReturnValue:
    """The edit page of one fleet row: a POST is saved with ``save`` and goes ``back`` to the
    list with the ``saved`` message, or is refused with each field's error on the form (422)."""
    if request.method == "POST":
        session = db_session()
        try:
            row = save(session)
        except FleetInputError as exc:
            session.rollback()
            form.attach(exc.errors)
        else:
            flash(saved(row), "success")
            return redirect(url_for(back))
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


# --- drivers -----------------------------------------------------------------------------


@bp.get("/")
@role_required(*STAFF)
def index() -> ResponseReturnValue:
    """The fleet starts at its drivers."""
    return redirect(url_for("fleet.drivers"))


@bp.get("/drivers")
@role_required(*STAFF)
def drivers() -> ResponseReturnValue:
    """Drivers with their licence, depot and login; phones masked."""
    q = request.args.get("q", "").strip()
    query = select(Driver).order_by(col(Driver.active).desc(), col(Driver.name))
    session = db_session()
    rows = session.exec(_searched(query, q, Driver.name, Driver.phone)).all()
    users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_([d.user_id for d in rows])))}
    context = dict(
        drivers=rows, users=users, q=q, places=_names(Facility), plates=_plates(), today=china_today()
    )
    return _list("fleet/drivers.html", "fleet/_drivers_table.html", **context)


def _names(model: type[Facility]) -> dict[int | None, str]:
    return {f.id: f.name for f in db_session().exec(select(model))}


def _plates() -> dict[int | None, str]:
    return {v.id: v.plate for v in db_session().exec(select(Vehicle))}


def _driver_form(driver: Driver | None) -> DriverForm:
    form = _form(DriverForm, driver)
    session = db_session()
    vehicles = session.exec(select(Vehicle).where(Vehicle.active == True).order_by(col(Vehicle.plate))).all()  # noqa: E712
    form.set_choices(
        operations.unlinked_driver_users(session, keep=driver.user_id if driver else None),
        _depots(),
        vehicles,
    )
    if request.method == "GET":
        form.active.data = driver.active if driver else True
        for name in ("user_id", "depot_id", "vehicle_id"):
            value = getattr(driver, name) if driver else None
            form[name].data = "" if value is None else str(value)
        form.licence_expiry.data = (
            driver.licence_expiry.isoformat() if driver and driver.licence_expiry else ""
        )
    return form


@bp.route("/drivers/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new_driver() -> ResponseReturnValue:
    """Register a driver and link the login they use."""
    return _edit_driver(None)


@bp.route("/drivers/<int:driver_id>", methods=["GET", "POST"])
@role_required(*STAFF)
def edit_driver(driver_id: int) -> ResponseReturnValue:
    """Change a driver's profile, licence, link or status."""
    return _edit_driver(_found(Driver, driver_id))


def _edit_driver(driver: Driver | None) -> ResponseReturnValue:
    return _edit(
        _driver_form(driver),
        lambda session: operations.save_driver(
            session, request.form, driver_id=driver.id if driver else None, **_actor()
        ),
        saved=lambda row: _("Driver %(name)s saved.", name=row.name),
        back="fleet.drivers",
        template="fleet/driver_form.html",
        driver=driver,
    )


# --- vehicles ----------------------------------------------------------------------------


@bp.get("/vehicles")
@role_required(*STAFF)
def vehicles() -> ResponseReturnValue:
    """Trucks with capacity, tare and costs."""
    q = request.args.get("q", "").strip().upper()
    query = select(Vehicle).order_by(col(Vehicle.active).desc(), col(Vehicle.plate))
    rows = db_session().exec(_searched(query, q, Vehicle.plate, Vehicle.model)).all()
    return _list(
        "fleet/vehicles.html", "fleet/_vehicles_table.html", vehicles=rows, q=q, places=_names(Facility)
    )


@bp.route("/vehicles/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new_vehicle() -> ResponseReturnValue:
    """Register a truck."""
    return _edit_vehicle(None)


@bp.route("/vehicles/<int:vehicle_id>", methods=["GET", "POST"])
@role_required(*STAFF)
def edit_vehicle(vehicle_id: int) -> ResponseReturnValue:
    """Change a truck's data or retire it."""
    return _edit_vehicle(_found(Vehicle, vehicle_id))


def _edit_vehicle(vehicle: Vehicle | None) -> ResponseReturnValue:
    form = _form(VehicleForm, vehicle)
    form.set_choices(_depots())
    if request.method == "GET":
        form.active.data = vehicle.active if vehicle else True
        if vehicle:
            form.kind.data, form.depot_id.data = vehicle.kind.value, str(vehicle.depot_id)
            form.capacity_kg.data = _decimal(vehicle.capacity_g, 1000)
            form.volume_m3.data = _decimal(vehicle.volume_l, 1000)
            form.tare_kg.data = _decimal(vehicle.tare_g, 1000)
    return _edit(
        form,
        lambda session: operations.save_vehicle(
            session, request.form, vehicle_id=vehicle.id if vehicle else None, **_actor()
        ),
        saved=lambda row: _("Vehicle %(plate)s saved.", plate=row.plate),
        back="fleet.vehicles",
        template="fleet/vehicle_form.html",
        vehicle=vehicle,
    )


def _decimal(value: int, scale: int) -> str:
    whole, part = divmod(value, scale)
    return f"{whole}.{part:0{len(str(scale)) - 1}d}".rstrip("0").rstrip(".")


# --- facilities --------------------------------------------------------------------------


@bp.get("/facilities")
@role_required(*STAFF)
def facilities() -> ResponseReturnValue:
    """Depots, sorting centres and transfer stations with their hours."""
    rows = db_session().exec(select(Facility).order_by(col(Facility.code))).all()
    return render_template("fleet/facilities.html", facilities=rows)


@bp.route("/facilities/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new_facility() -> ResponseReturnValue:
    """Add a depot or facility."""
    return _edit_facility(None)


@bp.route("/facilities/<int:facility_id>", methods=["GET", "POST"])
@role_required(*STAFF)
def edit_facility(facility_id: int) -> ResponseReturnValue:
    """Change a facility's hours, unloading time or place."""
    return _edit_facility(_found(Facility, facility_id))


def _edit_facility(facility: Facility | None) -> ResponseReturnValue:
    form = _form(FacilityForm, facility)
    form.set_choices()
    if request.method == "GET":
        form.opens.data = facility.opens.strftime("%H:%M") if facility else "06:00"
        form.closes.data = facility.closes.strftime("%H:%M") if facility else "20:00"
        form.unload_minutes.data = str(facility.unload_minutes) if facility else "20"
        if facility:
            form.kind.data = facility.kind.value
    return _edit(
        form,
        lambda session: operations.save_facility(
            session, request.form, facility_id=facility.id if facility else None, **_actor()
        ),
        saved=lambda row: _("Facility %(code)s saved.", code=row.code),
        back="fleet.facilities",
        template="fleet/facility_form.html",
        facility=facility,
    )


# --- the day's roster --------------------------------------------------------------------


def _day_context(day: date, depot_id: int | None, **forms: Any) -> dict[str, Any]:
    session = db_session()
    depots = _depots()
    depot_id = depot_id or (depots[0].id if depots else None)
    shifts = session.exec(select(Shift).where(Shift.day == day).order_by(col(Shift.start))).all()
    down = session.exec(select(VehicleOutOfService).where(VehicleOutOfService.day == day)).all()
    drivers = session.exec(select(Driver).where(Driver.active == True).order_by(col(Driver.name))).all()  # noqa: E712
    vehicles = session.exec(select(Vehicle).where(Vehicle.active == True).order_by(col(Vehicle.plate))).all()  # noqa: E712
    shift_form = forms.get("shift_form") or ShiftForm(
        formdata=None, day=day.isoformat(), start="08:00", end="17:00"
    )
    shift_form.driver_id.choices = [(str(d.id), d.name) for d in drivers]
    shift_form.depot_id.choices = [(str(d.id), d.name) for d in depots]
    if shift_form.depot_id.data is None and depot_id:
        shift_form.depot_id.data = str(depot_id)
    out_form = forms.get("out_form") or OutOfServiceForm(formdata=None, day=day.isoformat())
    out_form.vehicle_id.choices = [(str(v.id), v.plate) for v in vehicles]
    return dict(
        day=day,
        prev_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        depots=depots,
        depot_id=depot_id,
        fleet=available_fleet(session, depot_id, day) if depot_id else None,
        shifts=shifts,
        down=down,
        names={d.id: d.name for d in session.exec(select(Driver))},
        plates=_plates(),
        places=_names(Facility),
        shift_form=shift_form,
        out_form=out_form,
        confirm=ConfirmForm(),
    )


def _day_arg(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else china_today()
    except ValueError:
        abort(400, description=_("day: not a date (YYYY-MM-DD)."))


def _safe_day(value: str | None) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return china_today()


@bp.get("/days")
@role_required(*STAFF)
def day() -> ResponseReturnValue:
    """Who works and which trucks are out of service on a day, and what dispatch gets."""
    context = _day_context(_day_arg(request.args.get("day")), request.args.get("depot", type=int))
    return _list("fleet/day.html", "fleet/_day_panel.html", **context)


@bp.post("/shifts")
@role_required(*STAFF)
def add_shift() -> ResponseReturnValue:
    """Roster a driver for a day."""
    session = db_session()
    try:
        shift = operations.add_shift(session, request.form, **_actor())
    except FleetInputError as exc:
        session.rollback()
        form = ShiftForm(formdata=request.form)
        form.attach(exc.errors)
        day = _safe_day(request.form.get("day"))
        return render_template("fleet/day.html", **_day_context(day, None, shift_form=form)), 422
    return redirect(url_for("fleet.day", day=shift.day.isoformat(), depot=shift.depot_id))


@bp.post("/shifts/<int:shift_id>/delete")
@role_required(*STAFF)
def remove_shift(shift_id: int) -> ResponseReturnValue:
    """Take a shift off the roster."""
    day = operations.remove_shift(db_session(), shift_id, actor_id=current_user.id) or china_today()
    return _back_to_day(day)


@bp.post("/out-of-service")
@role_required(*STAFF)
def out_of_service() -> ResponseReturnValue:
    """Keep a truck off the plan for a day."""
    session = db_session()
    try:
        row = operations.mark_out_of_service(session, request.form, **_actor())
    except FleetInputError as exc:
        session.rollback()
        form = OutOfServiceForm(formdata=request.form)
        form.attach(exc.errors)
        day = _safe_day(request.form.get("day"))
        return render_template("fleet/day.html", **_day_context(day, None, out_form=form)), 422
    return _back_to_day(row.day)


@bp.post("/out-of-service/<int:row_id>/delete")
@role_required(*STAFF)
def back_in_service(row_id: int) -> ResponseReturnValue:
    """A truck out of service that day is back."""
    day = operations.back_in_service(db_session(), row_id, actor_id=current_user.id) or china_today()
    return _back_to_day(day)


def _back_to_day(day: date) -> ResponseReturnValue:
    depot = request.form.get("depot", type=int)
    if is_partial():
        return render_template("fleet/_day_panel.html", **_day_context(day, depot))
    return redirect(url_for("fleet.day", day=day.isoformat(), depot=depot))
