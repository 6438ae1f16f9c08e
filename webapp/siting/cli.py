"""`reloop siting solve`: answer a siting question from the command line as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from webapp.db import db_session
from webapp.siting.operations import MODELS, ScenarioError, ScenarioParams, run_scenario

CLI_KEYS = (
    "model",
    "selected",
    "objective",
    "bound",
    "gap",
    "status",
    "covered_households",
    "total_households",
    "solve_seconds",
)


@click.group("siting")
def siting_group() -> None:
    """Outlet siting on the walking network."""


@siting_group.command("solve")
@click.option("--model", type=click.Choice(MODELS), required=True)
@click.option("--radius-m", type=float, default=500.0, show_default=True)
@click.option("--p", "p", type=int, default=20, show_default=True, help="Outlets to add (mclp, pmedian).")
@click.option(
    "--share", type=float, default=1.0, show_default=True, help="Share of households to cover (lscp)."
)
@click.option(
    "--demand",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV id,lon,lat,households (WGS-84); default: street-frontage proxy.",
)
@click.option(
    "--candidates",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV id,lon,lat of candidate sites, added to the street intersections (see --only-candidates).",
)
@click.option(
    "--only-candidates",
    is_flag=True,
    help="Choose among the --candidates sites alone (the sites you can lease), not street intersections.",
)
@click.option("--fixed-existing", is_flag=True, help="Keep today's active outlets open and add to them.")
@click.option("--time-limit-s", type=float, default=30.0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (the only output format).")
@with_appcontext
def solve_command(
    model: str,
    radius_m: float,
    p: int,
    share: float,
    demand: Path | None,
    candidates: Path | None,
    only_candidates: bool,
    fixed_existing: bool,
    time_limit_s: float,
    as_json: bool,
) -> None:
    """Solve one model and print model, selected, objective, bound, gap, status, households, time."""
    if only_candidates and candidates is None:
        raise click.UsageError("--only-candidates needs --candidates FILE (CSV id,lon,lat of your sites)")
    try:
        params = ScenarioParams(
            model=model,
            radius_m=radius_m,
            p=p,
            share=share,
            fixed_existing=fixed_existing,
            time_limit_s=time_limit_s,
            demand_csv=demand.read_text(encoding="utf-8-sig") if demand else None,
            candidates_csv=candidates.read_text(encoding="utf-8-sig") if candidates else None,
            only_candidates=only_candidates,
        )
        result = run_scenario(db_session(), params, cache_dir=current_app.config["RELOOP_SETTINGS"].cache_dir)
    except ScenarioError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps({key: result[key] for key in CLI_KEYS}, ensure_ascii=False))
