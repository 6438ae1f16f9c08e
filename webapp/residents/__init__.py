"""The residents' Internet+ channel: accounts, slots, doorstep pickup bookings.

The app factory registers what :func:`blueprints` returns and the CLI adds what
:func:`commands` returns. Other areas use :mod:`webapp.residents.bookings` (bookings of
a day, slot windows, status changes, confirmation codes, residents by card).
"""

from __future__ import annotations

import click
from flask import Blueprint


def blueprints() -> list[tuple[Blueprint, bool]]:
    """This area's blueprints, each with True when it is a bearer-token API (no CSRF)."""
    from webapp.residents import office, views

    return [(views.bp, False), (office.bp, False)]


def commands() -> list[click.Command]:
    """This area's `reloop` commands."""
    from webapp.residents.cli import residents

    return [residents]
