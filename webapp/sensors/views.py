"""Sensors (dispatcher, admin): the devices' health, silent ones first, and registering
a device in an outlet's container with its calibration."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import current_user
from sqlmodel import col, select

from webapp.access import STAFF, role_required
from webapp.db import db_session
from webapp.models import Material, Outlet
from webapp.models.sensors import SensorDevice
from webapp.partials import is_partial
from webapp.sensors import devices
from webapp.sensors.forms import DeviceForm
from webapp.sensors.problems import describe
from webapp.sensors.settings import SensorSettings

bp = Blueprint("sensors", __name__, url_prefix="/sensors")


def _settings() -> SensorSettings:
    """Tests put their own in the app's config; the server reads the environment."""
    return current_app.config.get("RELOOP_SENSOR_SETTINGS") or SensorSettings.from_env()


@bp.get("/")
@role_required(*STAFF)
def index() -> ResponseReturnValue:
    """Every sensor with its outlet, calibration, last seen, battery, signal and counts."""
    session = db_session()
    settings = _settings()
    only_silent = request.args.get("silent") == "1"
    rows = devices.health(
        session, silent_hours=settings.silent_hours, only_silent=only_silent, locale=str(get_locale())
    )
    counts = devices.tallies(session, days=1)
    totals = {k: sum(c.get(k, 0) for c in counts.values()) for k in ("accepted", "duplicate", "bad")}
    context = dict(
        rows=rows,
        refusals={r.device.code: describe(r.device.last_problem) for r in rows if r.device.last_problem},
        only_silent=only_silent,
        silent_hours=settings.silent_hours,
        silent_count=sum(r.silent for r in devices.health(session, silent_hours=settings.silent_hours)),
        totals=totals,
        unregistered=counts.get("", {}).get("bad", 0),
        topics=settings.topics,
    )
    return render_template("sensors/_table.html" if is_partial() else "sensors/index.html", **context)


def _form(device: SensorDevice | None) -> DeviceForm:
    session = db_session()
    form = DeviceForm()
    locale = str(get_locale())
    materials = session.exec(
        select(Material).where(Material.active == True).order_by(col(Material.sort_order))
    )  # noqa: E712
    form.material_code.choices = [("", "—")] + [(m.code, m.name(locale)) for m in materials]
    if device is not None and request.method == "GET":
        outlet = session.get(Outlet, device.outlet_id)
        material = session.get(Material, device.material_id) if device.material_id else None
        form.code.data, form.outlet_code.data = device.code, outlet.code if outlet else ""
        form.material_code.data = material.code if material else ""
        form.sensor_height_mm.data, form.container_depth_mm.data = (
            device.sensor_height_mm,
            device.container_depth_mm,
        )
        form.note.data, form.active.data = device.note, device.active
    return form


def _save(device: SensorDevice | None) -> ResponseReturnValue:
    form = _form(device)
    if request.method == "POST" and form.validate():
        data = devices.DeviceInput(
            code=(form.code.data or "").strip(),
            outlet_code=(form.outlet_code.data or "").strip(),
            material_code=form.material_code.data or "",
            sensor_height_mm=form.sensor_height_mm.data,
            container_depth_mm=form.container_depth_mm.data,
            note=form.note.data or "",
            active=bool(form.active.data) if device else True,
        )
        try:
            devices.save_device(
                db_session(), data, actor_id=current_user.id, device_id=device.id if device else None
            )
        except devices.DeviceError as exc:
            db_session().rollback()
            form.attach(exc.field, str(exc))
        else:
            return redirect(url_for("sensors.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("sensors/form.html", form=form, device=device), status


@bp.route("/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new_device() -> ResponseReturnValue:
    """Register a sensor in an outlet's container, with its calibration."""
    return _save(None)


@bp.route("/<int:device_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def edit_device(device_id: int) -> ResponseReturnValue:
    """Move a sensor, change its calibration, or retire it."""
    device = db_session().get(SensorDevice, device_id)
    if device is None:
        abort(404)
    return _save(device)
