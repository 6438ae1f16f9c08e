"""A log line altered behind the triggers: every page and API that reads it back names the
entry (409) instead of answering 500 or showing the altered record."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.webapp.conftest import AuthActions
from tests.webapp.trace.conftest import PACK_A, Recorder, item, to_enterprise
from webapp.api import tokens
from webapp.models import Role, TokenKind, append_only
from webapp.trace import keys
from webapp.trace.treeheads import issue_tree_head

# Both: a line that is no entry at all, and one still valid JSON with another location.
ALTERATIONS = {
    "garbage": "'{\"broken'",
    "plausible": "replace(line, 'NS-0001', 'NS-0666')",
}


def _tamper(app: Flask, expression: str, seq: int = 1) -> None:
    """Rewrite one stored line as someone with a SQL prompt would, lifting the triggers."""
    with app.app_context(), app.extensions["reloop.engine"].begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        else:
            append_only.drop(conn)
        conn.exec_driver_sql(f"UPDATE trace_event SET line = {expression} WHERE seq = {seq}")
        if conn.dialect.name != "postgresql":
            append_only.create(conn)


@pytest.fixture
def tampered(app: Flask, db: Session, record: Recorder, request: pytest.FixtureRequest) -> str:
    record(to_enterprise())
    with app.app_context():
        issue_tree_head(db, keys.signing_key())
    _tamper(app, ALTERATIONS[request.param])
    return request.param


@pytest.mark.parametrize("tampered", list(ALTERATIONS), indirect=True)
def test_the_battery_page_shows_the_altered_entry(
    client: FlaskClient, auth: AuthActions, tampered: str
) -> None:
    """The regulator's battery page answers 409 in Chinese, naming entry 1, with the failed badge."""
    auth.login(Role.REGULATOR)
    response = client.get(f"/audit/batteries/{PACK_A}")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "日志第 1 条记录在写入后被篡改" in page and 'data-tampered-seq="1"' in page
    assert 'data-status="failed"' in page and "ev-0123-1" in page
    assert "NS-0666" not in page


@pytest.mark.parametrize("tampered", list(ALTERATIONS), indirect=True)
def test_the_public_passport_shows_the_tamper_not_a_500(client: FlaskClient, tampered: str) -> None:
    """An anonymous visitor's passport page says the record was altered."""
    response = client.get(f"/passport/{PACK_A}")
    assert response.status_code == 409 and "被篡改" in response.get_data(as_text=True)


@pytest.mark.parametrize("tampered", list(ALTERATIONS), indirect=True)
def test_the_verification_page_lists_the_failed_entry(
    client: FlaskClient, auth: AuthActions, tampered: str
) -> None:
    """The verification page recomputes from raw rows and marks entry 1 failed."""
    auth.login(Role.REGULATOR)
    response = client.get(f"/audit/batteries/{PACK_A}/verification")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-status="failed"' in page and "ev-0123-1" in page


@pytest.mark.parametrize("tampered", list(ALTERATIONS), indirect=True)
def test_the_events_api_answers_409_naming_the_seq(client: FlaskClient, db: Session, tampered: str) -> None:
    """An auditor tool reading the battery's events gets JSON naming seq 1."""
    _row, plain = tokens.issue(db, name="auditor", kind=TokenKind.AUDITOR)
    db.commit()
    response = client.get(
        f"/api/v1/trace/batteries/{PACK_A}/events", headers={"Authorization": f"Bearer {plain}"}
    )
    assert response.status_code == 409
    assert response.get_json()["seq"] == 1 and response.get_json()["reason"] == "tampered"


@pytest.mark.parametrize("tampered", ["garbage"], indirect=True)
def test_recording_on_a_battery_with_an_altered_entry_is_stopped_not_a_500(
    client: FlaskClient, db: Session, tampered: str
) -> None:
    """A partner posting the next event of that battery gets 503 'appends are stopped'."""
    _row, plain = tokens.issue(db, name="partner", kind=TokenKind.PARTNER)
    db.commit()
    event = item(
        "capacity_tested",
        PACK_A,
        n=6,
        payload={"soh_permille": 780, "capacity_wh": 42_000, "method": "GB/T 34015-2017", "equipment": "BTS"},
    )
    response = client.post("/api/v1/battery-events", json=event, headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 503 and "integrity" in response.get_json()["error"]
