"""The technician's pages: queue, unit page (inspect, test, grade, disassemble, hand over),
test import and graded stock.

Technicians and administrators act; dispatchers and regulators read. Every action is
one operation of this package that writes its rows and log events in one transaction;
a refused action re-renders its page with every problem named (HTTP 422).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import col, select

from traceability import CHINA_TZ, normalize_code
from webapp.access import role_required
from webapp.csvio import CsvDecodeError, decode
from webapp.db import db_session
from webapp.models import Battery, Role
from webapp.models.workshop import UnitGradeRow
from webapp.workshop import checklist, disassembly, handover, intake, testimport, testing
from webapp.workshop.applications import APPLICATIONS, label_zh
from webapp.workshop.errors import WorkshopInputError
from webapp.workshop.grading import current_grade, graded_stock, unsafe_codes
from webapp.workshop.settings import workshop_settings

bp = Blueprint("workshop", __name__, url_prefix="/workshop")

ACT = (Role.TECHNICIAN, Role.ADMIN)
READ = (Role.TECHNICIAN, Role.ADMIN, Role.DISPATCHER, Role.REGULATOR)
SAMPLE = "data/sample_tests.csv"


@bp.app_template_filter("application_zh")
def _application_zh(code: str) -> str:
    return label_zh(code)


def _can_act() -> bool:
    return current_user.role in ACT


@bp.get("/")
@role_required(*READ)
def queue() -> ResponseReturnValue:
    """Packs on their way to the workshop and those it holds."""
    done = request.args.get("done") == "1"
    entries = intake.queue(db_session(), workshop_settings(), include_done=done)
    return render_template("workshop/queue.html", entries=entries, done=done, can_act=_can_act(), errors=[])


@bp.post("/receive")
@role_required(*ACT)
def receive() -> ResponseReturnValue:
    """Receive a pack into the workshop (企业入库)."""
    session = db_session()
    mass_text = request.form.get("mass_kg", "").strip()
    try:
        mass_g = _kg_to_g(mass_text) if mass_text else None
        code = intake.receive(
            session,
            request.form.get("battery_code", ""),
            settings=workshop_settings(),
            mass_g=mass_g,
            condition=request.form.get("condition", ""),
            actor_id=current_user.id,
            org_id=current_user.org_id,
        )
    except WorkshopInputError as exc:
        entries = intake.queue(session, workshop_settings())
        page = render_template(
            "workshop/queue.html", entries=entries, done=False, can_act=True, errors=exc.problems
        )
        return page, 422
    flash(_("Pack %(code)s received into the workshop.", code=code), "success")
    return redirect(url_for("workshop.unit", code=code))


def _kg_to_g(text: str) -> int:
    try:
        grams = round(float(text) * 1000)
    except ValueError:
        raise WorkshopInputError.one("mass_kg", f"{text!r} is not a mass in kilograms") from None
    if grams <= 0:
        raise WorkshopInputError.one("mass_kg", "the mass must be positive")
    return grams


@bp.get("/units/<code>")
@role_required(*READ)
def unit(code: str) -> ResponseReturnValue:
    """One unit: inspections, tests, grade, disassembly and mass balance, parts."""
    return _unit_page(normalize_code(code))


def _unit_page(code: str, *, errors: Any = (), form: Any = None, status: int = 200) -> ResponseReturnValue:
    session = db_session()
    battery = session.exec(select(Battery).where(Battery.code == code)).first()
    if battery is None:
        return render_template("workshop/missing.html", code=code), 404
    parts = disassembly.parts_of(session, code)
    context = {
        "battery": battery,
        "inspections": checklist.inspections_of(session, code),
        "items": checklist.active_items(session),
        "tests": testing.tests_of(session, code),
        "grade": current_grade(session, code),
        "grades": session.exec(
            select(UnitGradeRow)
            .where(UnitGradeRow.battery_code == code)
            .order_by(col(UnitGradeRow.id).desc())
        ).all(),
        "unsafe": bool(unsafe_codes(session, [code])),
        "balance": disassembly.mass_balance(session, code),
        "parts": parts,
        "part_grades": {p.code: current_grade(session, p.code) for p in parts},
        "suggested": "\n".join(f"{c},0" for c in disassembly.suggest_part_codes(code, 4))
        if battery.product_type == "P"
        else "",
        "handovers": handover.handovers_of(session, code),
        "can_act": _can_act() and battery.status == "at_enterprise",
        "errors": errors,
        "form": form or {},
        "test_fields": testing.FIELDS[1:],
    }
    return render_template("workshop/unit.html", **context), status


@bp.post("/units/<code>/inspect")
@role_required(*ACT)
def inspect(code: str) -> ResponseReturnValue:
    """Answer the intake checklist; any failed item quarantines the unit."""
    try:
        result = checklist.record_inspection(
            db_session(),
            code,
            request.form.to_dict(),
            settings=workshop_settings(),
            inspector=current_user.display_name or current_user.username,
            note=request.form.get("note", ""),
            actor_id=current_user.id,
            org_id=current_user.org_id,
        )
    except WorkshopInputError as exc:
        return _unit_page(code, errors=exc.problems, form=request.form, status=422)
    if result.safe:
        flash(_("Inspection passed."), "success")
    else:
        flash(_("Inspection failed: the unit is quarantined and may only go to recycling."), "error")
    return redirect(url_for("workshop.unit", code=code))


@bp.post("/units/<code>/tests")
@role_required(*ACT)
def add_test(code: str) -> ResponseReturnValue:
    """Record one test (余能检测) of this unit and grade it."""
    session = db_session()
    test, problems = testing.parse_test({**request.form.to_dict(), "battery_code": code})
    try:
        if problems:
            raise WorkshopInputError(problems)
        [(_record, grade)] = testing.record_tests(
            session,
            [test],  # type: ignore[list-item]
            settings=workshop_settings(),
            actor_id=current_user.id,
            org_id=current_user.org_id,
        )
    except WorkshopInputError as exc:
        return _unit_page(code, errors=exc.problems, form=request.form, status=422)
    flash(_("Test recorded: grade %(grade)s.", grade=grade.grade), "success")
    return redirect(url_for("workshop.unit", code=code))


@bp.post("/units/<code>/disassemble")
@role_required(*ACT)
def disassemble(code: str) -> ResponseReturnValue:
    """Take the unit apart into the listed parts with their masses."""
    parts, problems = disassembly.parse_parts(request.form.get("parts", ""))
    try:
        if problems:
            raise WorkshopInputError(problems)
        scrap = _whole_grams(request.form.get("scrap_mass_g", ""), "scrap_mass_g")
        mass_text = request.form.get("input_mass_g", "").strip()
        row = disassembly.disassemble(
            db_session(),
            code,
            parts,
            scrap_mass_g=scrap,
            input_mass_g=_whole_grams(mass_text, "input_mass_g") if mass_text else None,
            settings=workshop_settings(),
            actor_id=current_user.id,
            org_id=current_user.org_id,
        )
    except WorkshopInputError as exc:
        return _unit_page(code, errors=exc.problems, form=request.form, status=422)
    flash(_("Disassembled into %(n)d parts.", n=len(parts)), "success")
    return redirect(url_for("workshop.unit", code=row.battery_code))


def _whole_grams(text: str, field: str) -> int:
    text = (text or "").strip()
    if not text.isdigit():
        raise WorkshopInputError.one(field, "give a whole, non-negative number of grams")
    return int(text)


@bp.post("/units/<code>/handover")
@role_required(*ACT)
def hand_over(code: str) -> ResponseReturnValue:
    """Hand the unit over to a recycling enterprise (移交再生利用)."""
    try:
        handover.hand_over_for_recycling(
            db_session(),
            code,
            recycler=request.form.get("recycler", ""),
            recycler_site=request.form.get("recycler_site", ""),
            waybill=request.form.get("waybill", ""),
            settings=workshop_settings(),
            actor_id=current_user.id,
            org_id=current_user.org_id,
        )
    except WorkshopInputError as exc:
        return _unit_page(code, errors=exc.problems, form=request.form, status=422)
    flash(_("Handed over for recycling; print the handover sheet."), "success")
    return redirect(url_for("workshop.handover_sheet", code=code))


@bp.get("/units/<code>/handover-sheet")
@role_required(*READ)
def handover_sheet(code: str) -> ResponseReturnValue:
    """The printable handover paperwork; an unsafe unit's sheet says so."""
    session = db_session()
    code = normalize_code(code)
    battery = session.exec(select(Battery).where(Battery.code == code)).first()
    if battery is None:
        return render_template("workshop/missing.html", code=code), 404
    return render_template(
        "workshop/handover_sheet.html",
        battery=battery,
        handovers=handover.handovers_of(session, code),
        unsafe=bool(unsafe_codes(session, [code])),
        inspections=checklist.inspections_of(session, code),
        grade=current_grade(session, code),
        settings=workshop_settings(),
        tz=CHINA_TZ,
    )


@bp.route("/tests/import", methods=["GET", "POST"])
@role_required(*ACT)
def import_tests() -> ResponseReturnValue:
    """Import tests from a tester's CSV export: all rows or none, every bad line named."""
    result = None
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            text = decode(upload.read()) if upload else ""
        except CsvDecodeError:
            result = testimport.ImportResult(
                errors=[{"line": 0, "field": "file", "message": _("Not a text file.")}]
            )
        else:
            result = testimport.import_tests(
                db_session(),
                text,
                settings=workshop_settings(),
                actor_id=current_user.id,
                org_id=current_user.org_id,
            )
        if not result.errors:
            flash(_("%(n)d tests recorded and graded.", n=result.recorded), "success")
            return redirect(url_for("workshop.import_tests"))
    page = render_template("workshop/import.html", result=result, columns=testing.FIELDS)
    return page, 422 if result and result.errors else 200


@bp.get("/tests/sample.csv")
@role_required(*ACT)
def sample_tests() -> ResponseReturnValue:
    """The sample tester export shipped with the demo."""
    with bp.open_resource(SAMPLE, "rb") as handle:
        data = handle.read()
    return Response(
        data, mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=sample_tests.csv"}
    )


@bp.get("/stock")
@role_required(*READ)
def stock() -> ResponseReturnValue:
    """Units graded for cascade use, safe and not yet regrouped, by grade."""
    chemistry = (request.args.get("chemistry") or "").strip().upper()[:1] or None
    units = graded_stock(db_session(), chemistry)
    by_grade: dict[str, int] = {}
    for item in units:
        by_grade[item.grade] = by_grade.get(item.grade, 0) + 1
    return render_template(
        "workshop/stock.html", units=units, by_grade=sorted(by_grade.items()), chemistry=chemistry or ""
    )


@bp.app_context_processor
def _vocabulary() -> dict[str, Any]:
    return {"WORKSHOP_APPLICATIONS": APPLICATIONS}
