"""Job status page; an htmx partial is polled while the job runs, and a job whose
outcome has a page of its own (a solved plan) opens that page when it finishes."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from webapp.access import STAFF, role_required
from webapp.db import db_session
from webapp.models import Job, JobStatus
from webapp.partials import is_partial

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

MAX_ID = 2**31 - 1

# kind -> the page of a succeeded job's outcome (None when the result names none).
RESULT_PAGES: dict[str, Callable[[Job], str | None]] = {
    "dispatch.solve": lambda job: (
        url_for("dispatch.show_plan", plan_id=job.result["plan_id"]) if job.result.get("plan_id") else None
    ),
    "dispatch.week": lambda job: (
        url_for("week.show", week_id=job.result["week_plan_id"]) if job.result.get("week_plan_id") else None
    ),
}


def result_page(job: Job) -> str | None:
    """Where a finished job's outcome is read, if it has a page of its own."""
    if job.status != JobStatus.SUCCEEDED or not job.result or job.kind not in RESULT_PAGES:
        return None
    return RESULT_PAGES[job.kind](job)


@bp.get("/<int:job_id>")
@role_required(*STAFF)
def show(job_id: int) -> ResponseReturnValue:
    """Status, progress and, once finished, the outcome of a job (or its own page)."""
    job = db_session().get(Job, job_id) if job_id <= MAX_ID else None
    if job is None:
        abort(404)
    db_session().refresh(job)
    target = result_page(job)
    if target and is_partial():
        response = Response(status=204)
        response.headers["HX-Redirect"] = target
        return response
    if target:
        return redirect(target)
    template = "jobs/_status.html" if is_partial() else "jobs/show.html"
    return render_template(template, job=job)
