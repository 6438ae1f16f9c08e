"""The job status page, polled by htmx until the job finishes."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue

from webapp.access import STAFF, role_required
from webapp.db import db_session
from webapp.models import Job
from webapp.partials import is_partial

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.get("/<int:job_id>")
@role_required(*STAFF)
def show(job_id: int) -> ResponseReturnValue:
    """Status, progress and, once finished, the outcome of a job."""
    job = db_session().get(Job, job_id)
    if job is None:
        abort(404)
    db_session().refresh(job)
    template = "jobs/_status.html" if is_partial() else "jobs/show.html"
    return render_template(template, job=job)
