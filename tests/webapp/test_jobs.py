"""Background jobs: status row, progress, failure without half-written work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sqlmodel import func, select

from webapp.db import db_session
from webapp.jobs import operations as jobs
from webapp.jobs.params import JobParams
from webapp.models import Job, JobStatus, Material


@dataclass(frozen=True, kw_only=True)
class FailParams(JobParams):
    kind: ClassVar[str] = "test.write_then_fail"


@dataclass(frozen=True, kw_only=True)
class DoubleParams(JobParams):
    kind: ClassVar[str] = "test.ok"
    x: int


@jobs.handler(FailParams)
def _write_then_fail(session, job, progress):
    session.add(Material(code="half-written", name_zh="半成品", name_en="half"))
    session.flush()
    progress(50, "halfway")
    raise RuntimeError("boom")


@jobs.handler(DoubleParams)
def _ok(session, job, progress):
    progress(50, "halfway")
    return {"answer": DoubleParams.of(job).x * 2}


def test_a_job_runs_and_stores_its_result(app, db) -> None:
    """An enqueued job runs (inline in tests) and records success and result."""
    with app.test_request_context():
        job = jobs.enqueue(db_session(), DoubleParams(x=21), actor_id=None)
    db.expire_all()
    done = db.get(Job, job.id)
    assert done.status == JobStatus.SUCCEEDED and done.result == {"answer": 42} and done.progress == 100


def test_a_failing_job_leaves_nothing_half_written(app, db) -> None:
    """A handler that fails after writing rolls back and the row says why."""
    with app.test_request_context():
        job = jobs.enqueue(db_session(), FailParams(), actor_id=None)
    db.expire_all()
    failed = db.get(Job, job.id)
    assert failed.status == JobStatus.FAILED and "boom" in failed.error
    assert (
        db.exec(select(func.count()).select_from(Material).where(Material.code == "half-written")).one() == 0
    )


def test_job_page_polls_until_finished(client, auth, db) -> None:
    """A running job's partial asks htmx to poll; a finished one stops polling."""
    auth.login()
    running = Job(kind="test.ok", status=JobStatus.RUNNING, progress=30, message="正在计算")
    db.add(running)
    db.commit()
    partial = client.get(f"/jobs/{running.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in partial and "正在计算" in partial and "<html" not in partial
    running.status = JobStatus.SUCCEEDED
    db.add(running)
    db.commit()
    page = client.get(f"/jobs/{running.id}").get_data(as_text=True)
    assert "hx-trigger" not in page.split('id="job-status"')[1].split(">")[0]
