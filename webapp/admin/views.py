"""Administration: users, machine tokens and drivers' phones."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from webapp.access import role_required
from webapp.admin import operations
from webapp.admin.forms import ConfirmForm, TokenForm, UserForm
from webapp.auth import operations as auth
from webapp.db import db_session
from webapp.fleet.operations import ensure_driver_profile
from webapp.models import Role, User
from webapp.models._types import utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def users() -> ResponseReturnValue:
    """List users and add one."""
    form = UserForm()
    form.set_choices()
    session = db_session()
    status = 200
    if form.validate_on_submit():
        try:
            user = auth.create_user(
                session,
                username=form.username.data,
                password=form.password.data,
                role=Role(form.role.data),
                display_name=form.display_name.data,
                org_id=current_user.org_id,
                actor_id=current_user.id,
            )
            # A driver login without a profile would never appear in the plan's driver lists.
            ensure_driver_profile(session, user, actor_id=current_user.id)
            session.commit()
        except auth.AuthError as exc:
            session.rollback()
            form.username.errors = [str(exc)]
            status = 422
        else:
            flash(_("User %(name)s created.", name=user.username), "success")
            return redirect(url_for("admin.users"))
    elif form.is_submitted():
        status = 422
    rows = session.exec(select(User).order_by(User.role, User.username)).all()
    return render_template("admin/users.html", form=form, users=rows, confirm=ConfirmForm()), status


@bp.post("/users/<int:user_id>/active/<int:active>")
@role_required(Role.ADMIN)
def set_active(user_id: int, active: int) -> ResponseReturnValue:
    """Enable or disable a user (disabling ends their sessions at once)."""
    if ConfirmForm().validate_on_submit():
        if user_id == current_user.id and not active:
            flash(_("You cannot disable yourself."), "error")
        else:
            try:
                auth.set_active(db_session(), user_id, bool(active), actor_id=current_user.id)
            except auth.AuthError as exc:
                flash(str(exc), "error")
    return redirect(url_for("admin.users"))


@bp.route("/tokens", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def tokens() -> ResponseReturnValue:
    """Machine tokens (issue a sensor token, shown once) and drivers' phones, with expiry; revoke."""
    form = TokenForm()
    plain = None
    if form.validate_on_submit():
        _row, plain = operations.issue_sensor_token(
            db_session(), form.name.data, actor_id=current_user.id, org_id=current_user.org_id
        )
    session, now = db_session(), utcnow()
    return render_template(
        "admin/tokens.html",
        form=form,
        tokens=operations.machine_tokens(session, now),
        devices=operations.driver_devices(session, now),
        plain=plain,
        confirm=ConfirmForm(),
    )


@bp.post("/tokens/<int:token_id>/revoke")
@role_required(Role.ADMIN)
def revoke(token_id: int) -> ResponseReturnValue:
    """Revoke a token."""
    if ConfirmForm().validate_on_submit():
        operations.revoke_token(db_session(), token_id, actor_id=current_user.id)
    return redirect(url_for("admin.tokens"))
