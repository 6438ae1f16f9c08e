"""Fill readings from sensors (JSON API, token, idempotent) and from staff."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from webapp.api import tokens
from webapp.models import FillReading, Outlet, OutletKind, OutletStatus, TokenKind

URL = "/api/v1/fill-readings"


@pytest.fixture
def outlet(db) -> Outlet:
    row = Outlet(
        code="FT-0500",
        name="传感器测试站",
        kind=OutletKind.SMART_BIN,
        status=OutletStatus.ACTIVE,
        district="futian",
        lon=114.0552,
        lat=22.541,
        fill_threshold_pct=80,
    )
    db.add(row)
    db.commit()
    return row


@pytest.fixture
def sensor(db) -> dict:
    _row, plain = tokens.issue(db, name="gateway", kind=TokenKind.SENSOR)
    return {"Authorization": f"Bearer {plain}"}


def reading(reading_id: str = "r-1", fill: float = 42.5, at: str = "2026-11-23T08:00:00+08:00") -> dict:
    return {"reading_id": reading_id, "outlet_code": "FT-0500", "fill_pct": fill, "measured_at": at}


def stored(db) -> int:
    return db.exec(select(func.count()).select_from(FillReading)).one()


def test_one_reading_is_stored_and_updates_the_outlet(client, db, outlet, sensor) -> None:
    """A single reading is created and becomes the outlet's latest fill."""
    response = client.post(URL, json=reading(fill=85), headers=sensor)
    assert response.status_code == 201
    assert response.get_json()["readings"][0] | {"id": 0} == {
        "reading_id": "r-1",
        "id": 0,
        "outlet_code": "FT-0500",
        "status": "created",
        "due": True,
    }
    db.refresh(outlet)
    assert outlet.last_fill_pct == 85 and outlet.due


def test_a_batch_is_stored_in_one_request(client, db, outlet, sensor) -> None:
    """A batch of readings is stored together; the newest sets the outlet's fill."""
    body = {
        "readings": [
            reading("a", 10, "2026-11-23T08:00:00+08:00"),
            reading("b", 30, "2026-11-23T12:00:00+08:00"),
            reading("c", 20, "2026-11-23T10:00:00+08:00"),
        ]
    }
    assert client.post(URL, json=body, headers=sensor).status_code == 201
    assert stored(db) == 3
    db.refresh(outlet)
    assert outlet.last_fill_pct == 30


def test_resending_a_reading_returns_the_stored_one(client, db, outlet, sensor) -> None:
    """The same reading id with the same body is stored once and reported as duplicate."""
    first = client.post(URL, json=reading(), headers=sensor).get_json()["readings"][0]
    again = client.post(URL, json=reading(), headers=sensor)
    assert again.status_code == 200
    assert again.get_json()["readings"][0]["status"] == "duplicate"
    assert again.get_json()["readings"][0]["id"] == first["id"]
    assert stored(db) == 1


def test_same_id_with_other_values_is_refused(client, db, outlet, sensor) -> None:
    """Reusing a reading id for a different value is a 422, and the first value stays."""
    client.post(URL, json=reading(fill=40), headers=sensor)
    response = client.post(URL, json=reading(fill=90), headers=sensor)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "reading_id"
    assert db.exec(select(FillReading.fill_pct)).one() == 40


@pytest.mark.parametrize(
    "field,value",
    [
        ("fill_pct", 101),
        ("fill_pct", -1),
        ("fill_pct", True),
        ("fill_pct", "50"),
        ("measured_at", "2026-11-23T08:00:00"),
        ("reading_id", ""),
        ("outlet_code", None),
    ],
)
def test_bad_values_are_refused_by_field(client, db, outlet, sensor, field, value) -> None:
    """Out-of-range, boolean, string or zone-less values are named and nothing is stored."""
    response = client.post(URL, json=reading() | {field: value}, headers=sensor)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == field
    assert stored(db) == 0


@pytest.mark.parametrize(
    "field,value",
    [
        ("reading_id", "r\x00"),
        ("outlet_code", "FT-0500\x00"),
        ("reading_id", "\ud800"),
        ("measured_at", "0001-01-01T00:00:00+01:00"),
        ("measured_at", "2999-01-01T00:00:00Z"),
        ("measured_at", "2026-11-23x08:00:00+08:00"),
    ],
)
def test_values_that_once_failed_or_misled_are_refused_by_field(
    client, db, outlet, sensor, field, value
) -> None:
    """NUL and lone surrogates failed the query (500 on PostgreSQL), year 1 overflowed UTC (500),
    and a reading dated 2999 pinned the outlet's latest fill for ever; all are 422 now."""
    response = client.post(URL, json=reading() | {field: value}, headers=sensor)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == field
    assert stored(db) == 0


def test_one_bad_reading_keeps_the_whole_batch_out(client, db, outlet, sensor) -> None:
    """A batch with an unknown outlet stores nothing and names the index."""
    body = {"readings": [reading("a"), reading("b") | {"outlet_code": "NOPE-1"}]}
    response = client.post(URL, json=body, headers=sensor)
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"index": 1, "field": "outlet_code", "message": "unknown outlet NOPE-1"}
    ]
    assert stored(db) == 0


def test_revoked_or_wrong_tokens_are_refused(client, db, outlet) -> None:
    """Only a live sensor token is accepted."""
    row, plain = tokens.issue(db, name="old", kind=TokenKind.SENSOR)
    row.revoked_at = row.created_at
    db.add(row)
    db.commit()
    assert client.post(URL, json=reading(), headers={"Authorization": f"Bearer {plain}"}).status_code == 401
    assert client.post(URL, json=reading(), headers={"Authorization": "Bearer rl_made_up"}).status_code == 401
    _d, device = tokens.issue(db, name="phone", kind=TokenKind.DEVICE)
    assert client.post(URL, json=reading(), headers={"Authorization": f"Bearer {device}"}).status_code == 401


def test_staff_record_a_reading_by_hand(client, auth, db, outlet) -> None:
    """A dispatcher's manual reading is stored with its source and author."""
    auth.login()
    client.post(
        f"/outlets/{outlet.id}/readings", data={"fill_pct": "91.5", "measured_at": "2026-11-23T09:30"}
    )
    row = db.exec(select(FillReading)).one()
    assert row.fill_pct == 91.5 and row.source == "manual" and row.recorded_by_id is not None
    assert row.measured_at.isoformat() == "2026-11-23T01:30:00+00:00"


def test_admin_issues_a_token_shown_once(client, auth, db) -> None:
    """The tokens page shows a new token once; only its hash is stored."""
    auth.login("admin")
    page = client.post("/admin/tokens", data={"name": "福田网关"}).get_data(as_text=True)
    plain = page.split('id="new-token">')[1].split("<")[0]
    assert plain.startswith("rl_")
    assert plain not in client.get("/admin/tokens").get_data(as_text=True)
    assert db.exec(select(func.count()).select_from(FillReading)).one() == 0
