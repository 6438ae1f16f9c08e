"""Security headers and CSP, login throttling, secrets, hashed passwords, oversized bodies."""

from __future__ import annotations

import io
import json
import logging
import re
import stat
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import Session, SQLModel, select

from tests.webapp.conftest import PASSWORD, make_app
from traceability import generate_key, private_key_pem
from webapp import create_app
from webapp.api import tokens
from webapp.auth import throttle
from webapp.config import ConfigError, Settings
from webapp.driver.operations import issue_device_token
from webapp.models import AuditRecord, Driver, Outlet, Role, TokenKind, User
from webapp.models._types import utcnow
from webapp.trace import keys

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 5 * 1024 * 1024  # the default RELOOP_MAX_UPLOAD_BYTES
WRONG = "wrong-password-1"


@pytest.fixture
def app_with(
    app: Flask, database_url: str, tmp_path: Path, cache_dir: Path
) -> Iterator[Callable[..., Flask]]:
    """Build more apps on the run's database (as more worker processes would be), with settings."""
    made: list[Flask] = []

    def build(**fields: object) -> Flask:
        settings = Settings(
            instance_path=tmp_path / f"instance{len(made)}",
            database_url=database_url,
            secret_key="test-secret",
            cache_dir=cache_dir,
            **fields,
        ).validated()
        made.append(make_app(database_url, settings.instance_path, cache_dir, SETTINGS=settings))
        return made[-1]

    yield build
    for other in made:
        other.extensions["reloop.engine"].dispose()


def _csp(response) -> dict[str, str]:
    parts = (p.strip() for p in response.headers["Content-Security-Policy"].split(";"))
    return {p.split()[0]: p.partition(" ")[2] for p in parts if p}


def _fail(client, times: int, username: str = "dispatcher", **kwargs) -> None:
    for _ in range(times):
        response = client.post("/login", data={"username": username, "password": WRONG}, **kwargs)
        assert response.status_code == 400


def _login(client, username: str = "dispatcher", *, data_token: str = "", **kwargs):
    data = {"username": username, "password": PASSWORD}
    if data_token:
        data["csrf_token"] = data_token
    return client.post("/login", data=data, **kwargs)


# --- headers -------------------------------------------------------------------------------


def test_every_kind_of_response_carries_the_security_headers(client, auth) -> None:
    """A public page, a staff page, an API refusal, a static file and a 404 all carry them."""
    auth.login(Role.DISPATCHER)
    for url in ("/login", "/outlets/", "/api/v1/fill-readings", "/static/css/reloop.css", "/nowhere"):
        headers = client.get(url).headers
        assert headers["X-Content-Type-Options"] == "nosniff", url
        assert headers["X-Frame-Options"] == "DENY", url
        assert headers["Referrer-Policy"] == "same-origin", url
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], url
        assert "geolocation=(self)" in headers["Permissions-Policy"], url


def test_the_policy_allows_only_the_apps_own_files(client) -> None:
    """No inline script, no eval, no inline style, no plugins, no foreign origin."""
    csp = _csp(client.get("/login"))
    assert csp["default-src"] == csp["script-src"] == csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'none'"
    assert "unsafe" not in " ".join(csp.values()) and "http" not in " ".join(csp.values())


def test_the_camera_and_position_stay_open_to_the_driver_app_only(client) -> None:
    """Permissions-Policy keeps camera and geolocation for this origin and closes the microphone."""
    policy = [p.strip() for p in client.get("/driver/offline").headers["Permissions-Policy"].split(",")]
    assert {"camera=(self)", "geolocation=(self)", "microphone=()", "payment=()"} <= set(policy)


def test_templates_and_markup_hold_no_inline_script_handler_or_style() -> None:
    """Every script is a file: no inline <script>, on* handler, hx-on, style attribute or tag."""
    in_templates = {
        "inline script": r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>",
        "event handler": r"\son[a-z]+\s*=",
        "hx-on": r"hx-on",
        "style attribute": r"\sstyle\s*=",
        "style tag": r"<style",
        "javascript: URL": r"javascript:",
    }
    # HTML that Python code writes (badges, charts): a tag with a style or on* attribute.
    in_python = {"markup with style or handler": r"<[a-z][^>\n]*\s(style|on[a-z]+)\s*="}
    found = []
    for paths, patterns in (
        ((ROOT / "templates").rglob("*.html"), in_templates),
        ((ROOT / "webapp").rglob("*.py"), in_python),
    ):
        for path in paths:
            text = path.read_text(encoding="utf-8")
            found += [
                f"{path.relative_to(ROOT)}: {what}: {m.group(0)}"
                for what, pattern in patterns.items()
                for m in re.finditer(pattern, text, re.I)
            ]
    assert found == []


def test_hsts_is_sent_only_over_tls(client) -> None:
    """Plain HTTP gets no Strict-Transport-Security; HTTPS gets a year of it."""
    assert "Strict-Transport-Security" not in client.get("/login").headers
    hsts = client.get("/login", base_url="https://reloop.example").headers["Strict-Transport-Security"]
    assert hsts.startswith("max-age=31536000")


def test_x_forwarded_proto_counts_only_behind_a_trusted_proxy(app_with) -> None:
    """RELOOP_TRUST_PROXY=1 makes the proxy's https count; without it the header is ignored."""
    forwarded = {"X-Forwarded-Proto": "https"}
    assert (
        "Strict-Transport-Security" not in app_with().test_client().get("/login", headers=forwarded).headers
    )
    behind = app_with(trust_proxy=1).test_client().get("/login", headers=forwarded)
    assert "Strict-Transport-Security" in behind.headers


def test_trust_proxy_is_read_from_the_environment_and_checked() -> None:
    """RELOOP_TRUST_PROXY is a small whole number; anything else is refused by name."""
    env = {"DATABASE_URL": "sqlite://"}
    assert Settings.from_env({**env, "RELOOP_TRUST_PROXY": "2"}).trust_proxy == 2
    with pytest.raises(ConfigError, match="RELOOP_TRUST_PROXY"):
        Settings.from_env({**env, "RELOOP_TRUST_PROXY": "yes"})


def test_pages_behind_a_login_are_not_kept_by_caches(client, auth) -> None:
    """Staff pages and API answers say no-store; static files do not."""
    auth.login(Role.DISPATCHER)
    assert client.get("/outlets/").headers["Cache-Control"] == "no-store"
    assert client.post("/api/v1/fill-readings", json={}).headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/css/reloop.css").headers.get("Cache-Control", "")


def test_the_session_cookie_is_http_only_and_same_site(auth) -> None:
    """Scripts cannot read the session cookie, and other sites' forms do not send it."""
    cookie = auth.login(Role.DISPATCHER).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_after_logout_a_copied_cookie_can_neither_read_nor_write(app, client, auth, db) -> None:
    """The cookie copied before logout is sent to the login form for a page and for a form post."""
    auth.login(Role.DISPATCHER)
    cookie = client.get_cookie("session")
    thief = app.test_client()
    thief.set_cookie("session", cookie.value, domain=cookie.domain)
    auth.logout()
    assert "/login" in thief.get("/outlets/").headers["Location"]
    response = thief.post(
        "/outlets/new",
        data={"name": "偷来的网点", "kind": "kiosk", "lon": "114.05", "lat": "22.54", "materials": "paper"},
    )
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.exec(select(Outlet)).first() is None


# --- login throttling ----------------------------------------------------------------------


def test_the_sixth_login_within_the_window_is_refused_with_429(client) -> None:
    """After 5 failures even the right password is refused, with Retry-After and the wait."""
    client.get("/lang/en")
    _fail(client, 5)
    response = _login(client)
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 15 * 60
    assert "Too many failed logins. Try again in 15 min." in response.get_data(as_text=True)


def test_the_429_message_is_in_chinese_by_default(client) -> None:
    """The default interface explains the refusal in Chinese."""
    _fail(client, 5)
    assert "登录失败次数过多" in _login(client).get_data(as_text=True)


def test_logins_work_again_once_the_window_has_passed(client, db, monkeypatch) -> None:
    """Failures older than 15 minutes no longer count: the right password opens the session."""
    _fail(client, 5)
    assert _login(client).status_code == 429
    # The failures are append-only change-log rows: move the throttle's clock, not the rows.
    later = utcnow() + timedelta(minutes=16)
    monkeypatch.setattr(throttle, "utcnow", lambda: later)
    assert _login(client).status_code == 302


def test_a_successful_login_clears_that_users_count(client, auth) -> None:
    """4 failures, a success, 4 more failures: the user can still log in."""
    _fail(client, 4)
    assert _login(client).status_code == 302
    auth.logout()
    _fail(client, 4)
    assert _login(client).status_code == 302


def test_failures_from_one_address_do_not_hold_up_another(client) -> None:
    """The per-user limit is per client address: the same user elsewhere still logs in."""
    _fail(client, 5, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert _login(client, environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 429
    assert _login(client, environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 302


def test_one_address_is_capped_across_usernames(app_with) -> None:
    """Guessing many usernames from one address hits the per-address ceiling."""
    client = app_with(login_max_failures_per_ip=3).test_client()
    for name in ("nobody", "admin", "driver"):
        _fail(client, 1, username=name)
    assert _login(client, "regulator").status_code == 429


def test_the_limit_holds_across_worker_processes(client, app_with) -> None:
    """Failures counted by one app (worker) refuse the login on another app on the same database."""
    _fail(client, 5)
    assert _login(app_with().test_client()).status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_client_address_is_counted(app_with) -> None:
    """With RELOOP_TRUST_PROXY the throttle counts X-Forwarded-For, not the proxy's address."""
    client = app_with(trust_proxy=1).test_client()
    _fail(client, 5, headers={"X-Forwarded-For": "203.0.113.7"})
    assert _login(client, headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 429
    assert _login(client, headers={"X-Forwarded-For": "203.0.113.8"}).status_code == 302


def test_failed_logins_are_logged_without_the_username_or_password_in_clear(client, db) -> None:
    """Each failure is one change-log row keyed by address; only a digest of the name is kept."""
    client.post("/login", data={"username": "dispatcher", "password": "Typed-Secret-9"})
    row = db.exec(select(AuditRecord).where(AuditRecord.action == throttle.ACTION)).one()
    assert row.object_type == "login" and row.object_id == "127.0.0.1"
    assert row.after == {"username_sha256": throttle.username_digest("dispatcher")}
    assert "dispatcher" not in json.dumps(row.after) and "Typed-Secret-9" not in json.dumps(row.after)


# --- passwords and secrets -----------------------------------------------------------------


def test_no_password_is_stored_in_clear_anywhere(app, client, auth, db) -> None:
    """A user created by the admin, then a failed login: neither password is in any table."""
    auth.login(Role.ADMIN)
    client.post(
        "/admin/users",
        data={"username": "newbie", "display_name": "New", "role": "driver", "password": "Fresh-Password-77"},
    )
    client.post("/login", data={"username": "newbie", "password": "Mistyped-Password-88"})
    assert db.exec(select(User.password_hash).where(User.username == "newbie")).one().startswith("scrypt:")
    with app.extensions["reloop.engine"].connect() as conn:
        dump = repr([conn.execute(table.select()).all() for table in SQLModel.metadata.sorted_tables])
    assert "Fresh-Password-77" not in dump and "Mistyped-Password-88" not in dump


def test_a_production_app_refuses_to_start_without_a_secret_key(database_url, tmp_path, cache_dir) -> None:
    """Not debug, not testing, no RELOOP_SECRET_KEY: a ConfigError naming the variable."""
    settings = Settings(instance_path=tmp_path, database_url=database_url, cache_dir=cache_dir).validated()
    with pytest.raises(ConfigError, match="RELOOP_SECRET_KEY is not set"):
        create_app({"SETTINGS": settings})
    assert not (tmp_path / "secret_key").exists()


def test_the_reloop_command_keeps_one_generated_key_private_to_its_owner(
    database_url, tmp_path, cache_dir
) -> None:
    """generate_secret writes a 0600 key file once; a second app reads the same key."""
    settings = Settings(instance_path=tmp_path, database_url=database_url, cache_dir=cache_dir).validated()
    first = create_app({"SETTINGS": settings}, generate_secret=True)
    second = create_app({"SETTINGS": settings}, generate_secret=True)
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.secret_key == second.secret_key == key_file.read_text().strip()
    assert len(first.secret_key) >= 48
    for made in (first, second):
        made.extensions["reloop.engine"].dispose()


def test_the_secret_key_comes_from_the_environment() -> None:
    """RELOOP_SECRET_KEY is taken as given."""
    settings = Settings.from_env({"DATABASE_URL": "sqlite://", "RELOOP_SECRET_KEY": "k" * 40})
    assert settings.with_secret(generate=False).secret_key == "k" * 40


def test_the_trace_signing_key_comes_from_reloop_trace_key(app, tmp_path, monkeypatch) -> None:
    """A PEM named by RELOOP_TRACE_KEY is the key that signs, not the instance one."""
    key = generate_key()
    (tmp_path / "sign.pem").write_bytes(private_key_pem(key))
    monkeypatch.setenv("RELOOP_TRACE_KEY", str(tmp_path / "sign.pem"))
    app.extensions.pop("reloop.trace_key", None)
    assert keys.public_key(app).public_bytes_raw() == key.public_key().public_bytes_raw()
    app.extensions.pop("reloop.trace_key", None)


def test_no_key_material_reaches_the_logs_or_the_pages(app, client, auth, caplog) -> None:
    """Signing a tree head and serving the public key log neither private key nor session key."""
    caplog.set_level(logging.DEBUG)
    auth.login(Role.ADMIN)
    assert client.post("/trace/tree-head").status_code == 302
    public_pem = client.get("/audit/public-key.pem").get_data(as_text=True)
    private = keys.signing_key(app)
    pem_body = "".join(private_key_pem(private).decode().splitlines()[1:-1])
    secrets = [pem_body, pem_body[:40], private.private_bytes_raw().hex(), app.secret_key]
    assert "PRIVATE" not in public_pem
    assert not [s for s in secrets if s in caplog.text or s in public_pem]
    key_file = Path(app.instance_path) / keys.KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


# --- oversized bodies ----------------------------------------------------------------------


def _as_driver(client, db: Session) -> str:
    """Give the seeded driver user a driver profile, log in, return a device token."""
    user = db.exec(select(User).where(User.username == "driver")).one()
    driver = Driver(user_id=user.id, name="driver")
    db.add(driver)
    db.commit()
    assert _login(client, "driver").status_code == 302
    return issue_device_token(db, driver, device="test")


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("dispatcher", "/outlets/import"),
        ("dispatcher", "/trace/import"),
        ("dispatcher", "/siting/"),
        ("driver", "/driver/stops/1"),
    ],
)
def test_form_uploads_over_the_limit_get_a_413_page_naming_it(client, db, role, url) -> None:
    """A file one byte over 5 MB is refused with an HTML page that says 5 MB."""
    if role == "driver":
        _as_driver(client, db)
    else:
        _login(client, role)
    big = {"file": (io.BytesIO(b"x" * (LIMIT + 1)), "big.csv")}
    response = client.post(url, data=big, content_type="multipart/form-data")
    assert response.status_code == 413 and response.mimetype == "text/html"
    assert "5 MB" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("kind", "url", "content_type"),
    [
        (TokenKind.SENSOR, "/api/v1/fill-readings", "application/json"),
        (TokenKind.PARTNER, "/api/v1/battery-events", "application/json"),
        (TokenKind.DEVICE, "/api/v1/driver/completions", "application/json"),
        (TokenKind.DEVICE, "/api/v1/driver/evidence", "image/jpeg"),
    ],
)
def test_api_bodies_over_the_limit_get_a_json_413_naming_it(client, db, kind, url, content_type) -> None:
    """JSON and photo bodies over 5 MB get a JSON 413 with the limit in bytes and words."""
    token = _as_driver(client, db) if kind == TokenKind.DEVICE else tokens.issue(db, name="t", kind=kind)[1]
    body = b'{"events": [' + b" " * LIMIT + b"]}"
    response = client.post(
        url, data=body, content_type=content_type, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 413
    answer = response.get_json()
    assert answer["limit_bytes"] == LIMIT and "5 MB" in answer["error"]


def test_a_body_under_the_limit_is_read_and_judged_on_its_content(client, db) -> None:
    """Four megabytes of bad JSON is a 422 about the readings, not a 413."""
    token = tokens.issue(db, name="t", kind=TokenKind.SENSOR)[1]
    body = b'{"readings": [' + b" " * (4 * 1024 * 1024) + b"]}"
    response = client.post(
        "/api/v1/fill-readings",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422


def test_the_413_names_the_configured_limit(app_with) -> None:
    """With RELOOP_MAX_UPLOAD_BYTES=2048 the refusal says 2 KB."""
    client = app_with(max_upload_bytes=2048).test_client()
    _login(client)
    response = client.post(
        "/outlets/import",
        data={"file": (io.BytesIO(b"x" * 3000), "a.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413 and "2 KB" in response.get_data(as_text=True)


def test_an_oversized_form_is_refused_413_before_the_csrf_check(
    database_url, tmp_path, cache_dir, app
) -> None:
    """With CSRF on, reading the form for its token already stops at the limit."""
    guarded = make_app(database_url, tmp_path, cache_dir, WTF_CSRF_ENABLED=True)
    client = guarded.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert _login(client, data_token=token).status_code == 302
    response = client.post(
        "/outlets/import",
        data={"file": (io.BytesIO(b"x" * (LIMIT + 1)), "a.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    guarded.extensions["reloop.engine"].dispose()
