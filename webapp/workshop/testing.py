"""Residual-capacity tests (余能检测, GB/T 34015): checking a test as entered, recording
it with its grade and its ``capacity_tested`` log event.

A test is given in the units of a tester's display (Ah, Wh, %, mΩ, V, °C) as text;
:func:`parse_test` turns it into exact integers (mAh, mWh, ‰, µΩ, mV, 0.1 °C) or names
every bad field. A retest is one more record: the history stays, the newest counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from sqlmodel import Session, col, select

from traceability import CHINA_TZ, EventKind
from webapp.models._types import utcnow
from webapp.models.workshop import TestRecord, UnitGradeRow, UnitLevel
from webapp.trace.inputs import EventInput
from webapp.workshop import logbook
from webapp.workshop.errors import Problem, WorkshopInputError
from webapp.workshop.grading import grade_test
from webapp.workshop.intake import check_code
from webapp.workshop.settings import WorkshopSettings

TEXT_FIELDS = ("method", "equipment", "operator")


@dataclass(frozen=True)
class Quantity:
    """A measured field: its input name, stored name, scale to the stored unit, bounds."""

    name: str
    stored: str
    scale: int
    low: Decimal
    high: Decimal
    label: str


QUANTITIES: tuple[Quantity, ...] = (
    Quantity("ambient_c", "ambient_dc", 10, Decimal(-40), Decimal(80), "°C"),
    Quantity("capacity_ah", "capacity_mah", 1000, Decimal(0), Decimal(100000), "Ah"),
    Quantity("energy_wh", "energy_mwh", 1000, Decimal(0), Decimal(10000000), "Wh"),
    Quantity("soh_pct", "soh_permille", 10, Decimal(0), Decimal(100), "%"),
    Quantity("dcir_mohm", "dcir_uohm", 1000, Decimal(0), Decimal(1000000), "mΩ"),
    Quantity("self_discharge_pct_month", "self_discharge_permille", 10, Decimal(0), Decimal(100), "%/month"),
    Quantity("ocv_v", "ocv_mv", 1000, Decimal(0), Decimal(1500), "V"),
)
#: Input names, in the order of the CSV columns and the form.
FIELDS = ("battery_code", *TEXT_FIELDS, *(q.name for q in QUANTITIES), "tested_at")


@dataclass(frozen=True)
class TestInput:
    """One checked test, in stored units."""

    __test__ = False  # not a pytest class

    battery_code: str
    method: str
    equipment: str
    operator: str
    ambient_dc: int
    capacity_mah: int
    energy_mwh: int
    soh_permille: int
    dcir_uohm: int
    self_discharge_permille: int
    ocv_mv: int
    tested_at: datetime


def parse_test(
    values: Mapping[str, str], *, now: datetime | None = None
) -> tuple[TestInput | None, list[Problem]]:
    """Check one test given as text; returns the input or every problem (field named)."""
    problems: list[Problem] = []
    code = ""
    try:
        code = check_code(values.get("battery_code", ""))
    except WorkshopInputError as exc:
        problems += exc.problems
    texts = {}
    for name in TEXT_FIELDS:
        text = (values.get(name) or "").strip()
        if not text:
            problems.append(Problem(name, "required"))
        elif len(text) > 120:
            problems.append(Problem(name, "at most 120 characters"))
        texts[name] = text
    amounts = {q.stored: _amount(values.get(q.name), q, problems) for q in QUANTITIES}
    if amounts.get("dcir_uohm") == 0:
        problems.append(Problem("dcir_mohm", "an internal resistance of zero is not a measurement"))
    tested_at = _moment(values.get("tested_at"), now or utcnow(), problems)
    if problems:
        return None, problems
    return TestInput(battery_code=code, tested_at=tested_at, **texts, **amounts), []  # type: ignore[arg-type]


def _amount(raw: str | None, quantity: Quantity, problems: list[Problem]) -> int | None:
    text = (raw or "").strip().replace(",", "")
    if not text:
        problems.append(Problem(quantity.name, f"required ({quantity.label})"))
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        problems.append(Problem(quantity.name, f"{text!r} is not a number"))
        return None
    if not value.is_finite():
        problems.append(Problem(quantity.name, "must be a finite number"))
        return None
    if value < 0 and quantity.low >= 0:
        problems.append(Problem(quantity.name, f"must not be negative ({text} {quantity.label})"))
        return None
    if not quantity.low <= value <= quantity.high:
        problems.append(
            Problem(
                quantity.name,
                f"must lie between {quantity.low} and {quantity.high} {quantity.label}, got {text}",
            )
        )
        return None
    return int((value * quantity.scale).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _moment(raw: str | None, now: datetime, problems: list[Problem]) -> datetime:
    text = (raw or "").strip()
    if not text:
        return now
    try:
        moment = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        problems.append(
            Problem("tested_at", f"{text!r} is not a time (YYYY-MM-DD HH:MM, China Standard Time)")
        )
        return now
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA_TZ)
    if moment > now:
        problems.append(Problem("tested_at", "is in the future"))
    return moment


def record_tests(
    session: Session,
    tests: Sequence[TestInput],
    *,
    settings: WorkshopSettings,
    source: str = "form",
    lines: Sequence[int | None] | None = None,
    actor_id: int | None = None,
    org_id: int | None = None,
) -> list[tuple[TestRecord, UnitGradeRow]]:
    """Record ``tests`` with their grades and log events, all or none (commits).

    Raises
    ------
    WorkshopInputError
        When the log refuses a test (unit not held by the workshop, out of order...),
        naming its line; nothing is written.
    """
    done: list[tuple[TestRecord, UnitGradeRow]] = []
    events = []
    try:
        for test in tests:
            event = logbook.event(settings, EventKind.CAPACITY_TESTED, test.battery_code, test.tested_at, {})
            record = TestRecord(
                **{name: getattr(test, name) for name in TestInput.__dataclass_fields__},
                level=UnitLevel.of_type(test.battery_code[3]),
                event_id=event.event_id,
                source=source,
                recorded_by_id=actor_id,
                org_id=org_id,
            )
            session.add(record)
            session.flush()
            grade = grade_test(session, record, actor_id=actor_id, org_id=org_id)
            session.flush()
            events.append(_with_payload(event, test, grade))
            done.append((record, grade))
    except BaseException:
        session.rollback()
        raise
    logbook.record(session, events, actor_id=actor_id, org_id=org_id, lines=lines)
    return done


def _with_payload(event: EventInput, test: TestInput, grade: UnitGradeRow) -> EventInput:
    # Chinese, as the regulator's pages show the log's text as it is.
    verdict = f"等级 {grade.grade}"
    if grade.rule_version is not None:
        verdict += f"（分级规则第 {grade.rule_version} 版）"
    if grade.recycling_only:
        verdict += "，仅可再生利用"
    payload = {
        "soh_permille": test.soh_permille,
        "capacity_wh": (test.energy_mwh + 500) // 1000,
        "capacity_mah": test.capacity_mah,
        "internal_resistance_uohm": test.dcir_uohm,
        "method": test.method,
        "equipment": test.equipment,
        "verdict": verdict,
    }
    return replace(event, payload=payload)


def tests_of(session: Session, code: str) -> list[TestRecord]:
    """Every test of ``code``, newest first (the history of retests)."""
    return list(
        session.exec(
            select(TestRecord)
            .where(TestRecord.battery_code == code)
            .order_by(col(TestRecord.tested_at).desc(), col(TestRecord.id).desc())
        )
    )
