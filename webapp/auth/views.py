"""Log in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from webapp.access import ALL_ROLES, public, role_required
from webapp.auth import operations
from webapp.auth.forms import LoginForm
from webapp.db import db_session

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    """Show the login form; on success open a server-side session."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            login_session = operations.login(
                db_session(),
                form.username.data,
                form.password.data,
                user_agent=request.user_agent.string,
                remote_addr=request.remote_addr or "",
            )
        except operations.AuthError:
            flash(_("Wrong username or password."), "error")
        else:
            principal = operations.load_principal(db_session(), login_session.id)
            session.clear()
            login_user(principal)
            return redirect(_safe_next(request.args.get("next")) or url_for("main.index"))
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


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: never bounce a user to another host after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
