"""`reloop routing`: solve benchmark instances and plan real days from the command line."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

import routing
from routing.instances import Convention, solve_instance
from webapp.db import db_session
from webapp.dispatch.costs import CostSettings
from webapp.dispatch.operations import save_plan
from webapp.dispatch.problem import PlanningError, build_day


@click.group("routing")
def routing_group() -> None:
    """Collection routing."""


@routing_group.command("solve-instance")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--time-limit-s", type=click.FloatRange(min=0.1), required=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--objective",
    type=click.Choice(["distance", "vehicles-then-distance"]),
    default="distance",
    show_default=True,
)
@click.option(
    "--convention",
    type=click.Choice([c.value for c in Convention]),
    default=None,
    help="Units to solve in. Default: exact (Solomon; plans keep every time window in double "
    "precision) or euc_2d (VRPLIB). dimacs (distances and times truncated to 0.1) only to "
    "compare with published best-known distances: its plans may serve a customer a few "
    "hundredths late.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (the only output format).")
def solve_instance_command(
    file: Path, time_limit_s: float, seed: int, objective: str, convention: str | None, as_json: bool
) -> None:
    """Solve a Solomon or VRPLIB file; prints vehicles, distance, routes, solve_seconds, convention
    and the time-window, capacity or coverage violations found in double precision (none by default)."""
    try:
        result = solve_instance(
            file, time_limit_s=time_limit_s, seed=seed, objective=objective, convention=convention
        )
    except routing.InstanceFormatError as exc:
        raise click.BadParameter(str(exc), param_hint="FILE") from exc
    click.echo(json.dumps(result, ensure_ascii=False))


@routing_group.command("plan")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
@click.option("--depot", "depot_id", type=int, required=True, help="Facility id of the depot.")
@click.option("--time-limit-s", type=click.IntRange(1, 3600), default=30, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@with_appcontext
def plan_command(day: date, depot_id: int, time_limit_s: int, seed: int) -> None:
    """Plan a real day from the database and store it as a proposed plan."""
    session = db_session()
    try:
        settings = current_app.config["RELOOP_SETTINGS"]
        built = build_day(
            session,
            day.date(),
            depot_id,
            cache_dir=settings.cache_dir,
            speeds_kmh=settings.road_speeds_kmh,
            pay=CostSettings().pay,  # the plan page's default cost settings
        )
    except PlanningError as exc:
        raise click.ClickException(str(exc)) from exc
    plan = routing.solve(built.problem, time_limit_s=time_limit_s, seed=seed)
    row = save_plan(
        session,
        built,
        plan,
        day=day.date(),
        depot_id=depot_id,
        job=None,
        time_limit_s=time_limit_s,
        seed=seed,
    )
    session.commit()
    click.echo(f"plan {row.id} (proposed)\n{plan.summary()}")


@routing_group.command("plan-week")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
@click.option("--depot", "depot_id", type=int, required=True, help="Facility id of the depot.")
@click.option("--days", type=click.IntRange(1, 14), default=5, show_default=True)
@click.option(
    "--confidence",
    type=click.FloatRange(0.5, 0.99),
    default=0.9,
    show_default=True,
    help="Quantile of the predicted fill the plan must keep under the overflow level.",
)
@click.option(
    "--time-limit-s",
    type=click.IntRange(1, 3600),
    default=30,
    show_default=True,
    help="As on the week form: the search runs at most three times this, every day's solve included.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (the only output format).")
@with_appcontext
def plan_week_command(
    day: date, depot_id: int, days: int, confidence: float, time_limit_s: int, seed: int, as_json: bool
) -> None:
    """Plan the next days from the fill forecast; prints the plan, stores nothing.

    JSON: ``days`` (``date``, ``routes`` as lists of outlet codes, ``km``, ``cost`` in
    fen with labour, ``predicted_fill`` outlet code -> % at the visit),
    ``cost_per_tonne`` (fen per predicted tonne, null when nothing is collected) and
    ``predicted_overflows`` (a list of ``{"date", "outlet"}``: the first day an outlet
    is predicted over 100 % before a visit; empty when none).
    """
    from flask_babel import force_locale

    from webapp.dispatch.week import build_week
    from webapp.dispatch.weekplans import week_budget

    settings = current_app.config["RELOOP_SETTINGS"]
    # The messages of a terminal command, outside any request: English.
    try:
        with force_locale("en"):
            built = build_week(
                db_session(),
                day.date(),
                depot_id,
                days=days,
                confidence=confidence,
                cache_dir=settings.cache_dir,
                speeds_kmh=settings.road_speeds_kmh,
            )
    except PlanningError as exc:
        raise click.ClickException(str(exc)) from exc
    plan = routing.plan_morning(built.week, budget_s=week_budget(time_limit_s), seed=seed)
    click.echo(json.dumps(_week_json(built.codes, day.date(), plan), ensure_ascii=False))


def _week_json(codes: dict[str, str], first: date, plan: routing.WeekPlan) -> dict[str, object]:
    def on(d: int) -> str:
        return (first + timedelta(days=d)).isoformat()

    per_tonne = plan.cost_per_tonne_fen
    return {
        "days": [
            {
                "date": on(d.day),
                "routes": [[codes[s] for s in r.stop_ids] for r in d.plan.routes],
                "km": round(d.plan.km, 3),
                "cost": d.cost_fen,
                "predicted_fill": {codes[k]: v for k, v in sorted(d.fill_at_visit.items())},
            }
            for d in plan.days
        ],
        "cost_per_tonne": round(per_tonne) if per_tonne is not None else None,
        "predicted_overflows": [{"date": on(d), "outlet": codes[k]} for d, k in plan.predicted_overflows],
    }
