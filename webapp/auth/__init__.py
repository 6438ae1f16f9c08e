"""Authentication: Flask-Login over server-side sessions."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager

from webapp.auth.operations import Principal, load_principal
from webapp.db import db_session

login_manager = LoginManager()
login_manager.session_protection = "basic"

__all__ = ["Principal", "init_app", "login_manager"]


@login_manager.user_loader
def _load(session_id: str) -> Principal | None:
    return load_principal(db_session(), session_id)


def init_app(app: Flask) -> None:
    """Install the login manager; the access hook, not Flask-Login, redirects to login."""
    login_manager.init_app(app)
