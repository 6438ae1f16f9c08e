"""Property tests of sensor fill readings: a reading is a finite percentage from 0 to 100
at a real time with a zone, or it is refused by index and field, and a batch is stored
whole or not at all."""

from __future__ import annotations

import itertools
import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from webapp.api import tokens
from webapp.api.readings import parse_readings
from webapp.models import FillReading, Outlet, OutletKind, OutletStatus, TokenKind

FAST = settings(max_examples=200, derandomize=True, deadline=None, database=None)
REQUESTS = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
URL = "/api/v1/fill-readings"
NOW = datetime.now(UTC)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Four draws in five from ``good``, so that whole batches get through too."""
    return st.integers(0, 4).flatmap(lambda n: good if n else bad)


fills = mostly(
    st.floats(0, 100) | st.integers(0, 100),
    st.one_of(
        st.floats(-10, 110),
        st.just(math.nan),
        st.just(math.inf),
        st.booleans(),
        st.text(max_size=4),
        st.none(),
        st.integers(10**18, 10**30),
    ),
)
good_times = st.datetimes(
    min_value=datetime(2000, 1, 2),
    max_value=datetime(2026, 11, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=8))]),
).map(datetime.isoformat)
times = mostly(
    good_times,
    st.one_of(
        st.sampled_from(
            [
                "0001-01-01T00:00:00+01:00",
                "9999-12-31T23:59:59-01:00",
                "2026-11-23T08:30:00",
                "2026-11-23x08:30:00+08:00",
                "2026-02-30T08:00:00Z",
                "yesterday",
                "",
                (NOW + timedelta(days=400)).isoformat(),
                "1999-12-31T23:59:59Z",
            ]
        ),
        json_values,
    ),
)


@FAST
@given(
    st.one_of(
        json_values,
        st.fixed_dictionaries(
            {},
            optional={
                "reading_id": json_values,
                "outlet_code": json_values,
                "fill_pct": fills,
                "measured_at": times,
            },
        ),
    )
)
def test_any_body_is_readings_in_range_or_errors_by_field(body: Any) -> None:
    """Whatever a sensor sends, each accepted reading is finite, 0-100 %, zoned and not ahead of us."""
    readings, errors = parse_readings(body)
    assert all(isinstance(e["field"], str) and e["message"] for e in errors)
    for reading in readings:
        assert type(reading.fill_pct) is float and 0 <= reading.fill_pct <= 100
        assert reading.measured_at.tzinfo is not None
        assert (
            datetime(2000, 1, 1, tzinfo=UTC) <= reading.measured_at <= datetime.now(UTC) + timedelta(hours=1)
        )


@pytest.fixture
def outlet(db: Session) -> Outlet:
    row = Outlet(
        code="FT-0600",
        name="属性测试站",
        kind=OutletKind.SMART_BIN,
        status=OutletStatus.ACTIVE,
        district="futian",
        lon=114.0552,
        lat=22.541,
        fill_threshold_pct=80,
    )
    db.add(row)
    db.commit()
    return row


@pytest.fixture
def sensor(db: Session) -> dict[str, str]:
    _row, plain = tokens.issue(db, name="gateway", kind=TokenKind.SENSOR)
    return {"Authorization": f"Bearer {plain}"}


_ids = itertools.count()


def _accepted(fill: Any, at: Any) -> bool:
    _readings, errors = parse_readings(
        {"reading_id": "x", "outlet_code": "FT-0600", "fill_pct": fill, "measured_at": at}
    )
    return not errors


@REQUESTS
@given(batch=st.lists(st.tuples(fills, times), min_size=1, max_size=3))
def test_a_batch_is_stored_whole_with_its_values_or_not_at_all(
    client: FlaskClient, db: Session, outlet: Outlet, sensor: dict[str, str], batch: list[tuple[Any, Any]]
) -> None:
    """All readings stored with fill rounded to 0.1 %, or 422 naming each bad index and field."""
    body = {
        "readings": [
            {"reading_id": f"p-{next(_ids)}", "outlet_code": "FT-0600", "fill_pct": fill, "measured_at": at}
            for fill, at in batch
        ]
    }
    before = db.exec(select(func.count()).select_from(FillReading)).one()
    # Python's json writes NaN and Infinity as the bare words a broken sensor might send.
    response = client.post(URL, data=json.dumps(body), content_type="application/json", headers=sensor)
    event(f"HTTP {response.status_code}")
    after = db.exec(select(func.count()).select_from(FillReading)).one()
    if all(_accepted(fill, at) for fill, at in batch):
        assert response.status_code == 201 and after == before + len(batch)
        ids = [r["reading_id"] for r in body["readings"]]
        stored = dict(
            db.exec(
                select(FillReading.reading_id, FillReading.fill_pct).where(FillReading.reading_id.in_(ids))
            ).all()
        )  # type: ignore[attr-defined]
        assert stored == {r["reading_id"]: round(float(r["fill_pct"]), 1) for r in body["readings"]}
    else:
        assert response.status_code == 422 and after == before
        bad = {(e["index"], e["field"]) for e in response.get_json()["errors"]}
        expected = {i for i, (fill, at) in enumerate(batch) if not _accepted(fill, at)}
        assert {i for i, _field in bad} == expected
        assert {f for _i, f in bad} <= {"fill_pct", "measured_at"}
