"""Editing the grade catalogue and recording a buyer's new licence (number, expiry, materials).

The grade catalogue is a list the customer keeps: a change updates the row in place and
writes its before and after to the change log (:func:`webapp.changelog.record`). A grade
is never deleted (stock and prices name it): it is made inactive. A licence is evidence
that sales were lawful, so it is kept as history (:mod:`webapp.sorting.licences`): a
renewal is a new row from its day on, and each sale stays checked against the licence
in force on its own day.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from flask_babel import gettext as _
from sqlmodel import Session, select

from traceability import china_today
from webapp import changelog
from webapp.models import Material
from webapp.models.sorting import Buyer, BuyerLicence, MaterialGrade
from webapp.sorting import licences
from webapp.sorting.stock import SortingError

_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def _grade_fields(grade: MaterialGrade) -> dict[str, object]:
    return {
        "code": grade.code,
        "material_id": grade.material_id,
        "name_zh": grade.name_zh,
        "name_en": grade.name_en,
        "sort_order": grade.sort_order,
        "active": grade.active,
    }


def save_grade(
    session: Session,
    *,
    grade_id: int | None,
    code: str,
    material: str,
    name_zh: str,
    name_en: str,
    sort_order: int,
    active: bool,
    actor_id: int | None,
) -> MaterialGrade:
    """Add a grade (``grade_id`` None) or change one (its code and material stay); commits.

    Raises :class:`SortingError` naming ``code``, ``material``, ``name_zh`` or ``grade_id``."""
    errors: list[dict[str, str]] = []
    grade = session.get(MaterialGrade, grade_id) if grade_id is not None else None
    if grade_id is not None and grade is None:
        errors.append({"field": "grade_id", "message": _("No such grade.")})
    if grade is None:
        if not _CODE.match(code.strip()):
            errors.append(
                {"field": "code", "message": _("The code is 2-40 lower-case letters, digits or _.")}
            )
        elif session.exec(select(MaterialGrade).where(MaterialGrade.code == code.strip())).first():
            errors.append({"field": "code", "message": _("A grade with this code exists.")})
        material_id = session.exec(select(Material.id).where(Material.code == material)).first()
        if material_id is None:
            errors.append(
                {"field": "material", "message": _("Choose the material the grade is sorted from.")}
            )
    if not name_zh.strip():
        errors.append({"field": "name_zh", "message": _("Give the grade's Chinese name.")})
    if errors:
        raise SortingError(errors)
    before = _grade_fields(grade) if grade is not None else None
    if grade is None:
        grade = MaterialGrade(code=code.strip(), material_id=material_id, name_zh="", name_en="")  # type: ignore[arg-type]
    grade.name_zh, grade.name_en = name_zh.strip()[:40], (name_en.strip() or name_zh.strip())[:60]
    grade.sort_order, grade.active = sort_order, active
    try:
        session.add(grade)
        session.flush()
        changelog.record(
            session,
            "update" if before else "create",
            grade,
            before=before,
            after=_grade_fields(grade),
            user_id=actor_id,
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return grade


def renew_licence(
    session: Session,
    *,
    buyer_id: int,
    licence_no: str,
    licence_expiry: date | None,
    materials: Sequence[str],
    valid_from: date | None = None,
    note: str = "",
    actor_id: int | None,
) -> Buyer:
    """Record a buyer's new licence (number, expiry, materials covered) from ``valid_from``
    (today when not given) on; the earlier licences stay in force for their days; commits.

    Raises :class:`SortingError` naming ``buyer_id``, ``licence_no``, ``licence_expiry``
    or ``materials``."""
    errors: list[dict[str, str]] = []
    buyer = session.get(Buyer, buyer_id)
    if buyer is None:
        errors.append({"field": "buyer_id", "message": _("No such buyer.")})
    if not licence_no.strip():
        errors.append({"field": "licence_no", "message": _("Give the licence number.")})
    if licence_expiry is None:
        errors.append({"field": "licence_expiry", "message": _("Give the licence's expiry date.")})
    ids = dict(session.exec(select(Material.code, Material.id)).all())
    if not materials or any(m not in ids for m in materials):
        errors.append({"field": "materials", "message": _("Choose the materials the licence covers.")})
    if errors:
        raise SortingError(errors)
    assert buyer is not None and licence_expiry is not None  # nosec B101 # narrows the types: checked above
    day = valid_from or china_today()
    before = licences.in_force(session, buyer_id, day)
    try:
        row = licences.record_licence(
            session,
            buyer,
            licence_no=licence_no,
            licence_expiry=licence_expiry,
            materials=materials,
            material_ids=ids,
            valid_from=day,
            note=note,
            actor_id=actor_id,
        )
        changelog.record(
            session,
            "update",
            buyer,
            before=_licence(before) if before is not None else None,
            after=_licence(row),
            user_id=actor_id,
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return buyer


def _licence(row: BuyerLicence) -> dict[str, object]:
    return {
        "licence_no": row.licence_no,
        "licence_expiry": row.licence_expiry.isoformat(),
        "materials": list(row.materials),
        "valid_from": row.valid_from.isoformat(),
    }
