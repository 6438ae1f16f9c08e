"""Health check, schema migrations and static assets served by the app."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from webapp.db import engine


def test_healthz_answers_with_database_status(client) -> None:
    """/healthz is public and checks the database."""
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}


def test_migrations_build_exactly_the_models_schema(app) -> None:
    """Alembic's head schema matches the SQLModel tables on this backend."""
    with app.app_context(), engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app) -> None:
    """The embedded database uses WAL and enforces foreign keys."""
    with app.app_context(), engine().connect() as conn:
        if conn.dialect.name != "sqlite":
            return
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_front_end_libraries_are_served_by_the_app(client) -> None:
    """htmx 2.x and Leaflet come from the app itself, not a CDN."""
    htmx = client.get("/static/vendor/htmx-2.0.4/htmx.min.js")
    leaflet = client.get("/static/vendor/leaflet-1.9.4/leaflet.js")
    assert htmx.status_code == 200 and b'version:"2.0.4"' in htmx.data
    assert leaflet.status_code == 200


def test_pages_reference_no_external_hosts(client, auth) -> None:
    """No script or stylesheet is loaded from another host."""
    auth.login()
    page = client.get("/outlets/").get_data(as_text=True)
    assert 'src="http' not in page and 'href="http' not in page.replace('href="https://www.openstreetmap.org/copyright"', "")
