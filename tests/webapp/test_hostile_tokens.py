"""Hostile bearer tokens: expired, revoked, a disabled user's, the wrong kind, malformed
headers and device ids. Each gets the one 401 (or a 422 naming the field), never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.webapp.conftest import PASSWORD
from webapp.api import tokens
from webapp.models import ApiToken, Driver, TokenKind, User
from webapp.models._types import utcnow

# One endpoint per machine API and the token kind it takes.
APIS = {
    TokenKind.SENSOR: ("POST", "/api/v1/fill-readings"),
    TokenKind.DEVICE: ("GET", "/api/v1/driver/routes/today"),
    TokenKind.PARTNER: ("POST", "/api/v1/battery-events"),
    TokenKind.AUDITOR: ("GET", "/api/v1/trace/tree-head"),
    TokenKind.KIOSK: ("POST", "/api/v1/kiosk/deposits"),
    TokenKind.CASCADE_CUSTOMER: ("POST", "/api/v1/cascade/health-readings"),
}


def _call(client, kind: TokenKind, header: str | None):
    method, url = APIS[kind]
    headers = {"Authorization": header} if header is not None else {}
    return client.open(url, method=method, json={}, headers=headers)


def _refused(response) -> dict:
    assert response.status_code == 401, response.get_data(as_text=True)[:300]
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="reloop"')
    body = response.get_json()
    assert set(body) == {"error", "status"} and body["status"] == 401
    return body


@pytest.fixture
def driver_user(db) -> User:
    user = db.exec(select(User).where(User.username == "driver")).one()
    db.add(Driver(user_id=user.id, name="张三"))
    db.commit()
    return user


def _live(db, kind: TokenKind, user: User | None = None) -> tuple[ApiToken, str]:
    return tokens.issue(db, name=kind.value, kind=kind, user_id=user.id if user else None)


@pytest.mark.parametrize("kind", list(TokenKind))
def test_an_expired_token_gets_the_same_401_as_an_unknown_one(client, db, driver_user, kind) -> None:
    """A token a second past its expiry is refused exactly like a made-up token."""
    row, plain = _live(db, kind, driver_user if kind == TokenKind.DEVICE else None)
    assert _call(client, kind, f"Bearer {plain}").status_code != 401
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    assert _refused(_call(client, kind, f"Bearer {plain}")) == _refused(
        _call(client, kind, "Bearer rl_unknown")
    )


@pytest.mark.parametrize("kind", list(TokenKind))
def test_a_revoked_token_is_refused_on_its_api(client, db, driver_user, kind) -> None:
    """Revoked by an administrator: the one 401 on the API the token was made for."""
    row, plain = _live(db, kind, driver_user if kind == TokenKind.DEVICE else None)
    from webapp.models.users import RevokeReason

    tokens.revoke(db, row, RevokeReason.ADMIN, actor_id=None)
    db.commit()
    _refused(_call(client, kind, f"Bearer {plain}"))


def test_a_disabled_users_unrevoked_token_is_still_refused(client, db, driver_user) -> None:
    """Even a token that escaped revocation (a user disabled by hand in the database) is refused."""
    _row, plain = _live(db, TokenKind.DEVICE, driver_user)
    assert _call(client, TokenKind.DEVICE, f"Bearer {plain}").status_code == 200
    driver_user.active = False
    db.add(driver_user)
    db.commit()
    _refused(_call(client, TokenKind.DEVICE, f"Bearer {plain}"))


def test_disabling_a_user_by_the_admin_page_revokes_every_token_of_theirs(
    app, client, db, driver_user
) -> None:
    """Two phones and a partner token of the user: all revoked, none deleted, none back on re-enable."""
    plain = [_live(db, TokenKind.DEVICE, driver_user)[1] for _ in range(2)]
    plain.append(_live(db, TokenKind.PARTNER, driver_user)[1])
    admin = app.test_client()
    admin.post("/login", data={"username": "admin", "password": PASSWORD})
    admin.post(f"/admin/users/{driver_user.id}/active/0")
    admin.post(f"/admin/users/{driver_user.id}/active/1")
    db.expire_all()
    rows = db.exec(select(ApiToken).where(ApiToken.user_id == driver_user.id)).all()
    assert len(rows) == 3 and all(r.revoked_at is not None for r in rows)
    for kind, token in zip([TokenKind.DEVICE, TokenKind.DEVICE, TokenKind.PARTNER], plain, strict=True):
        _refused(_call(client, kind, f"Bearer {token}"))


@pytest.mark.parametrize("kind", list(TokenKind))
def test_every_other_kind_is_refused_with_the_same_401(client, db, driver_user, kind) -> None:
    """A live token of one kind opens none of the other machine APIs."""
    _row, plain = _live(db, kind, driver_user)
    for other in TokenKind:
        if other != kind and not {kind, other} <= {TokenKind.PARTNER, TokenKind.AUDITOR}:
            _refused(_call(client, other, f"Bearer {plain}"))


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer",
        "Bearer ",
        "Basic cmVsb29wOnNlY3JldA==",
        "Token {token}",
        "{token}",
        "Bearer {token} extra",
        "Bearer {token}\x00",
        "Bearer \x00",
        "Bearer t\u00f6k\u00e9n",
        "Bearer " + "A" * 10_000,
        "Bearer Bearer {token}",
        "Bearer {token}x",
    ],
)
def test_malformed_authorization_headers_get_the_401(client, db, header: str) -> None:
    """A header that is not exactly one valid bearer token is refused, never a 500."""
    _row, plain = _live(db, TokenKind.SENSOR)
    value = header.replace("{token}", plain)
    if "\x00" in value or "\u00f6" in value:
        value = value.encode("utf-8").decode("latin-1")  # as a client sending raw bytes would
    _refused(_call(client, TokenKind.SENSOR, value))


def test_the_scheme_is_case_insensitive_and_blanks_around_are_ignored(client, db) -> None:
    """RFC 6750 lets clients write "bearer"; a stray space is not an attack."""
    _row, plain = _live(db, TokenKind.SENSOR)
    assert _call(client, TokenKind.SENSOR, f"bearer  {plain} ").status_code == 422  # in, empty body


@pytest.mark.parametrize(
    "device_id", ["short", "x" * 65, "../../etc/passwd", "phone\x00aaaa", "手机手机手机手机"]
)
def test_a_device_id_that_is_not_an_id_is_refused_naming_the_field(
    client, db, driver_user, device_id
) -> None:
    """422 naming device_id, and no token is issued."""
    client.post("/login", data={"username": "driver", "password": PASSWORD})
    response = client.post("/driver/device-token", data={"device_id": device_id})
    assert response.status_code in (400, 422)
    if response.status_code == 422:
        answer = response.get_json()  # the view's JSON, or the boundary's page for a control character
        assert answer["field"] == "device_id" if answer else 'data-field="device_id"' in response.text
    assert db.exec(select(ApiToken)).all() == []


def test_a_disabled_user_cannot_get_a_new_phone_token(app, client, db, driver_user) -> None:
    """The session that asked for tokens ends with the user; the token route refuses it."""
    client.post("/login", data={"username": "driver", "password": PASSWORD})
    admin = app.test_client()
    admin.post("/login", data={"username": "admin", "password": PASSWORD})
    admin.post(f"/admin/users/{driver_user.id}/active/0")
    response = client.post("/driver/device-token", headers={"Accept": "application/json"})
    assert response.status_code in (302, 401)
    assert db.exec(select(ApiToken)).all() == []
