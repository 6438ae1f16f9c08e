"""One record in force per stop, whatever arrives at the same moment.

Twenty phones (or one phone's queue and a form) racing on one stop must leave one
record in force, answer each loser as a record sent afterwards would be answered,
and leave the collections report counting the stop once. Real threads post to the
app served on loopback, each request on its own database connection.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from tests.webapp.concurrently import burst, post_json, report, serving
from tests.webapp.driver.conftest import DRIVER_PASSWORD, Day, device_token, make_day
from traceability import china_today
from webapp.driver.queries import current_records
from webapp.metrics import collection as collection_metrics
from webapp.metrics.figures import Scope
from webapp.models import Collection

RACERS = 20
PATH = "/api/v1/driver/completions"


@pytest.fixture
def day(app, db, cache_dir) -> Day:
    return make_day(db, cache_dir)


@pytest.fixture
def phone(client, day) -> dict[str, str]:
    return {"Authorization": f"Bearer {device_token(client, 'driver1')}"}


def _body(stop_id: int, paper_kg: float = 12.5, **extra) -> dict:
    body = {
        "id": uuid.uuid4().hex,
        "stop_id": stop_id,
        "outcome": "collected",
        "recorded_at": datetime.now(UTC).isoformat(),
        "weights_kg": {"paper": paper_kg},
    }
    return body | extra


def _rows(db, stop_id: int) -> list[Collection]:
    db.expire_all()
    return list(db.exec(select(Collection).where(Collection.stop_id == stop_id)))


def test_twenty_first_records_at_once_leave_one_and_the_rest_get_409(app, db, day, phone) -> None:
    """20 distinct records for one stop at once: one 201, nineteen 409 naming the stop, one row."""
    stop = day.stops["driver1"][0].id
    bodies = [_body(stop, paper_kg=10 + n) for n in range(RACERS)]
    with serving(app) as url:
        answers = burst(RACERS, lambda n: post_json(url + PATH, bodies[n], phone))
        late = post_json(url + PATH, _body(stop), phone)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * (RACERS - 1), answers
    rows = _rows(db, stop)
    report(app, "race-first-records-one-stop", statuses, stored=len(rows))
    assert len(rows) == 1
    winner = rows[0].client_id
    assert late[0] == 409 and str(stop) in late[1]["error"]
    for status, answer in answers:
        if status == 409:
            assert answer["error"] == late[1]["error"] and answer["existing"]["id"] == winner


def test_the_collections_report_counts_a_raced_stop_once(app, db, day, phone) -> None:
    """After a race of 20 records the day's total is the winner's weight, not a multiple."""
    stop = day.stops["driver1"][0].id
    with serving(app) as url:
        burst(RACERS, lambda n: post_json(url + PATH, _body(stop, paper_kg=100), phone))
    figures = collection_metrics.compute(db, Scope(china_today(), china_today()))
    assert figures.total.value == 100_000
    assert [(t.grams.value, t.collections) for t in figures.by_outlet] == [(100_000, 1)]


def test_twenty_corrections_of_one_record_at_once_keep_one_chain(app, db, day, phone) -> None:
    """20 corrections of the same record at once: one 201, the rest 422 'already corrected' as if late."""
    stop = day.stops["driver1"][0].id
    first = _body(stop)
    fixes = [
        _body(stop, paper_kg=20 + n, supersedes=first["id"], correction_reason="称重读错")
        for n in range(RACERS)
    ]
    with serving(app) as url:
        assert post_json(url + PATH, first, phone)[0] == 201
        answers = burst(RACERS, lambda n: post_json(url + PATH, fixes[n], phone))
        late = post_json(url + PATH, _body(stop, supersedes=first["id"], correction_reason="再改"), phone)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [422] * (RACERS - 1), answers
    assert late[0] == 422
    assert all(answer == late[1] for status, answer in answers if status == 422)
    rows = _rows(db, stop)
    assert len(rows) == 2
    in_force = current_records(db, [stop])
    assert in_force[stop].supersedes_id == next(r.id for r in rows if r.client_id == first["id"])


def test_one_record_sent_twenty_times_at_once_is_stored_once(app, db, day, phone) -> None:
    """An offline queue replayed by twenty tabs at once: one 201, nineteen 200, all the same record."""
    stop = day.stops["driver1"][0].id
    body = _body(stop)
    with serving(app) as url:
        answers = burst(RACERS, lambda _n: post_json(url + PATH, body, phone))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * (RACERS - 1) + [201], answers
    assert {answer["server_id"] for _s, answer in answers} == {_rows(db, stop)[0].id}


def test_the_stop_form_and_the_phone_queue_racing_keep_one_record(app, db, day, phone) -> None:
    """Plain form posts and API posts for one stop at once: one record stored, no 500."""
    stop = day.stops["driver1"][0].id
    with serving(app) as url:
        browser = requests.Session()
        login = browser.post(
            url + "/login", data={"username": "driver1", "password": DRIVER_PASSWORD}, allow_redirects=False
        )
        assert login.status_code == 302

        def send(n: int) -> int:
            if n % 2:
                return post_json(url + PATH, _body(stop), phone)[0]
            form = {"id": uuid.uuid4().hex, "outcome": "collected", "kg_paper": "8.5"}
            return browser.post(f"{url}/driver/stops/{stop}", data=form, allow_redirects=False).status_code

        statuses = burst(RACERS, send)
    assert len(_rows(db, stop)) == 1
    assert sorted(statuses).count(500) == 0
    assert sum(s in (201, 302) for s in statuses) == 1, statuses
    assert set(statuses) <= {201, 302, 409, 422}


def test_the_database_itself_refuses_a_second_first_record_for_a_stop(app, db, day, phone, client) -> None:
    """Code that skips the checks still cannot store two records in force: the unique index refuses."""
    stop = day.stops["driver1"][0].id
    assert client.post(PATH, json=_body(stop), headers=phone).status_code == 201
    stored = _rows(db, stop)[0]
    columns = (
        "org_id, stop_id, route_id, outlet_id, driver_id, outcome, total_g, note, recorded_at, "
        "received_at, correction_reason, out_of_order, body_sha256"
    )
    copy = (
        f"INSERT INTO collection (client_id, {columns}) SELECT 'bypass-0001', {columns} "
        "FROM collection WHERE id = :id"
    )
    with pytest.raises(IntegrityError):
        db.exec(text(copy), params={"id": stored.id})  # type: ignore[call-overload]
    db.rollback()
    assert len(_rows(db, stop)) == 1
