"""Health check, schema migrations and static assets served by the app."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import DBAPIError
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
    assert 'src="http' not in page and 'href="http' not in page.replace(
        'href="https://www.openstreetmap.org/copyright"', ""
    )


@pytest.mark.parametrize("table", ["trace_event", "merkle_node", "tree_head"])
def test_the_battery_log_refuses_update_and_delete_in_the_database(app, table) -> None:
    """Triggers on both backends stop UPDATE and DELETE on the log tables."""
    with app.app_context(), engine().connect() as conn:
        for statement in (f"UPDATE {table} SET {_column(table)} = {_column(table)}", f"DELETE FROM {table}"):
            with pytest.raises(DBAPIError, match="append-only"), conn.begin():
                _insert_one(conn, table)
                conn.exec_driver_sql(statement)


def _column(table: str) -> str:
    return {"trace_event": "kind", "merkle_node": "digest", "tree_head": "log_id"}[table]


def _insert_one(conn, table: str) -> None:
    rows = {
        "trace_event": "INSERT INTO trace_event (seq, event_id, battery_code, kind, actor, actor_role, "
        "location, occurred_at, recorded_at, payload, prev_hash, leaf_hash, line) VALUES (0, 'e0', 'C', "
        "'received_at_outlet', 'a', 'collector', 'l', '2026-01-01', '2026-01-01', '{}', 'p', 'h', 'x')",
        "merkle_node": "INSERT INTO merkle_node (level, idx, digest) VALUES (0, 0, 'd')",
        "tree_head": "INSERT INTO tree_head (log_id, tree_size, timestamp_ms, root_hash, key_id, signature, "
        "body, created_at) VALUES ('l', 0, 0, 'r', 'k', 's', '{}', '2026-01-01')",
    }
    conn.exec_driver_sql(rows[table])


def test_a_method_not_allowed_names_the_allowed_ones(client) -> None:
    """405 carries Allow (RFC 9110), which the JSON error handler used to drop."""
    response = client.delete("/api/v1/fill-readings")
    assert response.status_code == 405 and response.get_json()["status"] == 405
    assert set(response.headers["Allow"].split(", ")) >= {"POST", "OPTIONS"}
