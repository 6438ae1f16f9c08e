"""``reloop backup --out FILE`` and ``reloop restore FILE [--force]``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from webapp.backup import DEFAULT_LIMITS, BackupError, backup_database, restore_database


@click.command("backup")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The backup file to write (a zip; replaced whole when it exists).",
)
@with_appcontext
def backup_command(out: Path) -> None:
    """Copy every table of DATABASE_URL to a file that restores on SQLite or PostgreSQL."""
    try:
        manifest = backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], out)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{manifest.total_rows} rows in {len(manifest.tables)} tables "
        f"(schema revision {manifest.revision}, {manifest.backend}) -> {out}"
    )


@click.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the whole content of a database that is not empty.")
@click.option(
    "--max-size-mb",
    type=click.IntRange(1, 1024 * 1024),
    default=DEFAULT_LIMITS.max_total_bytes // 2**20,
    show_default=True,
    help="Refuse a backup whose tables hold more than this uncompressed (and a table file larger).",
)
@with_appcontext
def restore_command(backup_file: Path, force: bool, max_size_mb: int) -> None:
    """Load a backup into DATABASE_URL: checked first, then restored whole or not at all.

    Stop the web and worker processes first. An empty database is migrated to the
    backup's schema revision; run `reloop db upgrade` afterwards if it is older.
    """
    try:
        limits = replace(
            DEFAULT_LIMITS, max_total_bytes=max_size_mb * 2**20, max_entry_bytes=max_size_mb * 2**20
        )
        manifest = restore_database(
            current_app.config["SQLALCHEMY_DATABASE_URI"], backup_file, force=force, limits=limits
        )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{manifest.total_rows} rows in {len(manifest.tables)} tables restored from {backup_file} "
        f"(schema revision {manifest.revision}, made on {manifest.backend}); all counts and hashes match"
    )
