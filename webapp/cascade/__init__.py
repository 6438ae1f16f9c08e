"""Cascade products: regrouping, codes, labels, stock, orders, shipping, in-service health and take-back.

The app factory registers what :func:`blueprints` returns and the CLI adds what
:func:`commands` returns; this area adds its own entries here.
"""

from __future__ import annotations

import click
from flask import Blueprint


def blueprints() -> list[tuple[Blueprint, bool]]:
    """This area's blueprints, each with True when it is a bearer-token API (no CSRF)."""
    from webapp.cascade import api, views

    return [(views.bp, False), (api.bp, True)]


def commands() -> list[click.Command]:
    """This area's `reloop` commands."""
    from webapp.cascade.cli import secondlife_group
    from webapp.cascade.customers import cascade_group

    return [secondlife_group, cascade_group]
