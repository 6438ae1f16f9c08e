"""Grade rules: versions in force from a date, the shipped example version, matching.

A version is a whole table (an ordered list of rules); an edit is a new version with
its own ``valid_from``, so a unit graded last month keeps the version that graded
it and anyone can see what was in force when (as with the carbon factors of
:mod:`webapp.metrics.factors`). The first rule a test meets gives the grade.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, func, select

from webapp.models.workshop import GradeRule, GradeRuleSet
from webapp.workshop.applications import ApplicationError, check_applications
from webapp.workshop.errors import Problem, WorkshopInputError

RECYCLING_GRADE = "R"
UNSAFE_GRADE = "X"
EXAMPLE_NOTE = "示例分级规则（非标准值），请按企业检测规范核定后以新版本录入"


@dataclass(frozen=True)
class RuleInput:
    """One rule as entered (SOH in per mille, DCIR in µΩ, self-discharge in ‰ per month)."""

    grade: str
    min_soh_permille: int = 0
    max_soh_permille: int = 1000
    chemistry: str = ""
    max_dcir_uohm: int | None = None
    max_self_discharge_permille: int | None = None
    applications: tuple[str, ...] = field(default_factory=tuple)
    recycling_only: bool = False


#: Version 1 as shipped: an example, marked so, for the demo and a fresh install.
EXAMPLE_RULES: tuple[RuleInput, ...] = (
    RuleInput(
        "A",
        800,
        1000,
        max_self_discharge_permille=30,
        applications=("energy_storage", "telecom_backup", "ups_backup"),
    ),
    RuleInput(
        "B",
        700,
        799,
        max_self_discharge_permille=30,
        applications=("energy_storage", "ups_backup", "street_lighting"),
    ),
    RuleInput(
        "C", 600, 699, max_self_discharge_permille=50, applications=("street_lighting", "low_speed_vehicle")
    ),
    RuleInput(RECYCLING_GRADE, 0, 1000, recycling_only=True),
)


def add_rule_set(
    session: Session,
    rules: Sequence[RuleInput],
    *,
    valid_from: date,
    note: str = "",
    actor_id: int | None = None,
    org_id: int | None = None,
) -> GradeRuleSet:
    """Record a new version of the rules in force from ``valid_from`` (no commit).

    Raises
    ------
    WorkshopInputError
        Naming each bad rule (``index`` is its position, from 1) and field; an
        ``e_bike`` application is refused with its reason.
    """
    problems = [p for i, rule in enumerate(rules, start=1) for p in _rule_problems(i, rule)]
    if not rules:
        problems.append(Problem("rules", "a version needs at least one rule"))
    if problems:
        raise WorkshopInputError(problems)
    latest = session.exec(select(func.max(GradeRuleSet.version))).one()
    rule_set = GradeRuleSet(
        version=(latest or 0) + 1,
        valid_from=valid_from,
        note=note.strip()[:500],
        created_by_id=actor_id,
        org_id=org_id,
    )
    session.add(rule_set)
    session.flush()
    for position, rule in enumerate(rules, start=1):
        session.add(
            GradeRule(
                rule_set_id=rule_set.id,  # type: ignore[arg-type]
                position=position,
                grade=rule.grade.strip(),
                chemistry=rule.chemistry.strip().upper(),
                min_soh_permille=rule.min_soh_permille,
                max_soh_permille=rule.max_soh_permille,
                max_dcir_uohm=rule.max_dcir_uohm,
                max_self_discharge_permille=rule.max_self_discharge_permille,
                applications=[] if rule.recycling_only else list(check_applications(rule.applications)),
                recycling_only=rule.recycling_only,
            )
        )
    session.flush()
    return rule_set


def _rule_problems(index: int, rule: RuleInput) -> list[Problem]:
    problems = []
    if not rule.grade.strip() or len(rule.grade.strip()) > 20:
        problems.append(Problem("grade", "give a grade name of 1 to 20 characters", index))
    if rule.chemistry.strip() and (len(rule.chemistry.strip()) != 1 or not rule.chemistry.strip().isalpha()):
        problems.append(Problem("chemistry", "one GB/T 34014 chemistry letter, or empty for any", index))
    for name in ("min_soh_permille", "max_soh_permille"):
        value = getattr(rule, name)
        if not 0 <= value <= 1000:
            problems.append(Problem(name, "SOH must lie between 0 and 100 %", index))
    if rule.min_soh_permille > rule.max_soh_permille:
        problems.append(Problem("min_soh_permille", "the lower SOH bound is above the upper one", index))
    for name in ("max_dcir_uohm", "max_self_discharge_permille"):
        value = getattr(rule, name)
        if value is not None and value < 0:
            problems.append(Problem(name, "must not be negative", index))
    try:
        allowed = check_applications(rule.applications)
    except ApplicationError as exc:
        problems.append(Problem("applications", str(exc), index))
    else:
        if not rule.recycling_only and not allowed:
            problems.append(
                Problem("applications", "name the applications allowed, or mark recycling only", index)
            )
    return problems


def rule_set_on(session: Session, day: date) -> GradeRuleSet | None:
    """The version in force on ``day``: the latest ``valid_from`` not after it, newest first."""
    return session.exec(
        select(GradeRuleSet)
        .where(GradeRuleSet.valid_from <= day)
        .order_by(col(GradeRuleSet.valid_from).desc(), col(GradeRuleSet.version).desc())
    ).first()


def rules_of(session: Session, rule_set_id: int) -> list[GradeRule]:
    """The rules of a version in their order."""
    return list(
        session.exec(
            select(GradeRule).where(GradeRule.rule_set_id == rule_set_id).order_by(col(GradeRule.position))
        )
    )


def all_versions(session: Session) -> list[GradeRuleSet]:
    """Every version, newest first."""
    return list(session.exec(select(GradeRuleSet).order_by(col(GradeRuleSet.version).desc())))


def seed_rules(session: Session, *, valid_from: date = date(2024, 1, 1)) -> GradeRuleSet | None:
    """Add the example version when there is none (no commit)."""
    if session.exec(select(GradeRuleSet.id)).first() is not None:
        return None
    return add_rule_set(session, EXAMPLE_RULES, valid_from=valid_from, note=EXAMPLE_NOTE)


@dataclass(frozen=True)
class Measured:
    """What a rule looks at."""

    chemistry: str
    soh_permille: int
    dcir_uohm: int
    self_discharge_permille: int


def match(rules: Sequence[GradeRule], unit: Measured) -> GradeRule | None:
    """The first rule ``unit`` meets, or ``None``."""
    for rule in rules:
        if rule.chemistry and rule.chemistry != unit.chemistry:
            continue
        if not rule.min_soh_permille <= unit.soh_permille <= rule.max_soh_permille:
            continue
        if rule.max_dcir_uohm is not None and unit.dcir_uohm > rule.max_dcir_uohm:
            continue
        if (
            rule.max_self_discharge_permille is not None
            and unit.self_discharge_permille > rule.max_self_discharge_permille
        ):
            continue
        return rule
    return None
