"""Sorting batches, graded stock and transfers between facilities.

Stock is only ever the sum of ``stock_movement`` rows. A batch adds its graded outputs
at its facility; a transfer takes from one facility and adds to another; a sale
(:mod:`webapp.sorting.sales`) takes. Whatever takes stock first locks the facility's
stock (:func:`lock_stock`) and only then reads the sum, so two takers of the last
tonne cannot both see it. Every function checks all of its input, raises
:class:`SortingError` naming each bad field, and writes nothing then.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import func
from sqlmodel import Session, col, select

from webapp.db import lock_for_write
from webapp.models import Facility, Material
from webapp.models.sorting import MaterialGrade, MovementKind, SortingBatch, StockMovement, StockTransfer

# pg_advisory_xact_lock(int, int): the first key names this lock family.
LOCK_CLASS = 0x53_54  # "ST"
#: Outputs plus residue may differ from the input by this much (per mille) by default.
DEFAULT_TOLERANCE_PERMILLE = 20
TOLERANCE_ENV = "RELOOP_SORTING_TOLERANCE_PERMILLE"
MAX_BATCH_G = 200_000_000  # 200 t: more than a sorting line handles in a day


class SortingError(ValueError):
    """Refused input; ``errors`` lists ``{field, message}`` for each reason."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors


def fail(field: str, message: str) -> SortingError:
    """One refused field."""
    return SortingError([{"field": field, "message": message}])


def tolerance_permille() -> int:
    """The configured mass-balance tolerance (app config, then environment, then 2 %)."""
    raw: Any = None
    if has_app_context():
        raw = current_app.config.get(TOLERANCE_ENV)
    raw = raw if raw is not None else os.environ.get(TOLERANCE_ENV)
    if raw is None or raw == "":
        return DEFAULT_TOLERANCE_PERMILLE
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{TOLERANCE_ENV} must be a whole number of per mille, got {raw!r}") from None
    if not 0 <= value <= 500:
        raise ValueError(f"{TOLERANCE_ENV} must be between 0 and 500 per mille, got {value}")
    return value


def lock_stock(session: Session, facility_id: int) -> None:
    """Serialize stock decrements at a facility until the transaction ends.

    PostgreSQL: a transaction-scoped advisory lock per facility. SQLite: the database
    write lock, taken now (``BEGIN IMMEDIATE``) rather than at the first INSERT.
    """
    lock_for_write(session, LOCK_CLASS, facility_id)


def on_hand(session: Session, facility_id: int, grade_id: int) -> int:
    """Grams of a grade in stock at a facility now: the sum of its movements."""
    total = session.exec(
        select(func.coalesce(func.sum(StockMovement.grams), 0)).where(
            StockMovement.facility_id == facility_id, StockMovement.grade_id == grade_id
        )
    ).one()
    return int(total)


def stock_levels(
    session: Session, *, facility_id: int | None = None, until: date | None = None
) -> dict[tuple[int, int], int]:
    """Grams per ``(facility id, grade id)`` of the movements up to ``until`` (all when None)."""
    query = select(StockMovement.facility_id, StockMovement.grade_id, func.sum(StockMovement.grams)).group_by(
        col(StockMovement.facility_id), col(StockMovement.grade_id)
    )
    if facility_id is not None:
        query = query.where(StockMovement.facility_id == facility_id)
    if until is not None:
        query = query.where(col(StockMovement.day) <= until)
    return {(f, g): int(s) for f, g, s in session.exec(query) if s}


@dataclass(frozen=True)
class BatchInput:
    """One sorting batch as given: grams per grade code of the outputs."""

    facility_id: int | None
    material: str
    day: date | None
    input_g: int | None
    outputs: Mapping[str, int]
    residue_g: int | None
    note: str = ""


def record_batch(
    session: Session,
    data: BatchInput,
    *,
    tolerance: int | None = None,
    actor_id: int | None = None,
    org_id: int | None = None,
) -> SortingBatch:
    """Check, insert and commit a batch with its outputs as stock movements."""
    tolerance = tolerance_permille() if tolerance is None else tolerance
    material, grades = _check_batch(session, data, tolerance)
    assert data.facility_id and data.day and data.input_g is not None and data.residue_g is not None  # nosec B101 # narrows the type: validated above
    try:
        batch = SortingBatch(
            org_id=org_id,
            facility_id=data.facility_id,
            material_id=material.id,  # type: ignore[arg-type]
            day=data.day,
            input_g=data.input_g,
            residue_g=data.residue_g,
            note=data.note.strip()[:200],
            created_by_id=actor_id,
        )
        session.add(batch)
        session.flush()
        for code, grams in data.outputs.items():
            if grams:
                session.add(
                    StockMovement(
                        org_id=org_id,
                        facility_id=data.facility_id,
                        grade_id=grades[code].id,  # type: ignore[arg-type]
                        grams=grams,
                        kind=MovementKind.SORTED,
                        day=data.day,
                        batch_id=batch.id,
                    )
                )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return batch


def _check_batch(
    session: Session, data: BatchInput, tolerance: int
) -> tuple[Material, dict[str, MaterialGrade]]:
    errors: list[dict[str, str]] = []

    def refuse(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    _facility(session, data.facility_id, "facility_id", refuse)
    if data.day is None:
        refuse("day", _("Give the day of the batch."))
    material = session.exec(select(Material).where(Material.code == data.material)).first()
    if material is None:
        refuse("material", _("No material with code %(code)s.", code=data.material))
    grades: dict[str, MaterialGrade] = {}
    if material is not None:
        grades = {
            g.code: g
            for g in session.exec(select(MaterialGrade).where(MaterialGrade.material_id == material.id))
        }
    for code, grams in data.outputs.items():
        if code not in grades:
            refuse(f"output-{code}", _("%(grade)s is not a grade of this material.", grade=code))
        elif not _whole(grams, MAX_BATCH_G):
            refuse(f"output-{code}", _("Give whole, non-negative grams."))
    if not _whole(data.input_g, MAX_BATCH_G) or not data.input_g:
        refuse("input_g", _("Give the weight put on the line, in whole grams above 0."))
    if not _whole(data.residue_g, MAX_BATCH_G):
        refuse("residue_g", _("Give the residue in whole, non-negative grams."))
    if not errors and not any(data.outputs.values()):
        refuse("outputs", _("Give the weight of at least one graded output."))
    if not errors:
        _check_balance(data, tolerance, refuse)
    if errors:
        raise SortingError(errors)
    return material, grades  # type: ignore[return-value]


def _check_balance(data: BatchInput, tolerance: int, refuse: Any) -> None:
    """Outputs plus residue must equal the input within ``tolerance`` per mille."""
    assert data.input_g is not None and data.residue_g is not None  # nosec B101 # narrows the type: validated above
    out = sum(data.outputs.values()) + data.residue_g
    gap = abs(out - data.input_g)
    if gap * 1000 > tolerance * data.input_g:
        refuse(
            "input_g",
            _(
                "Outputs and residue (%(out)s kg) differ from the input (%(inp)s kg) by %(gap)s %%, "
                "more than the %(tol)s %% tolerance.",
                out=f"{out / 1000:,.1f}",
                inp=f"{data.input_g / 1000:,.1f}",
                gap=f"{gap * 100 / data.input_g:.1f}",
                tol=f"{tolerance / 10:.1f}",
            ),
        )


def transfer(
    session: Session,
    *,
    from_facility_id: int | None,
    to_facility_id: int | None,
    grade: str,
    grams: int | None,
    day: date | None,
    note: str = "",
    actor_id: int | None = None,
    org_id: int | None = None,
) -> StockTransfer:
    """Move graded stock between facilities (refused beyond what is in stock); commits."""
    try:
        if from_facility_id:
            lock_stock(session, from_facility_id)
        errors: list[dict[str, str]] = []

        def refuse(field: str, message: str) -> None:
            errors.append({"field": field, "message": message})

        _facility(session, from_facility_id, "from_facility_id", refuse)
        _facility(session, to_facility_id, "to_facility_id", refuse)
        if from_facility_id and from_facility_id == to_facility_id:
            refuse("to_facility_id", _("Choose another facility than the one it leaves."))
        row = session.exec(select(MaterialGrade).where(MaterialGrade.code == grade)).first()
        if row is None:
            refuse("grade", _("No grade with code %(code)s.", code=grade))
        if day is None:
            refuse("day", _("Give the day of the transfer."))
        if not _whole(grams, MAX_BATCH_G) or not grams:
            refuse("grams", _("Give whole grams above 0."))
        elif row is not None and from_facility_id and not errors:
            have = on_hand(session, from_facility_id, row.id)  # type: ignore[arg-type]
            if grams > have:
                refuse(
                    "grams", _("Only %(kg)s kg of this grade are in stock there.", kg=f"{have / 1000:,.1f}")
                )
        if errors:
            raise SortingError(errors)
        assert row is not None and grams and day and from_facility_id and to_facility_id  # nosec B101 # narrows the type: validated above
        moved = StockTransfer(
            org_id=org_id,
            from_facility_id=from_facility_id,
            to_facility_id=to_facility_id,
            grade_id=row.id,  # type: ignore[arg-type]
            grams=grams,
            day=day,
            note=note.strip()[:200],
            created_by_id=actor_id,
        )
        session.add(moved)
        session.flush()
        for facility, signed in ((from_facility_id, -grams), (to_facility_id, grams)):
            session.add(
                StockMovement(
                    org_id=org_id,
                    facility_id=facility,
                    grade_id=row.id,  # type: ignore[arg-type]
                    grams=signed,
                    kind=MovementKind.TRANSFER,
                    day=day,
                    transfer_id=moved.id,
                )
            )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return moved


def _facility(session: Session, facility_id: int | None, field: str, refuse: Any) -> None:
    if not facility_id or session.get(Facility, facility_id) is None:
        refuse(field, _("Choose a facility."))


def _whole(value: Any, limit: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= limit
