"""The outlet registry (dispatcher): list and map, create, edit, close, fill readings,
CSV import and QR labels."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta

import qrcode
import qrcode.image.svg
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
from sqlmodel import select

from traceability import CHINA_TZ
from webapp import csvio, geo
from webapp.access import STAFF, public, role_required
from webapp.db import db_session
from webapp.dispatch.problem import OUTLET_HOURS
from webapp.jobs import operations as jobs
from webapp.models import FillReading, Material, Outlet, OutletKind, OutletStatus, ReadingSource, Role
from webapp.outlets import history, importing, operations, queries, search
from webapp.outlets.charts import fill_trend_chart
from webapp.outlets.forms import CloseForm, FillForm, ImportForm, OutletForm
from webapp.outlets.validation import REQUIRED, OutletInputError, parse_outlet
from webapp.partials import is_partial

bp = Blueprint("outlets", __name__, url_prefix="/outlets")


def _material_choices() -> list[tuple[str, str]]:
    locale = str(get_locale())
    rows = (
        db_session().exec(select(Material).where(Material.active == True).order_by(Material.sort_order)).all()
    )
    return [(m.code, m.name(locale)) for m in rows]


@bp.get("/")
@role_required(*STAFF)
def index() -> ResponseReturnValue:
    """The registry: filters, the map and the table."""
    filters = queries.OutletFilters.from_args(request.args)
    page = queries.search(
        db_session(),
        filters,
        page=request.args.get("page", 1, type=int),
        size=current_app.config["RELOOP_SETTINGS"].page_size,
    )
    context = dict(
        filters=filters,
        page=page,
        materials=_material_choices(),
        districts=geo.district_names(str(get_locale())),
        kinds=list(OutletKind),
        statuses=list(OutletStatus),
    )
    if is_partial():
        return render_template("outlets/_table.html", **context)
    return render_template("outlets/index.html", **context)


@bp.get("/geojson")
@role_required(*STAFF)
def geojson() -> ResponseReturnValue:
    """Outlets in a bounding box (``bbox=west,south,east,north``) as GeoJSON."""
    try:
        bbox = queries.parse_bbox(request.args.get("bbox"))
    except queries.BBoxError as exc:
        return jsonify(error=str(exc), field="bbox"), 400
    filters = queries.OutletFilters.from_args(request.args)
    return Response(queries.geojson(db_session(), filters, bbox), mimetype="application/json")


@bp.get("/places")
@role_required(*STAFF)
def places() -> ResponseReturnValue:
    """Streets and crossings of the bundled map matching ``q`` (Chinese or English, partial), as JSON."""
    query = request.args.get("q", "")
    problem = search.query_problem(query)
    if problem:
        return jsonify(error=problem, field="q"), 400
    return jsonify(results=search.places(query, locale=str(get_locale())))


@bp.route("/new", methods=["GET", "POST"])
@role_required(*STAFF)
def create() -> ResponseReturnValue:
    """Add an outlet through the form."""
    form = OutletForm()
    form.set_choices(_material_choices())
    if request.method == "GET":
        form.lon.data = request.args.get("lon", "")
        form.lat.data = request.args.get("lat", "")
        form.fill_threshold_pct.data = str(current_app.config["RELOOP_SETTINGS"].fill_threshold_pct)
        form.capacity_l.data = "1000"
    if form.validate_on_submit():
        session = db_session()
        try:
            data = parse_outlet(form.raw(), operations.make_checks(session))
            outlet = operations.create_outlet(
                session, data, actor_id=current_user.id, org_id=current_user.org_id
            )
        except OutletInputError as exc:
            session.rollback()
            _attach(form, exc.errors)
        else:
            flash(_("Outlet %(code)s created.", code=outlet.code), "success")
            return redirect(url_for("outlets.show", outlet_id=outlet.id))
    status = 422 if request.method == "POST" else 200
    return render_template("outlets/form.html", form=form, outlet=None), status


@bp.get("/<int:outlet_id>")
@role_required(*STAFF)
def show(outlet_id: int) -> ResponseReturnValue:
    """One outlet: details, materials, recent fill readings."""
    fill_form = FillForm(measured_at=datetime.now(CHINA_TZ).replace(second=0, microsecond=0, tzinfo=None))
    return _show(outlet_id, fill_form)


def _show(outlet_id: int, fill_form: FillForm, status: int = 200) -> ResponseReturnValue:
    outlet = _get(outlet_id)
    session = db_session()
    locale = str(get_locale())
    readings = session.exec(
        select(FillReading)
        .where(FillReading.outlet_id == outlet_id)
        .order_by(FillReading.measured_at.desc())  # type: ignore[attr-defined]
        .limit(30)
    ).all()
    points, emptied, start = history.trend(session, outlet_id)
    chart = fill_trend_chart(
        points,
        emptied,
        start=start,
        end=start + timedelta(days=history.TREND_DAYS),
        threshold_pct=outlet.fill_threshold_pct,
        labels={
            "title": _("Fill level over the last %(n)d days", n=history.TREND_DAYS),
            "due": _("Due at"),
            "emptied": _("Emptied"),
            "fill": _("Fill"),
        },
    )
    return render_template(
        "outlets/show.html",
        outlet=outlet,
        readings=readings,
        fill_form=fill_form,
        close_form=CloseForm(),
        materials=_material_names(outlet_id),
        districts=geo.district_names(locale),
        pickups=history.pickups(
            session, outlet_id, page=request.args.get("pickups", 1, type=int) or 1, locale=locale
        ),
        chart=chart,
        emptied_count=len(emptied),
        changes=history.changes(session, outlet_id),
    ), status


@bp.get("/<int:outlet_id>/scan")
@public
def scan(outlet_id: int) -> ResponseReturnValue:
    """Where an outlet's QR label leads: staff to the outlet page, a driver to today's stop
    there (else the public page), anyone else to the public page."""
    _get(outlet_id)
    if current_user.is_authenticated:
        if current_user.role in STAFF:
            return redirect(url_for("outlets.show", outlet_id=outlet_id))
        if current_user.role == Role.DRIVER:
            stop_id = history.todays_stop(db_session(), current_user.id, outlet_id)
            if stop_id is not None:
                return redirect(url_for("driver.show_stop", stop_id=stop_id))
    return redirect(url_for("outlets.public_page", outlet_id=outlet_id))


@bp.get("/<int:outlet_id>/about")
@public
def public_page(outlet_id: int) -> ResponseReturnValue:
    """What anyone may know of an outlet: name, address, materials, opening; nothing internal."""
    outlet = _get(outlet_id)
    return render_template(
        "outlets/public.html",
        outlet=outlet,
        materials=_material_names(outlet_id),
        districts=geo.district_names(str(get_locale())),
        hours=f"{OUTLET_HOURS[0]:%H:%M}–{OUTLET_HOURS[1]:%H:%M}",
        scan_url=url_for("outlets.scan", outlet_id=outlet_id),
    )


@bp.route("/<int:outlet_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def edit(outlet_id: int) -> ResponseReturnValue:
    """Change an outlet's details."""
    outlet = _get(outlet_id)
    if outlet.status == OutletStatus.CLOSED:
        flash(_("A closed outlet cannot be edited."), "error")
        return redirect(url_for("outlets.show", outlet_id=outlet_id))
    form = OutletForm(obj=outlet) if request.method == "GET" else OutletForm()
    form.set_choices(_material_choices())
    if request.method == "GET":
        form.kind.data, form.status.data = outlet.kind.value, outlet.status.value
        form.materials.data = operations.material_codes(db_session(), outlet_id)
    if form.validate_on_submit():
        session = db_session()
        raw = form.raw() | {"code": outlet.code}
        try:
            data = parse_outlet(raw, operations.make_checks(session))
            operations.update_outlet(session, outlet_id, data, actor_id=current_user.id)
        except OutletInputError as exc:
            session.rollback()
            _attach(form, exc.errors)
        else:
            flash(_("Outlet %(code)s saved.", code=outlet.code), "success")
            return redirect(url_for("outlets.show", outlet_id=outlet_id))
    status = 422 if request.method == "POST" else 200
    return render_template("outlets/form.html", form=form, outlet=outlet), status


@bp.post("/<int:outlet_id>/close")
@role_required(*STAFF)
def close(outlet_id: int) -> ResponseReturnValue:
    """Close an outlet, keeping its history, with a reason."""
    _get(outlet_id)
    form = CloseForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for closing."), "error")
        return redirect(url_for("outlets.show", outlet_id=outlet_id))
    try:
        outlet = operations.close_outlet(db_session(), outlet_id, form.reason.data, actor_id=current_user.id)
    except operations.OutletError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Outlet %(code)s closed.", code=outlet.code), "success")
    return redirect(url_for("outlets.show", outlet_id=outlet_id))


@bp.post("/<int:outlet_id>/readings")
@role_required(*STAFF)
def add_reading(outlet_id: int) -> ResponseReturnValue:
    """Record a fill level read by staff on site; bad input is 422 with the field named."""
    outlet = _get(outlet_id)
    form = FillForm()
    if not form.validate_on_submit():
        for field, errors in form.errors.items():
            flash(f"{form[field].label.text}: {' '.join(errors)}", "error")
        return _show(outlet_id, form, 422)
    session = db_session()
    operations.record_fill(
        session,
        outlet,
        reading_id=f"manual-{uuid.uuid4()}",
        fill_pct=float(form.fill_pct.data),
        measured_at=form.measured,
        source=ReadingSource.MANUAL,
        recorded_by_id=current_user.id,
    )
    session.commit()
    flash(_("Fill level recorded."), "success")
    return redirect(url_for("outlets.show", outlet_id=outlet_id))


@bp.get("/<int:outlet_id>/label")
@role_required(*STAFF)
def label(outlet_id: int) -> ResponseReturnValue:
    """A printable label whose QR code opens the outlet for whoever scans it (see ``scan``)."""
    outlet = _get(outlet_id)
    target = url_for("outlets.scan", outlet_id=outlet_id, _external=True)
    image = qrcode.make(target, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    svg = svg[svg.index("<svg") :]  # drop the XML declaration so it can sit inline
    return render_template("outlets/label.html", outlet=outlet, svg=svg, target=target)


@bp.route("/import", methods=["GET", "POST"])
@role_required(*STAFF)
def import_csv() -> ResponseReturnValue:
    """Upload a CSV; a job checks every row and imports all or nothing."""
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            text = csvio.decode(upload.read())
        except csvio.CsvDecodeError:
            form.file.errors = [_("The file is neither UTF-8 nor GB18030 text.")]
        else:
            job = jobs.enqueue(
                db_session(),
                importing.ImportParams(csv=text, filename=upload.filename or "", locale=str(get_locale())),
                actor_id=current_user.id,
                org_id=current_user.org_id,
            )
            return redirect(url_for("jobs.show", job_id=job.id))
    status = 422 if request.method == "POST" else 200
    columns = [(code, label, code in REQUIRED) for code, label in importing.COLUMN_LABELS.items()]
    return render_template("outlets/import.html", form=form, columns=columns), status


@bp.get("/import/template.csv")
@role_required(*STAFF)
def import_template() -> ResponseReturnValue:
    """A CSV with the expected columns and one example row."""
    return Response(
        "\ufeff" + importing.TEMPLATE,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=outlets-template.csv"},
    )


def _get(outlet_id: int) -> Outlet:
    outlet = db_session().get(Outlet, outlet_id)
    if outlet is None:
        abort(404)
    return outlet


def _material_names(outlet_id: int) -> list[str]:
    names = dict(_material_choices())
    return [names.get(code, code) for code in operations.material_codes(db_session(), outlet_id)]


def _attach(form: OutletForm, errors: dict[str, str]) -> None:
    for field, message in errors.items():
        if field in form:
            form[field].errors = [*form[field].errors, message]
        else:
            flash(message, "error")
