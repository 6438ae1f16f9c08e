"""One partial, two entry points: a full page includes it, an htmx request gets it alone."""

from __future__ import annotations

from flask import request


def is_partial() -> bool:
    """True for an htmx request that is not a boosted full-page navigation."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-Boosted")
