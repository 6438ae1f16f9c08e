"""Property tests of weights: kilograms with at most one decimal in, exact grams out, and
NaN, infinity, booleans, negatives, absurd amounts or a second decimal refused by field,
whether the weight comes through ``parse_kg``, the JSON API or the plain stop form."""

from __future__ import annotations

import json
import math
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from tests.webapp.driver.conftest import device_token, login
from webapp.driver.completions import MAX_STOP_G, parse_completion, parse_kg
from webapp.models import Collection, CollectionWeight, Vehicle

# Few examples, always the same ones: these run in `make test`.
FAST = settings(max_examples=200, derandomize=True, deadline=None, database=None)
# Each example is a request against a real day: fewer, and one day for all of them.
REQUESTS = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

tenths = st.integers(0, MAX_STOP_G // 100)  # 0.0 to 5000.0 kg, in tenths
blank = st.text(" \t", max_size=2)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)


def _spelled(amount: int, spelling: str, pad: str) -> Any:
    kg = Decimal(amount) / 10
    return {
        "float": float(kg),
        "int": int(kg),
        "dot": f"{pad}{kg}{pad}",
        "comma": f"{pad}{kg}".replace(".", ","),
    }[spelling]


@FAST
@given(tenths, st.sampled_from(["float", "int", "dot", "comma"]), blank)
def test_kilograms_with_one_decimal_become_exact_grams(amount: int, spelling: str, pad: str) -> None:
    """12.3 as a number or as "12.3", " 12,3 " is exactly 12,300 g."""
    if spelling == "int":
        amount -= amount % 10
    assert parse_kg(_spelled(amount, spelling, pad)) == (amount * 100, None)


@FAST
@given(json_values)
def test_any_json_value_is_grams_in_range_or_a_message(value: Any) -> None:
    """Whatever arrives, the answer is whole grams from 0 to 5 t in 100 g steps, or a reason."""
    grams, message = parse_kg(value)
    assert (grams is None) != (message is None)
    if grams is not None:
        assert type(grams) is int and 0 <= grams <= MAX_STOP_G and grams % 100 == 0
        assert not isinstance(value, bool) and not (isinstance(value, float) and not math.isfinite(value))
    else:
        assert isinstance(message, str) and message


@FAST
@given(
    st.one_of(
        st.booleans(),
        st.just(math.nan),
        st.just(math.inf),
        st.just(-math.inf),
        st.floats(max_value=-0.01, allow_infinity=False),
        st.integers(max_value=-1),
        st.floats(min_value=5000.01, allow_infinity=False),
        st.integers(min_value=5001),
        st.integers(0, 500_000).filter(lambda n: n % 10).map(lambda n: n / 100),
        st.sampled_from(
            [
                "NaN",
                "nan",
                "Infinity",
                "-1",
                "1e3",
                "0x10",
                "12.34",
                "１２",
                "١٢",
                "12 kg",
                "true",
                "",
                " ",
                "5000.1",
                "99999999",
                "1_000",
                "+5",
                ".5",
                "5.",
            ]
        ),
    )
)
def test_nan_infinity_booleans_negatives_and_absurd_weights_are_refused(value: Any) -> None:
    """None of these is a weight anyone put on a scale."""
    grams, message = parse_kg(value)
    assert grams is None and message


@FAST
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "id",
                "stop_id",
                "outcome",
                "weights_kg",
                "skip_reason",
                "note",
                "recorded_at",
                "arrived_at",
                "position",
                "supersedes",
                "correction_reason",
                "photo_sha256",
            ]
        ),
        json_values,
        max_size=8,
    )
)
def test_any_completion_body_is_a_record_or_problems_by_field(body: dict[str, Any]) -> None:
    """A completion object of any content is parsed or refused, every problem naming a field."""
    data, problems = parse_completion(body)
    if data is None:
        assert problems and all(isinstance(p["field"], str) and p["message"] for p in problems)
    else:
        assert problems == [] and all(0 < g <= MAX_STOP_G and g % 100 == 0 for g in data.weights_g.values())


weights = st.one_of(
    tenths.map(lambda n: n / 10),
    tenths.map(lambda n: str(Decimal(n) / 10)),
    json_values,
    st.just(math.nan),
    st.just(math.inf),
    st.integers(-10, 10**9),
)


def _expected(value: Any, capacity_g: int) -> int | None:
    grams, _message = parse_kg(value, max_g=min(capacity_g, MAX_STOP_G))
    return grams if grams else None  # 0 kg alone is "nothing collected", refused too


class _Stops:
    """driver1's stops in turn; a stop recorded before gets a correction of its latest record."""

    def __init__(self, stops: list[int]) -> None:
        self.stops, self.latest, self.turn = stops, {}, 0

    def next(self) -> tuple[int, dict[str, str]]:
        stop = self.stops[self.turn % len(self.stops)]
        self.turn += 1
        previous = self.latest.get(stop)
        return stop, ({"supersedes": previous, "correction_reason": "re-weighed"} if previous else {})


@REQUESTS
@given(value=weights)
def test_weights_posted_as_json_are_stored_exactly_or_refused_by_field(client, db, day, value) -> None:
    """The API stores exactly the grams parse_kg gives, or answers 422 naming weights_kg.paper."""
    token = _token(client)
    capacity = db.get(Vehicle, day.routes["driver1"].vehicle_id).capacity_g
    stops = _stops(day)
    stop, correction = stops.next()
    body = {
        "id": uuid.uuid4().hex,
        "stop_id": stop,
        "outcome": "collected",
        "recorded_at": datetime.now(UTC).isoformat(),
        "weights_kg": {"paper": value},
        **correction,
    }
    # Python's json writes NaN and Infinity as the bare words some clients send.
    response = client.post(
        "/api/v1/driver/completions",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    expected = _expected(value, capacity)
    event(f"HTTP {response.status_code}")
    if expected is None:
        assert response.status_code == 422, response.get_json()
        assert any(e["field"].startswith("weights_kg") for e in response.get_json()["errors"])
        assert db.exec(select(Collection).where(Collection.client_id == body["id"])).first() is None
    else:
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["weights_g"] == {"paper": expected}
        stops.latest[stop] = body["id"]


@REQUESTS
@given(text=st.one_of(tenths.map(lambda n: str(Decimal(n) / 10)), st.text(max_size=10)))
def test_weights_typed_in_the_form_are_stored_exactly_or_shown_again(client, db, day, text) -> None:
    """The stop form stores the same grams as the API would, or answers 422 and stores nothing."""
    _login(client)
    capacity = db.get(Vehicle, day.routes["driver1"].vehicle_id).capacity_g
    stops = _stops(day)
    stop, correction = stops.next()
    record_id = uuid.uuid4().hex
    before = db.exec(select(CollectionWeight)).all()
    response = client.post(
        f"/driver/stops/{stop}",
        data={"id": record_id, "outcome": "collected", "kg_paper": text, **correction},
    )
    expected = _expected(text, capacity) if text.strip() else None
    stored = db.exec(select(Collection).where(Collection.client_id == record_id)).first()
    event(f"HTTP {response.status_code}")
    if expected is None:
        assert response.status_code == 422 and stored is None
        assert len(db.exec(select(CollectionWeight)).all()) == len(before)
    else:
        assert response.status_code == 302 and stored is not None and stored.total_g == expected
        stops.latest[stop] = record_id


def _token(client: Any) -> str:
    if not hasattr(client, "_fuzz_token"):
        client._fuzz_token = device_token(client, "driver1")
    return client._fuzz_token  # type: ignore[no-any-return]


def _login(client: Any) -> None:
    if not hasattr(client, "_fuzz_login"):
        login(client, "driver1")
        client._fuzz_login = True


def _stops(day: Any) -> _Stops:
    if not hasattr(day, "_fuzz_stops"):
        day._fuzz_stops = _Stops([s.id for s in day.stops["driver1"]])
    return day._fuzz_stops  # type: ignore[no-any-return]
