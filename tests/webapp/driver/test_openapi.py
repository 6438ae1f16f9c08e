"""The OpenAPI 3.1 document: valid, and it covers every /api/v1 route of the driver and sensor APIs."""

from __future__ import annotations

import re


def test_the_document_is_served_and_is_openapi_3_1(client) -> None:
    """GET /api/v1/openapi.json answers without a token and says 3.1.0."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json()["openapi"] == "3.1.0"


def test_the_document_validates_against_the_openapi_3_1_schema(client) -> None:
    """openapi-spec-validator finds nothing wrong."""
    from openapi_spec_validator import validate

    validate(client.get("/api/v1/openapi.json").get_json())


def test_driver_and_sensor_routes_are_all_described(app, client) -> None:
    """Every /api/v1/driver route and /api/v1/fill-readings appears with its methods."""
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/api/v1/driver") or rule.rule == "/api/v1/fill-readings"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        assert path in paths, path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in paths[path], (method, path)
