"""The battery cascade-use workshop (梯次利用车间): intake, inspection, tests, grading, disassembly.

The app factory registers what :func:`blueprints` returns and the CLI adds what
:func:`commands` returns; this area adds its own entries here.
"""

from __future__ import annotations

import click
from flask import Blueprint


def blueprints() -> list[tuple[Blueprint, bool]]:
    """This area's blueprints, each with True when it is a bearer-token API (no CSRF)."""
    from webapp.workshop import manage  # noqa: F401  (adds the admin pages to the blueprint)
    from webapp.workshop.views import bp

    return [(bp, False)]


def commands() -> list[click.Command]:
    """This area's `reloop` commands."""
    from webapp.workshop.cli import workshop

    return [workshop]
