"""Login, logout and CSRF."""

from __future__ import annotations

from sqlmodel import select

from tests.webapp.conftest import PASSWORD, make_app
from webapp.models import Role, User, UserSession


def test_login_with_the_right_password_opens_the_registry(client, auth) -> None:
    """A dispatcher who logs in lands on the outlet registry."""
    response = auth.login(Role.DISPATCHER)
    assert response.status_code == 302
    assert client.get("/", follow_redirects=True).request.path == "/outlets/"


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, auth) -> None:
    """A failed login shows one message for unknown user and wrong password alike."""
    for username, password in (("dispatcher", "wrong-password"), ("nobody", PASSWORD)):
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 400
        assert "用户名或密码错误" in response.get_data(as_text=True)


def test_passwords_are_stored_only_as_salted_hashes(db) -> None:
    """No password is stored in clear, and equal passwords hash differently."""
    hashes = db.exec(select(User.password_hash)).all()
    assert all(PASSWORD not in h and h.startswith("scrypt:") for h in hashes)
    assert len(set(hashes)) == len(hashes)


def test_logout_revokes_the_session_so_a_copied_cookie_stops_working(app, client, auth, db) -> None:
    """After logout, a second client holding the same cookie is sent to login."""
    auth.login(Role.DISPATCHER)
    cookie = client.get_cookie("session")
    thief = app.test_client()
    thief.set_cookie("session", cookie.value, domain=cookie.domain)
    assert thief.get("/outlets/").status_code == 200
    auth.logout()
    assert thief.get("/outlets/").status_code == 302
    assert db.exec(select(UserSession).where(UserSession.revoked_at.is_not(None))).first()


def test_disabling_a_user_ends_their_open_sessions(app, client, auth, db) -> None:
    """An admin disabling a dispatcher logs the dispatcher out everywhere."""
    auth.login(Role.DISPATCHER)
    target = db.exec(select(User).where(User.username == "dispatcher")).one()
    admin = app.test_client()
    admin.post("/login", data={"username": "admin", "password": PASSWORD})
    response = admin.post(f"/admin/users/{target.id}/active/0")
    assert response.headers["Location"] == "/admin/users"
    assert client.get("/outlets/").status_code == 302


def test_login_does_not_redirect_to_another_site(client) -> None:
    """The next parameter only accepts paths on this site."""
    response = client.post(
        "/login?next=https://evil.example/", data={"username": "dispatcher", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_forms_and_htmx_requests_need_the_csrf_token(app, database_url, tmp_path, cache_dir) -> None:
    """With CSRF on, a POST without a token is refused; the htmx header token is accepted."""
    app = make_app(database_url, tmp_path, cache_dir, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert client.post("/login", data={"username": "dispatcher", "password": PASSWORD}).status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    ok = client.post("/login", data={"username": "dispatcher", "password": PASSWORD, "csrf_token": token})
    assert ok.status_code == 302
    assert client.post("/logout").status_code == 400
    page = client.get("/outlets/").get_data(as_text=True)
    fresh = page.split('"X-CSRFToken": "')[1].split('"')[0]
    assert client.post("/logout", headers={"X-CSRFToken": fresh, "HX-Request": "true"}).status_code == 302
    app.extensions["reloop.engine"].dispose()
