"""Schemathesis against every operation of the OpenAPI document, in process, on a seeded
day: no server errors, every answer as documented; and every token operation refuses
requests without a token or with a token of another kind.

The quick run for ``make test``: a few derandomized examples per operation. The long
one (200 per operation) is ``reliability/test_schemathesis.py``.
"""

from __future__ import annotations

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
