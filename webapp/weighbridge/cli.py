"""``reloop weighbridge ...``: import a scale's CSV export and print the reconciliation."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlmodel import select

from traceability import china_today
from webapp.db import db_session
from webapp.models import Facility
from webapp.weighbridge import imports, listen, reconcile, scale


@click.group("weighbridge")
def weighbridge_group() -> None:
    """Weighbridge tickets (地磅磅单) and their reconciliation with the drivers' weights."""


@weighbridge_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--facility", "code", required=True, help="The facility's code.")
@with_appcontext
def import_command(path: Path, code: str) -> None:
    """Import a scale's CSV export (format: webapp/weighbridge/imports.py); all lines or none."""
    session = db_session()
    facility = session.exec(select(Facility).where(Facility.code == code)).first()
    if facility is None:
        raise click.UsageError(f"no facility with code {code!r}")
    with force_locale(current_app.config["RELOOP_SETTINGS"].default_locale):
        result = imports.import_csv(session, path.read_bytes(), facility_id=facility.id, operator_id=None)  # type: ignore[arg-type]
    if result.errors:
        for e in result.errors:
            click.echo(f"line {e['line']}, {e['field'] or '-'}: {e['message']}", err=True)
        raise SystemExit(1)
    click.echo(f"{len(result.tickets)} tickets imported: {', '.join(t.number for t in result.tickets)}")


@weighbridge_group.command("reconcile")
@click.option(
    "--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Last day (default today)."
)
@click.option("--days", type=click.IntRange(1, 366), default=1, show_default=True)
@with_appcontext
def reconcile_command(day: object, days: int) -> None:
    """Per trip: drivers' grams, net grams, difference, flagged (JSON lines)."""
    last = day.date() if day is not None else china_today()  # type: ignore[attr-defined]
    end: date = last + timedelta(days=1)
    tolerance = current_app.config["RELOOP_SETTINGS"].weighbridge_tolerance_permille
    for trip in reconcile.balances(
        db_session(), end - timedelta(days=days), end, tolerance_permille=tolerance
    ):
        row = {
            "ticket": trip.ticket.number,
            "facility_id": trip.ticket.facility_id,
            "day": trip.day.isoformat(),
            "driver_id": trip.ticket.driver_id,
            "collected_g": trip.collected_g,
            "net_g": trip.net_g,
            "diff_g": trip.diff_g,
            "flagged": trip.flagged,
        }
        click.echo(json.dumps(row))


@weighbridge_group.command("listen")
@click.option("--port", required=True, help="Serial device, e.g. /dev/ttyUSB0 or COM3.")
@click.option("--facility", "code", required=True, help="The facility's code (whose scale this is).")
@click.option("--baud", type=int, default=9600, show_default=True)
@click.option("--format", "fmt", type=click.Choice(scale.FORMATS), default="stx", show_default=True)
@click.option("--unit", type=click.Choice(["kg", "t"]), default="kg", show_default=True)
@click.option("--stable-frames", type=click.IntRange(2, 100), default=5, show_default=True)
@click.option("--max-seconds", type=float, default=None, help="Stop after this long (default: until Ctrl+C).")
@with_appcontext
def listen_command(
    port: str, code: str, baud: int, fmt: str, unit: str, stable_frames: int, max_seconds: float | None
) -> None:
    """Read a truck scale's continuous output (docs/weighbridge-serial.md) and record each
    stable weight as the facility's live weight on the ticket form."""
    session = db_session()
    facility = session.exec(select(Facility).where(Facility.code == code)).first()
    if facility is None:
        raise click.UsageError(f"no facility with code {code!r}")

    def on_stable(grams: int, frames: int) -> None:
        listen.record(session, facility_id=facility.id, grams=grams, frames=frames, port=port)  # type: ignore[arg-type]
        click.echo(f"stable {grams / 1000:.1f} kg")

    try:
        counts = listen.listen(
            port,
            baud=baud,
            fmt=fmt,
            unit=unit,
            stable_frames=stable_frames,
            on_stable=on_stable,
            max_seconds=max_seconds,
        ).counts
    except OSError as exc:  # serial.SerialException is an OSError
        raise click.UsageError(f"--port {port}: {exc}") from exc
    names = ("frames", "stable", *scale.ERROR_NAMES)
    click.echo(", ".join(f"{name} {counts.get(name, 0)}" for name in names))
