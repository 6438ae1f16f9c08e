"""Schemathesis against the app's own OpenAPI document, in process (WSGI), on a seeded world.

Shared by the quick run in ``tests/webapp/test_api_fuzz.py`` (``make test``) and the long
one in ``reliability/test_schemathesis.py`` (``make reliability``). The world has today's
accepted plan with two drivers, a battery log with a signed tree head, and a bearer
token of every kind, handed to schemathesis by security scheme name.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from flask import Flask, got_request_exception, request
from schemathesis.engine import Status, events
from sqlmodel import Session

from tests.webapp.driver.conftest import make_day
from tests.webapp.kiosk import world as kiosk_world
from tests.webapp.trace.conftest import PACK_A, PACK_B, to_enterprise
from webapp.api import tokens
from webapp.driver.operations import issue_device_token
from webapp.models import TokenKind
from webapp.trace import keys, treeheads
from webapp.trace.inputs import parse_event
from webapp.trace.operations import record_events

#: Statuses a well-formed request may get: the schema cannot say which outlets, stops,
#: skip reasons or battery states exist, so business rules refuse valid shapes with 422.
ACCEPTED_VALID = ["2xx", "401", "403", "404", "409", "422"]


@dataclass(frozen=True)
class World:
    """What the fuzzed app holds: bearer tokens by security scheme, and driver1's route."""

    bearer: dict[str, str]
    route_id: int


def build_world(app: Flask, session: Session, cache_dir: Path) -> World:
    """Seed today's plan, a battery log with a signed head, and one token of each kind."""
    day = make_day(session, cache_dir)
    events_in = [parse_event(item)[0] for item in [*to_enterprise(PACK_A), *to_enterprise(PACK_B, start=3)]]
    record_events(session, events_in, actor_id=None)  # type: ignore[arg-type]
    with app.app_context():
        treeheads.issue_tree_head(session, keys.signing_key(app))
    bearer = {
        f"{kind.value}Token": tokens.issue(session, name=f"fuzz {kind.value}", kind=kind)[1]
        for kind in (TokenKind.SENSOR, TokenKind.PARTNER, TokenKind.AUDITOR, TokenKind.CASCADE_CUSTOMER)
    }
    bearer["deviceToken"] = issue_device_token(session, day.drivers["driver1"], device="schemathesis")
    bearer["kioskToken"] = kiosk_world.kiosk_token(session)[1]
    return World(bearer=bearer, route_id=day.routes["driver1"].id)  # type: ignore[arg-type]


def config(world: World, *, max_examples: int, seed: int = 8, coverage: bool = True) -> schemathesis.Config:
    """A deterministic run of every phase but the stateful one, with every check."""
    return schemathesis.Config.from_dict(
        {
            "seed": seed,
            "generation": {
                "mode": "all",
                "max-examples": max_examples,
                "deterministic": True,
                "database": "none",
            },  # nothing written into the working tree
            "phases": {"stateful": {"enabled": False}, "coverage": {"enabled": coverage}},
            "checks": {
                "positive_data_acceptance": {"expected-statuses": ACCEPTED_VALID},
                # Its probes pass requests-only options (max_redirects) to werkzeug's client
                # and crash under WSGI (schemathesis 4.32); test_api_fuzz.py checks every
                # operation without a token and with each wrong kind of token instead.
                "ignored_auth": {"enabled": False},
            },
            "auth": {"openapi": {scheme: {"bearer": value} for scheme, value in world.bearer.items()}},
        }
    )


@dataclass
class Outcome:
    """What a run did: operations tested, inputs sent, statuses seen and every failure."""

    operations: set[str] = field(default_factory=set)
    inputs_tried: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    by_operation: dict[str, Counter[int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        """Requests the app crashed on, and 5xx answers the document does not promise."""
        unpromised = sum(n for status, n in self.statuses.items() if status >= 500 and status != 503)
        return len(self.crashes) + unpromised


def run(app: Flask, world: World, *, max_examples: int, seed: int = 8, coverage: bool = True) -> Outcome:
    """Run schemathesis over the whole document against ``app`` and collect the outcome."""
    settings = config(world, max_examples=max_examples, seed=seed, coverage=coverage)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=settings)
    outcome = Outcome()

    def crashed(_sender: Flask, exception: BaseException, **_extra: Any) -> None:
        # schemathesis re-raises these as run errors and moves on; count every one.
        outcome.crashes.append(f"{request.method} {request.full_path}: {exception!r}")

    got_request_exception.connect(crashed, app)
    try:
        for event in schemathesis.engine.from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                _collect(outcome, event)
            elif isinstance(event, events.NonFatalError):
                outcome.errors.append(f"{event.label}: {event.info.format()}")
            elif isinstance(event, events.FatalError):
                outcome.errors.append(repr(event.exception))
    finally:
        got_request_exception.disconnect(crashed, app)
    return outcome


def _collect(outcome: Outcome, event: events.ScenarioFinished) -> None:
    recorder = event.recorder
    if recorder.label:
        outcome.operations.add(recorder.label)
    statuses = outcome.by_operation.setdefault(recorder.label, Counter())
    for interaction in recorder.interactions.values():
        outcome.inputs_tried += 1
        if interaction.response is not None:
            outcome.statuses[interaction.response.status_code] += 1
            statuses[interaction.response.status_code] += 1
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.status == Status.FAILURE and check.failure_info is not None:
                outcome.failures.append(_describe(recorder, case_id, check))


def _describe(recorder: Any, case_id: str, check: Any) -> str:
    failure = check.failure_info.failure
    interaction = recorder.interactions.get(case_id)
    status = interaction.response.status_code if interaction and interaction.response else "-"
    body = ""
    if interaction and interaction.response is not None:
        body = (interaction.response.content or b"")[:300].decode("utf-8", "replace")
    return (
        f"{recorder.label} [{check.name}] {failure.title}: {failure.message[:300]}\n"
        f"    HTTP {status} {body}\n    {check.failure_info.code_sample[:600]}"
    )
