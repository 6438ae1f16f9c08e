"""Siting scenarios (dispatcher): ask, watch the job, read the answer on the map,
compare two answers, adopt one as planned outlets."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from markupsafe import Markup
from sqlmodel import select
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from webapp import geo
from webapp.access import STAFF, role_required
from webapp.boundary import parse_id
from webapp.db import db_session
from webapp.jobs import operations as jobs
from webapp.models import Outlet, OutletStatus, SitingScenario
from webapp.siting import jobs as siting_jobs
from webapp.siting.operations import ScenarioError, ScenarioParams

bp = Blueprint("siting", __name__, url_prefix="/siting")


class ScenarioForm(FlaskForm):  # type: ignore[misc]
    name = StringField(_l("Name"), validators=[Length(max=120)])
    model = SelectField(
        _l("Model"),
        choices=[
            ("mclp", _l("Maximal covering: most households within the radius")),
            ("lscp", _l("Set covering: fewest outlets to reach a share")),
            ("pmedian", _l("p-median: shortest mean walk")),
        ],
    )
    radius_m = IntegerField(
        _l("Walking radius (m)"), default=500, validators=[InputRequired(), NumberRange(50, 3000)]
    )
    p = IntegerField(_l("Outlets to add"), default=20, validators=[InputRequired(), NumberRange(1, 1000)])
    share = DecimalField(
        _l("Share of households to cover (set covering)"),
        default=1,
        places=2,
        validators=[InputRequired(), NumberRange(0.01, 1)],
    )
    fixed_existing = BooleanField(_l("Keep today's outlets and add to them"), default=True)
    time_limit_s = IntegerField(
        _l("Time limit (s)"), default=30, validators=[InputRequired(), NumberRange(1, 600)]
    )
    # The column codes are what the file's header must say: shown as code, not as prose.
    demand = FileField(
        _l(
            "Residential compounds (optional): CSV with number, longitude, latitude and households, "
            "or GeoJSON points"
        ),
        description=Markup("<code>id,lon,lat,households</code>"),
    )
    candidates = FileField(
        _l("Candidate sites (optional): CSV with number, longitude and latitude"),
        description=Markup("<code>id,lon,lat</code>"),
    )
    only_candidates = BooleanField(
        _l("Only my candidate sites"),
        description=_l(
            "Choose among the uploaded sites alone (the sites you can lease), not street intersections."
        ),
        default=False,
    )


@bp.context_processor
def _labels() -> dict[str, object]:
    names = geo.district_names(str(get_locale()))

    def district_label(code: str | None) -> str:
        if code in (None, "", "overall", "all"):
            return _("All districts") if code else "—"
        return names.get(code, code)

    def status_label(status: str) -> str:
        return {"optimal": _("proven optimal"), "feasible": _("feasible (not proven optimal)")}.get(
            status, status
        )

    return {"district_label": district_label, "status_label": status_label}


def _text(upload: object) -> str | None:
    data = getattr(upload, "read", lambda: b"")()
    return data.decode("utf-8-sig", errors="replace") if data else None


@bp.route("/", methods=["GET", "POST"])
@role_required(*STAFF)
def index() -> ResponseReturnValue:
    """The scenarios so far and a form for a new one."""
    form = ScenarioForm()
    session = db_session()
    params = _params(form) if form.validate_on_submit() else None
    if params is not None:
        scenario = SitingScenario(
            name=form.name.data or siting_jobs.scenario_name(params),
            params=params.__dict__,
            created_by_id=current_user.id,
            org_id=current_user.org_id,
        )
        session.add(scenario)
        session.commit()
        job = jobs.enqueue(
            session,
            siting_jobs.SolveParams(scenario_id=scenario.id, locale=str(get_locale())),
            actor_id=current_user.id,
            org_id=current_user.org_id,
        )
        scenario.job_id = job.id
        session.add(scenario)
        session.commit()
        return redirect(url_for("jobs.show", job_id=job.id))
    scenarios = session.exec(select(SitingScenario).order_by(SitingScenario.id.desc()).limit(50)).all()  # type: ignore[union-attr]
    status = 422 if form.is_submitted() else 200  # a form sent and not queued was refused
    return render_template("siting/index.html", form=form, scenarios=scenarios), status


def _params(form: ScenarioForm) -> ScenarioParams | None:
    """The scenario the valid form asks for, or None with the reason flashed."""
    candidates_csv = _text(form.candidates.data)
    if form.only_candidates.data and not (candidates_csv or "").strip():
        form.candidates.errors.append(_("Upload your candidate sites to solve over them alone."))
        flash(_("Only my candidate sites: no candidate sites were uploaded."), "error")
        return None
    try:
        return ScenarioParams(
            model=form.model.data,
            radius_m=float(form.radius_m.data),
            p=form.p.data,
            share=float(form.share.data),
            fixed_existing=form.fixed_existing.data,
            time_limit_s=float(form.time_limit_s.data),
            demand_csv=_text(form.demand.data),
            candidates_csv=candidates_csv,
            only_candidates=form.only_candidates.data,
        )
    except ScenarioError as exc:
        flash(str(exc), "error")
        return None


@bp.get("/<int:scenario_id>")
@role_required(*STAFF)
def show(scenario_id: int) -> ResponseReturnValue:
    """The answer: chosen sites and uncovered clusters on the map, coverage before and after."""
    scenario = _get(scenario_id)
    existing = db_session().exec(select(Outlet).where(Outlet.status == OutletStatus.ACTIVE)).all()
    return render_template("siting/show.html", scenario=scenario, map_data=_map_data(scenario, existing))


@bp.get("/compare")
@role_required(*STAFF)
def compare() -> ResponseReturnValue:
    """Two scenarios side by side."""
    a, b = parse_id(request.args.get("a"), "a"), parse_id(request.args.get("b"), "b")
    if a is None or b is None:
        abort(400)
    return render_template("siting/compare.html", scenarios=[_get(a), _get(b)])


@bp.post("/<int:scenario_id>/adopt")
@role_required(*STAFF)
def adopt(scenario_id: int) -> ResponseReturnValue:
    """Create planned outlets at the sites this scenario added."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        codes = siting_jobs.adopt(
            db_session(), scenario_id, actor_id=current_user.id, org_id=current_user.org_id
        )
    except siting_jobs.AdoptError as exc:
        flash(str(exc), "error")
        return redirect(url_for("siting.show", scenario_id=scenario_id))
    flash(_("%(n)d planned outlets created.", n=len(codes)), "success")
    return redirect(url_for("outlets.index", status="planned"))


def _get(scenario_id: int) -> SitingScenario:
    scenario = db_session().get(SitingScenario, scenario_id)
    if scenario is None:
        abort(404)
    return scenario


def _map_data(scenario: SitingScenario, existing: list[Outlet]) -> dict[str, object]:
    features: list[dict[str, object]] = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [o.lon, o.lat]},
            "properties": {"role": "existing", "code": o.code, "name": o.name},
        }
        for o in existing
    ]
    result = scenario.result or {}
    features += [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
            "properties": {"role": "added", "code": s["id"]},
        }
        for s in result.get("added_sites", [])
    ]
    features += [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": point},
            "properties": {"role": "served"},
        }
        for point in result.get("served_points", [])
    ]
    features += [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [c["lon"], c["lat"]]},
            "properties": {"role": "uncovered", "households": c["households"]},
        }
        for c in result.get("coverage_after", {}).get("clusters", [])
    ]
    return {
        "type": "FeatureCollection",
        "radius_m": result.get("params", {}).get("radius_m", 500),
        "features": features,
    }
