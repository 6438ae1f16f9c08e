"""``reloop workshop``: seed the workshop's tables and import tests from the shell."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from webapp.csvio import CsvDecodeError, decode
from webapp.db import db_session
from webapp.workshop import checklist, rules, testimport
from webapp.workshop.settings import workshop_settings


@click.group("workshop")
def workshop() -> None:
    """The cascade-use workshop (梯次利用车间)."""


@workshop.command("seed")
@with_appcontext
def seed() -> None:
    """Add the shipped safety checklist and the example grade rules (version 1) if missing."""
    session = db_session()
    items = checklist.seed_items(session)
    version = rules.seed_rules(session)
    session.commit()
    click.echo(f"checklist items added: {items}; grade rules: {'version 1 added' if version else 'kept'}")


@workshop.command("import-tests")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_tests(path: Path) -> None:
    """Import a tester's CSV export (docs/workshop.md): all rows, or none and every bad line named."""
    try:
        text = decode(path.read_bytes())
    except CsvDecodeError as exc:
        raise click.ClickException(str(exc)) from exc
    result = testimport.import_tests(
        db_session(), text, settings=workshop_settings(), actor_id=None, org_id=None
    )
    if result.errors:
        for error in result.errors:
            click.echo(f"line {error['line']}: {error['field']}: {error['message']}", err=True)
        sys.exit(1)
    click.echo(f"{result.recorded} tests recorded; grades: {dict(sorted(result.grades.items()))}")
