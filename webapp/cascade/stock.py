"""The graded stock a product can be built from, and why a unit may not go into one.

A unit is usable when the workshop's grade in force allows cascade use (not
recycling only), neither it nor the pack it came out of failed an intake inspection,
the log has it at the enterprise and it is in no product yet
(:func:`webapp.workshop.grading.graded_stock`). :func:`problem` says, for one unit,
why not, naming it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from traceability import BatteryStatus
from webapp.models import Battery
from webapp.models.cascade import ProductUnit
from webapp.workshop import grading


@dataclass(frozen=True)
class StockUnit:
    """One unit with the values it is matched on."""

    code: str
    chemistry: str
    product_type: str
    status: str
    grade: str
    recycling_only: bool
    unsafe: bool
    used: bool
    capacity_mah: int | None
    dcir_uohm: int | None
    ocv_mv: int | None
    soh_permille: int | None
    applications: tuple[str, ...] = ()

    @property
    def tested(self) -> bool:
        """True when capacity, resistance and OCV are all known."""
        return None not in (self.capacity_mah, self.dcir_uohm, self.ocv_mv)


def units(session: Session, codes: Iterable[str]) -> dict[str, StockUnit]:
    """The units named by ``codes`` that the log knows, by code, graded or not."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    batteries = session.exec(select(Battery).where(col(Battery.code).in_(wanted))).all()
    unsafe = grading.unsafe_codes(session, wanted)
    used = _used(session, wanted)
    return {
        b.code: _unit(b, grading.current_grade(session, b.code), b.code in unsafe, b.code in used)
        for b in batteries
    }


def graded_stock(session: Session, chemistry: str | None = None) -> list[StockUnit]:
    """Every unit that could go into a product now (of ``chemistry`` when given)."""
    graded = {g.code: g for g in grading.graded_stock(session, chemistry)}
    if not graded:
        return []
    batteries = session.exec(select(Battery).where(col(Battery.code).in_(sorted(graded)))).all()
    used = _used(session, graded)
    found = [_unit(b, graded[b.code], False, b.code in used) for b in batteries]
    return sorted((u for u in found if not problem(u, chemistry)), key=lambda u: u.code)


def _used(session: Session, codes: Iterable[str]) -> set[str]:
    return set(
        session.exec(select(ProductUnit.unit_code).where(col(ProductUnit.unit_code).in_(list(codes)))).all()
    )


def _unit(battery: Battery, grade: grading.UnitGrade | None, unsafe: bool, used: bool) -> StockUnit:
    def milli(value: float | None) -> int | None:
        return None if value is None else round(value * 1000)

    return StockUnit(
        code=battery.code,
        chemistry=battery.chemistry,
        product_type=battery.product_type,
        status=battery.status,
        grade=grade.grade if grade else "",
        recycling_only=bool(grade and grade.recycling_only),
        unsafe=unsafe or bool(grade and grade.unsafe),
        used=used,
        capacity_mah=milli(grade.capacity_ah) if grade else None,
        dcir_uohm=milli(grade.dcir_mohm) if grade else None,
        ocv_mv=milli(grade.ocv_v) if grade else None,
        soh_permille=None if grade is None or grade.soh_pct is None else round(grade.soh_pct * 10),
        applications=grade.applications if grade else (),
    )


def problem(unit: StockUnit | None, chemistry: str | None, *, code: str = "") -> str | None:
    """Why ``unit`` may not go into a product of ``chemistry``, or None."""
    name = unit.code if unit is not None else code
    if unit is None:
        return _("%(code)s: not a known battery", code=name)
    if unit.used or unit.status == BatteryStatus.IN_CASCADE_PRODUCT.value:
        return _("%(code)s: already used in a cascade product", code=name)
    if unit.status != BatteryStatus.AT_ENTERPRISE.value:
        return _("%(code)s: not in the workshop's stock", code=name)
    if chemistry and unit.chemistry != chemistry:
        return _(
            "%(code)s: chemistry %(found)s, the product needs %(wanted)s",
            code=name,
            found=unit.chemistry,
            wanted=chemistry,
        )
    if unit.unsafe:
        return _("%(code)s: unsafe (failed inspection), recycling only", code=name)
    if not unit.grade:
        return _("%(code)s: not graded", code=name)
    if unit.recycling_only:
        return _("%(code)s: graded for recycling", code=name)
    if not unit.tested:
        return _("%(code)s: no test with capacity, resistance and OCV", code=name)
    return None
