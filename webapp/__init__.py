"""ReLoop web application: ``create_app`` builds it; blueprints live one per user area."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import Flask, g, request
from flask_htmx import HTMX
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter

from webapp.config import ROOT, Settings

csrf = CSRFProtect()
htmx = HTMX()

__all__ = ["create_app", "csrf", "htmx"]


def create_app(test_config: dict[str, Any] | None = None, *, generate_secret: bool = False) -> Flask:
    """Build the app from the environment; ``test_config`` overrides for tests.

    Outside debug and tests the environment must give ``RELOOP_SECRET_KEY``;
    ``generate_secret`` (the ``reloop`` command) keeps one in the instance folder instead.
    """
    settings = Settings.from_env()
    if test_config and "SETTINGS" in test_config:
        settings = test_config["SETTINGS"]
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_upload_bytes,  # one limit, named in the 413 page
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=None,
        HUEY_IMMEDIATE=False,
    )
    if test_config:
        app.config.update({k: v for k, v in test_config.items() if k != "SETTINGS"})
    settings = settings.with_secret(generate=generate_secret or app.debug or app.testing)
    app.config.update(SECRET_KEY=settings.secret_key, RELOOP_SETTINGS=settings)
    _init_extensions(app)
    from webapp import boundary

    boundary.init_app(app)  # first of the before-request hooks: refuses hostile input
    app.url_map.converters["int"] = _Id  # before any route is added
    _register_blueprints(app)
    from webapp import cli, security

    security.init_app(app, trust_proxy=settings.trust_proxy)
    _register_hooks(app)
    _register_errors(app)
    cli.register(app)
    return app


def _init_extensions(app: Flask) -> None:
    from webapp import access, auth, db, i18n, resilience, tasks

    db.init_app(app)
    resilience.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    access.init_app(app)
    tasks.init_app(app)


class _Id(IntegerConverter):
    """``<int:...>`` in every route: ids are 32-bit on both databases, so a larger number
    matches no route (404) instead of overflowing the query (500)."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _register_blueprints(app: Flask) -> None:
    from webapp.admin.views import bp as admin_bp
    from webapp.api.views import bp as api_bp
    from webapp.auth.views import bp as auth_bp
    from webapp.dispatch.views import bp as dispatch_bp
    from webapp.dispatch.weekviews import bp as week_bp
    from webapp.jobs.views import bp as jobs_bp
    from webapp.main.views import bp as main_bp
    from webapp.outlets.views import bp as outlets_bp
    from webapp.reports.views import bp as reports_bp
    from webapp.siting.views import bp as siting_bp

    for bp in (main_bp, auth_bp, outlets_bp, jobs_bp, api_bp, admin_bp, dispatch_bp, siting_bp, reports_bp):
        app.register_blueprint(bp)
    app.register_blueprint(week_bp)
    csrf.exempt(api_bp)  # machine clients authenticate with bearer tokens, not cookies
    _register_trace(app)
    _register_driver(app)
    from webapp.fleet.views import bp as fleet_bp
    from webapp.tiles.views import bp as tiles_bp

    app.register_blueprint(fleet_bp)
    app.register_blueprint(tiles_bp)
    for area in front_line_areas():
        for bp, token_api in area.blueprints():
            app.register_blueprint(bp)
            if token_api:
                csrf.exempt(bp)


def front_line_areas() -> list[Any]:
    """The packages of the front lines, each offering ``blueprints()`` and ``commands()``."""
    from webapp import cascade, kiosk, residents, sensors, sorting, tracks, weighbridge, workshop

    return [workshop, cascade, weighbridge, sorting, residents, kiosk, tracks, sensors]


def _register_driver(app: Flask) -> None:
    from webapp.driver.api import bp as driver_api_bp
    from webapp.driver.views import bp as driver_bp
    from webapp.openapi import bp as openapi_bp

    for bp in (driver_bp, driver_api_bp, openapi_bp):
        app.register_blueprint(bp)
    csrf.exempt(driver_api_bp)  # device tokens, like api_bp


def _register_trace(app: Flask) -> None:
    from webapp.audit.views import bp as audit_bp
    from webapp.trace.api import bp as trace_api_bp
    from webapp.trace.views import bp as trace_bp

    for bp in (audit_bp, trace_bp, trace_api_bp):
        app.register_blueprint(bp)
    csrf.exempt(trace_api_bp)  # bearer tokens, like api_bp


def _register_hooks(app: Flask) -> None:
    @app.before_request
    def _request_id() -> None:
        g.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex

    @app.after_request
    def _headers(response: Any) -> Any:
        response.headers.setdefault("X-Request-Id", g.get("request_id", ""))
        response.vary.add("HX-Request")
        return response

    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)


def _register_errors(app: Flask) -> None:
    from flask import render_template
    from flask_babel import gettext as _
    from flask_wtf.csrf import CSRFError
    from werkzeug.exceptions import HTTPException

    messages = {
        400: lambda: _("The request could not be understood."),
        403: lambda: _("You do not have permission to open this page."),
        404: lambda: _("This page does not exist."),
        405: lambda: _("This action is not allowed here."),
        413: lambda: _("The request is larger than this server accepts."),
        429: lambda: _("Too many requests. Please wait a moment and try again."),
        500: lambda: _("Something went wrong on our side. The error has been logged."),
        503: lambda: _("The service is temporarily unavailable. Please try again shortly."),
    }

    def render(code: int, title: str, message: str) -> Any:
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return {"error": message, "status": code}, code
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        return render(
            400, "CSRF", _("The form expired or was sent from elsewhere. Reload the page and try again.")
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        code = exc.code or 500
        # abort(400, description=...) names the field at fault: show that, not the generic text.
        custom = exc.description if exc.description != type(exc).description else None
        message = custom or messages.get(code, lambda: exc.description or "")()
        body, status = render(code, exc.name, message)
        # A 405 must name the allowed methods (RFC 9110); werkzeug keeps them on the exception.
        return body, status, [h for h in exc.get_headers() if h[0] == "Allow"]
