"""A database that cannot take writes answers a clear 503; jobs of dead workers are failed.

The faults are real ones made small: SQLite connections set read-only
(``query_only``) or capped in size (``max_page_count``), PostgreSQL sessions set
read-only, locks held by another connection, a database that is not there. The
minutes-long versions (kill -9, PostgreSQL restarts, a full tmpfs) are in
``reliability/test_faults.py``.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

import pytest
from flask import Flask
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, func, select

from tests.webapp.conftest import make_app
from webapp.api import tokens
from webapp.config import normalise_database_url
from webapp.db import engine
from webapp.jobs import operations as jobs
from webapp.jobs.params import JobParams
from webapp.models import (
    FillReading,
    Job,
    JobStatus,
    Outlet,
    OutletKind,
    OutletStatus,
    TokenKind,
    UserSession,
)
from webapp.models._types import utcnow
from webapp.resilience import Cause, classify

URL = "/api/v1/fill-readings"


@pytest.fixture
def sensor(db: Session) -> dict[str, str]:
    """An outlet and a sensor token to post its readings."""
    db.add(
        Outlet(
            code="FT-0503",
            name="故障测试站",
            kind=OutletKind.SMART_BIN,
            status=OutletStatus.ACTIVE,
            district="futian",
            lon=114.0552,
            lat=22.541,
        )
    )
    _row, plain = tokens.issue(db, name="fault gateway", kind=TokenKind.SENSOR)
    return {"Authorization": f"Bearer {plain}"}


def readings(count: int, prefix: str = "fault") -> dict[str, Any]:
    return {
        "readings": [
            {
                "reading_id": f"{prefix}-{n:04d}",
                "outlet_code": "FT-0503",
                "fill_pct": n % 100,
                "measured_at": "2026-11-23T08:00:00+08:00",
            }
            for n in range(count)
        ]
    }


def stored(db: Session) -> int:
    return db.exec(select(func.count()).select_from(FillReading)).one()


@contextmanager
def new_connections(app: Flask, sqlite: list[str], postgresql: list[str]) -> Iterator[None]:
    """Run these statements on every connection the app opens until the block ends."""
    bound = app.extensions["reloop.engine"]
    statements = sqlite if bound.dialect.name == "sqlite" else postgresql

    def setup(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for statement in statements:
            cursor.execute(statement)
        cursor.close()
        if bound.dialect.name == "postgresql":
            dbapi_connection.commit()  # a SET inside a rolled-back transaction would not stay

    bound.dispose()
    event.listen(bound, "connect", setup)
    try:
        yield
    finally:
        event.remove(bound, "connect", setup)
        bound.dispose()


def read_only(app: Flask) -> Any:
    return new_connections(app, ["PRAGMA query_only = 1"], ["SET default_transaction_read_only = on"])


def assert_503(response: Any, cause: Cause) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.get_json()["cause"] == cause.value
    assert int(response.headers["Retry-After"]) == cause.retry_after_s


def test_writes_to_a_read_only_database_get_503_naming_the_cause(app, client, db, sensor) -> None:
    """A batch posted while the database is read-only gets 503 read_only, Retry-After, nothing stored."""
    with read_only(app):
        response = client.post(URL, json=readings(20), headers=sensor)
    assert_503(response, Cause.READ_ONLY)
    assert "read-only" in response.get_json()["error"] or "只读" in response.get_json()["error"]
    assert stored(db) == 0


def test_writes_work_again_once_the_database_is_writable(app, client, db, sensor) -> None:
    """No restart: the first post after the fault clears is stored."""
    with read_only(app):
        assert client.post(URL, json=readings(5), headers=sensor).status_code == 503
    assert client.post(URL, json=readings(5), headers=sensor).status_code == 201
    assert stored(db) == 5


def test_pages_still_open_while_the_database_is_read_only(app, client, auth, db) -> None:
    """Reading pages works, even when the login session is due its last-seen update."""
    auth.login()
    for row in db.exec(select(UserSession)):
        row.last_seen_at = utcnow() - timedelta(hours=1)
        db.add(row)
    db.commit()
    with read_only(app):
        assert client.get("/outlets/").status_code == 200


def test_a_batch_hitting_a_full_disk_is_stored_whole_or_not_at_all(app, client, db, sensor) -> None:
    """A batch that fills the disk half-way gets 503 disk_full and leaves no reading behind."""
    bound = app.extensions["reloop.engine"]
    if bound.dialect.name == "sqlite":
        with bound.connect() as conn:
            conn.exec_driver_sql("VACUUM")  # no free pages left for the batch to reuse
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
        fault = new_connections(app, [f"PRAGMA max_page_count = {pages}"], [])
    else:
        fault = _postgres_disk_full_at(bound, "fault-0300")
    with fault:
        response = client.post(URL, json=readings(600), headers=sensor)
    assert_503(response, Cause.DISK_FULL)
    assert stored(db) == 0
    assert client.post(URL, json=readings(600), headers=sensor).status_code == 201
    assert stored(db) == 600


@contextmanager
def _postgres_disk_full_at(bound: Any, reading_id: str) -> Iterator[None]:
    """PostgreSQL raising SQLSTATE 53100 (disk_full), as it does when it cannot extend a
    file, at one row of the batch: the rows before it were already inserted."""
    with bound.begin() as conn:
        conn.exec_driver_sql("""
            CREATE FUNCTION reloop_test_disk_full() RETURNS trigger AS $$ BEGIN
              RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full';
            END $$ LANGUAGE plpgsql""")
        conn.exec_driver_sql(f"""
            CREATE TRIGGER reloop_test_disk_full BEFORE INSERT ON fill_reading FOR EACH ROW
            WHEN (NEW.reading_id = '{reading_id}') EXECUTE FUNCTION reloop_test_disk_full()""")
    try:
        yield
    finally:
        with bound.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER reloop_test_disk_full ON fill_reading")
            conn.exec_driver_sql("DROP FUNCTION reloop_test_disk_full()")


def test_a_locked_database_answers_503_busy(app, client, db, sensor) -> None:
    """A write that waits too long for another writer's lock gets 503 busy, not a hang or a 500."""
    bound = app.extensions["reloop.engine"]
    holder = create_engine(normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"]))
    with holder.connect() as other:
        if bound.dialect.name == "sqlite":
            other.connection.driver_connection.isolation_level = None
            other.exec_driver_sql("BEGIN IMMEDIATE")  # the one writer SQLite allows
        else:
            other.begin()
            other.exec_driver_sql("LOCK TABLE fill_reading IN ACCESS EXCLUSIVE MODE")
        with new_connections(app, ["PRAGMA busy_timeout = 100"], ["SET lock_timeout = '100ms'"]):
            response = client.post(URL, json=readings(3), headers=sensor)
        other.rollback()
    holder.dispose()
    assert_503(response, Cause.BUSY)
    assert stored(db) == 0


@pytest.fixture
def unreachable(app: Flask, tmp_path, cache_dir) -> Iterator[Flask]:
    """An app whose database is not there: a closed port, or a SQLite folder that vanished."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        folder = tmp_path / "gone"
        broken = make_app(f"sqlite:///{folder / 'reloop.db'}", tmp_path / "instance", cache_dir)
        shutil.rmtree(folder)
    else:
        broken = make_app("postgresql://reloop@127.0.0.1:9/reloop", tmp_path / "instance", cache_dir)
    yield broken
    broken.extensions["reloop.engine"].dispose()


def test_a_browser_gets_a_503_page_while_the_database_is_unreachable(client, auth, unreachable) -> None:
    """A logged-in page asks the database for the user: the answer is an HTML 503 with Retry-After."""
    auth.login()
    browser = unreachable.test_client()
    browser.set_cookie("session", client.get_cookie("session").value)
    response = browser.get("/outlets/", headers={"Accept": "text/html"})
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert response.headers["Retry-After"] == str(Cause.UNAVAILABLE.retry_after_s)
    assert "503" in response.get_data(as_text=True)


def test_api_clients_get_json_503_while_the_database_is_unreachable(unreachable) -> None:
    """A phone syncing a completion is told to retry later, in JSON."""
    response = unreachable.test_client().post(
        "/api/v1/driver/completions", json={"id": "x" * 8}, headers={"Authorization": "Bearer rl_whatever"}
    )
    assert_503(response, Cause.UNAVAILABLE)


def test_the_app_recovers_by_itself_when_the_server_drops_its_connections(app, client, db, sensor) -> None:
    """After PostgreSQL ends every session of the app (as a restart does) the next request succeeds."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("a database server that can drop connections is PostgreSQL")
    assert client.post(URL, json=readings(2, "before"), headers=sensor).status_code == 201
    with db.connection() as conn:
        name = conn.exec_driver_sql("SELECT current_database()").scalar()
    db.close()
    admin = create_engine(
        normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"]), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        ended = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": name},
        ).scalar()
    admin.dispose()
    assert ended >= 1
    assert client.post(URL, json=readings(2, "after"), headers=sensor).status_code == 201
    assert stored(db) == 4


def test_database_errors_that_are_bugs_stay_errors(app) -> None:
    """A missing table is not an outage: it is not mapped to 503."""
    with app.app_context(), engine().connect() as conn, pytest.raises(DBAPIError) as caught:
        conn.exec_driver_sql("SELECT * FROM no_such_table")
    assert classify(caught.value) is None


@dataclass(frozen=True, kw_only=True)
class SlowParams(JobParams):
    kind: ClassVar[str] = "test.slow"
    s: float


@jobs.handler(SlowParams)
def _slow(session, job, progress):
    time.sleep(SlowParams.of(job).s)
    return {}


def test_a_job_left_running_by_a_dead_worker_is_marked_failed(app, db) -> None:
    """No heartbeat for longer than the limit: the job fails with a message saying what to do."""
    old = utcnow() - timedelta(seconds=jobs.STALE_AFTER_S + 30)
    job = Job(
        kind="dispatch.solve",
        status=JobStatus.RUNNING,
        params={"locale": "en"},
        started_at=old,
        heartbeat_at=old,
    )
    db.add(job)
    db.commit()
    with app.app_context():
        assert jobs.recover_stale_jobs(Session(engine())) == [job.id]
    db.refresh(job)
    assert job.status == JobStatus.FAILED and "start the job again" in job.error and job.finished_at


def test_live_and_queued_jobs_are_left_alone(app, db) -> None:
    """A recent heartbeat keeps a job running; queued and finished jobs are not touched."""
    fresh = Job(
        kind="a",
        status=JobStatus.RUNNING,
        started_at=utcnow() - timedelta(hours=2),
        heartbeat_at=utcnow() - timedelta(seconds=5),
    )
    queued = Job(kind="b", created_at=utcnow() - timedelta(hours=2))
    done = Job(kind="c", status=JobStatus.SUCCEEDED, started_at=utcnow() - timedelta(hours=2))
    db.add_all([fresh, queued, done])
    db.commit()
    with app.app_context():
        assert jobs.recover_stale_jobs(Session(engine())) == []
    db.expire_all()
    assert [db.get(Job, j.id).status for j in (fresh, queued, done)] == [
        JobStatus.RUNNING,
        JobStatus.QUEUED,
        JobStatus.SUCCEEDED,
    ]


def test_a_running_job_keeps_its_heartbeat_going(app, db, monkeypatch) -> None:
    """While a handler works (a solve says nothing for minutes) its row's heartbeat moves on."""
    monkeypatch.setattr(jobs, "HEARTBEAT_S", 0.05)
    with app.test_request_context():
        from webapp.db import db_session

        job = jobs.enqueue(db_session(), SlowParams(s=0.6), actor_id=None)
    db.expire_all()
    done = db.get(Job, job.id)
    assert done.status == JobStatus.SUCCEEDED
    assert done.heartbeat_at - done.started_at >= timedelta(seconds=0.3)
