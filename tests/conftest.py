"""Fixtures shared by every test: the database the run uses and the geodata cache.

The backend follows ``DATABASE_URL``: unset means a SQLite file; a PostgreSQL URL
names a server on which the run creates a fresh database and drops it at the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


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
