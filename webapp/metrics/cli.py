"""``reloop metrics``: the application report and the emission factors in force."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from webapp.db import db_session
from webapp.metrics import (
    MetricsInputError,
    Scope,
    compute,
    parse_day,
    report_csv,
    report_pdf,
    report_xlsx,
)

FORMATS = ("json", "csv", "xlsx", "pdf")
_OPTION = {"from": "--from", "to": "--to", "org": "--org", "district": "--district"}


@click.group("metrics")
def metrics_group() -> None:
    """Demonstration-enterprise indicators and reports."""


@metrics_group.command("report")
@click.option("--from", "start", required=True, metavar="YYYY-MM-DD", help="First day (Shenzhen).")
@click.option("--to", "end", required=True, metavar="YYYY-MM-DD", help="Last day, included.")
@click.option("--org", "org_id", type=int, default=None, help="Organisation id (default: all).")
@click.option("--district", default=None, help="District code, e.g. futian or nanshan.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="File to write (csv: a zip of one CSV per table).",
)
@with_appcontext
def report(start: str, end: str, org_id: int | None, district: str | None, fmt: str, out: Path) -> None:
    """Compute every indicator of the period and write the report."""
    from webapp.trace import keys
    from webapp.trace.settings import trace_settings

    try:
        scope = Scope(parse_day(start, "from"), parse_day(end, "to"), org_id, district or None)
        settings = current_app.config["RELOOP_SETTINGS"]
        found = compute(
            db_session(),
            scope,
            cache_dir=settings.cache_dir,
            public_key=keys.public_key(),
            trace=trace_settings(),
        )
    except MetricsInputError as exc:
        raise click.BadParameter(exc.message, param_hint=_OPTION.get(exc.field, exc.field)) from exc
    if fmt == "json":
        out.write_text(json.dumps(found.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        {"csv": report_csv, "xlsx": report_xlsx, "pdf": report_pdf}[fmt].write(found, out)
    click.echo(f"{fmt} report for {scope.start}..{scope.end} written to {out}")
