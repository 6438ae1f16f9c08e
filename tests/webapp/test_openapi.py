"""The OpenAPI 3.1 document: valid, naming exactly the app's /api/v1 routes, with the
answers and token kinds each operation has, and schemas that accept what the API takes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from jsonschema import Draft202012Validator

from tests.webapp.trace.conftest import PACK_A, PRODUCT, TEST, item, to_enterprise
from webapp.models import TokenKind
from webapp.openapi import document

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def doc(app: Flask) -> dict[str, Any]:
    with app.app_context():
        return document()


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item_ in doc["paths"].items()
        for method, op in item_.items()
        if method in METHODS
    ]


def _validator(doc: dict[str, Any], name: str) -> Draft202012Validator:
    schema = {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_the_document_is_served_without_a_token_and_is_valid_openapi_3_1(client) -> None:
    """GET /api/v1/openapi.json is public and openapi-spec-validator finds nothing wrong."""
    from openapi_spec_validator import validate

    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json()["openapi"] == "3.1.0"
    validate(response.get_json())


def test_every_api_route_is_documented_and_every_documented_operation_exists(app: Flask, doc) -> None:
    """The /api/v1 rules of the URL map and the document's operations are the same set."""
    routes = {
        (re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == {(path, method) for path, method, _op in _operations(doc)}


def test_each_token_kind_has_a_bearer_scheme(doc) -> None:
    """Sensors, phones, partner systems and auditors each have their own security scheme."""
    schemes = doc["components"]["securitySchemes"]
    assert set(schemes) == {f"{kind.value}Token" for kind in TokenKind}
    assert all(s == {**s, "type": "http", "scheme": "bearer"} for s in schemes.values())


def test_every_operation_documents_the_answers_it_can_give(doc) -> None:
    """Token operations say 401 and 503, bodies 413 and 422, path parameters 404; ids are unique."""
    ids = [op["operationId"] for _path, _method, op in _operations(doc)]
    assert len(ids) == len(set(ids))
    for path, method, op in _operations(doc):
        codes = set(op["responses"])
        if op["security"]:
            assert {"401", "503"} <= codes, (method, path)
            assert all(set(s) <= set(doc["components"]["securitySchemes"]) for s in op["security"])
        if "requestBody" in op:
            assert {"413", "422"} <= codes, (method, path)
        if "{" in path:
            assert "404" in codes, (method, path)
        assert all("application/json" in r["content"] for r in op["responses"].values()), (method, path)


def test_the_event_schema_takes_the_events_the_api_records(doc) -> None:
    """A journey, a capacity test, a correction and a regrouping are valid BatteryEventIn."""
    validator = _validator(doc, "BatteryEventIn")
    events = [
        *to_enterprise(),
        item("capacity_tested", n=3, payload=TEST),
        item(
            "capacity_tested",
            n=3,
            event_id="fix",
            payload=TEST,
            corrects="ev-0123-3",
            correction_reason="wrong channel",
        ),
        item("regrouped", PRODUCT, n=7, payload={"sources": [PACK_A], "rated_energy_wh": 60_000}),
    ]
    for event in events:
        assert list(validator.iter_errors(event)) == [], event


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "exploded"},
        {"battery_code": PACK_A.lower()},
        {"payload": {"mass_g": -1}},
        {"payload": {"mass_g": 1, "colour": "red"}},
        {"actor": "   "},
        {"occurred_at": "2026-11-02 09:30"},
        {"corrects": "ev-1"},
        {"extra": 1},
    ],
)
def test_the_event_schema_refuses_what_the_api_refuses(doc, change: dict[str, Any]) -> None:
    """Unknown kinds, codes, payload fields, blank text, times without T and lone corrections."""
    assert not _validator(doc, "BatteryEventIn").is_valid(to_enterprise()[0] | change)


def test_the_documented_examples_are_valid_against_their_schemas(doc) -> None:
    """Every example the document gives passes the schema it illustrates."""
    for name, schema in doc["components"]["schemas"].items():
        for example in schema.get("examples", []):
            assert _validator(doc, name).is_valid(example), name


def test_a_completion_as_the_phone_sends_it_is_valid(doc) -> None:
    """The phone's queued record (numbers and text weights, GPS, no skip reason) passes."""
    body = {
        "id": "a1b2c3d4e5f6",
        "stop_id": 12,
        "outcome": "collected",
        "recorded_at": "2026-11-24T09:30:00+08:00",
        "weights_kg": {"paper": 12.5, "plastic": "3,4"},
        "skip_reason": None,
        "note": "",
        "position": {"lon": 114.05, "lat": 22.54, "accuracy_m": 8.0},
        "photo_sha256": None,
    }
    validator = _validator(doc, "CompletionIn")
    assert list(validator.iter_errors(body)) == []
    assert not validator.is_valid(body | {"weights_kg": {"paper": 12.25}})
    assert not validator.is_valid(body | {"outcome": "skipped"})
