"""Smart kiosks, residents' prices and the points ledger.

The app factory registers what :func:`blueprints` returns and the CLI adds what
:func:`commands` returns; this area adds its own entries here.
"""

from __future__ import annotations

import click
from flask import Blueprint


def blueprints() -> list[tuple[Blueprint, bool]]:
    """This area's blueprints, each with True when it is a bearer-token API (no CSRF)."""
    from webapp.kiosk import api, office_views, views
    from webapp.kiosk.operations import Limits

    Limits.from_env()  # a bad RELOOP_KIOSK_* value stops the start with its name, not a request later
    return [(api.bp, True), (views.bp, False), (office_views.bp, False)]


def commands() -> list[click.Command]:
    """This area's `reloop` commands."""
    from webapp.kiosk.cli import kiosk_group

    return [kiosk_group]
