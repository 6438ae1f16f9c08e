"""Security headers on every response, the reverse proxy in front, oversized bodies.

The content security policy allows only files served by the app itself. Pages carry no
inline script, no ``on*`` handler and no ``style`` attribute: colours and widths that
come from data travel in ``data-*`` attributes and ``static/js/paint.js`` applies them
through the CSSOM, which CSP does not restrict (Leaflet positions its layers the same
way). ``<script type="application/json">`` blocks are data, never executed, and need
no allowance. htmx's own indicator style is switched off by the ``htmx-config`` meta
tag and lives in ``reloop.css`` instead.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp.access import access_table

__all__ = ["CONTENT_SECURITY_POLICY", "PERMISSIONS_POLICY", "init_app", "size_label"]

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # blob: previews the photo a driver just took before it is uploaded.
        "img-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# The driver app takes photos and reads the position: camera and geolocation stay
# open to this origin, everything else a page could ask for is closed.
PERMISSIONS_POLICY = ", ".join(
    [
        "camera=(self)",
        "geolocation=(self)",
        "microphone=()",
        "payment=()",
        "usb=()",
        "accelerometer=()",
        "gyroscope=()",
        "magnetometer=()",
        "midi=()",
        "display-capture=()",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"
_STATIC_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}


def init_app(app: Flask, *, trust_proxy: int = 0) -> None:
    """Trust ``trust_proxy`` reverse proxies, add the headers, answer 413 naming the limit."""
    if trust_proxy:
        # Behind the proxy, X-Forwarded-Proto decides request.is_secure (so HSTS) and
        # X-Forwarded-For the client address the login throttle counts by.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=trust_proxy, x_proto=trust_proxy, x_host=trust_proxy
        )
    # Call after the blueprints are registered: the access table must be complete.
    private = {
        endpoint
        for endpoint, access in access_table(app).items()
        if access is not None and access.kind in ("roles", "token")
    }

    @app.after_request
    def _headers(response: Any) -> Any:
        for name, value in _STATIC_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        # Pages behind a login hold one user's data: no copy in the browser's cache or
        # on a shared proxy. A view that chose its own caching (photos, streets) keeps it.
        if request.endpoint in private and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_exc: RequestEntityTooLarge) -> Any:
        limit = request.max_content_length or app.config["MAX_CONTENT_LENGTH"]
        message = _(
            "The upload is larger than the limit of %(limit)s. Nothing was stored.", limit=size_label(limit)
        )
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return {"error": message, "status": 413, "limit_bytes": limit}, 413
        return render_template(
            "errors/error.html", code=413, title=_("Upload too large"), message=message
        ), 413


def size_label(n_bytes: int) -> str:
    """``5 MB``, ``512 KB`` or ``900 bytes``: the limit as a person reads it."""
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if n_bytes >= size and n_bytes % size == 0:
            return f"{n_bytes // size} {unit}"
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / (1024 * 1024):.1f} MB"
    return f"{n_bytes} bytes"
