"""Kilograms with one decimal in, integer grams out; everything else refused with a reason."""

from __future__ import annotations

import json
import math

import pytest

from webapp.driver.completions import MAX_STOP_G, check_capacity, parse_completion, parse_kg


@pytest.mark.parametrize(
    "value,grams",
    [
        (12.5, 12_500),
        ("12.5", 12_500),
        ("12,5", 12_500),
        (" 7 ", 7_000),
        (0, 0),
        (12, 12_000),
        (0.1, 100),
        (5000, 5_000_000),
        ("0.3", 300),
        (1234.5, 1_234_500),
    ],
)
def test_good_weights_become_exact_grams(value, grams) -> None:
    """Numbers and numeric text with at most one decimal are stored exactly, in grams."""
    assert parse_kg(value) == (grams, None)


@pytest.mark.parametrize(
    "value",
    [
        -0.1,
        -5,
        math.nan,
        math.inf,
        -math.inf,
        True,
        False,
        "abc",
        "",
        "1e3",
        "12.34",
        12.25,
        "-3",
        "NaN",
        "Infinity",
        None,
        [12],
        {"kg": 1},
        5000.1,
        "99999999",
    ],
)
def test_bad_weights_are_refused_with_a_message(value) -> None:
    """Negative, NaN, Infinity, booleans, non-numbers, two decimals and over 5000 kg: refused."""
    grams, message = parse_kg(value)
    assert grams is None and message


def test_the_limit_can_be_the_trucks_capacity() -> None:
    """A 2-tonne truck cannot take 2000.1 kg at one stop."""
    assert parse_kg(2000.1, max_g=2_000_000)[0] is None
    assert parse_kg(2000.0, max_g=2_000_000) == (2_000_000, None)


def _body(**extra):
    body = {
        "id": "abcdef12",
        "stop_id": 3,
        "outcome": "collected",
        "recorded_at": "2026-11-24T09:30:00+08:00",
        "weights_kg": {"paper": 1.5},
    }
    body.update(extra)
    return body


def test_a_completion_is_parsed_into_grams_with_a_stable_fingerprint() -> None:
    """Same record, other key order and number spelling: same fingerprint; other weights: different."""
    data, problems = parse_completion(_body())
    again, _ = parse_completion(json.loads(json.dumps(_body(weights_kg={"paper": "1.5"}))))
    other, _ = parse_completion(_body(weights_kg={"paper": 1.6}))
    assert problems == [] and data.weights_g == {"paper": 1_500}
    assert data.fingerprint() == again.fingerprint() != other.fingerprint()


@pytest.mark.parametrize(
    "extra,field",
    [
        ({"id": "x"}, "id"),
        ({"stop_id": "3"}, "stop_id"),
        ({"stop_id": True}, "stop_id"),
        ({"outcome": "maybe"}, "outcome"),
        ({"recorded_at": "yesterday"}, "recorded_at"),
        ({"recorded_at": "2026-11-24T09:30:00"}, "recorded_at"),
        ({"recorded_at": "2999-01-01T00:00:00Z"}, "recorded_at"),
        ({"weights_kg": {"paper": 0}}, "weights_kg"),
        ({"outcome": "skipped"}, "weights_kg"),
        ({"outcome": "skipped", "weights_kg": {}}, "skip_reason"),
        ({"position": {"lon": 200, "lat": 22}}, "position.lon"),
        ({"photo_sha256": "not-a-hash"}, "photo_sha256"),
        ({"supersedes": "abcdef99"}, "correction_reason"),
    ],
)
def test_bad_completions_name_the_field(extra, field) -> None:
    """Each kind of mistake is reported against the field that holds it."""
    data, problems = parse_completion(_body(**extra))
    assert data is None and field in [p["field"] for p in problems]


def test_capacity_check_names_the_material_and_the_total() -> None:
    """One material over the truck's capacity names it; only the sum over names weights_kg."""
    data, _ = parse_completion(_body(weights_kg={"paper": 900, "metal": 300}))
    assert [p["field"] for p in check_capacity(data, 1_000_000)] == ["weights_kg"]
    data, _ = parse_completion(_body(weights_kg={"paper": 1100}))
    assert [p["field"] for p in check_capacity(data, 1_000_000)] == ["weights_kg.paper"]
    assert check_capacity(data, 10 * MAX_STOP_G) == []


@pytest.mark.parametrize("value", [1e27, 10**30, "9999999.9"])
def test_absurd_weights_are_refused_not_crashed_on(value) -> None:
    """1e27 kg made Decimal.quantize overflow its context: a 500 through the API, now a message."""
    grams, message = parse_kg(value)
    assert grams is None and message


@pytest.mark.parametrize("value", ["１２", "١٢", "12\n5"])
def test_weights_in_other_digits_are_refused(value) -> None:
    """Only ASCII digits, as every scale prints them (Decimal alone would read "１２" as 12)."""
    assert parse_kg(value)[0] is None


@pytest.mark.parametrize(
    "extra,field",
    [
        ({"stop_id": 2**31}, "stop_id"),
        ({"id": "abcdefgh\n"}, "id"),
        ({"photo_sha256": "a" * 64 + "\n"}, "photo_sha256"),
        ({"supersedes": False, "correction_reason": "x"}, "supersedes"),
        ({"note": "ok\x00"}, "note"),
        ({"note": "\ud800"}, "note"),
        ({"correction_reason": "\x00"}, "correction_reason"),
        ({"outcome": "skipped", "weights_kg": {}, "skip_reason": "full\x00"}, "skip_reason"),
        ({"recorded_at": "0001-01-01T00:00:00+01:00"}, "recorded_at"),
        ({"arrived_at": "1999-12-31T00:00:00Z"}, "arrived_at"),
        ({"recorded_at": "2026-11-24x09:30:00+08:00"}, "recorded_at"),
        ({"recorded_at": "2026-W48-1T09:30:00+08:00"}, "recorded_at"),
    ],
)
def test_values_that_once_got_through_are_refused_by_field(extra, field) -> None:
    """Each of these was accepted (and some failed the INSERT on PostgreSQL, or overflowed)."""
    data, problems = parse_completion(_body(**extra))
    assert data is None and field in [p["field"] for p in problems]
