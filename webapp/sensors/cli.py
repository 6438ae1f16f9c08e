"""``reloop sensors``: run the MQTT bridge, register a sensor from the command line."""

from __future__ import annotations

import logging
import signal
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from webapp.db import db_session
from webapp.sensors import devices
from webapp.sensors.bridge import for_app
from webapp.sensors.settings import SensorSettings


@click.group("sensors")
def sensors_group() -> None:
    """Fill sensors over MQTT."""


@sensors_group.command("bridge")
@with_appcontext
def bridge() -> None:
    """Subscribe to RELOOP_MQTT_URL and record the sensors' readings until stopped."""
    settings = SensorSettings.from_env()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    running = for_app(current_app._get_current_object(), settings)  # type: ignore[attr-defined]

    def _stop(_signum: int, _frame: Any) -> None:
        running.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    running.run()
    click.echo(f"sensors bridge stopped: {dict(running.counts)}")


@sensors_group.command("register")
@click.argument("code")
@click.argument("outlet_code")
@click.option("--material", default="", help="Material code of the container.")
@click.option("--height-mm", type=int, default=None, help="Sensor height above the container's bottom.")
@click.option("--depth-mm", type=int, default=None, help="Height above the bottom at which it is full.")
@with_appcontext
def register(code: str, outlet_code: str, material: str, height_mm: int | None, depth_mm: int | None) -> None:
    """Register sensor CODE in the container of outlet OUTLET_CODE."""
    data = devices.DeviceInput(
        code=code,
        outlet_code=outlet_code,
        material_code=material,
        sensor_height_mm=height_mm,
        container_depth_mm=depth_mm,
    )
    try:
        device = devices.save_device(db_session(), data, actor_id=None)
    except devices.DeviceError as exc:
        raise click.BadParameter(str(exc), param_hint=exc.field) from None
    click.echo(f"sensor {device.code} registered at {outlet_code}")
