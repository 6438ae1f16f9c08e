"""Enqueue and run jobs. A handler computes, reporting progress, then writes in one
transaction; if it fails nothing it wrote stays and the row says why."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from webapp.models import Job, JobStatus
from webapp.models._types import utcnow

log = logging.getLogger(__name__)

Progress = Callable[[int, str], None]
Handler = Callable[[Session, Job, Progress], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}


class JobError(ValueError):
    """A job could not be queued or run."""


class JobRefusedError(Exception):
    """The work was refused for reasons the user must see (e.g. bad rows)."""

    def __init__(self, message: str, *, result: dict[str, Any]) -> None:
        super().__init__(message)
        self.result = result


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that does the work of jobs of ``kind``."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def enqueue(
    session: Session, kind: str, params: dict[str, Any], *, actor_id: int | None, org_id: int | None = None
) -> Job:
    """Create the Job row, commit it, and hand it to the queue."""
    if kind not in HANDLERS:
        raise JobError(f"unknown job kind {kind!r}")
    job = Job(kind=kind, params=params, created_by_id=actor_id, org_id=org_id)
    session.add(job)
    session.commit()
    from webapp.tasks import run_job_task

    run_job_task(job.id)
    session.refresh(job)
    return job


def run_job(session: Session, job_id: int) -> None:
    """Run a queued job to the end, recording progress and the outcome on its row."""
    job = session.get(Job, job_id)
    if job is None:
        raise JobError(f"no job with id {job_id}")
    if job.status.finished:
        return  # a retried delivery of a job that already ran
    _update(job_id, status=JobStatus.RUNNING, started_at=utcnow(), progress=0)
    try:
        result = HANDLERS[job.kind](session, job, _progress_writer(job_id))
    except JobRefusedError as exc:
        session.rollback()
        _update(job_id, status=JobStatus.FAILED, error=str(exc), result=exc.result,
                finished_at=utcnow())
        return
    except Exception as exc:  # the row must say what happened, whatever it was
        session.rollback()
        log.exception("job %s (%s) failed", job_id, job.kind)
        _update(job_id, status=JobStatus.FAILED, error=str(exc)[:2000], finished_at=utcnow())
        return
    _update(job_id, status=JobStatus.SUCCEEDED, progress=100, result=result, finished_at=utcnow())


def _progress_writer(job_id: int) -> Progress:
    def report(percent: int, message: str = "") -> None:
        try:
            _update(job_id, best_effort=True, progress=max(0, min(99, percent)), message=message[:255])
        except OperationalError:
            # SQLite has one writer: while the handler holds its write transaction,
            # progress waits for the next report rather than stalling the work.
            log.debug("progress of job %s skipped: database busy", job_id)

    return report


def _update(job_id: int, *, best_effort: bool = False, **values: Any) -> None:
    # A separate session: progress must be visible to the polling page while the
    # handler's own transaction is still open (and must not commit it early).
    with Session(current_app.extensions["reloop.engine"]) as side:
        sqlite = side.get_bind().dialect.name == "sqlite"
        if best_effort and sqlite:
            side.connection().exec_driver_sql("PRAGMA busy_timeout=200")
        try:
            job = side.get(Job, job_id)
            assert job is not None
            for key, value in values.items():
                setattr(job, key, value)
            side.add(job)
            side.commit()
        finally:
            if best_effort and sqlite:
                side.rollback()
                side.connection().exec_driver_sql("PRAGMA busy_timeout=30000")
