"""Hostile input at the boundary: control characters, absurd dates and numbers, deep JSON.

Every case is refused with 400 (or 422 from a form's own check) naming the field, on
SQLite and PostgreSQL alike; none is a 500, none is stored.
"""

from __future__ import annotations

import io
import json

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from webapp.api import tokens
from webapp.models import FillReading, Role, TokenKind
from webapp.models.users import User, UserSession

HUGE = "9" * 20

# (role, method, url, form data or None, the field the answer must name)
CONTROL_CHARACTERS = [
    ("admin", "GET", "/audit/?q=%00", None, "q"),
    ("admin", "GET", "/audit/?q=a%01b", None, "q"),
    ("admin", "GET", "/audit/batteries/%00", None, "code"),
    ("admin", "GET", "/audit/batteries/S01%1bPE/verification", None, "code"),
    ("admin", "GET", "/passport/%00", None, "code"),
    ("admin", "GET", "/passport/%00/label", None, "code"),
    ("admin", "GET", "/outlets/?q=%00", None, "q"),
    ("admin", "GET", "/outlets/?district=%00", None, "district"),
    ("admin", "GET", "/outlets/?material=%00", None, "material"),
    ("admin", "GET", "/outlets/geojson?q=x%00", None, "q"),
    ("admin", "GET", "/reports/?district=%00", None, "district"),
    ("admin", "GET", "/reports/records?kind=collections&district=%00", None, "district"),
    ("admin", "GET", "/reports/records?kind=collections&material=%7f%00", None, "material"),
    ("admin", "GET", "/audit/export.csv?actor=%00", None, "actor"),
    ("admin", "GET", "/audit/export.jsonl?code=%1f", None, "code"),
    ("admin", "GET", "/audit/export?kind=%00", None, "kind"),
    ("admin", "GET", "/siting/compare?a=1%00&b=2", None, "a"),
    ("admin", "GET", "/dispatch/?day=%00", None, "day"),
    ("admin", "GET", "/audit/?q=line%0Abreak", None, "q"),
    ("admin", "GET", "/audit/?%00=1", None, "\\x00"),
    (None, "POST", "/login", {"username": "admin\x00", "password": "x"}, "username"),
    (
        "admin",
        "POST",
        "/admin/users",
        {"username": "eve\x00", "password": "longenough1", "role": "driver"},
        "username",
    ),
    (
        "admin",
        "POST",
        "/admin/users",
        {"username": "eve", "display_name": "E\x07", "password": "x"},
        "display_name",
    ),
    ("admin", "POST", "/admin/tokens", {"name": "gw\x00", "kind": "sensor"}, "name"),
    ("admin", "POST", "/outlets/1/close", {"reason": "gone\x00"}, "reason"),
    ("admin", "POST", "/reports/factors", {"material": "paper", "note": "n\x00", "source": "s"}, "note"),
    ("admin", "POST", "/trace/reports", {"event_id": "1", "reference": "r\x00"}, "reference"),
    ("admin", "POST", "/dispatch/stops/reassign", {"stop_id": "1\x00", "route_id": "1"}, "stop_id"),
]

OVERFLOW = [
    ("admin", "GET", "/reports/?from=9999-12-31", None, "from"),
    ("admin", "GET", "/reports/?to=0001-01-01", None, "to"),
    ("admin", "GET", "/reports/report.csv?from=0001-01-01&to=2026-01-01", None, "from"),
    ("admin", "GET", "/reports/records?kind=collections&from=9999-12-31", None, "from"),
    ("admin", "GET", "/audit/export.csv?since=9999-12-31", None, "since"),
    ("admin", "GET", "/audit/export.csv?until=0001-01-01", None, "until"),
    ("admin", "GET", "/audit/export.jsonl?since=0001-01-01", None, "since"),
    ("admin", "GET", "/audit/export.jsonl?until=9999-12-31", None, "until"),
    ("admin", "GET", "/audit/export?since=9999-12-31", None, "since"),
    ("admin", "GET", f"/reports/records?kind=collections&page={HUGE}", None, "page"),
    ("admin", "GET", f"/reports/records?kind=collections&per_page={HUGE}", None, "per_page"),
    ("admin", "GET", "/reports/records?kind=collections&page=%C2%B2", None, "page"),
    ("admin", "GET", f"/reports/?org={HUGE}", None, "org"),
    ("admin", "GET", f"/siting/compare?a={HUGE}&b=1", None, "a"),
    ("admin", "GET", f"/siting/compare?a=1&b=-{HUGE}", None, "b"),
    ("admin", "POST", "/dispatch/stops/reassign", {"stop_id": HUGE, "route_id": "1"}, "stop_id"),
    ("admin", "POST", "/dispatch/stops/reassign", {"stop_id": "1", "route_id": HUGE}, "route_id"),
    ("admin", "POST", "/dispatch/routes/reassign", {"route_id": HUGE, "driver_id": "1"}, "route_id"),
    ("admin", "POST", "/dispatch/routes/reassign", {"route_id": "1", "driver_id": HUGE}, "driver_id"),
    ("admin", "POST", "/reports/factors", {"material": "paper", "valid_from": "0001-01-01"}, "valid_from"),
    (
        "admin",
        "POST",
        "/reports/rates",
        {"kind": "new_outlet", "yuan": "1", "valid_from": "9999-12-31"},
        "valid_from",
    ),
    (
        "admin",
        "POST",
        "/outlets/1/readings",
        {"fill_pct": "50", "measured_at": "0001-01-01T00:00"},
        "measured_at",
    ),
    ("admin", "POST", "/trace/reports", {"event_id": "1", "reported_at": "9999-12-31T23:59"}, "reported_at"),
]

NOT_A_RATE = ["NaN", "nan", "sNaN", "Infinity", "-inf", "1e400", "-5", "1e-400"]

TOKEN_APIS = ["/api/v1/fill-readings", "/api/v1/driver/completions", "/api/v1/battery-events"]


def _send(client: FlaskClient, method: str, url: str, data: dict[str, str] | None) -> tuple[int, str]:
    response = client.open(url, method=method, data=data)
    return response.status_code, response.get_data(as_text=True)


@pytest.mark.parametrize(("role", "method", "url", "data", "field"), CONTROL_CHARACTERS)
def test_control_characters_are_refused_naming_the_field(
    client, auth, role, method, url, data, field
) -> None:
    """A C0 control character in the URL is a 400, in a submitted form a 422; both name the field."""
    if role:
        auth.login(role)
    status, body = _send(client, method, url, data)
    assert status == (422 if method == "POST" else 400), (status, body[:300])
    assert f"“{field}”" in body


def test_the_refusal_page_is_in_chinese_by_default(client, auth) -> None:
    """The 400 page for a browser says what is wrong in Chinese."""
    auth.login(Role.ADMIN)
    body = client.get("/audit/?q=%00").get_data(as_text=True)
    assert "字段“q”的值无效" in body and "控制字符" in body


def test_a_refused_name_is_not_stored(client, auth, db: Session) -> None:
    """A user name with NUL leaves no user behind, on SQLite as on PostgreSQL."""
    auth.login(Role.ADMIN)
    client.post("/admin/users", data={"username": "eve\x00", "password": "longenough1", "role": "driver"})
    assert db.exec(select(User).where(User.username.startswith("eve"))).first() is None  # type: ignore[attr-defined]


def _bearer(db: Session, kind: TokenKind) -> dict[str, str]:
    _row, plain = tokens.issue(db, name=f"hostile-{kind.value}", kind=kind)
    return {"Authorization": f"Bearer {plain}"}


def test_an_api_refusal_is_json_naming_every_bad_item(client, db: Session) -> None:
    """NULs in two readings of a batch: one 422 naming both items and their fields, nothing stored."""
    good = {"outlet_code": "X", "fill_pct": 1, "measured_at": "2026-11-02T09:30:00+08:00"}
    body = {"readings": [good | {"reading_id": "r\x00"}, good | {"reading_id": "ok", "outlet_code": "X\x00"}]}
    response = client.post("/api/v1/fill-readings", json=body, headers=_bearer(db, TokenKind.SENSOR))
    assert response.status_code == 422
    named = {(e["index"], e["field"]) for e in response.get_json()["errors"]}
    assert {(0, "reading_id"), (1, "outlet_code")} <= named
    assert db.exec(select(func.count()).select_from(FillReading)).one() == 0


def test_a_lone_surrogate_in_json_is_refused(client, db: Session) -> None:
    """JSON may escape a half surrogate pair, which no database can store as text."""
    response = client.post(
        "/api/v1/battery-events",
        data='{"events": [{"code": "\\ud800"}]}',
        content_type="application/json",
        headers=_bearer(db, TokenKind.PARTNER),
    )
    assert response.status_code == 422
    assert any(e["field"].startswith("code") for e in response.get_json()["errors"])


@pytest.mark.parametrize("filename", ["outlets.csv", "upload.txt"])
def test_a_csv_upload_with_nul_names_the_field_and_line(client, auth, filename) -> None:
    """An uploaded CSV holding a NUL is refused before any importer reads it, naming the line."""
    auth.login(Role.ADMIN)
    csv = b"code,name\nFT-1,ok\nFT-2,bad\x00name\n"
    response = client.post("/outlets/import", data={"file": (io.BytesIO(csv), filename)})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "“file”" in body and "3" in body


def test_a_csv_upload_may_have_tabs_and_crlf(client, auth) -> None:
    """Tab-separated or Windows line ends are text, not control characters to refuse."""
    auth.login(Role.ADMIN)
    csv = "code\tname\r\nFT-1\t网点\r\n".encode()
    response = client.post("/outlets/import", data={"file": (io.BytesIO(csv), "outlets.csv")})
    assert response.status_code != 400 or "控制字符" not in response.get_data(as_text=True)


def test_a_multi_line_form_field_keeps_its_line_breaks(client, auth) -> None:
    """CR/LF in a textarea (a close reason) is not refused as a control character."""
    auth.login(Role.ADMIN)
    response = client.post("/outlets/1/close", data={"reason": "moved\r\nto the market"})
    assert response.status_code == 404  # no outlet 1: the view ran


@pytest.mark.parametrize(("role", "method", "url", "data", "field"), OVERFLOW)
def test_out_of_range_dates_and_numbers_are_refused_naming_the_field(
    client, auth, role, method, url, data, field
) -> None:
    """Years 0001/9999, 20-digit ids and pages, Unicode digits: 400 or 422 naming the field."""
    auth.login(role)
    status, body = _send(client, method, url, data)
    assert status in (400, 422), (status, body[:300])
    assert field in body


@pytest.mark.parametrize("yuan", NOT_A_RATE)
def test_a_rate_must_be_a_finite_amount(client, auth, db: Session, yuan) -> None:
    """NaN, infinities, 1e400 and negative rates are refused; nothing is stored."""
    from webapp.models.metrics import SubsidyRate

    auth.login(Role.ADMIN)
    response = client.post(
        "/reports/rates", data={"kind": "new_outlet", "yuan": yuan, "basis": "b", "valid_from": "2026-01-01"}
    )
    assert response.status_code in (400, 422)
    assert db.exec(select(func.count()).select_from(SubsidyRate)).one() == 0


@pytest.mark.parametrize("next_url", ["/%0D%0ASet-Cookie:x=1", "/reports/%0Aa", "/%00"])
def test_a_login_next_with_control_characters_opens_no_session(client, db: Session, next_url) -> None:
    """The right password with a hostile ``next`` is refused before a session row is made."""
    response = client.post(
        f"/login?next={next_url}", data={"username": "admin", "password": "correct-horse-42"}
    )
    assert response.status_code == 400
    assert db.exec(select(func.count()).select_from(UserSession)).one() == 0


def test_a_login_next_to_another_host_lands_on_the_start_page(client) -> None:
    """``next`` naming another site, or a backslash trick, is ignored after a good login."""
    for target in ("https://evil.example/", "//evil.example", "/\\evil.example", "/\\/evil"):
        response = client.post(
            "/login",
            query_string={"next": target},
            data={"username": "admin", "password": "correct-horse-42"},
        )
        assert response.status_code == 302 and response.headers["Location"] == "/", target
        client.post("/logout")


@pytest.mark.parametrize("url", TOKEN_APIS)
def test_json_nested_a_thousand_levels_is_refused(client, url) -> None:
    """A thousand nested arrays is a 422 naming the body, not a recursion crash."""
    body = "[" * 1000 + "]" * 1000
    response = client.post(url, data=body, content_type="application/json")
    assert response.status_code == 422 and response.get_json()["field"] == "body"


@pytest.mark.parametrize("url", TOKEN_APIS)
def test_json_nested_objects_are_refused_too(client, url) -> None:
    """Deep objects inside a valid-looking batch are refused like deep arrays."""
    inner: object = "x"
    for _ in range(100):
        inner = {"a": inner}
    response = client.post(url, data=json.dumps({"readings": [inner]}), content_type="application/json")
    assert response.status_code == 422
