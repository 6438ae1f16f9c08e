"""Trucks' GPS tracks: positions sent by the driver's phone while a route runs, the live
position on the dispatcher's board, and planned vs driven afterwards (issue 16).

The app factory registers what :func:`blueprints` returns. The phone's endpoint itself,
POST /api/v1/driver/positions, lives with the other driver sync endpoints
(:mod:`webapp.driver.api`) and calls :func:`webapp.tracks.points.store_points`.
"""

from __future__ import annotations

import click
from flask import Blueprint


def blueprints() -> list[tuple[Blueprint, bool]]:
    """This area's blueprints, each with True when it is a bearer-token API (no CSRF)."""
    from webapp.tracks import views

    return [(views.bp, False)]


def commands() -> list[click.Command]:
    """This area adds no `reloop` command."""
    return []
