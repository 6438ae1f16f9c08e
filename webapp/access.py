"""Who may call which view.

Every view declares its audience with ``@role_required(...)``, ``@public`` or
``@token_required(*kinds)``; the declarations form the access table, and a hook refuses
any request the table does not allow. Machine endpoints are checked by
``token_required`` itself: one bearer check and one 401 for every machine API. A view
that declares nothing is refused for everyone (fail closed), and a test walks the URL
map to catch it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, abort, g, jsonify, redirect, request, url_for
from flask_login import current_user

from webapp.api import tokens
from webapp.db import db_session
from webapp.models import Role, TokenKind

F = TypeVar("F", bound=Callable[..., Any])

_ATTR = "__reloop_access__"
ALL_ROLES = frozenset(Role)
STAFF = frozenset({Role.ADMIN, Role.DISPATCHER})


@dataclass(frozen=True)
class Access:
    """One row of the access table: public, bearer token (of ``kinds``), or a set of roles."""

    kind: str  # "public" | "token" | "roles"
    roles: frozenset[Role] = frozenset()
    kinds: frozenset[TokenKind] = frozenset()

    def allows(self, role: Role | None) -> bool:
        if self.kind == "public":
            return True
        return role is not None and role in self.roles


def role_required(*roles: Role) -> Callable[[F], F]:
    """Open a view to logged-in users holding one of ``roles``."""
    if not roles:
        raise ValueError("role_required needs at least one role")

    def mark(view: F) -> F:
        setattr(view, _ATTR, Access("roles", frozenset(roles)))
        return view

    return mark


def public(view: F) -> F:
    """Open a view to everyone, logged in or not."""
    setattr(view, _ATTR, Access("public"))
    return view


def token_required(*kinds: TokenKind) -> Callable[[F], F]:
    """Open a machine endpoint to live bearer tokens of ``kinds``; the token is on ``g.api_token``.

    Anything else (no token, a malformed header, an unknown, revoked or expired token,
    another kind, a disabled user's token) gets :func:`webapp.api.tokens.unauthorized`.
    """
    if not kinds:
        raise ValueError("token_required needs at least one token kind")

    def mark(view: F) -> F:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            token = tokens.authenticate(db_session(), *kinds)
            if token is None:
                return tokens.unauthorized(*kinds)
            g.api_token = token
            return view(*args, **kwargs)

        setattr(checked, _ATTR, Access("token", kinds=frozenset(kinds)))
        return checked  # type: ignore[return-value]

    return mark


# Flask's own endpoints, which cannot carry a marker.
_BUILTIN = {"static": Access("public")}


def access_table(app: Flask) -> dict[str, Access | None]:
    """Endpoint -> declared access (None where a view declared nothing)."""
    table: dict[str, Access | None] = {}
    for endpoint, view in app.view_functions.items():
        table[endpoint] = _BUILTIN.get(endpoint) or getattr(view, _ATTR, None)
    return table


def init_app(app: Flask) -> None:
    """Enforce the access table before every request."""

    @app.before_request
    def _enforce() -> Any:
        if request.endpoint is None:
            return None  # 404 / 405: Flask answers on its own
        view = app.view_functions[request.endpoint]
        rule = _BUILTIN.get(request.endpoint) or getattr(view, _ATTR, None)
        if rule is None:
            abort(403)
        if rule.kind in ("public", "token"):
            return None
        if not current_user.is_authenticated:
            return _login_required()
        if not rule.allows(current_user.role):
            abort(403)
        return None


def _login_required() -> Any:
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error="login required"), 401
    if request.headers.get("HX-Request"):
        response = jsonify(error="login required")
        response.status_code = 401
        response.headers["HX-Redirect"] = url_for("auth.login")
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
