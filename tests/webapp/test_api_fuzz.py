"""Schemathesis against every operation of the OpenAPI document, in process, on a seeded
day: no server errors, every answer as documented; and every token operation refuses
requests without a token or with a token of another kind.

The quick run for ``make test``: a few derandomized examples per operation. The long
one (200 per operation) is ``reliability/test_schemathesis.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session

from tests.webapp import fuzzing
from tests.webapp.conftest import make_app, wipe
from webapp.openapi import document

EXAMPLES = 5


@pytest.fixture(scope="module")
def fuzzed(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, cache_dir: Path
) -> Iterator[tuple[Flask, fuzzing.World]]:
    """One app and world for the module; a crash must come back as a 500 to be counted."""
    app = make_app(
        database_url, tmp_path_factory.mktemp("fuzz-instance"), cache_dir, PROPAGATE_EXCEPTIONS=False
    )
    with Session(app.extensions["reloop.engine"], expire_on_commit=False) as session:
        world = fuzzing.build_world(app, session, cache_dir)
    yield app, world
    wipe(app)
    app.extensions["reloop.engine"].dispose()


@pytest.fixture(scope="module")
def outcome(fuzzed: tuple[Flask, fuzzing.World]) -> fuzzing.Outcome:
    app, world = fuzzed
    return fuzzing.run(app, world, max_examples=EXAMPLES)


def _operations(app: Flask) -> list[tuple[str, str, dict[str, Any]]]:
    with app.app_context():
        paths = document()["paths"]
    return [(path, method, op) for path, item in paths.items() for method, op in item.items()]


def test_every_token_operation_was_fuzzed(fuzzed, outcome: fuzzing.Outcome) -> None:
    """Each documented operation behind a token got generated requests."""
    app, _world = fuzzed
    expected = {f"{m.upper()} {p}" for p, m, op in _operations(app) if op["security"]}
    assert expected <= outcome.operations and outcome.inputs_tried > 10 * len(expected)


def test_no_generated_request_makes_the_app_fail(outcome: fuzzing.Outcome) -> None:
    """Zero crashes and zero 5xx answers the document does not promise."""
    assert outcome.crashes == [] and outcome.server_errors == 0, outcome.crashes[:5]


def test_every_answer_is_as_documented(outcome: fuzzing.Outcome) -> None:
    """Status codes, content types and bodies conform; valid input is not refused as malformed."""
    assert outcome.errors == [] and outcome.failures == [], "\n".join(
        outcome.failures[:10] + outcome.errors[:3]
    )


def _url(path: str, world: fuzzing.World) -> str:
    values = {
        "route_id": str(world.route_id),
        "client_id": "a1b2c3d4e5f6",
        "code": "S01PE0A1234567S5A0000123",
    }
    url = path
    for name, value in values.items():
        url = url.replace("{" + name + "}", value)
    return url


def test_token_operations_refuse_no_token_and_every_other_kind(fuzzed) -> None:
    """No token, a made-up one or a live token of another kind is 401; the right kind gets in."""
    app, world = fuzzed
    client = app.test_client()
    checked = 0
    for path, method, op in _operations(app):
        allowed = {scheme for requirement in op["security"] for scheme in requirement}
        if not allowed:
            continue
        url = _url(path, world)
        for scheme, token in [*world.bearer.items(), ("none", None), ("made-up", "rl_made_up")]:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            status = client.open(url, method=method.upper(), headers=headers, json={}).status_code
            assert (status != 401) == (scheme in allowed), (method, path, scheme, status)
            checked += 1
    assert checked >= 12 * 6


HOSTILE_STRINGS = ["\x00", "a\x00b", "\x1b[2J", "\ud800"]
HOSTILE_NUMBERS = [10**20, -(10**20), 1e308, "1e400", "NaN"]


def _hostile_bodies(op: dict[str, Any]) -> list[Any]:
    """Bodies of the operation's shape with every value replaced by a hostile one."""
    schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    bodies: list[Any] = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
    for value in [*HOSTILE_STRINGS, *HOSTILE_NUMBERS]:
        bodies.append({name: value for name in properties} or {"x": value})
        bodies.append({name: [{"id": value, "code": value}] for name in properties})
    return bodies


def test_nul_huge_numbers_and_deep_json_never_make_the_api_fail(fuzzed) -> None:
    """Every operation, with its token, given NUL, lone surrogates, 20-digit and non-finite
    numbers in path, query and body, and 37-deep JSON: never a 5xx."""
    app, world = fuzzed
    client = app.test_client()
    crashes: list[str] = []
    for path, method, op in _operations(app):
        schemes = [scheme for requirement in op["security"] for scheme in requirement]
        headers = {"Authorization": f"Bearer {world.bearer[schemes[0]]}"} if schemes else {}
        for value in ["%00", "9" * 20, "-" + "9" * 20, "%ED%A0%80"]:
            url = re.sub(r"\{[^}]+\}", value, path)
            query = {p["name"]: value for p in op.get("parameters", []) if p.get("in") == "query"}
            status = client.open(url, method=method.upper(), headers=headers, query_string=query).status_code
            if status >= 500 and status != 503:
                crashes.append(f"{method.upper()} {url} {query}: {status}")
        if method in ("post", "put", "patch"):
            for body in _hostile_bodies(op):
                # Bare 1e400 and NaN: Python's parser reads them as inf and nan.
                text = json.dumps(body).replace('"1e400"', "1e400").replace('"NaN"', "NaN")
                response = client.open(
                    _url(path, world),
                    method=method.upper(),
                    headers=headers,
                    data=text,
                    content_type="application/json",
                )
                if response.status_code >= 500 and response.status_code != 503:
                    crashes.append(f"{method.upper()} {path} {text[:80]}: {response.status_code}")
    assert crashes == [], crashes[:10]
