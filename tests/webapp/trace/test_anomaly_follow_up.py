"""Acknowledging anomalies: an append-only trail of who, when, note and status."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from tests.webapp.conftest import AuthActions
from tests.webapp.trace.conftest import PACK_A, Recorder, to_enterprise
from webapp.audit import anomalies
from webapp.models import AnomalyFollowUp, FollowUpStatus, Role


@pytest.fixture
def key(db: Session, record: Recorder) -> str:
    """The key of one finding: PACK_A handed over in September 2026 and never received."""
    record(to_enterprise()[:2])
    found = anomalies.not_received(db, now=datetime.now(UTC), days=7)
    assert [a.battery_code for a in found] == [PACK_A]
    return found[0].key


def _ack(client: FlaskClient, key: str, status: str, note: str):  # type: ignore[no-untyped-def]
    return client.post("/audit/anomalies/follow-up", data={"key": key, "status": status, "note": note})


def test_a_regulator_acknowledges_and_the_trail_grows(
    client: FlaskClient, auth: AuthActions, db: Session, key: str
) -> None:
    """Two acknowledgements are two rows; the page shows the latest state and both notes."""
    auth.login(Role.REGULATOR)
    assert _ack(client, key, "confirmed", "已电话核实，接收方未签收").status_code == 302
    assert _ack(client, key, "following_up", "已发函督促接收方补录").status_code == 302
    rows = db.exec(select(AnomalyFollowUp).order_by(AnomalyFollowUp.id)).all()
    assert [(r.status, r.battery_code) for r in rows] == [
        (FollowUpStatus.CONFIRMED, PACK_A),
        (FollowUpStatus.FOLLOWING_UP, PACK_A),
    ]
    page = client.get("/audit/anomalies").get_data(as_text=True)
    assert 'data-status="following_up">跟进中<' in page
    assert "已电话核实，接收方未签收" in page and "已发函督促接收方补录" in page
    assert "regulator user" in page


def test_an_unacknowledged_finding_is_pending(client: FlaskClient, auth: AuthActions, key: str) -> None:
    """A finding nobody has acknowledged shows 待处理."""
    auth.login(Role.REGULATOR)
    page = client.get("/audit/anomalies").get_data(as_text=True)
    assert 'data-status="pending">待处理<' in page


def test_follow_up_rows_are_never_updated_or_deleted(
    client: FlaskClient, auth: AuthActions, db: Session, key: str
) -> None:
    """The database refuses UPDATE and DELETE of an acknowledgement: the trail only grows."""
    auth.login(Role.ADMIN)
    assert _ack(client, key, "closed", "误报，已核销").status_code == 302
    for statement in ("UPDATE anomaly_follow_up SET note = 'x'", "DELETE FROM anomaly_follow_up"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.exec(text(statement))  # type: ignore[call-overload]
        db.rollback()
    assert db.exec(select(AnomalyFollowUp.note)).all() == ["误报，已核销"]


@pytest.mark.parametrize(
    ("role", "allowed"), [("regulator", True), ("admin", True), ("driver", False), ("dispatcher", False)]
)
def test_only_regulators_and_admins_may_acknowledge(
    client: FlaskClient, auth: AuthActions, db: Session, key: str, role: str, allowed: bool
) -> None:
    """Regulators and administrators may add to the trail; drivers and dispatchers get 403."""
    auth.login(role)
    response = _ack(client, key, "confirmed", "核实")
    assert response.status_code == (302 if allowed else 403)
    assert len(db.exec(select(AnomalyFollowUp)).all()) == (1 if allowed else 0)


def test_an_acknowledgement_needs_a_note(
    client: FlaskClient, auth: AuthActions, db: Session, key: str
) -> None:
    """A blank note is a 400 naming the note field; nothing is written."""
    auth.login(Role.REGULATOR)
    response = _ack(client, key, "confirmed", "   ")
    assert response.status_code == 400
    assert 'data-field="note"' in response.get_data(as_text=True) and "请填写说明" in response.get_data(
        as_text=True
    )
    assert db.exec(select(AnomalyFollowUp)).all() == []


def test_an_unknown_status_or_finding_is_refused(
    client: FlaskClient, auth: AuthActions, db: Session, key: str
) -> None:
    """A status outside the four, or a key no current finding has, is a 400 naming the field."""
    auth.login(Role.REGULATOR)
    bad_status = _ack(client, key, "done", "核实")
    bad_key = _ack(client, "not_received:NOPE:x:", "confirmed", "核实")
    assert bad_status.status_code == 400 and 'data-field="status"' in bad_status.get_data(as_text=True)
    assert bad_key.status_code == 400 and 'data-field="key"' in bad_key.get_data(as_text=True)
    assert db.exec(select(AnomalyFollowUp)).all() == []
