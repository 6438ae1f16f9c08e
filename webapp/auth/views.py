"""Log in and out."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from webapp.access import ALL_ROLES, public, role_required
from webapp.auth import operations
from webapp.auth.forms import LoginForm
from webapp.auth.throttle import LoginLimits, TooManyFailuresError
from webapp.db import db_session

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    """Show the login form; on success open a server-side session."""
    form = LoginForm()
    # Where to go afterwards is settled before a session row exists: a bad target must not
    # fail the request after the password was accepted.
    target = _safe_next(request.args.get("next")) or url_for("main.index")
    if form.validate_on_submit():
        try:
            login_session = operations.login(
                db_session(),
                form.username.data,
                form.password.data,
                user_agent=request.user_agent.string,
                remote_addr=request.remote_addr or "",
                limits=_limits(),
                request_id=g.get("request_id", ""),
            )
        except TooManyFailuresError as exc:
            return _too_many(form, exc.retry_after_s)
        except operations.AuthError:
            flash(_("Wrong username or password."), "error")
        else:
            principal = operations.load_principal(db_session(), login_session.id)
            session.clear()
            login_user(principal)
            return redirect(target)
    return render_template("auth/login.html", form=form), 200 if request.method == "GET" else 400


@bp.post("/logout")
@role_required(*ALL_ROLES)
def logout() -> ResponseReturnValue:
    """End the session on the server, then forget the cookie."""
    operations.logout(db_session(), current_user.session_id)
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


def _too_many(form: LoginForm, retry_after_s: int) -> ResponseReturnValue:
    """429 with the wait in minutes, and Retry-After for machines."""
    minutes = math.ceil(retry_after_s / 60)
    flash(_("Too many failed logins. Try again in %(minutes)d min.", minutes=minutes), "error")
    body = render_template("auth/login.html", form=form)
    return body, 429, {"Retry-After": str(retry_after_s)}


def _limits() -> LoginLimits:
    settings = current_app.config["RELOOP_SETTINGS"]
    return LoginLimits(
        per_user=settings.login_max_failures,
        per_ip=settings.login_max_failures_per_ip,
        window=timedelta(seconds=settings.login_window_s),
    )


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: never bounce a user to another host after login."""
    if not target or not _SAFE_PATH.fullmatch(target):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. an unclosed "[" read as an IPv6 host
        return None
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target


# A path on this site: no backslash (browsers read "/\\host" as "//host"), no whitespace
# or control character (CR/LF would split the Location header).
_SAFE_PATH = re.compile(r"/[^\s\\\x00-\x1f\x7f]*")
