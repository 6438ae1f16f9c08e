"""The sorting centre's weighbridge (地磅): tickets, imports and reconciliation with the drivers' weights.

The app factory registers what :func:`blueprints` returns and the CLI adds what
:func:`commands` returns; this area adds its own entries here.
"""

from __future__ import annotations

import click
from flask import Blueprint


def blueprints() -> list[tuple[Blueprint, bool]]:
    """This area's blueprints, each with True when it is a bearer-token API (no CSRF)."""
    from webapp.weighbridge.driver_views import api, pages
    from webapp.weighbridge.views import bp

    return [(bp, False), (pages, False), (api, True)]


def commands() -> list[click.Command]:
    """This area's `reloop` commands."""
    from webapp.weighbridge.cli import weighbridge_group

    return [weighbridge_group]
