"""Fill sensors over MQTT: the bridge (``reloop sensors bridge``, the Procfile's
``sensors`` process), the two payloads, and the devices' health pages.

The app factory registers what :func:`blueprints` returns and the CLI adds what
:func:`commands` returns.
"""

from __future__ import annotations

import click
from flask import Blueprint


def blueprints() -> list[tuple[Blueprint, bool]]:
    """This area's blueprints, each with True when it is a bearer-token API (no CSRF)."""
    from webapp.sensors import views
    from webapp.sensors.settings import SensorSettings

    SensorSettings.from_env()  # a bad RELOOP_MQTT_URL stops the start with its name, not the bridge later
    return [(views.bp, False)]


def commands() -> list[click.Command]:
    """This area's `reloop` commands."""
    from webapp.sensors.cli import sensors_group

    return [sensors_group]
