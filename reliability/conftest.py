"""Fixtures of the reliability runs: a database on the run's backend, a seeded
city-sized day, gunicorn serving it on loopback, and the figures table at the end.

The backend follows ``DATABASE_URL`` as in ``tests/``: unset means a SQLite file in
the run's temporary folder; a PostgreSQL URL names a server on which the run makes
a scratch database (``webapp.db.scratch_postgres``) and drops it afterwards.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine
from sqlmodel import Session

from reliability import figures
from reliability.server import Server, serve
from reliability.world import STAFF_LOGIN, LoadWorld, build
from webapp.db import make_engine, scratch_postgres, upgrade


@pytest.fixture(scope="session")
def cache_dir() -> Path:
    """The geodata cache shared with the test suite, so the street graph is built once."""
    path = Path(os.environ.get("RELOOP_CACHE_DIR", Path.home() / ".cache" / "reloop"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def backend() -> str:
    """``sqlite`` or ``postgresql``, as ``DATABASE_URL`` says; figures are reported per backend."""
    server = os.environ.get("DATABASE_URL", "")
    return "postgresql" if server.startswith(("postgres://", "postgresql")) else "sqlite"


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database for this run."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'reloop-reliability.db'}"
        upgrade(url)
        yield url
        return
    with scratch_postgres(os.environ["DATABASE_URL"], prefix="reloop_reliability") as url:
        yield url


@pytest.fixture(scope="session")
def db_engine(database_url: str) -> Iterator[Engine]:
    """An engine on the run's database, for arranging and for counting rows afterwards."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def load_world(db_engine: Engine, cache_dir: Path) -> LoadWorld:
    """5,000 outlets; 50 drivers, each with a phone token and routes on today's accepted plans."""
    with Session(db_engine, expire_on_commit=False) as session:
        return build(session, cache_dir=cache_dir)


@pytest.fixture(scope="session")
def live_server(
    database_url: str,
    load_world: LoadWorld,
    cache_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    """gunicorn with 4 workers (as the Procfile) on a free loopback port, over the load world."""
    instance = tmp_path_factory.mktemp("instance")
    with serve(database_url, instance, workers=4, env={"RELOOP_CACHE_DIR": str(cache_dir)}) as server:
        yield server


@pytest.fixture(scope="session")
def staff_cookie(live_server: Server) -> str:
    """A dispatcher's session cookie, from one real login through the form."""
    browser = requests.Session()
    page = browser.get(f"{live_server.url}/login", timeout=30)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text) or re.search(
        r'name="csrf_token" value="([^"]+)"', page.text
    )
    assert token, "the login form has no CSRF token"
    username, password = STAFF_LOGIN
    answer = browser.post(
        f"{live_server.url}/login",
        timeout=30,
        allow_redirects=False,
        data={"csrf_token": token.group(1), "username": username, "password": password},
    )
    assert answer.status_code == 302, f"login failed with HTTP {answer.status_code}"
    return "; ".join(f"{name}={value}" for name, value in browser.cookies.items())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    entries = figures.reported()
    if entries:
        terminalreporter.write_sep("=", "reliability figures")
        terminalreporter.write_line(figures.table(entries))
