"""Enqueue and run jobs. A handler computes, reporting progress, then writes in one
transaction; if it fails nothing it wrote stays and the row says why.

Each kind of job has its parameters' class (:mod:`webapp.jobs.params`); a handler is
registered for that class, a job is enqueued with an instance of it, and the row's JSON
is checked against it before the handler runs.

A worker can also die without a word (kill -9, out of memory, a lost machine): its
open transaction dies with it, so nothing half-written stays either, but the row
would say "running" forever. While a handler runs, a thread beats the row's
``heartbeat_at``; :func:`recover_stale_jobs` (run by every worker at start and once a
minute) marks failed the running jobs whose heartbeat stopped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, select

from webapp.jobs.params import JobParams, JobParamsError
from webapp.models import Job, JobStatus
from webapp.models._types import utcnow

log = logging.getLogger(__name__)

Progress = Callable[[int, str], None]
Handler = Callable[[Session, Job, Progress], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}
PARAMS: dict[str, type[JobParams]] = {}

HEARTBEAT_S = 5.0
# Twelve missed beats: a busy SQLite that skips a few does not make a live job look dead.
STALE_AFTER_S = 60.0


class JobError(ValueError):
    """A job could not be queued or run."""


class JobRefusedError(Exception):
    """The work was refused for reasons the user must see (e.g. bad rows)."""

    def __init__(self, message: str, *, result: dict[str, Any]) -> None:
        super().__init__(message)
        self.result = result


def handler(params: type[JobParams]) -> Callable[[Handler], Handler]:
    """Register the function that does the work of jobs with parameters ``params``
    (their ``kind``); it reads them with ``params.of(job)``."""

    def register(fn: Handler) -> Handler:
        HANDLERS[params.kind] = fn
        PARAMS[params.kind] = params
        return fn

    return register


def enqueue(session: Session, params: JobParams, *, actor_id: int | None, org_id: int | None = None) -> Job:
    """Create the Job row for ``params``'s kind, commit it, and hand it to the queue."""
    if PARAMS.get(params.kind) is not type(params):
        raise JobError(f"no handler for {type(params).__name__} (job kind {params.kind!r})")
    job = Job(kind=params.kind, params=params.to_json(), created_by_id=actor_id, org_id=org_id)
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
    known = PARAMS.get(job.kind)
    try:
        if known is None:
            raise JobParamsError(f"unknown job kind {job.kind!r}")
        known.from_json(job.params)
    except JobParamsError as exc:
        # Written by another release or by hand: say so rather than fail half-way.
        _update(
            job_id, status=JobStatus.FAILED, error=f"bad job parameters: {exc}"[:2000], finished_at=utcnow()
        )
        return
    now = utcnow()
    _update(job_id, status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, progress=0)
    try:
        with _heartbeat(job_id):
            result = HANDLERS[job.kind](session, job, _progress_writer(job_id))
    except JobRefusedError as exc:
        session.rollback()
        _update(job_id, status=JobStatus.FAILED, error=str(exc), result=exc.result, finished_at=utcnow())
        return
    except Exception as exc:  # the row must say what happened, whatever it was
        session.rollback()
        log.exception("job %s (%s) failed", job_id, job.kind)
        _update(job_id, status=JobStatus.FAILED, error=str(exc)[:2000], finished_at=utcnow())
        return
    _update(job_id, status=JobStatus.SUCCEEDED, progress=100, result=result, finished_at=utcnow())


def recover_stale_jobs(
    session: Session, *, now: datetime | None = None, stale_after_s: float = STALE_AFTER_S
) -> list[int]:
    """Mark failed the running jobs whose heartbeat stopped ``stale_after_s`` ago; their ids.

    The database rolled back the dead worker's open transaction, so nothing is
    half-written. The job is not run again by itself: one that killed its worker
    (out of memory on a huge day) would kill the next one too; the row says to
    start it again.
    """
    cutoff = (now or utcnow()) - timedelta(seconds=stale_after_s)
    last_sign = func.coalesce(Job.heartbeat_at, Job.started_at)
    stale = session.exec(select(Job).where(Job.status == JobStatus.RUNNING, last_sign < cutoff)).all()
    failed = []
    for job in stale:
        with force_locale(_locale(job)):
            message = _(
                "The worker running this job stopped (no sign of life for %(s)d s). "
                "Work it had not saved is lost; start the job again.",
                s=round(stale_after_s),
            )
        # Conditional: a heartbeat that lands meanwhile keeps the job alive.
        done = session.execute(
            update(Job)
            .where(
                Job.id == job.id,
                Job.status == JobStatus.RUNNING,
                last_sign < cutoff,  # type: ignore[arg-type]
            )
            .values(status=JobStatus.FAILED, error=message, finished_at=utcnow())
        )
        if done.rowcount:  # type: ignore[attr-defined]
            log.warning("job %s (%s) left running by a dead worker: marked failed", job.id, job.kind)
            failed.append(job.id)
    session.commit()
    return failed  # type: ignore[return-value]


def _locale(job: Job) -> str:
    # The stale job's parameters may be of an older release; only the locale is needed.
    locale = job.params.get("locale") if isinstance(job.params, dict) else None
    return locale if isinstance(locale, str) else "zh"


@contextmanager
def _heartbeat(job_id: int) -> Iterator[None]:
    """Beat the job's row from a thread while the handler runs (a solve reports no
    progress for minutes, and must not look dead meanwhile)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()

    def beat() -> None:
        with app.app_context():
            while not stop.wait(HEARTBEAT_S):
                try:
                    _update(job_id, best_effort=True, heartbeat_at=utcnow())
                except DBAPIError as exc:  # the next beat tries again
                    log.debug("heartbeat of job %s skipped: %s", job_id, exc)

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


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
            assert job is not None  # nosec B101 # narrows the type: run_job read this row
            for key, value in values.items():
                setattr(job, key, value)
            side.add(job)
            side.commit()
        finally:
            if best_effort and sqlite:
                side.rollback()
                side.connection().exec_driver_sql("PRAGMA busy_timeout=30000")
