"""``reloop kiosk``: register kiosks, put residents' prices in force, check the ledger."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext
from sqlmodel import select

from webapp.api.tokens import issue
from webapp.db import db_session
from webapp.kiosk import ledger
from webapp.kiosk.operations import register_kiosk
from webapp.models import Outlet, TokenKind


@click.group("kiosk")
def kiosk_group() -> None:
    """Smart kiosks, residents' prices and the points ledger."""


@kiosk_group.command("register")
@click.argument("outlet_code")
@click.argument("serial")
@click.option(
    "--daily-cap-g", type=click.IntRange(min=1), default=None, help="This kiosk's daily cap in grams."
)
@with_appcontext
def register(outlet_code: str, serial: str, daily_cap_g: int | None) -> None:
    """Register the kiosk outlet OUTLET_CODE as kiosk SERIAL and print its token once."""
    session = db_session()
    outlet = session.exec(select(Outlet).where(Outlet.code == outlet_code)).first()
    if outlet is None:
        raise click.BadParameter(f"no outlet {outlet_code}", param_hint="OUTLET_CODE")
    try:
        token, plain = issue(session, name=f"kiosk {serial}", kind=TokenKind.KIOSK, org_id=outlet.org_id)
        register_kiosk(session, outlet=outlet, serial=serial, token_id=token.id, daily_cap_g=daily_cap_g)
        session.commit()
    except ledger.LedgerError as exc:
        session.rollback()
        raise click.BadParameter(exc.message, param_hint=exc.field.upper()) from exc
    click.echo(f"kiosk {serial} at {outlet.code}; its token (shown once): {plain}")


@kiosk_group.command("price")
@click.argument("material")
@click.option("--fen-per-kg", type=int, required=True)
@click.option("--points-per-kg", type=int, required=True)
@click.option(
    "--from", "valid_from", required=True, metavar="YYYY-MM-DD", help="First day it applies (Shenzhen)."
)
@with_appcontext
def price(material: str, fen_per_kg: int, points_per_kg: int, valid_from: str) -> None:
    """Put a resident price for MATERIAL in force from a day; earlier credits keep theirs."""
    session = db_session()
    try:
        day = date.fromisoformat(valid_from)
    except ValueError:
        raise click.BadParameter(f"{valid_from!r} is not a date", param_hint="--from") from None
    try:
        ledger.add_price(
            session, material=material, fen_per_kg=fen_per_kg, points_per_kg=points_per_kg, valid_from=day
        )
        session.commit()
    except ledger.LedgerError as exc:
        session.rollback()
        raise click.BadParameter(exc.message, param_hint=f"--{exc.field.replace('_', '-')}") from exc
    click.echo(f"{material}: {fen_per_kg} fen and {points_per_kg} points per kg from {day}")


@kiosk_group.command("verify")
@with_appcontext
def verify() -> None:
    """Check every resident's ledger rows run 1..n and no balance is below zero."""
    problems = ledger.verify(db_session())
    for problem in problems:
        click.echo(problem)
    if problems:
        raise SystemExit(1)
    click.echo("points ledger: every balance is the sum of its rows, numbered without gaps")
