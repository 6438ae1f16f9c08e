"""Pages to edit the grade catalogue and a buyer's licence (admin, dispatcher).

A refused form comes back with status 422 and each bad field named; every change is in
the change log with its before and after (:mod:`webapp.sorting.catalogue`).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import col, select

from webapp.access import role_required
from webapp.db import db_session
from webapp.models import Role, User
from webapp.models.sorting import Buyer, BuyerMaterial, MaterialGrade
from webapp.sorting import catalogue, licences
from webapp.sorting.stock import SortingError
from webapp.sorting.views import _common, _Form, bp

EDITORS = (Role.ADMIN, Role.DISPATCHER)


@bp.get("/grades")
@role_required(*EDITORS)
def grade_list() -> ResponseReturnValue:
    """Every grade, active or not, with a form to add one and one to change each."""
    return _grades_page({}, {})


def _grades_page(errors: dict[str, str], form: Any, status: int = 200) -> ResponseReturnValue:
    rows = db_session().exec(
        select(MaterialGrade).order_by(col(MaterialGrade.material_id), col(MaterialGrade.sort_order))
    )
    context = _common()
    return render_template(
        "sorting/grades.html",
        all_grades=list(rows),
        material_of={m.id: m for m in context["materials"]},
        errors=errors,
        form=form,
        **context,
    ), status


@bp.post("/grades")
@role_required(*EDITORS)
def save_grade() -> ResponseReturnValue:
    """Add a grade, or (with ``grade_id``) change its names, order and whether it is in use."""
    form = _Form()
    grade_id = form.id("grade_id") if request.form.get("grade_id") else None
    try:
        sort_order = int(request.form.get("sort_order") or 0)
    except ValueError:
        form.errors["sort_order"] = _("A whole number.")
        sort_order = 0
    if not form.errors:
        try:
            catalogue.save_grade(
                db_session(),
                grade_id=grade_id,
                code=request.form.get("code", ""),
                material=request.form.get("material", ""),
                name_zh=request.form.get("name_zh", ""),
                name_en=request.form.get("name_en", ""),
                sort_order=sort_order,
                active=request.form.get("active") == "1",
                actor_id=current_user.id,
            )
        except SortingError as exc:
            form.add(exc)
        else:
            flash(_("Grade saved."), "success")
            return redirect(url_for("sorting.grade_list"), code=303)
    return _grades_page(form.errors, request.form, 422)


@bp.route("/buyers/<int:buyer_id>/licence", methods=["GET", "POST"])
@role_required(*EDITORS)
def buyer_licence(buyer_id: int) -> ResponseReturnValue:
    """A buyer's licences, newest first, and a form to record a renewal or correction
    (number, expiry, materials covered) from a day on."""
    session = db_session()
    buyer = session.get(Buyer, buyer_id)
    if buyer is None:
        abort(404)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = _Form()
        expiry = form.day("licence_expiry") if (request.form.get("licence_expiry") or "").strip() else None
        valid_from = form.day("valid_from") if (request.form.get("valid_from") or "").strip() else None
        if not form.errors:
            try:
                catalogue.renew_licence(
                    session,
                    buyer_id=buyer_id,
                    licence_no=request.form.get("licence_no", ""),
                    licence_expiry=expiry,
                    materials=request.form.getlist("materials"),
                    valid_from=valid_from,
                    note=request.form.get("note", ""),
                    actor_id=current_user.id,
                )
            except SortingError as exc:
                form.add(exc)
            else:
                flash(_("Licence saved."), "success")
                return redirect(url_for("sorting.buyer_licence", buyer_id=buyer_id), code=303)
        errors = form.errors
    covered = set(session.exec(select(BuyerMaterial.material_id).where(BuyerMaterial.buyer_id == buyer_id)))
    rows = licences.history(session, buyer_id)
    users = {
        u.id: u for u in session.exec(select(User).where(col(User.id).in_({r.recorded_by_id for r in rows})))
    }
    context = _common()
    return render_template(
        "sorting/licence.html",
        buyer=buyer,
        covered=covered,
        history=rows,
        users=users,
        material_by_code={m.code: m for m in context["materials"]},
        errors=errors,
        form=request.form,
        **context,
    ), 422 if errors else 200
