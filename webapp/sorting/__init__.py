"""The sorting centre's sorting batches, stock movements and outbound sales to licensed buyers.

The app factory registers what :func:`blueprints` returns and the CLI adds what
:func:`commands` returns; this area adds its own entries here.
"""

from __future__ import annotations

import click
from flask import Blueprint


def blueprints() -> list[tuple[Blueprint, bool]]:
    """This area's blueprints, each with True when it is a bearer-token API (no CSRF)."""
    from webapp.sorting import catalogue_views  # noqa: F401  (its pages join the blueprint)
    from webapp.sorting.views import bp

    return [(bp, False)]


def commands() -> list[click.Command]:
    """This area's `reloop` commands."""
    return []
