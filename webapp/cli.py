"""The ``reloop`` command: a Flask CLI group on the app factory.

Every command that reads or writes the database first checks that the database exists
and is at this ReLoop's migration head; otherwise it says to run ``reloop db upgrade``
and exits with status 2 (:data:`NOT_READY_EXIT`), before reading its own arguments.
Commands that work without the database (:data:`DATABASE_FREE`) skip the check.
"""

from __future__ import annotations

import functools
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from werkzeug.serving import run_simple

from webapp import create_app
from webapp.db import alembic_config, db_session, upgrade
from webapp.models import Role

# A year of operations, so the dashboard's default "last 12 months" is full.
DEMO_DAYS = 365


# Commands that never open the database, or that build it themselves (`db upgrade`,
# `demo`, and `restore`, which migrates an empty database to its backup's revision).
DATABASE_FREE = frozenset(
    {
        ("db", "upgrade"),
        ("demo",),
        ("restore",),
        ("routing", "solve-instance"),
        ("trace", "verify"),
        ("trace", "check-code"),
        ("trace", "public-key"),
        ("secondlife", "regroup"),
        ("routes",),
        ("shell",),
    }
)
# The exit status of a command refused because the database is missing or behind:
# 2, as for any other usage error (the command was run out of order).
NOT_READY_EXIT = 2
_NOT_READY = {
    "zh": "数据库尚未初始化/未升级：请先运行 `reloop db upgrade`",
    "en": "The database is not initialised or not upgraded: run `reloop db upgrade` first",
}
_GUARDED = "_reloop_database_guard"


def main() -> None:
    """Entry point of the ``reloop`` console script."""
    # The command and its demo server may keep a generated session key in the instance
    # folder; gunicorn, building the app itself, must be given RELOOP_SECRET_KEY.
    group = FlaskGroup(
        create_app=lambda: create_app(generate_secret=True), help="ReLoop operations platform."
    )
    guard_commands(group)  # `reloop run` too: a server on a database without tables answers 500s
    group()


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
    from webapp import front_line_areas

    for area in front_line_areas():
        for command in area.commands():
            app.cli.add_command(command)
    guard_commands(app.cli)


class DatabaseNotReadyError(click.ClickException):
    """The database is missing, empty or behind the migrations this ReLoop ships."""

    exit_code = NOT_READY_EXIT


def guard_commands(group: click.Group) -> None:
    """Make every command under ``group`` outside :data:`DATABASE_FREE` check the database first.

    The check wraps each command object itself, so it holds however the command is reached
    (the ``reloop`` script, ``app.test_cli_runner()``, or the command invoked on its own).
    """
    for path, command in _walk(group, ()):
        if path not in DATABASE_FREE and not getattr(command, _GUARDED, False):
            _guard(command)


def _walk(group: click.Group, prefix: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _walk(command, (*prefix, name))
        else:
            yield (*prefix, name), command


def _guard(command: click.Command) -> None:
    parse_args, invoke = command.parse_args, command.invoke

    @functools.wraps(parse_args)
    def checked_parse_args(ctx: click.Context, args: list[str]) -> list[str]:
        # Before the arguments: a newcomer learns first that the database is not ready.
        # `--help` and shell completion need no database.
        if not ctx.resilient_parsing and not set(args) & set(command.get_help_option_names(ctx)):
            check_database(ctx.ensure_object(ScriptInfo).load_app())
        return parse_args(ctx, args)

    @functools.wraps(invoke)
    def translated_invoke(ctx: click.Context) -> Any:
        # The same answer if a table or column goes missing after the check.
        try:
            return invoke(ctx)
        except (OperationalError, ProgrammingError) as exc:
            if _missing_schema(exc):
                app = ctx.ensure_object(ScriptInfo).load_app()
                raise DatabaseNotReadyError(_message(app, str(exc.orig))) from None
            raise

    command.parse_args = checked_parse_args  # type: ignore[method-assign]
    command.invoke = translated_invoke  # type: ignore[method-assign]
    setattr(command, _GUARDED, True)


def check_database(app: Flask) -> None:
    """Raise :class:`DatabaseNotReadyError` unless the app's database is at the migration head.

    A SQLite file that does not exist is reported without being created.
    """
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    parsed = make_url(url)
    where = parsed.render_as_string(hide_password=True)
    if _missing_sqlite_file(parsed.get_backend_name(), parsed.database or ""):
        raise DatabaseNotReadyError(_message(app, f"{where}: the file does not exist"))
    try:
        with app.extensions["reloop.engine"].connect() as conn:
            current = _current_revisions(conn)
    except OperationalError as exc:
        raise click.ClickException(f"cannot open the database {where}: {exc.orig}") from None
    heads = _migration_heads()
    if not current:
        raise DatabaseNotReadyError(_message(app, f"{where}: no ReLoop tables (schema never migrated)"))
    if current != heads:
        found, needed = ", ".join(sorted(current)), ", ".join(sorted(heads))
        detail = f"{where}: schema revision {found}, this ReLoop needs {needed}"
        raise DatabaseNotReadyError(_message(app, detail))


@functools.cache
def _migration_heads() -> frozenset[str]:
    """The head revisions of the migrations this ReLoop ships (read once per process)."""
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def _current_revisions(conn: Connection) -> set[str]:
    # Read directly rather than through Alembic's MigrationContext, which logs at INFO.
    if not inspect(conn).has_table("alembic_version"):
        return set()
    return {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}


def _missing_sqlite_file(backend: str, path: str) -> bool:
    # Checked before connecting: connecting would create the empty file.
    in_memory = path in ("", ":memory:") or path.startswith("file:")
    return backend == "sqlite" and not in_memory and not Path(path).exists()


def _message(app: Flask, detail: str) -> str:
    locale = app.config["RELOOP_SETTINGS"].default_locale
    if locale == "en":
        return f"{_NOT_READY['en']}\n{detail}"
    return f"{_NOT_READY['zh']}\n({_NOT_READY['en']})\n{detail}"


def _missing_schema(exc: DBAPIError) -> bool:
    """A table or column the models expect is not in the database."""
    code = getattr(exc.orig, "pgcode", None) or getattr(exc.orig, "sqlstate", None)
    text = str(exc.orig)
    return code in ("42P01", "42703") or text.startswith(("no such table", "no such column"))


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
    from webapp.sorting.grades import seed_grades

    grades = seed_grades(db_session())
    db_session().commit()
    click.echo(
        f"{added} materials added, {reasons} skip reasons added, {factors} emission factors added, "
        f"{grades} material grades added"
    )


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
    from webapp.fleet.operations import ensure_driver_profile

    session = db_session()
    try:
        user = create_user(
            session, username=username, password=password, role=Role(role), display_name=display_name
        )
        driver = ensure_driver_profile(session, user, actor_id=None)  # dispatch lists drivers by profile
        session.commit()
    except AuthError as exc:
        raise click.BadParameter(str(exc), param_hint="username/password") from exc
    click.echo(f"user {user.username} ({user.role.value}) created")
    if driver is not None:
        click.echo(f"driver profile {driver.id} linked; add phone and licence on /fleet/drivers")


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
