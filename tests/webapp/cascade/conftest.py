"""Graded stock for the cascade tests: modules received at the workshop, tested and graded.

The log events go through the real log; the test and grade rows are the workshop's
own tables, written as its grading writes them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from traceability import ActorRole, EventKind
from webapp.models.cascade import ProductSpec
from webapp.models.workshop import Inspection, TestRecord, UnitGradeRow, UnitLevel
from webapp.trace.inputs import EventInput
from webapp.trace.operations import record_events

WORKSHOP = "绿环梯次利用车间（测试）"
SITE = "SC-NS-01"
START = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def module_code(number: int, chemistry: str = "B") -> str:
    """A valid 24-character module code made 2019-01-01."""
    return f"S01M{chemistry}A1{number:07d}K11{number:07d}"


@dataclass(frozen=True)
class Spec:
    """Values of one unit to put in stock."""

    capacity_mah: int
    dcir_uohm: int = 1000
    ocv_mv: int = 3300
    chemistry: str = "B"
    grade: str = "A"
    recycling_only: bool = False
    unsafe_inspection: bool = False
    mass_g: int = 20_000


Stocker = Callable[[list[Spec]], list[str]]


@pytest.fixture
def stocker(db: Session) -> Iterator[Stocker]:
    """Put units in stock: received, tested, graded; returns their codes."""
    counter = [0]

    def add(specs: list[Spec]) -> list[str]:
        codes, events = [], []
        for spec in specs:
            counter[0] += 1
            code = module_code(counter[0], spec.chemistry)
            codes.append(code)
            at = START + timedelta(minutes=counter[0])
            events.append(
                EventInput(
                    f"T-{code}-RX",
                    EventKind.RECEIVED_BY_ENTERPRISE,
                    code,
                    WORKSHOP,
                    ActorRole.CASCADE_USER,
                    SITE,
                    at,
                    {"mass_g": spec.mass_g},
                )
            )
        record_events(db, events, actor_id=None)
        for code, spec in zip(codes, specs, strict=True):
            at = START + timedelta(hours=2)
            if spec.unsafe_inspection:
                db.add(Inspection(battery_code=code, safe=False, results=[], inspector="t", inspected_at=at))
            test = TestRecord(
                battery_code=code,
                level=UnitLevel.MODULE,
                method="GB/T 34015",
                equipment="cycler-1",
                operator="t",
                ambient_dc=250,
                capacity_mah=spec.capacity_mah,
                energy_mwh=spec.capacity_mah * 32,
                soh_permille=850,
                dcir_uohm=spec.dcir_uohm,
                self_discharge_permille=10,
                ocv_mv=spec.ocv_mv,
                tested_at=at,
                event_id=f"T-{code}-TS",
            )
            db.add(test)
            db.flush()
            db.add(
                UnitGradeRow(
                    battery_code=code,
                    test_record_id=test.id,
                    rule_version=1,
                    grade="R" if spec.recycling_only else spec.grade,
                    applications=[] if spec.recycling_only else ["energy_storage", "telecom_backup"],
                    recycling_only=spec.recycling_only,
                    unsafe=False,
                    graded_at=at,
                )
            )
        db.commit()
        return codes

    yield add


@pytest.fixture
def spec(db: Session) -> ProductSpec:
    """Four LFP modules in series, 3 % capacity, 10 % resistance, 50 mV OCV."""
    row = ProductSpec(
        name="储能包 4S1P",
        product_type="储能电池包",
        chemistry="B",
        series_count=4,
        parallel_count=1,
        target_capacity_mah=90_000,
        nominal_voltage_mv=12_800,
        max_capacity_spread_bp=300,
        max_resistance_spread_bp=1000,
        max_ocv_spread_mv=50,
        warranty_months=36,
    )
    db.add(row)
    db.commit()
    return row
