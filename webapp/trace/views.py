"""Staff actions on the battery log: CSV import, issuing a tree head, recording reports.

The regulator's pages (``webapp.audit``) only read; everything that writes is here
and open to staff alone.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from traceability import CHINA_TZ
from webapp.access import STAFF, role_required
from webapp.csvio import CsvDecodeError, decode
from webapp.db import db_session
from webapp.models import Role
from webapp.trace import csvimport, keys, treeheads
from webapp.trace.forms import ConfirmForm, ImportForm, ReportForm
from webapp.trace.reports import ReportError, record_reports

bp = Blueprint("trace", __name__, url_prefix="/trace")


@bp.route("/import", methods=["GET", "POST"])
@role_required(*STAFF)
def import_csv() -> ResponseReturnValue:
    """Upload battery events as CSV: all rows are recorded, or none and every bad line shown."""
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        try:
            text = decode(form.file.data.read())
        except CsvDecodeError:
            form.file.errors = [_("The file is neither UTF-8 nor GB18030 text.")]
        else:
            result = csvimport.import_events(
                db_session(), text, actor_id=current_user.id, org_id=current_user.org_id
            )
            if not result.errors:
                flash(
                    _(
                        "%(n)d events recorded, %(d)d already in the log.",
                        n=result.created,
                        d=result.duplicates,
                    ),
                    "success",
                )
                return redirect(url_for("trace.import_csv"))
    failed = request.method == "POST" and (result is None or bool(result.errors))
    columns = [(n, csvimport.chinese_column(n), n in csvimport.REQUIRED) for n in csvimport.SHOWN]
    page = render_template("audit/import.html", form=form, result=result, columns=columns)
    return page, 422 if failed else 200


@bp.get("/import/template.csv")
@role_required(*STAFF)
def import_template() -> ResponseReturnValue:
    """A CSV with the event columns and two example rows."""
    return Response(
        "\ufeff" + csvimport.TEMPLATE,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=battery-events.csv"},
    )


@bp.post("/tree-head")
@role_required(Role.ADMIN)
def issue_tree_head() -> ResponseReturnValue:
    """Sign the log's current size and root now."""
    if ConfirmForm().validate_on_submit():
        head = treeheads.issue_tree_head(db_session(), keys.signing_key())
        flash(_("Tree head signed at size %(n)d.", n=head.tree_size), "success")
    return redirect(url_for("audit.tree_head_list"))


@bp.post("/reports")
@role_required(*STAFF)
def add_reports() -> ResponseReturnValue:
    """Record that the ticked events were reported to the national platform."""
    form = ReportForm()
    if not form.validate_on_submit():
        flash(_("Give the time of the report."), "error")
        return redirect(url_for("audit.deadline_lists"))
    try:
        count = record_reports(
            db_session(),
            request.form.getlist("event_id"),
            reported_at=form.reported_at.data.replace(tzinfo=CHINA_TZ),
            reference=form.reference.data or "",
            actor_id=current_user.id,
        )
    except ReportError as exc:
        flash(str(exc), "error")
    else:
        flash(_("%(n)d reports recorded.", n=count), "success")
    return redirect(url_for("audit.deadline_lists"))
