"""Grades of tested units, and the graded stock the cascade side builds products from.

Public API (used by ``webapp.cascade``)
---------------------------------------
:func:`current_grade` ``(session, battery_code) -> UnitGrade | None``
    The grade in force for one unit (its newest ``unit_grade`` row) with the
    measurements of the test it rests on; ``None`` when the unit was never graded.
:func:`graded_stock` ``(session, chemistry=None) -> list[UnitGrade]``
    Units available for cascade use: graded with at least one application, not
    recycling only, safe (no failed intake inspection of the unit or of a pack it
    came out of), held at the enterprise, not a cascade product, and never named as
    a source of a ``regrouped`` log event (the cascade side marks use that way).

:class:`UnitGrade` carries plain numbers in the units a regrouping needs (Ah, Wh,
mΩ, V, %); ``applications`` are codes of :mod:`webapp.workshop.applications`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from traceability import CHINA_TZ
from webapp.models import Battery, BatteryLink
from webapp.models._types import utcnow
from webapp.models.workshop import Inspection, TestRecord, UnitGradeRow, UnitLevel
from webapp.workshop import rules as grade_rules
from webapp.workshop.errors import WorkshopInputError


@dataclass(frozen=True)
class UnitGrade:
    """A unit's grade in force, with the test it rests on."""

    code: str
    level: str  # pack / module / cell
    chemistry: str
    grade: str
    applications: tuple[str, ...]
    rule_version: int | None
    capacity_ah: float | None
    energy_wh: float | None
    dcir_mohm: float | None
    ocv_v: float | None
    soh_pct: float | None
    unsafe: bool
    recycling_only: bool
    tested_at: datetime | None


def current_grade(session: Session, battery_code: str) -> UnitGrade | None:
    """The grade in force for ``battery_code`` (``None`` if never graded)."""
    row = session.exec(
        select(UnitGradeRow)
        .where(UnitGradeRow.battery_code == battery_code)
        .order_by(col(UnitGradeRow.graded_at).desc(), col(UnitGradeRow.id).desc())
    ).first()
    if row is None:
        return None
    test = session.get(TestRecord, row.test_record_id) if row.test_record_id else None
    unsafe = row.unsafe or bool(unsafe_codes(session, [battery_code]))
    return _unit_grade(row, test, _chemistry(battery_code), unsafe)


def graded_stock(session: Session, chemistry: str | None = None) -> list[UnitGrade]:
    """Units graded for cascade use, safe and not yet used (see the module docstring)."""
    latest: dict[str, UnitGradeRow] = {}
    for row in session.exec(select(UnitGradeRow).order_by(col(UnitGradeRow.graded_at), col(UnitGradeRow.id))):
        latest[row.battery_code] = row
    usable = {c: r for c, r in latest.items() if r.applications and not r.recycling_only and not r.unsafe}
    if chemistry:
        usable = {c: r for c, r in usable.items() if _chemistry(c) == chemistry}
    if not usable:
        return []
    held = set(
        session.exec(
            select(Battery.code).where(
                col(Battery.code).in_(usable),
                Battery.status == "at_enterprise",
                Battery.is_cascade_product == False,  # noqa: E712
            )
        )
    )
    used = set(
        session.exec(
            select(BatteryLink.child_code).where(
                BatteryLink.kind == "regrouped_from", col(BatteryLink.child_code).in_(held)
            )
        )
    )
    candidates = held - used - unsafe_codes(session, held)
    tests = _tests(session, [usable[c].test_record_id for c in candidates])
    return [
        _unit_grade(usable[c], tests.get(usable[c].test_record_id or 0), _chemistry(c), False)
        for c in sorted(candidates)
    ]


def unsafe_codes(session: Session, codes: Iterable[str]) -> set[str]:
    """Those of ``codes`` that failed an intake inspection, themselves or through a
    pack (or module) they were taken out of. A failed inspection is never cleared:
    the unit goes to recycling only (GB/T 38698.1-2020)."""
    codes = set(codes)
    if not codes:
        return set()
    ancestry = _ancestry(session, codes)
    failed = set(
        session.exec(
            select(Inspection.battery_code).where(
                Inspection.safe == False,  # noqa: E712
                col(Inspection.battery_code).in_({a for chain in ancestry.values() for a in chain}),
            )
        )
    )
    return {code for code, chain in ancestry.items() if failed & set(chain)}


def _ancestry(session: Session, codes: set[str]) -> dict[str, list[str]]:
    """Each code with the codes it was taken out of (disassembly), nearest first."""
    chains = {c: [c] for c in codes}
    frontier = set(codes)
    for _ in range(3):  # cell <- module <- pack: two steps suffice, one spare
        parents = dict(
            session.exec(
                select(BatteryLink.child_code, BatteryLink.parent_code).where(
                    BatteryLink.kind == "contains",
                    col(BatteryLink.until_seq).is_(None),
                    col(BatteryLink.child_code).in_(frontier),
                )
            ).all()
        )
        if not parents:
            break
        for chain in chains.values():
            if chain[-1] in parents:
                chain.append(parents[chain[-1]])
        frontier = set(parents.values())
    return chains


def grade_test(
    session: Session, test: TestRecord, *, actor_id: int | None = None, org_id: int | None = None
) -> UnitGradeRow:
    """Grade ``test``'s unit with the rule version in force on the test's Shenzhen day
    (no commit). An unsafe unit is graded recycling only whatever the test says."""
    if unsafe_codes(session, [test.battery_code]):
        row = _row(
            test, None, grade_rules.UNSAFE_GRADE, [], True, "failed intake inspection", actor_id, org_id
        )
        row.unsafe = True
        session.add(row)
        return row
    day = test.tested_at.astimezone(CHINA_TZ).date()
    rule_set = grade_rules.rule_set_on(session, day)
    if rule_set is None:
        raise WorkshopInputError.one("grade_rules", f"no grade rules are in force on {day.isoformat()}")
    measured = grade_rules.Measured(
        _chemistry(test.battery_code), test.soh_permille, test.dcir_uohm, test.self_discharge_permille
    )
    rule = grade_rules.match(grade_rules.rules_of(session, rule_set.id or 0), measured)
    if rule is None:
        row = _row(
            test, rule_set.version, grade_rules.RECYCLING_GRADE, [], True, "no rule matched", actor_id, org_id
        )
    else:
        row = _row(
            test,
            rule_set.version,
            rule.grade,
            list(rule.applications),
            rule.recycling_only,
            "",
            actor_id,
            org_id,
        )
    row.rule_set_id = rule_set.id
    session.add(row)
    return row


def _row(
    test: TestRecord,
    version: int | None,
    grade: str,
    applications: list[str],
    recycling_only: bool,
    reason: str,
    actor_id: int | None,
    org_id: int | None,
) -> UnitGradeRow:
    return UnitGradeRow(
        battery_code=test.battery_code,
        test_record_id=test.id,
        rule_version=version,
        grade=grade,
        applications=applications,
        recycling_only=recycling_only,
        reason=reason,
        graded_at=utcnow(),
        graded_by_id=actor_id,
        org_id=org_id,
    )


def _tests(session: Session, ids: Iterable[int | None]) -> dict[int, TestRecord]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {t.id: t for t in session.exec(select(TestRecord).where(col(TestRecord.id).in_(wanted)))}  # type: ignore[misc]


def _chemistry(code: str) -> str:
    return code[4] if len(code) > 4 else ""


def _level(code: str) -> str:
    try:
        return UnitLevel.of_type(code[3]).value
    except (KeyError, IndexError):
        return ""


def _unit_grade(row: UnitGradeRow, test: TestRecord | None, chemistry: str, unsafe: bool) -> UnitGrade:
    return UnitGrade(
        code=row.battery_code,
        level=test.level.value if test else _level(row.battery_code),
        chemistry=chemistry,
        grade=row.grade,
        applications=tuple(row.applications),
        rule_version=row.rule_version,
        capacity_ah=test.capacity_mah / 1000 if test else None,
        energy_wh=test.energy_mwh / 1000 if test else None,
        dcir_mohm=test.dcir_uohm / 1000 if test else None,
        ocv_v=test.ocv_mv / 1000 if test else None,
        soh_pct=test.soh_permille / 10 if test else None,
        unsafe=unsafe or row.unsafe,
        recycling_only=row.recycling_only or unsafe or row.unsafe,
        tested_at=test.tested_at if test else None,
    )
