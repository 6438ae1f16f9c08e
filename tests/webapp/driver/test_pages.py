"""The phone pages, the offline shell, the plain-form fallback, and the dispatcher's live view."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from sqlmodel import select

from geodata import wgs84_to_gcj02
from tests.webapp.conftest import PASSWORD
from tests.webapp.driver.conftest import device_token, login
from webapp.models import AuditRecord, Collection, Outlet, PlannedRoute, PlannedStop


def _post(client, token, stop_id, **weights):
    body = {
        "id": uuid.uuid4().hex,
        "stop_id": stop_id,
        "outcome": "collected",
        "recorded_at": datetime.now(UTC).isoformat(),
        "weights_kg": weights or {"paper": 20.0},
    }
    return client.post("/api/v1/driver/completions", json=body, headers={"Authorization": f"Bearer {token}"})


def test_todays_route_page_lists_the_drivers_stops_in_chinese(client, db, day) -> None:
    """driver1 sees route 1 with progress 0 / N, each stop in order, words in Chinese."""
    login(client, "driver1")
    page = client.get("/driver/").get_data(as_text=True)
    stops = day.stops["driver1"]
    assert f'<span class="done-count">0</span> / <span class="total-count">{len(stops)}</span>' in page
    positions = [page.index(f'data-stop-id="{s.id}"') for s in stops]
    assert positions == sorted(positions)
    assert "路线 1" in page and "待收" in page and 'rel="manifest"' in page
    assert f'data-stop-id="{day.stops["driver2"][0].id}"' not in page


def test_progress_counts_recorded_stops(client, day) -> None:
    """After one record the page says 1 / N and shows its kilograms."""
    token = device_token(client, "driver1")
    assert _post(client, token, day.stops["driver1"][0].id, paper=20.0).status_code == 201
    page = client.get("/driver/").get_data(as_text=True)
    assert '<span class="done-count">1</span>' in page and "已收 20.0 kg" in page


def test_another_drivers_route_and_stops_are_not_found(client, day) -> None:
    """driver2 opening driver1's route or stop gets 404, and cannot post its form."""
    login(client, "driver2")
    assert client.get(f"/driver/routes/{day.routes['driver1'].id}").status_code == 404
    stop = day.stops["driver1"][0].id
    assert client.get(f"/driver/stops/{stop}").status_code == 404
    assert (
        client.post(f"/driver/stops/{stop}", data={"outcome": "collected", "kg_paper": "1"}).status_code
        == 404
    )
    assert client.get(f"/driver/routes/{day.routes['driver2'].id}").status_code == 200


def test_stop_page_links_map_apps_in_their_datum_and_warns_out_of_order(client, db, day) -> None:
    """The third stop starts Amap and Baidu navigation in their datums and warns of stops 1 and 2."""
    login(client, "driver1")
    stop = day.stops["driver1"][2]
    outlet = db.get(Outlet, stop.outlet_id)
    page = client.get(f"/driver/stops/{stop.id}").get_data(as_text=True)
    lon, lat = wgs84_to_gcj02(outlet.lon, outlet.lat)
    assert "https://uri.amap.com/navigation?" in page
    assert f"to={lon:.6f}%2C{lat:.6f}%2C" in page and "coordinate=gaode" in page
    assert "baidumap://map/direction?" in page and "coord_type=bd09ll" in page
    warning = page.split('id="order-warning"')[1].split("</p>")[0]
    assert "hidden" not in warning.split(">")[0]
    first, second = (s.position for s in day.stops["driver1"][:2])
    assert f"{first}、{second}" in warning


def test_the_plain_form_records_a_stop_without_javascript(client, db, day) -> None:
    """Posting the stop form (no JavaScript) stores 12.5 kg as 12,500 g and returns to the route."""
    login(client, "driver1")
    stop = day.stops["driver1"][0].id
    form = {"id": uuid.uuid4().hex, "outcome": "collected", "kg_paper": "12.5", "kg_metal": ""}
    response = client.post(f"/driver/stops/{stop}", data=form)
    assert response.status_code == 302
    row = db.exec(select(Collection)).one()
    assert row.total_g == 12_500 and row.stop_id == stop
    bad = client.post(
        f"/driver/stops/{day.stops['driver1'][1].id}",
        data={"id": uuid.uuid4().hex, "outcome": "collected", "kg_paper": "-3"},
    )
    assert bad.status_code == 422 and 'data-field="weights_kg.paper"' in bad.get_data(as_text=True)


def test_the_service_worker_and_manifest_are_served_for_the_driver_scope(client) -> None:
    """sw.js is JavaScript, never cached by HTTP, versioned; the manifest starts at /driver/."""
    response = client.get("/driver/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert (
        response.headers["Service-Worker-Allowed"] == "/driver/"
        and "no-cache" in response.headers["Cache-Control"]
    )
    assert "reloop-shell-" in response.get_data(as_text=True)
    manifest = client.get("/driver/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    data = json.loads(manifest.get_data(as_text=True))
    assert data["start_url"] == "/driver/" and data["display"] == "standalone" and len(data["icons"]) == 2


def test_device_tokens_need_a_driver_session(client, app) -> None:
    """Anonymous: 401; a dispatcher: 403; a driver user, even one without a driver profile yet: 201."""
    assert client.post("/driver/device-token", headers={"Accept": "application/json"}).status_code == 401
    client.post("/login", data={"username": "dispatcher", "password": PASSWORD})
    assert client.post("/driver/device-token").status_code == 403
    client.post("/logout")
    client.post("/login", data={"username": "driver", "password": PASSWORD})
    assert client.post("/driver/device-token").status_code == 201


def test_dispatcher_sees_live_progress_of_each_route(client, db, day) -> None:
    """The progress partial shows stops done and kilograms per route."""
    token = device_token(client, "driver1")
    assert _post(client, token, day.stops["driver1"][0].id, paper=20.0, metal=1.5).status_code == 201
    client.post("/logout")
    client.post("/login", data={"username": "dispatcher", "password": PASSWORD})
    partial = client.get(f"/dispatch/plans/{day.plan_id}/progress", headers={"HX-Request": "true"})
    row = partial.get_data(as_text=True).split('id="progress-route-1"')[1].split("</tr>")[0]
    assert f"1 / {len(day.stops['driver1'])}" in row and "21.5" in row
    page = client.get(f"/dispatch/plans/{day.plan_id}").get_data(as_text=True)
    assert 'hx-trigger="every 15s"' in page and 'id="reassign"' in page


def test_dispatcher_reassigns_a_route_and_a_stop(client, db, day) -> None:
    """Route 2 goes to driver3; a pending stop of route 1 moves to the end of route 2; both logged."""
    client.post("/login", data={"username": "dispatcher", "password": PASSWORD})
    from webapp.models import Driver, User

    driver3 = db.exec(
        select(Driver).join(User, User.id == Driver.user_id).where(User.username == "driver3")
    ).one()
    route2 = day.routes["driver2"]
    client.post("/dispatch/routes/reassign", data={"route_id": route2.id, "driver_id": driver3.id})
    moved = day.stops["driver1"][-1]
    client.post("/dispatch/stops/reassign", data={"stop_id": moved.id, "route_id": route2.id})
    db.expire_all()
    assert db.get(PlannedRoute, route2.id).driver_id == driver3.id
    stop = db.get(PlannedStop, moved.id)
    last = max(s.position for s in db.exec(select(PlannedStop).where(PlannedStop.route_id == route2.id)))
    assert stop.route_id == route2.id and stop.position == last
    actions = {(a.object_type, a.action) for a in db.exec(select(AuditRecord))}
    assert {("planned_route", "reassign"), ("planned_stop", "reassign")} <= actions


def test_a_recorded_stop_cannot_be_moved(client, db, day) -> None:
    """Once the driver recorded a stop it stays on its route."""
    token = device_token(client, "driver1")
    stop = day.stops["driver1"][0]
    assert _post(client, token, stop.id).status_code == 201
    client.post("/logout")
    client.post("/login", data={"username": "dispatcher", "password": PASSWORD})
    page = client.post(
        "/dispatch/stops/reassign",
        data={"stop_id": stop.id, "route_id": day.routes["driver2"].id},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "flash error" in page
    db.expire_all()
    assert db.get(PlannedStop, stop.id).route_id == day.routes["driver1"].id


def test_the_dispatcher_opens_the_photo_of_a_pickup(client, db, day) -> None:
    """A phone's photo is linked from the progress chips and served to staff, not to other drivers."""
    from pathlib import Path

    token = device_token(client, "driver1")
    jpeg = (Path(__file__).parent / "data" / "scale-ticket.jpg").read_bytes()
    sha = client.post(
        "/api/v1/driver/evidence",
        data=jpeg,
        content_type="image/jpeg",
        headers={"Authorization": f"Bearer {token}"},
    ).get_json()["sha256"]
    body = {
        "id": uuid.uuid4().hex,
        "stop_id": day.stops["driver1"][0].id,
        "outcome": "collected",
        "recorded_at": datetime.now(UTC).isoformat(),
        "weights_kg": {"paper": 3.0},
        "photo_sha256": sha,
    }
    assert (
        client.post(
            "/api/v1/driver/completions", json=body, headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 201
    )
    photo_id = db.exec(select(Collection)).one().photo_id
    assert client.get(f"/driver/evidence/{photo_id}").data == jpeg
    client.post("/logout")
    login(client, "driver2")
    assert client.get(f"/driver/evidence/{photo_id}").status_code == 404
    client.post("/logout")
    client.post("/login", data={"username": "dispatcher", "password": PASSWORD})
    partial = client.get(f"/dispatch/plans/{day.plan_id}/progress").get_data(as_text=True)
    assert f"/driver/evidence/{photo_id}" in partial
    response = client.get(f"/driver/evidence/{photo_id}")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
