"""The driver sync API: device tokens, exactly-once records, corrections, other drivers refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from tests.webapp.driver.conftest import device_token
from webapp.models import Collection, CollectionWeight, Vehicle


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _body(stop_id: int, **extra) -> dict:
    body = {
        "id": uuid.uuid4().hex,
        "stop_id": stop_id,
        "outcome": "collected",
        "recorded_at": _now(),
        "weights_kg": {"paper": 12.5, "plastic": "3.4"},
    }
    body.update(extra)
    return body


def _post(client, token: str, body: dict):
    return client.post("/api/v1/driver/completions", json=body, headers={"Authorization": f"Bearer {token}"})


def test_the_day_has_a_route_for_each_of_two_drivers(day) -> None:
    """The fixture plans today with a route for driver1 and one for driver2."""
    assert set(day.routes) == {"driver1", "driver2"} and all(day.stops.values())


def test_a_completion_is_stored_once_and_a_replay_returns_it(client, db, day) -> None:
    """201 the first time, 200 with the same record for the same id and body; one row in the table."""
    token = device_token(client, "driver1")
    body = _body(day.stops["driver1"][0].id)
    first = _post(client, token, body)
    assert first.status_code == 201, first.get_json()
    again = _post(client, token, body)
    assert again.status_code == 200 and again.get_json()["server_id"] == first.get_json()["server_id"]
    rows = db.exec(select(Collection)).all()
    assert len(rows) == 1 and rows[0].total_g == 15_900
    grams = {w.grams for w in db.exec(select(CollectionWeight))}
    assert grams == {12_500, 3_400}


def test_the_same_id_with_a_different_body_is_refused(client, db, day) -> None:
    """Reusing a record id for other weights is 422 and the first record stays as it was."""
    token = device_token(client, "driver1")
    body = _body(day.stops["driver1"][0].id)
    assert _post(client, token, body).status_code == 201
    changed = {**body, "weights_kg": {"paper": 99.9}}
    response = _post(client, token, changed)
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "id"
    assert [c.total_g for c in db.exec(select(Collection))] == [15_900]


def test_requests_without_a_device_token_are_refused(client, day) -> None:
    """No token, a wrong token or a sensor token: 401, and nothing is stored."""
    stop = day.stops["driver1"][0].id
    assert client.post("/api/v1/driver/completions", json=_body(stop)).status_code == 401
    assert _post(client, "rl_not-a-token", _body(stop)).status_code == 401
    assert client.get("/api/v1/driver/routes/today").status_code == 401


def test_a_driver_cannot_post_to_or_read_another_drivers_route(client, db, day) -> None:
    """driver2's token on driver1's stop or route is 403; nothing is stored."""
    token = device_token(client, "driver2")
    response = _post(client, token, _body(day.stops["driver1"][0].id))
    assert response.status_code == 403
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/driver/routes/{day.routes['driver1'].id}", headers=headers).status_code == 403
    assert client.get(f"/api/v1/driver/routes/{day.routes['driver2'].id}", headers=headers).status_code == 200
    assert db.exec(select(Collection)).first() is None


def test_todays_route_lists_stops_in_order_with_navigation_links(client, day) -> None:
    """The route JSON has the driver's stops in order, with Amap, Baidu, Apple and Google links."""
    token = device_token(client, "driver1")
    data = client.get("/api/v1/driver/routes/today", headers={"Authorization": f"Bearer {token}"}).get_json()
    route = data["routes"][0]
    outlets = [s for s in route["stops"] if s["kind"] == "outlet"]
    assert [s["id"] for s in outlets] == [s.id for s in day.stops["driver1"]]
    assert set(outlets[0]["navigation"]) == {"amap", "baidu", "apple", "google"}
    assert route["done"] == 0 and route["total"] == len(outlets)


def test_weights_above_the_trucks_capacity_are_refused_naming_the_field(client, db, day) -> None:
    """On a 1-tonne truck, 1200 kg of paper is a typo: 422 naming weights_kg.paper."""
    vehicle = db.get(Vehicle, day.routes["driver1"].vehicle_id)
    vehicle.capacity_g = 1_000_000
    db.add(vehicle)
    db.commit()
    token = device_token(client, "driver1")
    response = _post(client, token, _body(day.stops["driver1"][0].id, weights_kg={"paper": 1200}))
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["weights_kg.paper"]


@pytest.mark.parametrize(
    "weights,field",
    [
        ({"paper": -1}, "weights_kg.paper"),
        ({"paper": True}, "weights_kg.paper"),
        ({"paper": "twelve"}, "weights_kg.paper"),
        ({"paper": 12.25}, "weights_kg.paper"),
        ({"paper": 5000.1}, "weights_kg.paper"),
        ({"gold": 3}, "weights_kg.gold"),
        ({}, "weights_kg"),
    ],
)
def test_bad_weights_are_refused_naming_the_field(client, day, weights, field) -> None:
    """Negative, boolean, text, two decimals, over 5000 kg, unknown material, nothing: 422 with the field."""
    token = device_token(client, "driver1")
    response = _post(client, token, _body(day.stops["driver1"][0].id, weights_kg=weights))
    assert response.status_code == 422
    assert field in [e["field"] for e in response.get_json()["errors"]]


def test_nan_and_infinity_in_the_json_are_refused(client, day) -> None:
    """JSON NaN / Infinity (which Python's parser accepts) are not weights."""
    token = device_token(client, "driver1")
    stop = day.stops["driver1"][0].id
    for literal in ("NaN", "Infinity", "-Infinity"):
        raw = (
            f'{{"id": "{uuid.uuid4().hex}", "stop_id": {stop}, "outcome": "collected", '
            f'"recorded_at": "{_now()}", "weights_kg": {{"paper": {literal}}}}}'
        )
        response = client.post(
            "/api/v1/driver/completions",
            data=raw,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 422, literal


def test_a_second_record_must_be_a_correction_that_supersedes_the_first(client, db, day) -> None:
    """Without `supersedes` it is 409; with it a new row replaces the old, which stays unchanged."""
    token = device_token(client, "driver1")
    stop = day.stops["driver1"][0].id
    first = _body(stop)
    assert _post(client, token, first).status_code == 201
    assert _post(client, token, _body(stop)).status_code == 409
    assert _post(client, token, _body(stop, supersedes=first["id"])).status_code == 422  # no reason
    fix = _body(stop, weights_kg={"paper": 10.0}, supersedes=first["id"], correction_reason="称重读错")
    response = _post(client, token, fix)
    assert response.status_code == 201 and response.get_json()["supersedes"] == first["id"]
    rows = {c.client_id: c for c in db.exec(select(Collection))}
    assert rows[first["id"]].total_g == 15_900 and rows[fix["id"]].total_g == 10_000
    again = _body(stop, weights_kg={"paper": 11.0}, supersedes=first["id"], correction_reason="x")
    assert _post(client, token, again).status_code == 422  # the first was corrected already


def test_stored_collections_are_never_updated(db, client, day) -> None:
    """Changing a stored collection's weight fails in the database: corrections are new rows."""
    token = device_token(client, "driver1")
    assert _post(client, token, _body(day.stops["driver1"][0].id)).status_code == 201
    row = db.exec(select(Collection)).one()
    row.total_g = 1
    db.add(row)
    with pytest.raises(DBAPIError, match="append-only"):
        db.commit()
    db.rollback()


def test_skip_reasons_that_need_a_photo_refuse_a_skip_without_one(client, db, day) -> None:
    """'closed' needs a photo: 422 without, 201 after uploading one; the photo is stored once."""
    token = device_token(client, "driver1")
    headers = {"Authorization": f"Bearer {token}"}
    stop = day.stops["driver1"][0].id
    skip = {
        "id": uuid.uuid4().hex,
        "stop_id": stop,
        "outcome": "skipped",
        "skip_reason": "closed",
        "recorded_at": _now(),
    }
    response = _post(client, token, skip)
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "photo_sha256"
    jpeg = _jpeg()
    uploaded = client.post("/api/v1/driver/evidence", data=jpeg, content_type="image/jpeg", headers=headers)
    assert uploaded.status_code == 201
    again = client.post("/api/v1/driver/evidence", data=jpeg, content_type="image/jpeg", headers=headers)
    assert again.status_code == 200 and again.get_json()["sha256"] == uploaded.get_json()["sha256"]
    response = _post(client, token, {**skip, "photo_sha256": uploaded.get_json()["sha256"]})
    assert response.status_code == 201 and response.get_json()["outcome"] == "skipped"


def test_evidence_that_is_not_an_image_is_refused(client, day) -> None:
    """A text file posted as a photo is 422."""
    token = device_token(client, "driver1")
    response = client.post(
        "/api/v1/driver/evidence",
        data=b"hello",
        content_type="image/jpeg",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422


def test_recording_a_later_stop_first_is_flagged_out_of_order(client, db, day) -> None:
    """The third stop recorded before the first two carries out_of_order."""
    token = device_token(client, "driver1")
    response = _post(client, token, _body(day.stops["driver1"][2].id))
    assert response.get_json()["out_of_order"] is True
    response = _post(client, token, _body(day.stops["driver1"][0].id))
    assert response.get_json()["out_of_order"] is False


def _jpeg() -> bytes:
    return (Path(__file__).parent / "data" / "scale-ticket.jpg").read_bytes()


def test_ids_beyond_32_bits_are_not_found_instead_of_overflowing(client, day) -> None:
    """A route or stop id above 2**31 - 1 overflowed the query (a 500 on PostgreSQL); now 404/422."""
    token = device_token(client, "driver1")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/driver/routes/{2**31}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/driver/routes/{10**30}", headers=headers).status_code == 404
    assert client.get(f"/driver/stops/{2**31}").status_code == 404
    response = _post(client, token, _body(2**31))
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "stop_id"


def test_a_record_id_that_cannot_exist_is_not_looked_up(client, day) -> None:
    """A NUL in the id failed the query on PostgreSQL (500); now a 400 naming it, a malformed id 404."""
    token = device_token(client, "driver1")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/driver/completions/abc%00defgh", headers=headers).status_code == 400
    assert client.get("/api/v1/driver/completions/short", headers=headers).status_code == 404
