"""Typed job parameters: each kind's dataclass round-trips through the Job row's JSON and
refuses unknown, missing and mistyped keys by name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

import pytest
from sqlmodel import func, select

import routing
from webapp.db import db_session
from webapp.dispatch.params import SolveDayParams
from webapp.jobs import operations as jobs
from webapp.jobs.params import JobParams, JobParamsError
from webapp.models import Job, JobStatus
from webapp.outlets.importing import ImportParams
from webapp.siting.jobs import SolveParams

SOLVE = {"day": "2026-11-24", "depot_id": 1, "time_limit_s": 30, "seed": 7, "locale": "en"}


def test_a_replan_round_trips_through_json_with_its_locked_routes() -> None:
    """Dates, nested locks and optional ids come back equal after to_json -> from_json."""
    params = SolveDayParams(
        day=date(2026, 11, 24),
        depot_id=3,
        time_limit_s=30,
        locked=(routing.LockedRoute("truck", 0, ("o:1", "f:2")),),
        replans=12,
    )
    stored = params.to_json()
    assert stored["day"] == "2026-11-24" and stored["locked"] == [
        {"vehicle_type_id": "truck", "unit": 0, "visits": ["o:1", "f:2"]}
    ]
    assert SolveDayParams.from_json(stored) == params


def test_defaults_fill_keys_an_older_row_lacks() -> None:
    """A solve queued without seed, locks or locale reads with their defaults."""
    params = SolveDayParams.from_json({"day": "2026-11-24", "depot_id": 1, "time_limit_s": 30})
    assert (params.seed, params.locked, params.replans, params.locale) == (0, (), None, "zh")


def test_an_unknown_key_is_refused_by_name() -> None:
    """A key the class does not have is named, not silently dropped."""
    with pytest.raises(JobParamsError, match="dispatch.solve: unknown key.*'trucks'"):
        SolveDayParams.from_json(SOLVE | {"trucks": [1, 2]})


def test_a_missing_key_is_refused_by_name() -> None:
    """A required key that is absent is named."""
    with pytest.raises(JobParamsError, match="missing key.*'depot_id'"):
        SolveDayParams.from_json({k: v for k, v in SOLVE.items() if k != "depot_id"})


@pytest.mark.parametrize(
    "key,value,where",
    [
        ("depot_id", "1", "dispatch.solve.depot_id"),
        ("time_limit_s", True, "dispatch.solve.time_limit_s"),
        ("day", "24.11.2026", "dispatch.solve.day"),
        ("locked", [{"vehicle_type_id": "t", "unit": 0}], r"dispatch.solve.locked\[0\]"),
        (
            "locked",
            [{"vehicle_type_id": "t", "unit": 0, "visits": [1]}],
            r"dispatch.solve.locked\[0\].visits\[0\]",
        ),
    ],
)
def test_a_mistyped_value_is_refused_with_its_path(key: str, value: object, where: str) -> None:
    """A string for an id, a bool for a number, a bad date or a broken lock names the key path."""
    with pytest.raises(JobParamsError, match=where):
        SolveDayParams.from_json(SOLVE | {key: value})


def test_a_json_value_that_is_not_an_object_is_refused() -> None:
    """A row whose params are a list is refused, not indexed."""
    with pytest.raises(JobParamsError, match="expected an object"):
        ImportParams.from_json(["csv"])


def test_reading_a_job_of_another_kind_is_refused() -> None:
    """SolveParams.of(an import job) says which kinds were mixed up."""
    job = Job(id=5, kind="outlets.import", params={"csv": ""})
    with pytest.raises(JobParamsError, match="'outlets.import' job, not 'siting.solve'"):
        SolveParams.of(job)


def test_enqueue_stores_the_kind_and_json_of_its_parameters(app, db) -> None:
    """The row's kind comes from the class and its params are the class's JSON."""
    with app.test_request_context():
        job = jobs.enqueue(db_session(), ImportParams(csv="", filename="a.csv", locale="en"), actor_id=None)
    db.expire_all()
    stored = db.get(Job, job.id)
    assert stored.kind == "outlets.import"
    assert stored.params == {"locale": "en", "csv": "", "filename": "a.csv"}


def test_parameters_without_a_handler_are_refused_at_enqueue(app, db) -> None:
    """A params class no handler is registered for is a JobError before any row is written."""

    @dataclass(frozen=True, kw_only=True)
    class Orphan(JobParams):
        kind: ClassVar[str] = "test.orphan"

    before = db.exec(select(func.count()).select_from(Job)).one()
    with app.test_request_context(), pytest.raises(jobs.JobError, match="Orphan"):
        jobs.enqueue(db_session(), Orphan(), actor_id=None)
    assert db.exec(select(func.count()).select_from(Job)).one() == before


def test_a_row_with_bad_parameters_fails_with_a_message_before_running(app, db) -> None:
    """A queued import whose params lack the CSV fails naming the key; its handler never runs."""
    job = Job(kind="outlets.import", params={"filename": "x.csv", "locale": "zh"})
    db.add(job)
    db.commit()
    with app.app_context():
        jobs.run_job(db_session(), job.id)
    db.expire_all()
    failed = db.get(Job, job.id)
    assert failed.status == JobStatus.FAILED and failed.started_at is None
    assert "bad job parameters" in failed.error and "'csv'" in failed.error


def test_a_row_of_an_unknown_kind_fails_with_a_message(app, db) -> None:
    """A job kind no handler knows (an older release's) fails saying so."""
    job = Job(kind="reports.old_kind", params={})
    db.add(job)
    db.commit()
    with app.app_context():
        jobs.run_job(db_session(), job.id)
    db.expire_all()
    failed = db.get(Job, job.id)
    assert failed.status == JobStatus.FAILED and "unknown job kind 'reports.old_kind'" in failed.error
