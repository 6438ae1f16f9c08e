"""The access table covers every route, and every role is refused outside it."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from webapp.access import access_table
from webapp.models import Role


def _sample_url(rule: str) -> str:
    """A concrete URL for a rule: 1 for ints, a plain word for strings and paths."""
    url = re.sub(r"<int:[^>]+>", "1", rule)
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
