"""The battery-log JSON API: bulk posts, refusals, tree heads and proofs."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlmodel import Session, select

from tests.webapp.trace.conftest import PACK_A, TEST, item, to_enterprise
from traceability import SignedTreeHead, verify_consistency, verify_inclusion, verify_tree_head
from webapp.api import tokens
from webapp.models import TokenKind, TraceEventRow


@pytest.fixture
def partner(db: Session) -> dict[str, str]:
    """Headers of a partner system's token."""
    _row, plain = tokens.issue(db, name="partner", kind=TokenKind.PARTNER)
    return {"Authorization": f"Bearer {plain}"}


@pytest.fixture
def auditor(db: Session) -> dict[str, str]:
    """Headers of an auditor tool's read-only token."""
    _row, plain = tokens.issue(db, name="auditor", kind=TokenKind.AUDITOR)
    return {"Authorization": f"Bearer {plain}"}


def test_a_batch_is_recorded_and_repeating_it_changes_nothing(client: FlaskClient, partner: dict) -> None:
    """The first post creates entries 0-2 (201); the same post again answers 200 duplicates."""
    first = client.post("/api/v1/battery-events", json={"events": to_enterprise()}, headers=partner)
    assert first.status_code == 201
    assert [e["seq"] for e in first.json["events"]] == [0, 1, 2]
    again = client.post("/api/v1/battery-events", json={"events": to_enterprise()}, headers=partner)
    assert again.status_code == 200
    assert {e["status"] for e in again.json["events"]} == {"duplicate"}


def test_malformed_events_are_refused_naming_index_and_field(client: FlaskClient, partner: dict) -> None:
    """A bad code and a missing payload field come back as 422 with their index and field."""
    events = to_enterprise()
    events[1]["battery_code"] = "S01PX0A1234567S5A000012"
    events[2]["payload"] = {"mass_g": "heavy"}
    response = client.post("/api/v1/battery-events", json={"events": events}, headers=partner)
    assert response.status_code == 422
    fields = {(e["index"], e["field"]) for e in response.json["errors"]}
    assert (1, "battery_code") in fields and (2, "payload.mass_g") in fields


def test_a_lifecycle_conflict_is_a_409_with_its_reason(client: FlaskClient, partner: dict) -> None:
    """Testing a battery nobody received is refused with the state machine's code."""
    test = item("capacity_tested", n=0, payload=TEST)
    response = client.post("/api/v1/battery-events", json=test, headers=partner)
    assert response.status_code == 409
    error = response.json["errors"][0]
    assert (error["index"], error["code"]) == (0, "not_received") and error["message"]


def test_posting_needs_a_partner_token(client: FlaskClient, auditor: dict) -> None:
    """No token, or a read-only auditor token, cannot post events."""
    assert client.post("/api/v1/battery-events", json={}).status_code == 401
    assert client.post("/api/v1/battery-events", json={}, headers=auditor).status_code == 401


def test_a_batterys_events_are_served_in_log_order(client: FlaskClient, partner: dict, auditor: dict) -> None:
    """An auditor reads the battery's entries and its replayed state."""
    client.post("/api/v1/battery-events", json={"events": to_enterprise()}, headers=partner)
    response = client.get(f"/api/v1/trace/batteries/{PACK_A}/events", headers=auditor)
    assert response.status_code == 200
    assert [e["event"]["kind"] for e in response.json["events"]] == [
        "received_at_outlet",
        "handed_over",
        "received_by_enterprise",
    ]
    assert response.json["battery"]["status"] == "at_enterprise"


def test_inclusion_proof_verifies_against_the_signed_head(
    client: FlaskClient, partner: dict, auditor: dict
) -> None:
    """The served audit path leads from the leaf to the root of a signed tree head."""
    client.post("/api/v1/battery-events", json={"events": to_enterprise()}, headers=partner)
    head = client.post("/api/v1/trace/tree-head", headers=partner).json
    assert verify_tree_head(head)
    proof = client.get(
        f"/api/v1/trace/proofs/inclusion?event_id={to_enterprise()[1]['event_id']}"
        f"&tree_size={head['tree_size']}",
        headers=auditor,
    ).json
    assert verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        proof["leaf_index"],
        proof["tree_size"],
        [bytes.fromhex(h) for h in proof["audit_path"]],
        bytes.fromhex(head["root_hash"]),
    )


def test_consistency_proof_links_two_signed_heads(client: FlaskClient, partner: dict, auditor: dict) -> None:
    """A head of 3 entries is proven a prefix of a later head of 6."""
    client.post("/api/v1/battery-events", json={"events": to_enterprise()}, headers=partner)
    issue = "/api/v1/trace/tree-head"
    old = SignedTreeHead.from_json_dict(client.post(issue, headers=partner).json)
    more = to_enterprise("S01PE0A1234567S5A0000999")
    client.post("/api/v1/battery-events", json={"events": more}, headers=partner)
    new = SignedTreeHead.from_json_dict(client.get(issue, headers=auditor).json)
    assert new.tree_size == 3  # GET serves the latest issued head, not the live size
    new = SignedTreeHead.from_json_dict(client.post(issue, headers=partner).json)
    proof = client.get(
        f"/api/v1/trace/proofs/consistency?first={old.tree_size}&second={new.tree_size}", headers=auditor
    ).json
    assert verify_consistency(
        old.tree_size, new.tree_size, old.root_hash, new.root_hash, [bytes.fromhex(h) for h in proof["proof"]]
    )


def test_proof_requests_name_the_bad_parameter(client: FlaskClient, partner: dict, auditor: dict) -> None:
    """Unknown events are 404 on event_id; impossible sizes are 422 on their field."""
    client.post("/api/v1/battery-events", json={"events": to_enterprise()}, headers=partner)
    missing = client.get("/api/v1/trace/proofs/inclusion?event_id=nope", headers=auditor)
    assert (missing.status_code, missing.json["field"]) == (404, "event_id")
    too_big = client.get("/api/v1/trace/proofs/consistency?first=1&second=99", headers=auditor)
    assert (too_big.status_code, too_big.json["field"]) == (422, "second")
    size = client.get(
        f"/api/v1/trace/proofs/inclusion?event_id={to_enterprise()[2]['event_id']}&tree_size=1",
        headers=auditor,
    )
    assert (size.status_code, size.json["field"]) == (422, "tree_size")


def test_a_batch_resent_by_two_threads_at_once_is_stored_once(app: Flask, db: Session, partner: dict) -> None:
    """A partner retrying while its first post is in flight: one 201, one 200, one copy."""
    for number in range(4):
        events = to_enterprise(f"S01PE0A1234567S5A{number:07d}")
        gate = threading.Barrier(2)
        answers: list[tuple[int, list]] = []

        def post(events: list = events, gate: threading.Barrier = gate, answers: list = answers) -> None:
            client = app.test_client()
            gate.wait()
            response = client.post("/api/v1/battery-events", json={"events": events}, headers=partner)
            answers.append((response.status_code, response.get_json()["events"]))

        threads = [threading.Thread(target=post) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(status for status, _body in answers) == [200, 201]
        first, second = ([(e["seq"], e["leaf_hash"]) for e in body] for _status, body in answers)
        assert first == second  # the resend is answered with the stored entries
    stored = db.exec(select(TraceEventRow.event_id)).all()
    assert len(stored) == len(set(stored)) == 4 * 3


@pytest.mark.parametrize(
    "field,value",
    [
        ("actor", "绿环\x00回收"),
        ("location", "NS\ud800"),
        ("payload", {"mass_g": 1, "condition": "ok\x00"}),
        ("occurred_at", "0001-01-01T00:00:00+01:00"),
        ("occurred_at", "9999-12-31T20:00:00Z"),
        ("occurred_at", "2026-11-02x09:30:00+08:00"),
    ],
)
def test_text_no_database_holds_and_impossible_times_are_refused_by_field(
    client: FlaskClient, db: Session, partner: dict, field: str, value: object
) -> None:
    """NUL, lone surrogates and times that overflow were 500s (PostgreSQL or both); now 422s."""
    event = to_enterprise()[0] | {field: value}
    response = client.post("/api/v1/battery-events", json=event, headers=partner)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"].split(".")[0] == field
    assert db.exec(select(func.count()).select_from(TraceEventRow)).one() == 0


def test_a_batch_refuses_fields_beside_its_events(client: FlaskClient, partner: dict) -> None:
    """{"events": [...], "extra": 1} is refused like an unknown field in an event."""
    response = client.post(
        "/api/v1/battery-events", json={"events": to_enterprise(), "dry_run": True}, headers=partner
    )
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "dry_run"


@pytest.mark.parametrize(
    "query,field",
    [
        ("first=\u00b2&second=1", "first"),
        ("first=1&second=" + "9" * 5000, "second"),
        ("first=-1&second=1", "first"),
    ],
)
def test_proof_sizes_that_are_not_plain_whole_numbers_are_422(
    client: FlaskClient, auditor: dict, query: str, field: str
) -> None:
    """ "²" and 5,000 digits pass str.isdigit but not int(): they were 500s."""
    response = client.get(f"/api/v1/trace/proofs/consistency?{query}", headers=auditor)
    assert (response.status_code, response.get_json()["field"]) == (422, field)


def test_lookups_of_what_cannot_be_stored_are_answered_without_the_database(
    client: FlaskClient, partner: dict, auditor: dict
) -> None:
    """A NUL in a code or an event id failed the query on PostgreSQL (500); now a 400 naming it."""
    client.post("/api/v1/battery-events", json={"events": to_enterprise()}, headers=partner)
    code = client.get("/api/v1/trace/batteries/S01PE0A1234567S5A000%00123/events", headers=auditor)
    assert (code.status_code, code.get_json()["field"]) == (400, "code")
    event = client.get("/api/v1/trace/proofs/inclusion?event_id=ev%00", headers=auditor)
    assert (event.status_code, event.get_json()["field"]) == (400, "event_id")
    lower = client.get(f"/api/v1/trace/batteries/{PACK_A.lower()}/events", headers=auditor)
    assert lower.status_code == 200
