"""Anomaly lists and reporting deadlines computed from the database log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.webapp.conftest import AuthActions
from tests.webapp.trace.conftest import (
    CASCADE,
    COLLECTOR,
    OUTLET,
    PACK_A,
    PACK_B,
    PLANT,
    TEST,
    Recorder,
    item,
    to_enterprise,
)
from traceability import DeadlineStatus
from webapp.audit import anomalies, deadlines
from webapp.models import Role
from webapp.trace.reports import record_reports

NOW = datetime(2026, 11, 24, tzinfo=UTC)
RECYCLER, WORKS = "示例再生利用企业", "REC-WORKS-1"
PACK_C = "S01PE0A1234567S5A0000125"


def _recycled(code: str, *, input_g: int, li: int, input_li: int) -> list[dict]:
    handover = {"to_actor": RECYCLER, "to_location": WORKS}
    return [
        item("received_at_outlet", code, n=0, actor=COLLECTOR, role="collector", location=OUTLET),
        item("handed_over", code, n=1, actor=COLLECTOR, role="collector", location=OUTLET, payload=handover),
        item(
            "received_by_enterprise",
            code,
            n=2,
            actor=RECYCLER,
            role="recycler",
            location=WORKS,
            payload={"mass_g": 300_000},
        ),
        item(
            "recycled",
            code,
            n=3,
            actor=RECYCLER,
            role="recycler",
            location=WORKS,
            payload={
                "input_mass_g": input_g,
                "li_g": li,
                "input_li_g": input_li,
                "ni_g": 20_000,
                "co_g": 6_000,
                "mn_g": 5_000,
                "electrode_powder_g": 90_000,
            },
        ),
    ]


def test_a_handover_never_received_is_listed(db: Session, record: Recorder) -> None:
    """A battery in transit for months shows up with its intended recipient."""
    record(to_enterprise()[:2])
    found = anomalies.not_received(db, now=NOW, days=7)
    assert [(a.battery_code, a.values["to_actor"]) for a in found] == [(PACK_A, CASCADE)]


def test_an_event_away_from_the_battery_is_a_second_place(db: Session, record: Recorder) -> None:
    """A capacity test recorded at another site than the one holding the battery."""
    record([*to_enterprise(), item("capacity_tested", n=3, location="SRL-PLANT-2", payload=TEST)])
    found = anomalies.two_places(db)
    assert [(a.battery_code, a.values["log_has"]) for a in found] == [(PACK_A, PLANT)]


def test_a_battery_retired_long_ago_and_never_received_is_listed(db: Session, record: Recorder) -> None:
    """A retirement in September is stale by late November."""
    record([item("retired_from_vehicle", n=0, actor="某拆解厂", role="dismantler", location="D1")])
    found = anomalies.retired_not_received(db, now=NOW, days=30)
    assert [a.battery_code for a in found] == [PACK_A]


def test_recycling_input_must_match_the_mass_received(db: Session, record: Recorder) -> None:
    """Feeding 250 kg of a 300 kg battery breaks the mass balance."""
    record(_recycled(PACK_B, input_g=250_000, li=4_000, input_li=4_200))
    found = anomalies.mass_balance(db)
    assert [(a.battery_code, a.values["rule"]) for a in found] == [(PACK_B, "input_vs_received")]


def test_recovery_under_the_lithium_threshold_is_listed(db: Session, record: Recorder) -> None:
    """80 % lithium recovery is under the 90 % of the 2024 conditions."""
    record(_recycled(PACK_C, input_g=300_000, li=4_000, input_li=5_000))
    found = anomalies.low_recovery(db)
    assert [(a.values["metal"], a.values["rate_permille"]) for a in found] == [("li", 800)]


def test_an_unreported_receipt_becomes_nearly_due_then_overdue(db: Session, record: Recorder) -> None:
    """The cascade-use receipt is nearly due on its due date and overdue the day after."""
    record(to_enterprise())
    due = deadlines.obligations(db, today=NOW.date())[0].deadline.due
    on_due = deadlines.obligations(db, today=due)[0].deadline
    after = deadlines.obligations(db, today=due + timedelta(days=1))[0].deadline
    assert (on_due.kind.value, on_due.status, after.status) == (
        "received_by_enterprise",
        DeadlineStatus.NEARLY_DUE,
        DeadlineStatus.OVERDUE,
    )


def test_a_late_report_moves_the_event_to_reported_late(app: Flask, db: Session, record: Recorder) -> None:
    """Reporting after the due date leaves the obligation overdue but closed."""
    record(to_enterprise())
    event_id = to_enterprise()[2]["event_id"]
    with app.test_request_context():
        record_reports(db, [event_id], reported_at=NOW, reference="NP-1", actor_id=None)
    lists = deadlines.split(deadlines.obligations(db, today=NOW.date()))
    assert [o.deadline.event_id for o in lists["late"]] == [event_id]
    assert lists["overdue"] == []


def test_the_anomaly_page_lists_every_kind(client: FlaskClient, auth: AuthActions, record: Recorder) -> None:
    """A regulator sees the five lists, with the in-transit battery in the first."""
    record(to_enterprise()[:2])
    auth.login(Role.REGULATOR)
    page = client.get("/audit/anomalies").get_data(as_text=True)
    for section in ("not_received", "two_places", "retired_not_received", "mass_balance", "low_recovery"):
        assert f'id="{section}"' in page
    assert PACK_A in page


def test_staff_record_reports_from_the_deadlines_page(
    client: FlaskClient, auth: AuthActions, record: Recorder
) -> None:
    """A dispatcher ticks an overdue event and records its report; it leaves the overdue list."""
    record(to_enterprise())
    auth.login(Role.DISPATCHER)
    event_id = to_enterprise()[2]["event_id"]
    assert event_id in client.get("/audit/deadlines").get_data(as_text=True)
    response = client.post(
        "/trace/reports",
        data={"event_id": event_id, "reported_at": "2026-11-20T10:00", "reference": "NP-2026-1"},
    )
    assert response.status_code == 302
    page = client.get("/audit/deadlines").get_data(as_text=True)
    overdue = page.split('id="overdue"')[1].split('id="nearly_due"')[0]
    assert event_id not in overdue
