"""The access table covers every route, and every role is refused outside it."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import SQLModel, func, select

from tests.webapp.driver.conftest import device_token, make_day
from webapp.access import access_table
from webapp.api import tokens
from webapp.driver.operations import issue_device_token
from webapp.models import Collection, Driver, Role, TokenKind, User
from webapp.models._types import utcnow


def _sample_url(rule: str) -> str:
    """A concrete URL for a rule: 1 for ints, a plain word for strings and paths."""
    url = re.sub(r"<int(?:\([^)]*\))?:[^>]+>", "1", rule)
    url = re.sub(r"<path:[^>]+>", "css/reloop.css", url)
    return re.sub(r"<[^>]+>", "x", url)


def _routes(app: Flask) -> list[tuple[str, str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "auth.logout":
            continue  # it would end the walking client's own session; test_auth covers it
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, _sample_url(rule.rule)))
    return found


def test_every_route_has_an_entry_in_the_access_table(app: Flask) -> None:
    """A view without a declared audience fails this test (and is refused at run time)."""
    table = access_table(app)
    missing = sorted(endpoint for endpoint, access in table.items() if access is None)
    assert missing == []
    assert {r.endpoint for r in app.url_map.iter_rules()} <= set(table)


def test_each_role_is_refused_everywhere_outside_its_entry(app: Flask, auth_clients: dict) -> None:
    """For every route and role the table does not allow, the answer is 403."""
    table = access_table(app)
    checked = 0
    for endpoint, method, url in _routes(app):
        access = table[endpoint]
        if access.kind != "roles":
            continue
        for role in Role:
            response = auth_clients[role].open(url, method=method)
            if access.allows(role):
                assert response.status_code != 403, (role, method, url)
            else:
                assert response.status_code == 403, (role, method, url)
                checked += 1
    assert checked > 20


def test_anonymous_users_are_sent_to_login_for_every_role_route(app: Flask) -> None:
    """Without a session, pages redirect to the login form and nothing runs."""
    client = app.test_client()
    table = access_table(app)
    for endpoint, method, url in _routes(app):
        if table[endpoint].kind == "roles":
            response = client.open(url, method=method)
            assert response.status_code in (302, 401), (method, url)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"]


def test_machine_endpoints_refuse_requests_without_a_token(client) -> None:
    """Token endpoints answer 401 to a request with no bearer token."""
    assert client.post("/api/v1/fill-readings", json={}).status_code == 401


@pytest.fixture
def auth_clients(app: Flask) -> dict:
    from tests.webapp.conftest import PASSWORD

    clients = {}
    for role in Role:
        c = app.test_client()
        assert c.post("/login", data={"username": role.value, "password": PASSWORD}).status_code == 302
        clients[role] = c
    return clients


# --- machine tokens: each kind only on its own API -----------------------------------------

# Every bearer-token endpoint and the token kinds it accepts. A new machine endpoint must be
# added here, or test_every_token_endpoint_names_the_kinds_it_accepts fails.
TOKEN_KINDS: dict[str, frozenset[TokenKind]] = {
    "api.post_fill_readings": frozenset({TokenKind.SENSOR}),
    "driver_api.get_today": frozenset({TokenKind.DEVICE}),
    "driver_api.get_route": frozenset({TokenKind.DEVICE}),
    "driver_api.post_evidence": frozenset({TokenKind.DEVICE}),
    "driver_api.post_completion": frozenset({TokenKind.DEVICE}),
    "driver_api.get_completion": frozenset({TokenKind.DEVICE}),
    "driver_api.post_positions": frozenset({TokenKind.DEVICE}),
    "unload_api.post_unload": frozenset({TokenKind.DEVICE}),
    "trace_api.post_events": frozenset({TokenKind.PARTNER}),
    "trace_api.post_tree_head": frozenset({TokenKind.PARTNER}),
    "trace_api.battery_events": frozenset({TokenKind.PARTNER, TokenKind.AUDITOR}),
    "trace_api.get_tree_head": frozenset({TokenKind.PARTNER, TokenKind.AUDITOR}),
    "trace_api.inclusion": frozenset({TokenKind.PARTNER, TokenKind.AUDITOR}),
    "trace_api.consistency": frozenset({TokenKind.PARTNER, TokenKind.AUDITOR}),
    "kiosk_api.post_deposits": frozenset({TokenKind.KIOSK}),
    "cascade_api.post_health_reading": frozenset({TokenKind.CASCADE_CUSTOMER}),
}
# Public endpoints that take a POST yet change nothing but the caller's own session.
# A resident's self-registration is public too: it needs an SMS code sent to the number
# (tests/webapp/residents/test_pages.py), and an empty post writes nothing.
SELF_SERVICE = {"auth.login", "main.set_language", "residents.register"}
# The regulator's own audit trail: acknowledging a finding appends to its follow-up trail
# and touches no operational record (tests/webapp/trace/test_anomaly_follow_up.py).
REGULATOR_TRAIL = {"audit.anomaly_follow_up"}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def test_every_token_endpoint_names_the_kinds_it_accepts(app: Flask) -> None:
    """The token endpoints of the URL map are exactly those of TOKEN_KINDS."""
    table = access_table(app)
    assert {e for e, a in table.items() if a is not None and a.kind == "token"} == set(TOKEN_KINDS)


def test_a_token_of_another_kind_is_refused_on_every_machine_endpoint(app: Flask, client, db) -> None:
    """Sensor, device, partner and auditor tokens each open only their own API; others get 401."""
    plain = _one_token_per_kind(db)
    checked = 0
    for endpoint, method, url in _routes(app):
        if endpoint not in TOKEN_KINDS:
            continue
        for kind, token in plain.items():
            response = client.open(url, method=method, json={}, headers={"Authorization": f"Bearer {token}"})
            if kind in TOKEN_KINDS[endpoint]:
                assert response.status_code != 401, (kind, method, url)
            else:
                assert response.status_code == 401, (kind, method, url)
                checked += 1
    assert checked >= 30


def test_a_logged_in_session_does_not_open_the_machine_apis(app: Flask, auth_clients: dict) -> None:
    """The session cookie, even an admin's, is no bearer token: every token endpoint answers 401."""
    for endpoint, method, url in _routes(app):
        if endpoint in TOKEN_KINDS:
            assert auth_clients[Role.ADMIN].open(url, method=method, json={}).status_code == 401, url


def test_a_revoked_token_is_refused(client, db) -> None:
    """Revoking a sensor token shuts its sensor out at once."""
    row, plain = tokens.issue(db, name="gateway", kind=TokenKind.SENSOR)
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.post("/api/v1/fill-readings", json={}, headers=headers).status_code == 422
    row.revoked_at = utcnow()
    db.add(row)
    db.commit()
    assert client.post("/api/v1/fill-readings", json={}, headers=headers).status_code == 401


def _one_token_per_kind(db) -> dict[TokenKind, str]:
    """A live token of each kind; the device token belongs to a driver with a profile."""
    user = db.exec(select(User).where(User.username == "driver")).one()
    driver = Driver(user_id=user.id, name="driver")
    db.add(driver)
    db.commit()
    plain = {
        kind: tokens.issue(db, name=kind.value, kind=kind)[1]
        for kind in TokenKind
        if kind != TokenKind.DEVICE
    }
    plain[TokenKind.DEVICE] = issue_device_token(db, driver, device="test")
    return plain


# --- the regulator reads, never writes ----------------------------------------------------


def test_the_regulator_cannot_write_anywhere(app: Flask, auth_clients: dict) -> None:
    """Every POST/PUT/PATCH/DELETE of the URL map refuses the regulator, and no row changes.

    Pages answer 403; machine endpoints answer 401 (a session is not a token). Only the
    public login and language switch, which touch nothing but the caller's own session,
    are left out, and naming them is required.
    """
    table = access_table(app)
    regulator = auth_clients[Role.REGULATOR]
    before = _row_counts(app)
    checked = 0
    for endpoint, method, url in _routes(app):
        if method not in WRITES:
            continue
        access = table[endpoint]
        if access.kind == "public":
            assert endpoint in SELF_SERVICE, f"{endpoint} is a public {method}: review it"
            continue
        if endpoint in REGULATOR_TRAIL:
            continue
        response = regulator.open(url, method=method, json={})
        assert response.status_code == (401 if access.kind == "token" else 403), (method, url)
        checked += 1
    assert checked >= 20
    assert _row_counts(app) == before


def _row_counts(app: Flask) -> dict[str, int]:
    with app.extensions["reloop.engine"].connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in SQLModel.metadata.sorted_tables
        }


# --- admin pages ----------------------------------------------------------------------------


def test_admin_pages_are_reached_only_with_the_admin_role(app: Flask, auth_clients: dict) -> None:
    """Every /admin/ route is admin-only; each other role gets 403 and an anonymous visitor login."""
    table = access_table(app)
    admin_routes = [r for r in _routes(app) if r[2].startswith("/admin/")]
    assert len(admin_routes) >= 4
    anonymous = app.test_client()
    for endpoint, method, url in admin_routes:
        assert table[endpoint].roles == {Role.ADMIN}, endpoint
        for role in Role:
            status = auth_clients[role].open(url, method=method).status_code
            assert (status != 403) if role == Role.ADMIN else (status == 403), (role, method, url)
        assert anonymous.open(url, method=method).status_code == 302, (method, url)


# --- one driver, another driver's records ---------------------------------------------------


def test_a_driver_reaches_none_of_another_drivers_records(app: Flask, client, db, cache_dir) -> None:
    """driver2, by page or device token, gets 403/404 on every driver URL naming driver1's ids.

    The walk covers each driver route with an id in it (route, stop, stored record, photo);
    a new kind of id in a driver URL must be added to ``ids`` below.
    """
    day = make_day(db, cache_dir)
    mine = device_token(client, "driver1")
    jpeg = (Path(__file__).parent / "driver" / "data" / "scale-ticket.jpg").read_bytes()
    sha = client.post(
        "/api/v1/driver/evidence",
        data=jpeg,
        content_type="image/jpeg",
        headers={"Authorization": f"Bearer {mine}"},
    ).get_json()["sha256"]
    record = {
        "id": uuid.uuid4().hex,
        "stop_id": day.stops["driver1"][0].id,
        "outcome": "collected",
        "recorded_at": utcnow().isoformat(),
        "weights_kg": {"paper": 3.0},
        "photo_sha256": sha,
    }
    assert (
        client.post(
            "/api/v1/driver/completions", json=record, headers={"Authorization": f"Bearer {mine}"}
        ).status_code
        == 201
    )
    client.post("/logout")
    stored = db.exec(select(Collection)).one()
    ids = {
        "route_id": day.routes["driver1"].id,
        "stop_id": day.stops["driver1"][0].id,
        "client_id": stored.client_id,
        "file_id": stored.photo_id,
    }
    theirs = device_token(client, "driver2")
    walked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/driver/", "/api/v1/driver/")) or not rule.arguments:
            continue
        assert rule.arguments <= set(ids), f"{rule.rule}: add its id to this test"
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(\w+:)?{name}>", str(ids[name]), url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(
                url,
                method=method,
                data={"outcome": "collected", "kg_paper": "1"},
                headers={"Authorization": f"Bearer {theirs}"},
            )
            assert response.status_code in (403, 404), (method, url, response.status_code)
            walked += 1
    assert walked >= 5
    assert db.exec(select(func.count()).select_from(Collection)).one() == 1
    today = client.get("/api/v1/driver/routes/today", headers={"Authorization": f"Bearer {theirs}"})
    assert [r["id"] for r in today.get_json()["routes"]] == [day.routes["driver2"].id]
    assert f'/driver/stops/{ids["stop_id"]}"' not in client.get("/driver/").get_data(as_text=True)
