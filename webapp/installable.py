"""What makes a phone app of ReLoop installable, shared by the driver's and the residents' apps:
the web app manifest, the service worker's response and the version of its cached shell.

Each app keeps its own service worker script (templates/<app>/sw.js: the driver's keeps
the day's pages and map, the residents' only the shell) and its own layout, which extends
templates/_phone_app.html for the installable part of the page head.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cache
from typing import Any

from flask import Response, current_app, jsonify, render_template, url_for
from flask_babel import get_locale

#: The home-screen icons both apps use (static/driver/icon-<n>.png).
ICON_SIZES = (192, 512)


def manifest_response(*, name: str, short_name: str, start_url: str, theme_color: str) -> Response:
    """The web app manifest of an app whose scope is its start page."""
    data = {
        "name": name,
        "short_name": short_name,
        "lang": str(get_locale()),
        "start_url": start_url,
        "scope": start_url,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": theme_color,
        "icons": [
            {
                "src": url_for("static", filename=f"driver/icon-{n}.png"),
                "sizes": f"{n}x{n}",
                "type": "image/png",
                "purpose": "any maskable",
            }
            for n in ICON_SIZES
        ],
    }
    response = jsonify(data)
    response.mimetype = "application/manifest+json"
    return response


def service_worker_response(
    template: str, *, scope: str, shell_files: Sequence[str], offline_url: str, **context: Any
) -> Response:
    """The app's service worker script, allowed to control ``scope`` and never cached stale.

    The template gets ``shell`` (the URLs of ``shell_files`` under /static/), ``version``
    (their content hash: a changed file makes a new worker, so phones pick up new code)
    and ``offline_url``.
    """
    # "shell" is the service worker's app shell, not a subprocess (bandit B604).
    body = render_template(
        template,
        version=shell_version(shell_files),  # nosec B604
        shell=[url_for("static", filename=f) for f in shell_files],
        offline_url=offline_url,
        **context,
    )
    response = Response(body, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = scope
    response.cache_control.no_cache = True
    return response


def shell_version(files: Sequence[str]) -> str:
    """A short hash of the static files' content: computed once per process (on every call in debug)."""
    if current_app.debug:
        _files_hash.cache_clear()
    return _files_hash(current_app.static_folder or "", tuple(files))


@cache
def _files_hash(root: str, files: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for name in files:
        with open(f"{root}/{name}", "rb") as handle:
            digest.update(handle.read())
    return digest.hexdigest()[:12]
