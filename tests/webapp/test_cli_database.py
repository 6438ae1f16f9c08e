"""Every `reloop` command on a database that is missing, empty or behind says to run `reloop db upgrade`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from alembic.script import ScriptDirectory
from flask import Flask

from tests.webapp.conftest import make_app
from webapp.cli import DATABASE_FREE, NOT_READY_EXIT
from webapp.db import alembic_config, scratch_postgres, upgrade

SOLOMON = Path(__file__).parents[1] / "routing" / "data" / "C101.txt"
ADVICE = "reloop db upgrade"
# Arguments a newcomer would plausibly give, so the check is seen to come first either way.
EXAMPLE_ARGS: dict[tuple[str, ...], list[str]] = {
    ("siting", "solve"): ["--model", "mclp", "--radius-m", "500", "--p", "2", "--json"],
    ("routing", "plan"): ["--date", "2026-03-02", "--depot", "1"],
    ("users", "create"): ["someone", "--role", "admin", "--password", "long-enough-1"],
    ("metrics", "report"): ["--from", "2026-01-01", "--to", "2026-01-31", "--format", "json", "--out", "x"],
    ("seed", "demo"): ["--outlets", "5", "--days", "0"],
    ("trace", "tree-head"): [],
}


def _server() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else None


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    """A database without a single table: a new SQLite file name, or a new PostgreSQL database."""
    server = _server()
    if server is None:
        yield f"sqlite:///{tmp_path / 'fresh' / 'reloop.db'}"
        return
    with scratch_postgres(server, prefix="reloop_cli_empty", migrate=False) as url:
        yield url


def _app(url: str, tmp_path: Path, cache_dir: Path, **settings: str) -> Flask:
    return make_app(url, tmp_path / "instance", cache_dir, **settings)


@pytest.fixture
def empty_app(empty_url: str, tmp_path: Path, cache_dir: Path) -> Iterator[Flask]:
    app = _app(empty_url, tmp_path, cache_dir)
    yield app
    app.extensions["reloop.engine"].dispose()


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name)


def _database_commands(app: Flask) -> list[tuple[str, ...]]:
    return sorted(path for path in _commands(app.cli) if path not in DATABASE_FREE)


def _assert_refused(result: click.testing.Result) -> None:
    assert result.exit_code == NOT_READY_EXIT, result.output
    assert ADVICE in result.output and "数据库尚未初始化/未升级" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_every_database_command_on_an_empty_database_says_run_db_upgrade(empty_app: Flask) -> None:
    """Each registered command that needs the database, with or without its arguments, is refused."""
    runner = empty_app.test_cli_runner()
    paths = _database_commands(empty_app)
    assert ("siting", "solve") in paths and ("backup",) in paths and len(paths) >= 10
    for path in paths:
        for args in ([], EXAMPLE_ARGS.get(path, [])):
            _assert_refused(runner.invoke(args=[*path, *args]))


def test_siting_solve_on_an_empty_file_says_run_db_upgrade(tmp_path: Path, cache_dir: Path) -> None:
    """The issue's case: `siting solve --json` on a zero-byte SQLite file answers the advice, not SQL."""
    if _server():
        pytest.skip("a zero-byte file is a SQLite case; the PostgreSQL run covers an empty database")
    path = tmp_path / "empty.db"
    path.touch()
    app = _app(f"sqlite:///{path}", tmp_path, cache_dir)
    _assert_refused(
        app.test_cli_runner().invoke(args=["siting", "solve", *EXAMPLE_ARGS[("siting", "solve")]])
    )
    app.extensions["reloop.engine"].dispose()


def test_a_missing_sqlite_file_is_not_created_by_the_check(empty_app: Flask, empty_url: str) -> None:
    """Refusing a command leaves no empty database file behind."""
    if _server():
        pytest.skip("no file on PostgreSQL")
    _assert_refused(empty_app.test_cli_runner().invoke(args=["seed", "reference"]))
    assert not Path(empty_url.split("///", 1)[1]).exists()


def test_a_database_behind_the_migrations_is_refused_until_upgraded(empty_app: Flask, empty_url: str) -> None:
    """One migration short of head: refused naming both revisions; after `db upgrade` the command runs."""
    scripts = ScriptDirectory.from_config(alembic_config(empty_url))
    head = scripts.get_current_head()
    previous = scripts.get_revision(head).down_revision
    upgrade(empty_url, str(previous))
    runner = empty_app.test_cli_runner()
    refused = runner.invoke(args=["seed", "reference"])
    _assert_refused(refused)
    assert str(previous) in refused.output and str(head) in refused.output
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert runner.invoke(args=["seed", "reference"]).exit_code == 0


def test_help_works_on_every_command_without_a_database(empty_app: Flask) -> None:
    """`--help` of every command prints its usage on an empty database."""
    runner = empty_app.test_cli_runner()
    for path in _commands(empty_app.cli):
        result = runner.invoke(args=[*path, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, (path, result.output)


def test_database_free_commands_run_on_an_empty_database(empty_app: Flask, tmp_path: Path) -> None:
    """solve-instance, check-code and public-key answer without tables; db upgrade then builds them."""
    runner = empty_app.test_cli_runner()
    solved = runner.invoke(args=["routing", "solve-instance", str(SOLOMON), "--time-limit-s", "1", "--json"])
    assert solved.exit_code == 0, solved.output
    code = runner.invoke(args=["trace", "check-code", "0123"])
    assert code.exit_code == 1 and ADVICE not in code.output and "24 characters" in code.output
    key = runner.invoke(args=["trace", "public-key", "--out", str(tmp_path / "key.pem")])
    assert key.exit_code == 0 and (tmp_path / "key.pem").read_bytes().startswith(b"-----BEGIN PUBLIC KEY")
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert runner.invoke(args=["seed", "reference"]).exit_code == 0


def test_the_advice_is_in_english_when_the_default_locale_is(
    empty_url: str, tmp_path: Path, cache_dir: Path
) -> None:
    """RELOOP_DEFAULT_LOCALE=en gives the English sentence alone."""
    from webapp.config import Settings

    settings = Settings(
        instance_path=tmp_path / "instance",
        database_url=empty_url,
        secret_key="test-secret",
        cache_dir=cache_dir,
        default_locale="en",
    ).validated()
    app = _app(empty_url, tmp_path, cache_dir, SETTINGS=settings)  # type: ignore[arg-type]
    result = app.test_cli_runner().invoke(args=["users", "create", "x", "--role", "admin"])
    assert result.exit_code == NOT_READY_EXIT
    assert "run `reloop db upgrade` first" in result.output and "数据库" not in result.output
    app.extensions["reloop.engine"].dispose()


def test_the_reloop_script_refuses_with_the_advice(empty_url: str, tmp_path: Path) -> None:
    """The installed `reloop` command, as a newcomer runs it, exits 2 with the advice and no traceback."""
    reloop = Path(sys.executable).parent / "reloop"
    env = {**os.environ, "DATABASE_URL": empty_url, "RELOOP_INSTANCE_PATH": str(tmp_path / "instance")}
    done = subprocess.run(
        [str(reloop), "siting", "solve", "--model", "mclp", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == NOT_READY_EXIT and ADVICE in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
