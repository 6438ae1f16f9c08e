"""The phone's GPS positions (issue 16): batches stored once, bad points named, doubted ones
flagged; the board's live position and the planned-vs-driven page read them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from tests.webapp.conftest import PASSWORD
from tests.webapp.driver.conftest import device_token
from webapp.models.tracks import GpsPoint
from webapp.tracks.points import MAX_BATCH

START = datetime.now(UTC) - timedelta(minutes=30)


def _point(route_id: int, seconds: int, lon: float = 114.0550, lat: float = 22.5400, **extra) -> dict:
    point = {
        "id": uuid.uuid4().hex,
        "route_id": route_id,
        "recorded_at": (START + timedelta(seconds=seconds)).isoformat(),
        "lon": lon,
        "lat": lat,
        "accuracy_m": 8.0,
    }
    point.update(extra)
    return point


def _post(client, token: str, points: list[dict]):
    return client.post(
        "/api/v1/driver/positions", json={"points": points}, headers={"Authorization": f"Bearer {token}"}
    )


def test_a_batch_is_stored_once_and_a_resend_stores_nothing(client, db, day) -> None:
    """201 with the new ids, then 200 listing them as duplicates; the table holds each point once."""
    token = device_token(client, "driver1")
    route = day.routes["driver1"].id
    points = [_point(route, 30 * i, lon=114.0550 + 0.001 * i) for i in range(5)]
    first = _post(client, token, points)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["created"] == [p["id"] for p in points]
    again = _post(client, token, points)
    assert again.status_code == 200
    assert sorted(again.get_json()["duplicates"]) == sorted(p["id"] for p in points)
    assert len(db.exec(select(GpsPoint)).all()) == 5


def test_bad_points_are_named_by_index_and_field_and_the_good_ones_kept(client, db, day) -> None:
    """A far-future time, a latitude of 95 and a missing id are refused one by one; the rest stored."""
    token = device_token(client, "driver1")
    route = day.routes["driver1"].id
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    points = [
        _point(route, 0),
        _point(route, 30, recorded_at=future),
        _point(route, 60, lat=95),
        {**_point(route, 90), "id": "x"},
        _point(route, 120, recorded_at="1999-12-31T23:00:00+08:00"),
        _point(route, 150),
    ]
    response = _post(client, token, points)
    assert response.status_code == 201
    errors = {(e["index"], e["field"]) for e in response.get_json()["errors"]}
    assert errors == {(1, "recorded_at"), (2, "lat"), (3, "id"), (4, "recorded_at")}
    stored = {p.client_id for p in db.exec(select(GpsPoint))}
    assert stored == {points[0]["id"], points[5]["id"]}


def test_another_drivers_route_and_an_id_reused_with_other_content_are_refused(client, db, day) -> None:
    """Every point refused: 422 naming route_id and id; nothing new is stored."""
    token = device_token(client, "driver1")
    mine, theirs = day.routes["driver1"].id, day.routes["driver2"].id
    kept = _point(mine, 0)
    assert _post(client, token, [kept]).status_code == 201
    response = _post(client, token, [_point(theirs, 10), {**kept, "lon": 114.06}])
    assert response.status_code == 422
    assert [(e["index"], e["field"]) for e in response.get_json()["errors"]] == [(0, "route_id"), (1, "id")]
    assert len(db.exec(select(GpsPoint)).all()) == 1


def test_a_batch_larger_than_the_cap_is_refused_whole(client, db, day) -> None:
    """More than MAX_BATCH points: 422 naming points, nothing stored."""
    token = device_token(client, "driver1")
    route = day.routes["driver1"].id
    response = _post(client, token, [_point(route, i) for i in range(MAX_BATCH + 1)])
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "points"
    assert db.exec(select(GpsPoint)).first() is None


def test_points_outside_china_or_too_fast_are_kept_with_a_flag(client, db, day) -> None:
    """Paris and a 10 km jump in 10 s are stored flagged and left out of the driven distance."""
    token = device_token(client, "driver1")
    route = day.routes["driver1"].id
    points = [
        _point(route, 0),
        _point(route, 10, lon=2.35, lat=48.85),
        _point(route, 20, lon=114.1550),  # about 10 km east of the first point, 20 s later
        _point(route, 60, lon=114.0560),
    ]
    body = _post(client, token, points).get_json()
    assert body["flagged"] == {points[1]["id"]: "outside_china", points[2]["id"]: "too_fast"}
    flags = {p.client_id: p.flag for p in db.exec(select(GpsPoint))}
    assert flags[points[3]["id"]] == ""


def test_no_token_is_401_and_the_document_lists_the_endpoint(client) -> None:
    """The endpoint takes the bearer device token like the other driver endpoints and is in OpenAPI."""
    assert client.post("/api/v1/driver/positions", json={"points": []}).status_code == 401
    doc = client.get("/api/v1/openapi.json").get_json()
    operation = doc["paths"]["/api/v1/driver/positions"]["post"]
    assert operation["security"] == [{"deviceToken": []}]
    assert {"201", "200", "401", "403", "422"} <= set(operation["responses"])


def test_the_board_shows_the_last_gps_position_and_the_driven_page_the_distances(
    app, client, db, day
) -> None:
    """Live map data carries the newest fix; the planned-vs-driven page shows driven km and lateness."""
    token = device_token(client, "driver1")
    route = day.routes["driver1"]
    points = [_point(route.id, 60 * i, lon=114.0500 + 0.01 * i) for i in range(3)]  # two legs of ~1.03 km
    assert _post(client, token, points).status_code == 201
    staff = app.test_client()
    response = staff.post("/login", data={"username": "dispatcher", "password": PASSWORD})
    assert response.status_code == 302
    plan = staff.get(f"/dispatch/plans/{day.plan_id}").get_data(as_text=True)
    assert '"source": "gps"' in plan and '"lon": 114.07' in plan
    page = staff.get(f"/dispatch/routes/{route.id}/driven")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="driven-km">2.1 km' in html
    assert f'id="planned-km">{route.distance_m / 1000:.1f} km' in html
    assert 'id="replay-slider"' in html
