"""Tables of the cascade-use workshop (梯次利用车间): checklist, inspections, tests,
grade rules and grades, disassemblies, and battery collection points' compliance.

Measurements are exact integers in the unit their column names (mAh, mWh, µΩ, mV,
per mille, deci-degrees Celsius); forms and imports accept decimals and convert.

Records are append-only (triggers from :mod:`webapp.models.append_only`): a retest is
a new ``test_record``, a regrade a new ``unit_grade``, an edit of the grade rules a
new ``grade_rule_set`` in force from a date. The checklist items and a collection
point's profile are settings, edited in place; an inspection keeps a copy of each
item as it was answered.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from webapp.models._types import UTCDateTime, str_enum, utcnow


class UnitLevel(StrEnum):
    """What was tested or graded: a pack, a module or a cell (GB/T 34014 P/M/C)."""

    PACK = "pack"
    MODULE = "module"
    CELL = "cell"

    @property
    def label(self) -> str:
        return str(
            {UnitLevel.PACK: _l("Pack"), UnitLevel.MODULE: _l("Module"), UnitLevel.CELL: _l("Cell")}[self]
        )

    @classmethod
    def of_type(cls, product_type: str) -> UnitLevel:
        """The level of a GB/T 34014 product-type letter (P, M, C)."""
        return {"P": cls.PACK, "M": cls.MODULE, "C": cls.CELL}[product_type]


class ItemKind(StrEnum):
    """How a checklist item is answered: pass/fail by eye, or a measured value in limits."""

    VISUAL = "visual"
    MEASURED = "measured"


class InspectionItem(SQLModel, table=True):
    """One item of the intake safety checklist (GB/T 38698.1-2020 Annex A style).

    A measured item passes when its value lies within ``[min_value, max_value]`` (either
    bound may be open); a visual item when the inspector ticks it as passed.
    """

    __tablename__ = "inspection_item"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    code: str = Field(max_length=40, unique=True, index=True)
    section: str = Field(max_length=40)  # appearance / electrical / thermal
    label_zh: str = Field(max_length=120)
    label_en: str = Field(max_length=120)
    kind: ItemKind = Field(sa_type=str_enum(ItemKind))
    unit: str = Field(default="", max_length=20)
    min_value: float | None = None
    max_value: float | None = None
    sort_order: int = 0
    active: bool = True
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Inspection(SQLModel, table=True):
    """An intake inspection of one battery; ``results`` copies each item as answered:
    ``[{code, label_zh, label_en, kind, unit, min, max, value, passed, note}]``."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    battery_code: str = Field(max_length=24, index=True)
    safe: bool
    results: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    note: str = Field(default="", max_length=500)
    inspector: str = Field(max_length=120)
    inspected_at: datetime = Field(sa_type=UTCDateTime, index=True)
    event_id: str | None = Field(default=None, max_length=64)  # its ``inspected`` log event
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TestRecord(SQLModel, table=True):
    """A residual-capacity test (余能检测, GB/T 34015) of a pack, module or cell.

    ``event_id`` is the ``capacity_tested`` log event written with it.
    """

    __tablename__ = "test_record"
    __test__ = False  # not a pytest class

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    battery_code: str = Field(max_length=24, index=True)
    level: UnitLevel = Field(sa_type=str_enum(UnitLevel))
    method: str = Field(max_length=120)
    equipment: str = Field(max_length=120)
    operator: str = Field(max_length=120)
    ambient_dc: int  # deci-degrees Celsius
    capacity_mah: int = Field(ge=0)
    energy_mwh: int = Field(ge=0)
    soh_permille: int = Field(ge=0, le=1000)
    dcir_uohm: int = Field(ge=0)
    self_discharge_permille: int = Field(ge=0)  # per month
    ocv_mv: int = Field(ge=0)
    tested_at: datetime = Field(sa_type=UTCDateTime, index=True)
    event_id: str = Field(max_length=64, index=True)
    source: str = Field(default="form", max_length=20)  # form / csv
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class GradeRuleSet(SQLModel, table=True):
    """One version of the grade rules, in force from ``valid_from`` until a later one."""

    __tablename__ = "grade_rule_set"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    version: int = Field(index=True)
    valid_from: date = Field(index=True)
    note: str = Field(default="", max_length=500)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class GradeRule(SQLModel, table=True):
    """One row of a rule set: the first row (by ``position``) whose limits a test meets
    gives the grade and the applications it allows, or recycling only."""

    __tablename__ = "grade_rule"

    id: int | None = Field(default=None, primary_key=True)
    rule_set_id: int = Field(foreign_key="grade_rule_set.id", index=True)
    position: int
    grade: str = Field(max_length=20)
    chemistry: str = Field(default="", max_length=1)  # "" = any chemistry
    min_soh_permille: int = Field(default=0, ge=0, le=1000)
    max_soh_permille: int = Field(default=1000, ge=0, le=1000)
    max_dcir_uohm: int | None = Field(default=None, ge=0)
    max_self_discharge_permille: int | None = Field(default=None, ge=0)
    applications: list[str] = Field(default_factory=list, sa_type=JSON)
    recycling_only: bool = False


class UnitGradeRow(SQLModel, table=True):
    """A unit's grade as given by a rule set version (the newest row is in force)."""

    __tablename__ = "unit_grade"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    battery_code: str = Field(max_length=24, index=True)
    test_record_id: int | None = Field(default=None, foreign_key="test_record.id")
    rule_set_id: int | None = Field(default=None, foreign_key="grade_rule_set.id")
    rule_version: int | None = None
    grade: str = Field(max_length=20)
    applications: list[str] = Field(default_factory=list, sa_type=JSON)
    recycling_only: bool = False
    unsafe: bool = False
    reason: str = Field(default="", max_length=500)
    graded_at: datetime = Field(sa_type=UTCDateTime, index=True)
    graded_by_id: int | None = Field(default=None, foreign_key="user.id")


class Disassembly(SQLModel, table=True):
    """A pack (or module) taken apart: the ``disassembled`` log event and its masses.

    Mass balance: parts + scrap = pack mass within ``tolerance_permille``.
    """

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    battery_code: str = Field(max_length=24, index=True)
    event_id: str = Field(max_length=64, index=True)
    input_mass_g: int = Field(ge=0)
    scrap_mass_g: int = Field(ge=0)
    tolerance_permille: int = Field(default=10, ge=0, le=1000)
    disassembled_at: datetime = Field(sa_type=UTCDateTime)
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DisassemblyPart(SQLModel, table=True):
    """One module or cell taken out of a disassembled unit, with its mass."""

    __tablename__ = "disassembly_part"

    id: int | None = Field(default=None, primary_key=True)
    disassembly_id: int = Field(foreign_key="disassembly.id", index=True)
    part_code: str = Field(max_length=24, index=True)
    mass_g: int = Field(ge=0)


class PointType(StrEnum):
    """GB/T 38698.2-2023 kinds of battery collection point."""

    COLLECTION = "collection"  # 收集型
    CENTRAL_STORAGE = "central_storage"  # 集中贮存型

    @property
    def label(self) -> str:
        return str(
            {
                PointType.COLLECTION: _l("Collection type (收集型)"),
                PointType.CENTRAL_STORAGE: _l("Central storage type (集中贮存型)"),
            }[self]
        )


class BatteryPointProfile(SQLModel, table=True):
    """What a battery collection outlet declares under GB/T 38698.2-2023."""

    __tablename__ = "battery_point_profile"

    id: int | None = Field(default=None, primary_key=True)
    outlet_id: int = Field(foreign_key="outlet.id", unique=True, index=True)
    point_type: PointType = Field(sa_type=str_enum(PointType))
    storage_area_m2: int = Field(ge=0)
    rated_storage_kg: int = Field(ge=0)
    discharge_facility: bool = False
    thermal_monitoring: bool = False
    max_days: int = Field(default=30, ge=1, le=3650)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


#: The append-only tables of this module (triggers installed by migration 0014).
APPEND_ONLY = (
    "inspection",
    "test_record",
    "grade_rule_set",
    "grade_rule",
    "unit_grade",
    "disassembly",
    "disassembly_part",
)
