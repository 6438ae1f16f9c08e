"""``reloop cascade ...``: tokens for customers' systems posting health readings."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from webapp.db import db_session


@click.group("cascade")
def cascade_group() -> None:
    """Cascade products (梯次利用产品) in service."""


@cascade_group.command("customer-token")
@click.argument("name")
@with_appcontext
def customer_token(name: str) -> None:
    """Issue a token for a customer's system to post health readings to the cascade API."""
    from webapp.api import tokens
    from webapp.models import TokenKind

    name = name.strip()
    if not name or len(name) > 100:
        raise click.BadParameter("give the customer's name (1 to 100 characters)", param_hint="NAME")
    session = db_session()
    _row, plain = tokens.issue(session, name=name, kind=TokenKind.CASCADE_CUSTOMER)
    session.commit()
    click.echo(f"cascade customer token for {name} (shown once): {plain}")
