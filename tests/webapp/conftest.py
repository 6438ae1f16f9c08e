"""App fixtures in the style of Flask's tutorial: ``app``, ``client``, ``runner``, ``auth``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import Session, SQLModel, select

import webapp.models  # noqa: F401
from webapp import create_app
from webapp.auth.operations import create_user
from webapp.config import Settings
from webapp.db import engine
from webapp.models import Role, User, append_only
from webapp.seed import seed_materials

PASSWORD = "correct-horse-42"


def make_app(database_url: str, instance: Path, cache_dir: Path, **extra: Any) -> Flask:
    """An app on the run's database with tasks run inline."""
    settings = Settings(
        instance_path=instance, database_url=database_url, secret_key="test-secret", cache_dir=cache_dir
    ).validated()
    config = {"SETTINGS": settings, "TESTING": True, "HUEY_IMMEDIATE": True, "WTF_CSRF_ENABLED": False}
    config.update(extra)
    return create_app(config)


def wipe(app: Flask) -> None:
    """Empty every table, children first, so each test starts clean.

    The battery log refuses DELETE by trigger; only this test cleanup lifts that,
    for the length of its own transaction.
    """
    with app.app_context(), engine().begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        else:
            append_only.drop(conn)
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())
        if conn.dialect.name != "postgresql":
            append_only.create(conn)


@pytest.fixture
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[Flask]:
    app = make_app(database_url, tmp_path_factory.getbasetemp() / "instance", cache_dir)
    with app.app_context():
        session = Session(engine())
        seed_materials(session)
        for role in Role:
            create_user(
                session, username=role.value, password=PASSWORD, role=role, display_name=f"{role.value} user"
            )
        session.commit()
        session.close()
    yield app
    wipe(app)
    app.extensions["reloop.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def seeded_user(db: Session, username: str) -> User:
    """One of the users the ``app`` fixture seeds (one per role, named after it)."""
    return db.exec(select(User).where(User.username == username)).one()


class AuthActions:
    """Log a test client in and out as one of the seeded role users."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, role: Role | str = Role.DISPATCHER, password: str = PASSWORD) -> Any:
        return self._client.post("/login", data={"username": str(role), "password": password})

    def logout(self) -> Any:
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session on the app's database, for arranging and checking rows.

    No app context stays pushed: requests made by the test client must get
    their own context (and session), as they do in production.
    """
    session = Session(app.extensions["reloop.engine"], expire_on_commit=False)
    yield session
    session.close()
