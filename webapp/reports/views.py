"""The demonstration-enterprise dashboard: the year's figures, the records behind each,
the application report, and the factor and rate tables the figures use."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import or_
from sqlmodel import Session, col, select

from traceability import CHINA_TZ, china_today
from webapp import geo
from webapp.access import role_required
from webapp.boundary import MAX_PAGE, parse_int
from webapp.db import db_session
from webapp.metrics import MetricsInputError, Scope, compute, vocabulary
from webapp.metrics import records as drill_records
from webapp.metrics.factors import GRID_FACTORS, add_factor, add_rate, factor_history, rate_history
from webapp.models import Material, Organisation, Role
from webapp.models.metrics import EmissionFactor, RateKind, SubsidyRate
from webapp.partials import is_partial
from webapp.reports import operations
from webapp.reports.forms import FactorForm, RateForm
from webapp.trace import keys
from webapp.trace.settings import trace_settings

bp = Blueprint("reports", __name__, url_prefix="/reports")

_VIEWERS = (Role.ADMIN, Role.DISPATCHER, Role.REGULATOR)
_FORMATS = {
    "csv": ("application/zip", "zip"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pdf": ("application/pdf", "pdf"),
}


def _scope() -> Scope:
    return operations.scope_for(request.args, current_user, china_today())


@bp.errorhandler(MetricsInputError)
def _bad_input(exc: MetricsInputError) -> ResponseReturnValue:
    message = _("%(field)s: %(message)s", field=exc.field, message=exc.message)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=message, field=exc.field, status=400), 400
    return render_template("reports/error.html", message=message), 400


@bp.get("/")
@role_required(*_VIEWERS)
def index() -> ResponseReturnValue:
    """The indicators of the chosen period and district, with charts and drill-down links."""
    scope = _scope()
    settings = current_app.config["RELOOP_SETTINGS"]
    found = compute(
        db_session(),
        scope,
        cache_dir=settings.cache_dir,
        public_key=keys.public_key(),
        trace=trace_settings(),
    )
    locale = str(get_locale())
    context = {
        "found": found,
        "scope": scope,
        "charts": operations.charts(found, locale),
        "drill_url": operations.drill_url,
        "battery_only": current_user.role == Role.REGULATOR,
        "districts": geo.district_names(locale),
        "locale": locale,
        "orgs": db_session().exec(select(Organisation).order_by(Organisation.id)).all(),
    }
    template = "reports/_indicators.html" if is_partial() else "reports/index.html"
    return render_template(template, **context)


@bp.get("/records")
@role_required(*_VIEWERS)
def records() -> ResponseReturnValue:
    """The records one figure is made of, a page at a time, with their sums."""
    try:
        drill = operations.drill_for(request.args, current_user)
    except PermissionError:
        abort(403)
    per_page = parse_int(request.args.get("per_page"), "per_page", maximum=MAX_PAGE, default=50)
    number = parse_int(request.args.get("page"), "page", maximum=MAX_PAGE, default=1)
    page = drill_records(
        db_session(),
        drill,
        page=max(number or 1, 1),
        per_page=min(per_page or 50, 500),
        public_key=keys.public_key(),
        trace=trace_settings(),
    )
    if request.accept_mimetypes.best == "application/json":
        return jsonify(page.to_json())
    return render_template(
        "reports/records.html", page=page, drill=drill, scope=Scope.from_params(drill.values)
    )


@bp.get("/report.<fmt>")
@role_required(Role.ADMIN, Role.DISPATCHER)
def report(fmt: str) -> ResponseReturnValue:
    """The application report (PDF) or its tables (CSV zip, XLSX) for the chosen scope."""
    if fmt not in _FORMATS:
        abort(404)
    from webapp.metrics import report_csv, report_pdf, report_xlsx

    scope = _scope()
    settings = current_app.config["RELOOP_SETTINGS"]
    found = compute(
        db_session(),
        scope,
        cache_dir=settings.cache_dir,
        public_key=keys.public_key(),
        trace=trace_settings(),
    )
    writer = {"csv": report_csv, "xlsx": report_xlsx, "pdf": report_pdf}[fmt]
    mimetype, suffix = _FORMATS[fmt]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"report.{suffix}"
        writer.write(found, path)
        data = path.read_bytes()
    name = f"reloop-indicators-{scope.start}-{scope.end}.{suffix}"
    return send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


@bp.get("/factors")
@role_required(Role.ADMIN, Role.DISPATCHER)
def factors() -> ResponseReturnValue:
    """Emission factors and subsidy rates with their sources and history."""
    return _factors_page(*_forms())


def _forms() -> tuple[FactorForm, RateForm]:
    """Both forms with the materials as choices (per-tonne rates: low-value ones only)."""
    materials = db_session().exec(select(Material).order_by(Material.sort_order, Material.id)).all()
    zh = str(get_locale()) == "zh"
    factor_form, rate_form = FactorForm(), RateForm()
    factor_form.material.choices = [(m.code, m.name_zh if zh else m.name_en) for m in materials]
    rate_form.material.choices = [
        ("", "—"),
        *[(m.code, m.name_zh if zh else m.name_en) for m in materials if m.low_value],
    ]
    return factor_form, rate_form


@bp.post("/factors")
@role_required(Role.ADMIN)
def new_factor() -> ResponseReturnValue:
    """Put a new emission factor in force from a date (the old row stays in history)."""
    form, other = _forms()
    if not form.validate_on_submit():
        return _factors_page(form, other), 400
    try:
        add_factor(
            db_session(),
            material=form.material.data,
            kg_co2e_per_t=form.kg_co2e_per_t.data,
            source=form.source.data,
            source_url=form.source_url.data or "",
            note=form.note.data or "",
            note_zh=form.note_zh.data or "",
            valid_from=form.valid_from.data,
            actor_id=current_user.id,
        )
    except MetricsInputError as exc:
        db_session().rollback()
        getattr(form, exc.field, form.material).errors.append(exc.message)
        return _factors_page(form, other), 400
    db_session().commit()
    flash(_("Emission factor added."), "success")
    return redirect(url_for("reports.factors"))


@bp.post("/rates")
@role_required(Role.ADMIN)
def new_rate() -> ResponseReturnValue:
    """Put a new subsidy rate in force from a date (the old row stays in history)."""
    other, form = _forms()
    if not form.validate_on_submit():
        return _factors_page(other, form), 400
    try:
        add_rate(
            db_session(),
            kind=form.kind.data,
            material=form.material.data or None,
            fen=form.fen(),
            basis=form.basis.data or "",
            document_title=form.document_title.data or "",
            document_number=form.document_number.data or "",
            source_url=form.source_url.data or "",
            valid_from=form.valid_from.data,
            org_id=current_user.org_id,
            actor_id=current_user.id,
        )
    except MetricsInputError as exc:
        db_session().rollback()
        getattr(form, exc.field if exc.field != "fen" else "yuan", form.material).errors.append(exc.message)
        return _factors_page(other, form), 400
    db_session().commit()
    flash(_("Subsidy rate added."), "success")
    return redirect(url_for("reports.factors"))


def _factors_page(factor_form: FactorForm, rate_form: RateForm) -> str:
    session = db_session()
    materials = session.exec(select(Material).order_by(Material.sort_order, Material.id)).all()
    locale = str(get_locale())
    factor_rows = session.exec(
        select(EmissionFactor).order_by(
            EmissionFactor.material_id, col(EmissionFactor.valid_from).desc(), col(EmissionFactor.id).desc()
        )
    ).all()
    rate_rows = session.exec(
        select(SubsidyRate)
        .where(or_(col(SubsidyRate.org_id).is_(None), SubsidyRate.org_id == current_user.org_id))
        .order_by(
            SubsidyRate.kind,
            SubsidyRate.material_id,
            col(SubsidyRate.valid_from).desc(),
            col(SubsidyRate.id).desc(),
        )
    ).all()
    return render_template(
        "reports/factors.html",
        factor_form=factor_form,
        rate_form=rate_form,
        factors=factor_rows,
        rates=rate_rows,
        today=china_today(),
        in_force=_in_force(session, factor_rows, rate_rows, china_today()),
        materials={m.id: m for m in materials},
        locale=locale,
        grid_factors=GRID_FACTORS,
    )


def _in_force(
    session: Session, factor_rows: Sequence[EmissionFactor], rate_rows: Sequence[SubsidyRate], today: date
) -> tuple[set[int], set[int]]:
    """Ids of the factor rows and rate rows that apply today (the history decides, as for the figures)."""
    factors = factor_history(session, current_user.org_id)
    rates = rate_history(session, current_user.org_id)
    in_force_factors = [factors.on(m, today) for m in {r.material_id for r in factor_rows}]
    in_force_rates = [rates.on(k, today) for k in {(RateKind(r.kind), r.material_id) for r in rate_rows}]
    return (
        {r.id for r in in_force_factors if r is not None},
        {r.id for r in in_force_rates if r is not None},
    )


@bp.context_processor
def _record_helpers() -> dict[str, object]:
    locale = str(get_locale())
    names: list[vocabulary.Names] = []  # read once, on the first coded cell of the page

    def cell(column: str, value: object) -> object:
        if value is None:
            return "—"
        if not names:
            names.append(vocabulary.Names.load(db_session()))
        value = vocabulary.cell_label(request.args.get("kind", ""), column, value, names[0], locale)
        if column in ("grams", "mass_g", "input_mass_g", "g", "net_g", "residue_g") and isinstance(
            value, int
        ):
            return f"{value / 1000:,.1f}"
        if column == "fen" and isinstance(value, int):
            return f"{value / 100:,.2f}"
        if column in ("energy_wh", "rated_energy_wh") and isinstance(value, int):
            return f"{value / 1000:,.1f}"
        if column == "distance_m" and isinstance(value, int):
            return f"{value / 1000:,.1f}"
        if column in ("battery_code",) or (column == "code" and request.args.get("kind") == "batteries"):
            return Markup('<a href="{}">{}</a>').format(url_for("audit.battery", code=value), value)
        if isinstance(value, datetime):
            return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
        if isinstance(value, bool):
            return "✓" if value else ""
        return getattr(value, "value", value)

    def sum_text(unit: str, value: int) -> str:
        if unit in ("g", "residue_g"):
            return f"{value / 1_000_000:,.3f}"
        if unit == "fen":
            return f"{value / 100:,.2f}"
        if unit in ("Wh", "m"):
            return f"{value / 1000:,.1f}"
        return f"{value:,}"

    def filter_text(key: str, value: str) -> str:
        if not names:
            names.append(vocabulary.Names.load(db_session()))
        return "{} = {}".format(*vocabulary.param_label(key, value, names[0], locale, db_session()))

    return {
        "cell": cell,
        "sum_text": sum_text,
        "filter_text": filter_text,
        "column_label": lambda c: vocabulary.COLUMNS.get(c, c),
        "kind_label": lambda k: vocabulary.KINDS.get(k, k),
        "unit_label": lambda u: vocabulary.unit_label(u, locale),
    }
