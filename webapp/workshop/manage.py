"""The workshop's tables an administrator edits: grade rules (versions), the checklist,
and battery collection points' compliance profiles (GB/T 38698.2-2023)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from traceability import china_today
from webapp.access import role_required
from webapp.db import db_session
from webapp.models import Role
from webapp.workshop import checklist, compliance
from webapp.workshop import rules as grade_rules
from webapp.workshop.applications import APPLICATIONS, E_BIKE_REASON_ZH
from webapp.workshop.errors import Problem, WorkshopInputError
from webapp.workshop.views import ACT, READ, bp

BLANK_ROWS = 3


@bp.get("/rules")
@role_required(*READ)
def grade_rule_versions() -> ResponseReturnValue:
    """Every version of the grade rules, the one in force first, and the form for a new one."""
    return _rules_page()


def _rules_page(*, errors: Any = (), status: int = 200) -> ResponseReturnValue:
    session = db_session()
    today = china_today()
    in_force = grade_rules.rule_set_on(session, today)
    versions = [(v, grade_rules.rules_of(session, v.id or 0)) for v in grade_rules.all_versions(session)]
    current = grade_rules.rules_of(session, in_force.id or 0) if in_force else []
    page = render_template(
        "workshop/rules.html",
        versions=versions,
        in_force=in_force,
        current=current,
        blank_rows=BLANK_ROWS,
        applications=APPLICATIONS,
        e_bike_reason=E_BIKE_REASON_ZH,
        today=today,
        can_edit=current_user.role == Role.ADMIN,
        errors=errors,
    )
    return page, status


@bp.post("/rules")
@role_required(Role.ADMIN)
def add_grade_rules() -> ResponseReturnValue:
    """A new version of the rules, in force from the date given."""
    session = db_session()
    try:
        rows, valid_from = _rules_from_form()
        version = grade_rules.add_rule_set(
            session,
            rows,
            valid_from=valid_from,
            note=request.form.get("note", ""),
            actor_id=current_user.id,
            org_id=current_user.org_id,
        )
        session.commit()
    except WorkshopInputError as exc:
        session.rollback()
        return _rules_page(errors=exc.problems, status=422)
    flash(_("Grade rules version %(v)d recorded.", v=version.version), "success")
    return redirect(url_for("workshop.grade_rule_versions"))


def _rules_from_form() -> tuple[list[grade_rules.RuleInput], date]:
    form = request.form
    problems: list[Problem] = []
    try:
        valid_from = date.fromisoformat(form.get("valid_from", ""))
    except ValueError:
        problems.append(Problem("valid_from", "give the date the version takes effect (YYYY-MM-DD)"))
        valid_from = date.min
    rows: list[grade_rules.RuleInput] = []
    for index in range(int(form.get("rows", "0") or 0)):
        prefix = f"r{index}_"
        grade = form.get(prefix + "grade", "").strip()
        if not grade:
            continue
        number = len(rows) + 1
        rows.append(
            grade_rules.RuleInput(
                grade=grade,
                chemistry=form.get(prefix + "chemistry", ""),
                min_soh_permille=_permille(
                    form.get(prefix + "min_soh_pct", "0"), "min_soh_pct", number, problems
                ),
                max_soh_permille=_permille(
                    form.get(prefix + "max_soh_pct", "100"), "max_soh_pct", number, problems
                ),
                max_dcir_uohm=_optional(
                    form.get(prefix + "max_dcir_mohm", ""), 1000, "max_dcir_mohm", number, problems
                ),
                max_self_discharge_permille=_optional(
                    form.get(prefix + "max_self_discharge_pct", ""),
                    10,
                    "max_self_discharge_pct",
                    number,
                    problems,
                ),
                applications=tuple(form.getlist(prefix + "applications")),
                recycling_only=form.get(prefix + "recycling_only") == "1",
            )
        )
    if problems:
        raise WorkshopInputError(problems)
    return rows, valid_from


def _permille(text: str, field: str, index: int, problems: list[Problem]) -> int:
    value = _optional(text or "0", 10, field, index, problems)
    return 0 if value is None else value


def _optional(text: str, scale: int, field: str, index: int, problems: list[Problem]) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        problems.append(Problem(field, f"{text!r} is not a number", index))
        return None
    if not value.is_finite() or value < 0:
        problems.append(Problem(field, "must not be negative", index))
        return None
    if field.endswith("soh_pct") and value > 100:
        problems.append(Problem(field, "SOH cannot exceed 100 %", index))
        return None
    return int(value * scale)


@bp.get("/checklist")
@role_required(*READ)
def checklist_items() -> ResponseReturnValue:
    """The intake checklist items (data, not code)."""
    return _checklist_page()


def _checklist_page(*, errors: Any = (), status: int = 200) -> ResponseReturnValue:
    page = render_template(
        "workshop/checklist.html",
        items=checklist.all_items(db_session()),
        sections=checklist.SECTIONS,
        can_edit=current_user.role == Role.ADMIN,
        errors=errors,
    )
    return page, status


@bp.post("/checklist")
@bp.post("/checklist/<int:item_id>")
@role_required(Role.ADMIN)
def save_checklist_item(item_id: int | None = None) -> ResponseReturnValue:
    """Add an item, or edit one; past inspections keep their copy of it."""
    try:
        checklist.save_item(db_session(), request.form.to_dict(), item_id=item_id)
    except WorkshopInputError as exc:
        db_session().rollback()
        return _checklist_page(errors=exc.problems, status=422)
    flash(_("Checklist item saved."), "success")
    return redirect(url_for("workshop.checklist_items"))


@bp.get("/compliance")
@role_required(*READ)
def compliance_page() -> ResponseReturnValue:
    """Battery collection points: declared profile, batteries held, warnings."""
    return _compliance_page()


def _compliance_page(*, errors: Any = (), status: int = 200) -> ResponseReturnValue:
    page = render_template(
        "workshop/compliance.html",
        points=compliance.points(db_session()),
        can_edit=current_user.role in ACT,
        errors=errors,
    )
    return page, status


@bp.post("/compliance/<int:outlet_id>")
@role_required(*ACT)
def save_profile(outlet_id: int) -> ResponseReturnValue:
    """Record a collection point's declared profile."""
    try:
        compliance.save_profile(db_session(), outlet_id, request.form.to_dict(), actor_id=current_user.id)
    except WorkshopInputError as exc:
        db_session().rollback()
        return _compliance_page(errors=exc.problems, status=422)
    flash(_("Collection point profile saved."), "success")
    return redirect(url_for("workshop.compliance_page"))
