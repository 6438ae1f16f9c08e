"""Fixtures shared by every test: the database the run uses and the geodata cache.

The backend follows ``DATABASE_URL``: unset means a SQLite file; a PostgreSQL URL
names a server on which the run creates a fresh database and drops it at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from webapp.config import normalise_database_url


@pytest.fixture(scope="session")
def cache_dir() -> Path:
    """The geodata cache, kept between runs so the street graph is built once."""
    path = Path(os.environ.get("RELOOP_CACHE_DIR", Path.home() / ".cache" / "reloop"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database for this test run."""
    from webapp.db import upgrade

    server = os.environ.get("DATABASE_URL")
    if not server or server.startswith("sqlite"):
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'reloop-test.db'}"
        upgrade(url)
        yield url
        return
    base = make_url(normalise_database_url(server))
    name = f"reloop_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
            ), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
