"""The ``reloop`` command: a Flask CLI group on the app factory."""

from __future__ import annotations

import signal

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from werkzeug.serving import run_simple

from webapp import create_app
from webapp.db import db_session, upgrade
from webapp.models import Role

# A year of operations, so the dashboard's default "last 12 months" is full.
DEMO_DAYS = 365


def main() -> None:
    """Entry point of the ``reloop`` console script."""
    # The command and its demo server may keep a generated session key in the instance
    # folder; gunicorn, building the app itself, must be given RELOOP_SECRET_KEY.
    FlaskGroup(create_app=lambda: create_app(generate_secret=True), help="ReLoop operations platform.")()


def register(app: Flask) -> None:
    """Attach the project's command groups to the app's CLI."""
    from webapp.backup.cli import backup_command, restore_command
    from webapp.dispatch.cli import routing_group
    from webapp.metrics.cli import metrics_group
    from webapp.siting.cli import siting_group
    from webapp.trace.cli import trace_group

    for command in (
        db_group,
        seed_group,
        users_group,
        demo,
        routing_group,
        siting_group,
        trace_group,
        backup_command,
        restore_command,
        metrics_group,
    ):
        app.cli.add_command(command)


@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply the Alembic migrations to DATABASE_URL."""
    upgrade(current_app.config["SQLALCHEMY_DATABASE_URI"], revision)
    click.echo(f"database at {revision}")


@click.group("seed")
def seed_group() -> None:
    """Reference and demo data."""


@seed_group.command("reference")
@with_appcontext
def seed_reference() -> None:
    """Materials and skip reasons: the editable lists drivers and dispatchers pick from."""
    from webapp import seed

    added = seed.seed_materials(db_session())
    reasons = seed.seed_skip_reasons(db_session())
    factors = seed.seed_metrics_defaults(db_session())
    click.echo(f"{added} materials added, {reasons} skip reasons added, {factors} emission factors added")


@seed_group.command("demo")
@click.option("--outlets", default=150, show_default=True, type=click.IntRange(1, 5000))
@click.option(
    "--days",
    default=DEMO_DAYS,
    show_default=True,
    type=click.IntRange(0, 731),
    help="Days of operations up to yesterday: plans, pickups, fill readings, batteries.",
)
@click.option("--seed", "rng_seed", default=2022, show_default=True)
@with_appcontext
def seed_demo(outlets: int, days: int, rng_seed: int) -> None:
    """Demo organisation, users, fleet and outlets on real Shenzhen streets, and a year of operations."""
    from webapp import seed

    settings = current_app.config["RELOOP_SETTINGS"]
    report = seed.seed_demo(
        db_session(),
        outlets=outlets,
        days=days,
        seed=rng_seed,
        cache_dir=settings.cache_dir,
        speeds_kmh=settings.road_speeds_kmh,
        progress=click.echo,
    )
    click.echo(report.text())


@click.group("users")
def users_group() -> None:
    """User accounts."""


@users_group.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", "display_name", default="")
@click.password_option(help="At least 8 characters; prompted for when not given.")
@with_appcontext
def users_create(username: str, role: str, display_name: str, password: str) -> None:
    """Create a user with a role."""
    from webapp.auth.operations import AuthError, create_user

    session = db_session()
    try:
        user = create_user(
            session, username=username, password=password, role=Role(role), display_name=display_name
        )
        session.commit()
    except AuthError as exc:
        raise click.BadParameter(str(exc), param_hint="username/password") from exc
    click.echo(f"user {user.username} ({user.role.value}) created")


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Build the database and stop.")
@with_appcontext
def demo(host: str, port: int, no_serve: bool) -> None:
    """Build the embedded database from the bundled data and serve it."""
    from webapp import seed
    from webapp.tasks import huey

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    upgrade(app.config["SQLALCHEMY_DATABASE_URI"])
    settings = app.config["RELOOP_SETTINGS"]
    report = seed.seed_demo(
        db_session(),
        outlets=150,
        days=DEMO_DAYS,
        seed=2022,
        cache_dir=settings.cache_dir,
        speeds_kmh=settings.road_speeds_kmh,
        progress=click.echo,
    )
    click.echo(report.text())
    if no_serve:
        return
    # One process for the demo: a thread consumer runs the background jobs.
    # Poll at least every second: a person is watching the progress bar.
    consumer = huey.create_consumer(workers=2, worker_type="thread", max_delay=1.0)
    # The consumer traps SIGINT/SIGTERM for itself, which would leave the web server
    # running after Ctrl+C; keep the process's own handlers instead.
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer.start()
    for sig, handler in saved.items():
        signal.signal(sig, handler)
    click.echo(f"ReLoop demo: http://{host}:{port}/  (Ctrl+C to stop)")
    # Flask ignores app.run() inside its own CLI, so serve with werkzeug directly.
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        consumer.stop(graceful=True)
