"""Database engine and the per-request session.

SQLite is the embedded default (WAL, foreign keys on); PostgreSQL is selected by
``DATABASE_URL``. Both run the same Alembic migrations.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from webapp.config import ROOT, normalise_database_url

MIGRATIONS = ROOT / "migrations"


def make_engine(url: str) -> Engine:
    """Create the engine; on SQLite switch on WAL and foreign keys for every connection."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # pre-ping: after a server restart the pooled connections are dead; each is tested
    # and replaced on checkout, so the app recovers by itself. connect_timeout: while
    # the server is unreachable a request fails (503) in seconds instead of hanging.
    # jit=off: the indicators' grouped queries are estimated dear enough (a correlated
    # subquery per row that COALESCE never runs) for PostgreSQL to JIT-compile them, which
    # took seconds longer than running them; no query here gains from JIT.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        connect_args={"connect_timeout": 5, "options": "-c jit=off"},
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # A REPLACE that removes a conflicting row then fires the DELETE triggers, so the
    # append-only tables refuse it even on a unique index their own triggers do not name.
    cursor.execute("PRAGMA recursive_triggers=ON")
    cursor.close()


def init_app(app: Flask) -> None:
    """Attach the engine to the app and close each request's session at teardown."""
    app.extensions["reloop.engine"] = make_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions["reloop.engine"]  # type: ignore[no-any-return]


def db_session() -> Session:
    """The session of the current app context, opened on first use."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session  # type: ignore[no-any-return]


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def alembic_config(url: str) -> AlembicConfig:
    """An Alembic config pointing at the project's migrations and the given database."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema of ``url`` to ``revision``."""
    command.upgrade(alembic_config(url), revision)


@contextmanager
def scratch_postgres(server_url: str, *, prefix: str, migrate: bool = True) -> Iterator[str]:
    """A new, migrated PostgreSQL database on ``server_url``'s server, dropped on exit.

    Test runs and benchmarks use it so each starts from an empty schema;
    ``migrate=False`` leaves it without tables (a restore's target).
    """
    base = make_url(normalise_database_url(server_url))
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        if migrate:
            upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def lock_for_write(session: Session, *key: int) -> None:
    """Serialize the writers of ``key`` until the transaction ends.

    PostgreSQL: a transaction-scoped advisory lock on ``key`` (one bigint, or a class and
    an object as two ints). SQLite: the database write lock, taken now (``BEGIN
    IMMEDIATE``) rather than at the first INSERT, so two writers never both read the
    same last row; it serializes every writer, whatever the key.
    """
    if len(key) not in (1, 2):
        raise ValueError("an advisory lock key is one bigint or two ints")
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        statement = _ADVISORY_LOCKS[len(key)]
        connection.execute(statement, dict(zip(("a", "b"), key, strict=False)))
        return
    raw = connection.connection.driver_connection
    # The driver opens its transactions lazily, at the first write; one open already
    # has written, so it holds the write lock.
    if not raw.in_transaction:  # type: ignore[union-attr]
        raw.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]


_ADVISORY_LOCKS = {
    1: text("SELECT pg_advisory_xact_lock(:a)"),
    2: text("SELECT pg_advisory_xact_lock(:a, :b)"),
}
