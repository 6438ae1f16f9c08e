"""``reloop residents``: retention purge and slot generation from the command line."""

from __future__ import annotations

import os
from datetime import date, time

import click
from flask.cli import with_appcontext
from sqlmodel import Session, select

from webapp.db import engine
from webapp.models.residents import ServiceArea
from webapp.residents import accounts, bookings

DEFAULT_RETENTION_DAYS = 3 * 365


def retention_days() -> int:
    """Days an inactive resident's personal data is kept (``RELOOP_RESIDENT_RETENTION_DAYS``)."""
    text = os.environ.get("RELOOP_RESIDENT_RETENTION_DAYS", str(DEFAULT_RETENTION_DAYS))
    try:
        days = int(text)
    except ValueError:
        raise click.BadParameter(
            f"RELOOP_RESIDENT_RETENTION_DAYS must be a whole number of days, not {text!r}"
        ) from None
    if days < 30:
        raise click.BadParameter("RELOOP_RESIDENT_RETENTION_DAYS must be at least 30 days")
    return days


@click.group("residents")
def residents() -> None:
    """Residents of the doorstep pickup channel."""


@residents.command("purge")
@click.option(
    "--days",
    type=int,
    default=None,
    help="Retention in days (default: RELOOP_RESIDENT_RETENTION_DAYS or 1095).",
)
@with_appcontext
def purge(days: int | None) -> None:
    """Anonymise residents inactive for longer than the retention period."""
    with Session(engine()) as session:
        count = accounts.purge_expired(session, retention_days=days or retention_days())
    click.echo(f"{count} inactive resident accounts anonymised")


@residents.command("slots")
@click.option("--day", "day_text", required=True, help="Shenzhen date, e.g. 2026-12-05.")
@click.option("--hours", type=int, default=2, show_default=True)
@click.option("--capacity", type=int, default=10, show_default=True)
@click.option("--first", default="08:00", show_default=True)
@click.option("--until", "last_end", default="20:00", show_default=True)
@with_appcontext
def slots(day_text: str, hours: int, capacity: int, first: str, last_end: str) -> None:
    """Add pickup windows to every active service area for one day."""
    try:
        day = date.fromisoformat(day_text)
        start, end = time.fromisoformat(first), time.fromisoformat(last_end)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    with Session(engine(), expire_on_commit=False) as session:
        accounts.ensure_service_areas(session)
        total = 0
        for area in session.exec(select(ServiceArea).where(ServiceArea.active == True)).all():  # noqa: E712
            try:
                total += len(
                    bookings.generate_slots(
                        session, area, day, first=start, last_end=end, hours=hours, capacity=capacity
                    )
                )
            except bookings.BookingError as exc:
                raise click.BadParameter(f"{exc.field}: {exc.message}") from None
    click.echo(f"{total} slots added on {day.isoformat()}")


@residents.command("compounds")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def compounds_command(path: str) -> None:
    """Load residential compounds from a CSV file (name,district,lon,lat,households).

    All or nothing: a bad line refuses the file, naming every bad line and field."""
    from flask import current_app
    from flask_babel import force_locale

    from webapp.models import Organisation
    from webapp.residents import compounds
    from webapp.residents.office import address_checks

    with open(path, encoding="utf-8-sig") as handle:
        text = handle.read()
    with Session(engine()) as session:
        org = session.exec(select(Organisation).order_by(Organisation.id)).first()
        try:
            with force_locale(current_app.config["RELOOP_SETTINGS"].default_locale):
                made = compounds.import_compounds(
                    session, text, org_id=org.id if org else None, **address_checks()
                )
        except compounds.CompoundImportError as refused:
            for problem in refused.problems:
                click.echo(f"{path}: line {problem.line}, {problem.field}: {problem.message}", err=True)
            raise SystemExit(1) from None
    click.echo(f"{len(made)} residential compounds added")
