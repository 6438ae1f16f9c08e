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

from webapp.db import db_session
from webapp.driver.queries import today
from webapp.models import Facility
from webapp.weighbridge import imports, reconcile


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
    last = day.date() if day is not None else today()  # type: ignore[attr-defined]
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
