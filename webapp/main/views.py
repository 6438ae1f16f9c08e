"""Home, health check, language switch and the offline base map."""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import text

from webapp import geo
from webapp.access import ALL_ROLES, STAFF, public, role_required
from webapp.db import db_session
from webapp.i18n import LOCALES
from webapp.models import Role

bp = Blueprint("main", __name__)


@bp.get("/")
@role_required(*ALL_ROLES)
def index() -> ResponseReturnValue:
    """Staff land on the outlet registry; others on their home page."""
    if current_user.role in STAFF:
        return redirect(url_for("outlets.index"))
    if current_user.role == Role.REGULATOR:
        return redirect(url_for("audit.index"))
    if current_user.role == Role.RESIDENT:
        return redirect(url_for("residents.home"))
    return render_template("main/home.html")


@bp.get("/healthz")
@public
def healthz() -> ResponseReturnValue:
    """Liveness and database reachability, for load balancers and the release step."""
    try:
        db_session().exec(text("SELECT 1"))  # type: ignore[call-overload]
    except Exception as exc:  # any failure means "not healthy", and says which
        return {"status": "error", "database": type(exc).__name__}, 503
    return {"status": "ok", "database": "ok"}


@bp.route("/lang/<code>", methods=["GET", "POST"])
@public
def set_language(code: str) -> ResponseReturnValue:
    """Remember the chosen language for this browser session."""
    if code in LOCALES:
        session["lang"] = code
    target = request.referrer or url_for("main.index")
    if not target.startswith(request.host_url):
        target = url_for("main.index")
    return redirect(target)


@bp.get("/geo/streets.geojson")
@role_required(*ALL_ROLES)
def streets() -> ResponseReturnValue:
    """The bundled streets as the map's base layer (there is no tile server offline)."""
    body = _streets_body()
    etag = hashlib.sha256(body).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        return Response(status=304)
    response = Response(body, mimetype="application/geo+json")
    response.set_etag(etag)
    response.cache_control.private = True
    response.cache_control.max_age = 86400
    return response


_BODY: dict[str, bytes] = {}


def _streets_body() -> bytes:
    if "streets" not in _BODY:
        _BODY["streets"] = json.dumps(geo.streets_geojson(), separators=(",", ":")).encode()
    return _BODY["streets"]


@bp.get("/favicon.ico")
@public
def favicon() -> ResponseReturnValue:
    """Browsers ask for /favicon.ico on pages that name no icon (labels, JSON)."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)
