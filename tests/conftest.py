"""Fixtures shared by every test: the database the run uses and the geodata cache.

The backend follows ``DATABASE_URL``: unset means a SQLite file; a PostgreSQL URL
names a server on which the run creates a fresh database and drops it at the end.

``--clock 2026-12-06T00:30+08:00`` runs the session on a clock started at that instant
(time-machine, ticking): the way to look for tests that pass only at some hours of the
day, as CI runs at any hour. SQLite only: PostgreSQL's own now() keeps the real time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--clock", help="run on a clock started at this ISO instant (with its offset)")


def pytest_configure(config: pytest.Config) -> None:
    clock = config.getoption("--clock")
    if clock:
        from datetime import datetime

        import time_machine

        try:
            moment = datetime.fromisoformat(clock)
        except ValueError:
            raise pytest.UsageError(f"--clock: {clock!r} is not an ISO instant") from None
        if moment.tzinfo is None:
            raise pytest.UsageError("--clock: give the offset, e.g. 2026-12-06T00:30+08:00")
        traveller = time_machine.travel(moment, tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


@pytest.fixture(scope="session")
def cache_dir() -> Path:
    """The geodata cache, kept between runs so the street graph is built once."""
    path = Path(os.environ.get("RELOOP_CACHE_DIR", Path.home() / ".cache" / "reloop"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database for this test run."""
    from webapp.db import scratch_postgres, upgrade

    server = os.environ.get("DATABASE_URL")
    if not server or server.startswith("sqlite"):
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'reloop-test.db'}"
        upgrade(url)
        yield url
        return
    with scratch_postgres(server, prefix="reloop_test") as url:
        yield url
