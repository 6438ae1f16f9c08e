"""One time rule for every input that says when something happened: from 2000 to an hour ahead.

The sensor API had it; the staff fill form, the report form and the imports now apply the
same function (``webapp.api.text.time_problem``), and each refusal names its field or line.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from tests.webapp.trace.conftest import to_enterprise
from webapp.api.text import time_problem
from webapp.models import FillReading, Outlet, OutletKind, OutletStatus, ReadingSource, Role, TraceReport
from webapp.outlets.operations import OutletError, record_fill
from webapp.trace.inputs import parse_event
from webapp.trace.operations import record_events

#: The issue's two, and two that pass a mere year-range check: 2099, and 07:59 in Shenzhen on
#: 2000-01-01 (still 1999 in UTC). A request-wide guard may answer the first two with 400.
FAR = ["9999-12-31T23:59", "0001-01-01T00:00", "2099-12-31T23:59", "2000-01-01T07:59"]


@pytest.fixture
def outlet(db) -> Outlet:
    row = Outlet(
        code="FT-0800",
        name="时间测试站",
        kind=OutletKind.SMART_BIN,
        status=OutletStatus.ACTIVE,
        district="futian",
        lon=114.0552,
        lat=22.541,
    )
    db.add(row)
    db.commit()
    return row


@pytest.mark.parametrize(
    "moment",
    [
        datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
        datetime.fromisoformat("0001-01-01T00:00:00+08:00"),
        datetime(1999, 12, 31, 23, 59, tzinfo=UTC),
        timedelta(hours=2),  # from now, taken when the test runs, not when it is collected
        datetime(2026, 11, 23, 8, 0),
    ],
)
def test_the_shared_rule_refuses_times_outside_2000_to_an_hour_ahead(moment) -> None:
    """Far future, far past, before 2000, two hours ahead and a time without a zone are refused."""
    if isinstance(moment, timedelta):
        moment = datetime.now(UTC) + moment
    assert time_problem(moment) is not None


def test_the_shared_rule_takes_the_present_and_the_recent_past() -> None:
    """Now, a minute ahead and 2000-01-01 itself are times something can have happened."""
    now = datetime.now(UTC)
    assert [time_problem(t) for t in (now, now + timedelta(minutes=1), datetime(2000, 1, 1, tzinfo=UTC))] == [
        None
    ] * 3


@pytest.mark.parametrize("measured_at", FAR)
def test_the_staff_fill_form_refuses_a_far_time_naming_the_field(
    client, auth, db, outlet, measured_at
) -> None:
    """A far-future or far-past time on the staff form is refused naming 'measured_at'; nothing stored."""
    auth.login()
    response = client.post(
        f"/outlets/{outlet.id}/readings", data={"fill_pct": "90", "measured_at": measured_at}
    )
    assert response.status_code in (400, 422)
    assert "measured_at" in response.get_data(as_text=True)
    assert db.exec(select(func.count()).select_from(FillReading)).one() == 0
    db.refresh(outlet)
    assert outlet.last_fill_at is None


def test_a_far_future_reading_cannot_pin_the_last_fill_through_the_operation(app, db, outlet) -> None:
    """record_fill itself refuses a year-9999 reading, whichever road it came by."""
    with app.test_request_context(), pytest.raises(OutletError, match="measured_at"):
        record_fill(
            db,
            outlet,
            reading_id="far-1",
            fill_pct=50,
            measured_at=datetime(9999, 12, 31, tzinfo=UTC),
            source=ReadingSource.MANUAL,
        )


def test_a_staff_reading_of_today_is_still_recorded(client, auth, db, outlet) -> None:
    """The rule leaves a real reading alone: it is stored and becomes the last fill."""
    auth.login()
    at = (datetime.now(UTC) + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")  # Shenzhen wall clock
    response = client.post(f"/outlets/{outlet.id}/readings", data={"fill_pct": "90", "measured_at": at})
    assert response.status_code == 302
    db.refresh(outlet)
    assert outlet.last_fill_pct == 90


@pytest.mark.parametrize("reported_at", FAR)
def test_the_report_form_refuses_a_far_time(client, auth, db, app, reported_at) -> None:
    """A national-platform report dated 0001 or 9999 is refused and stores no report row."""
    with app.test_request_context():
        record_events(db, [parse_event(e)[0] for e in to_enterprise()], actor_id=None)  # type: ignore[misc]
    auth.login(Role.DISPATCHER)
    event_id = to_enterprise()[2]["event_id"]
    response = client.post(
        "/trace/reports", data={"event_id": event_id, "reported_at": reported_at, "reference": "NP-1"}
    )
    assert response.status_code in (302, 400, 422)  # refused with a message on the page it returns to
    assert db.exec(select(func.count()).select_from(TraceReport)).one() == 0


@pytest.mark.parametrize("occurred_at", ["9999-12-31 23:59", "0001-01-01 00:00"])
def test_the_event_csv_import_names_the_line_and_field_of_a_far_time(client, auth, db, occurred_at) -> None:
    """A far time in the battery-event CSV is refused at its line, field occurred_at."""
    pack = "S01PE0A1234567S5A0000123"
    row = f"c-1,received_at_outlet,{pack},绿环回收网点,collector,NS-0001,{occurred_at},300000,,\n"
    header = "event_id,kind,battery_code,actor,actor_role,location,occurred_at,mass_g,to_actor,to_location\n"
    auth.login(Role.DISPATCHER)
    data = {"file": (io.BytesIO((header + row).encode()), "events.csv")}
    response = client.post(
        "/trace/import", data=data, content_type="multipart/form-data", follow_redirects=True
    )
    table = response.get_data(as_text=True).split('id="import-errors"')[1]
    assert response.status_code == 422 and "<td>2</td>" in table and "occurred_at" in table
