"""Bearer tokens: one check and one 401 for every machine API, expiry, device limit,
revocation with the user, and drivers' phones on the admin page."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import jsonschema
import pytest
from flask import Flask, g
from sqlalchemy import text
from sqlmodel import select

from tests.webapp.conftest import PASSWORD
from tests.webapp.test_access import TOKEN_KINDS, _routes
from webapp.access import access_table
from webapp.api import tokens
from webapp.config import ConfigError, Settings
from webapp.db import make_engine, scratch_postgres, upgrade
from webapp.models import ApiToken, AuditRecord, Driver, TokenKind, User
from webapp.models._types import utcnow
from webapp.models.users import RevokeReason, TokenStatus
from webapp.openapi import document

SAMSUNG = "Mozilla/5.0 (Linux; Android 13; SM-S9180) AppleWebKit/537.36 Chrome/120 Mobile"
REDUCED = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 Chrome/125 Mobile Safari/537.36"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
XIAOMI = "Mozilla/5.0 (Linux; Android 14; 23013RK75C Build/UKQ1) AppleWebKit/537.36 XiaoMi/MiuiBrowser/18.1"
TODAY = "/api/v1/driver/routes/today"


@pytest.fixture
def driver(db) -> Driver:
    """The seeded driver user with a driver profile named 张三."""
    user = db.exec(select(User).where(User.username == "driver")).one()
    row = Driver(user_id=user.id, name="张三")
    db.add(row)
    db.commit()
    return row


def _phone_token(client, device_id: str | None = None, user_agent: str = IPHONE) -> dict:
    """Log the driver in and ask for the phone's token as driver.js does."""
    client.post("/login", data={"username": "driver", "password": PASSWORD})
    data = {"device_id": device_id} if device_id else {}
    response = client.post("/driver/device-token", data=data, headers={"User-Agent": user_agent})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _device_rows(db) -> list[ApiToken]:
    db.expire_all()
    return list(db.exec(select(ApiToken).where(ApiToken.kind == TokenKind.DEVICE).order_by(ApiToken.id)))


def test_every_token_endpoint_is_guarded_by_the_one_check_with_its_kinds(app: Flask) -> None:
    """The access table names, for every machine endpoint, exactly the kinds it accepts."""
    table = access_table(app)
    assert {e: a.kinds for e, a in table.items() if a is not None and a.kind == "token"} == TOKEN_KINDS


def test_every_machine_api_answers_a_missing_token_with_the_same_401(app: Flask, client) -> None:
    """Sensor, driver and partner APIs all say {error, status: 401} with a Bearer challenge."""
    bodies = set()
    for endpoint, method, url in _routes(app):
        if endpoint in TOKEN_KINDS:
            response = client.open(url, method=method, json={})
            body = response.get_json()
            assert response.status_code == 401 and set(body) == {"error", "status"}, url
            assert body["status"] == 401 and response.headers["WWW-Authenticate"] == 'Bearer realm="reloop"'
            bodies.add(json.dumps(body, sort_keys=True).split('"error": ')[0])
    assert len(bodies) == 1


def test_the_401_body_is_the_one_the_openapi_document_describes(client) -> None:
    """Every secured operation documents the Unauthorized schema, and a real 401 validates against it."""
    doc = document()
    schema = {**doc["components"]["schemas"]["Unauthorized"], "$defs": {}}
    body = client.post("/api/v1/battery-events", json={}, headers=_bearer("rl_nope")).get_json()
    jsonschema.validate(body, schema)
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if op["security"]:
                unauthorized = op["responses"]["401"]
                assert unauthorized["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Unauthorized"
                }, (method, path)
                assert "WWW-Authenticate" in unauthorized["headers"], (method, path)


def test_the_authenticated_token_is_on_g(client, db) -> None:
    """A view behind token_required finds its token as g.api_token."""
    row, plain = tokens.issue(db, name="gateway", kind=TokenKind.SENSOR)
    with client:
        client.post("/api/v1/fill-readings", json={}, headers=_bearer(plain))
        assert g.api_token.id == row.id


def test_new_tokens_expire_after_the_default_days_of_their_kind(db) -> None:
    """A phone's token lives 90 days, a sensor's or partner's 365."""
    for kind, days in ((TokenKind.DEVICE, 90), (TokenKind.SENSOR, 365), (TokenKind.PARTNER, 365)):
        row, _plain = tokens.issue(db, name=kind.value, kind=kind)
        assert row.expires_at - row.created_at == timedelta(days=days), kind


def test_token_lifetimes_and_the_device_limit_come_from_the_environment() -> None:
    """RELOOP_TOKEN_DAYS_<KIND> and RELOOP_MAX_DEVICE_TOKENS override the defaults."""
    env = {"DATABASE_URL": "sqlite://", "RELOOP_TOKEN_DAYS_DEVICE": "30", "RELOOP_MAX_DEVICE_TOKENS": "2"}
    settings = Settings.from_env(env)
    assert settings.token_days["device"] == 30 and settings.token_days["sensor"] == 365
    assert settings.max_device_tokens == 2


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("RELOOP_TOKEN_DAYS_SENSOR", "0"),
        ("RELOOP_TOKEN_DAYS_PARTNER", "ever"),
        ("RELOOP_MAX_DEVICE_TOKENS", "0"),
    ],
)
def test_bad_token_settings_are_refused_naming_the_variable(name: str, raw: str) -> None:
    """A lifetime or limit that is not a positive whole number stops the start-up, naming it."""
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({"DATABASE_URL": "sqlite://", name: raw})


def test_the_configured_lifetime_applies_to_tokens_the_app_issues(app: Flask, client, db, driver) -> None:
    """With 30 device days configured, the phone's token expires 30 days after issue."""
    settings = app.config["RELOOP_SETTINGS"]
    app.config["RELOOP_SETTINGS"] = replace(settings, token_days={"device": 30})
    try:
        _phone_token(client, "phone-aaaa-0001")
    finally:
        app.config["RELOOP_SETTINGS"] = settings
    (row,) = _device_rows(db)
    assert row.expires_at - row.created_at == timedelta(days=30)


def test_disabling_a_driver_revokes_their_phone_for_good(app: Flask, client, db, driver) -> None:
    """After disable and re-enable the old token stays refused; the row is kept with its reason."""
    token = _phone_token(client, "phone-aaaa-0001")["token"]
    assert client.get(TODAY, headers=_bearer(token)).status_code == 200
    admin = app.test_client()
    admin.post("/login", data={"username": "admin", "password": PASSWORD})
    assert admin.post(f"/admin/users/{driver.user_id}/active/0").status_code == 302
    assert client.get(TODAY, headers=_bearer(token)).status_code == 401
    admin.post(f"/admin/users/{driver.user_id}/active/1")
    assert client.get(TODAY, headers=_bearer(token)).status_code == 401
    (row,) = _device_rows(db)
    assert row.revoked_at is not None and row.revoke_reason == RevokeReason.USER_DISABLED
    revocations = db.exec(select(AuditRecord).where(AuditRecord.action == "revoke")).all()
    assert [(r.object_id, r.after) for r in revocations] == [(str(row.id), {"reason": "user_disabled"})]


def test_a_fourth_phone_revokes_the_oldest_of_the_three_allowed(client, db, driver) -> None:
    """Beyond three live phones per driver, the oldest token is revoked (reason: limit)."""
    plain = [_phone_token(client, f"phone-aaaa-000{n}")["token"] for n in range(4)]
    rows = _device_rows(db)
    assert [r.revoke_reason for r in rows] == [RevokeReason.LIMIT, None, None, None]
    assert client.get(TODAY, headers=_bearer(plain[0])).status_code == 401
    assert all(client.get(TODAY, headers=_bearer(p)).status_code == 200 for p in plain[1:])


def test_the_same_phone_asking_again_replaces_its_token(client, db, driver) -> None:
    """Two requests with one device id leave one live token; the first is revoked as replaced."""
    first = _phone_token(client, "0d5c0a8e-2f4b-4c39-9d5b-8a7c6e5f4d3c")["token"]
    second = _phone_token(client, "0d5c0a8e-2f4b-4c39-9d5b-8a7c6e5f4d3c")["token"]
    assert [r.revoke_reason for r in _device_rows(db)] == [RevokeReason.REPLACED, None]
    assert client.get(TODAY, headers=_bearer(first)).status_code == 401
    assert client.get(TODAY, headers=_bearer(second)).status_code == 200


def test_a_driver_user_without_a_profile_gets_a_token_from_the_phone(client, db) -> None:
    """The token request succeeds; the API says 403 "no driver profile" until one is linked."""
    token = _phone_token(client, "phone-aaaa-0001")["token"]
    refused = client.get(TODAY, headers=_bearer(token))
    assert refused.status_code == 403 and refused.get_json()["status"] == 403
    user = db.exec(select(User).where(User.username == "driver")).one()
    db.add(Driver(user_id=user.id, name="李四"))
    db.commit()
    assert client.get(TODAY, headers=_bearer(token)).status_code == 200


def test_the_phone_page_posts_to_a_token_route_that_exists(client, db) -> None:
    """The token URL in the page's data (what driver.js posts to) answers 201 to the driver."""
    client.post("/login", data={"username": "driver", "password": PASSWORD})
    page = client.get("/driver/").get_data(as_text=True)
    data = json.loads(page.split('id="driver-data"')[1].split(">", 1)[1].split("</script>")[0])
    assert client.post(data["token_url"], data={"device_id": "phone-aaaa-0001"}).status_code == 201


def test_the_driver_script_sends_its_kept_device_id() -> None:
    """driver.js keeps one device id in IndexedDB and posts it with the token request."""
    from webapp.config import ROOT

    script = (ROOT / "webapp" / "static" / "driver" / "driver.js").read_text()
    assert 'get("device", "this")' in script and "device_id: id" in script


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (IPHONE, "iPhone"),
        (XIAOMI, "Android 14 · Xiaomi"),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-S9180) AppleWebKit/537.36 Chrome/120 Mobile",
            "Android 13 · Samsung",
        ),
        (
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 Chrome/125 Mobile Safari/537.36",
            "Android 10",
        ),
        ("curl/8.5.0", ""),
    ],
)
def test_a_phone_is_named_by_its_model_in_short(user_agent: str, label: str) -> None:
    """The User-Agent becomes "iPhone", "Android 14 · Xiaomi", or nothing when it says nothing."""
    assert tokens.device_label(user_agent) == label


def test_the_admin_page_lists_phones_apart_with_a_token_status_and_expiry(
    app: Flask, client, db, driver
) -> None:
    """Phones are named "driver · model", once per phone, with 有效/已过期/已撤销 and their expiry."""
    tokens.issue(db, name="福田网关", kind=TokenKind.SENSOR)
    _phone_token(client, "phone-aaaa-0001")
    _phone_token(client, "phone-aaaa-0001")  # the same phone again: still one line
    _phone_token(client, "phone-bbbb-0002", user_agent=XIAOMI)
    rows = _device_rows(db)
    rows[-1].expires_at = utcnow() - timedelta(days=1)
    db.add(rows[-1])
    db.commit()
    admin = app.test_client()
    admin.post("/login", data={"username": "admin", "password": PASSWORD})
    page = admin.get("/admin/tokens").get_data(as_text=True)
    machines, devices = page.split('id="machine-tokens"')[1].split('id="driver-devices"')
    assert "福田网关" in machines and "张三" not in machines
    assert devices.count("张三 · iPhone") == 1 and "张三 · Android 14 · Xiaomi" in devices
    assert "有效" in devices and "已过期" in devices and "运营中" not in page
    assert rows[1].expires_at.astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%d") in devices
    admin.post(f"/admin/tokens/{rows[1].id}/revoke")
    assert "已撤销" in admin.get("/admin/tokens").get_data(as_text=True).split('id="driver-devices"')[1]
    assert {r.status(utcnow()) for r in _device_rows(db)[1:]} == {TokenStatus.REVOKED, TokenStatus.EXPIRED}


@pytest.fixture
def blank_database(tmp_path) -> Iterator[str]:
    """An empty database on this run's backend, migrated by the test itself."""
    server = os.environ.get("DATABASE_URL")
    if not server or server.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'upgrade.db'}"
        return
    with scratch_postgres(server, prefix="reloop_tokens", migrate=False) as url:
        yield url


def test_migration_0010_gives_existing_tokens_an_expiry_from_the_upgrade(blank_database: str) -> None:
    """A token made before 0010 expires one default lifetime of its kind after the upgrade."""
    upgrade(blank_database, "0009")
    engine = make_engine(blank_database)
    created = datetime(2025, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        for n, kind in enumerate(("sensor", "device")):
            conn.execute(
                text("INSERT INTO api_token (name, kind, token_sha256, created_at) VALUES (:n, :k, :h, :c)"),
                {"n": kind, "k": kind, "h": f"{n:064d}", "c": created},
            )
    before = utcnow()
    upgrade(blank_database, "0010")
    with engine.connect() as conn:
        expiry = dict(conn.execute(text("SELECT kind, expires_at FROM api_token")).all())
    engine.dispose()
    for kind, days in (("sensor", 365), ("device", 90)):
        value = expiry[kind] if isinstance(expiry[kind], datetime) else datetime.fromisoformat(expiry[kind])
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        assert before + timedelta(days=days) - timedelta(minutes=5) < value <= utcnow() + timedelta(days=days)
