"""Editable tables behind the demonstration-enterprise metrics: emission factors and
subsidy rates.

Both are histories, not settings: an edit is a new row with its own ``valid_from``,
so a report for last year keeps using last year's factor and anyone can see what was
in force when. The database refuses UPDATE and DELETE of these rows (triggers from
:mod:`webapp.models.append_only`); :mod:`webapp.metrics.factors` adds rows and reads
the one in force.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlmodel import Field, SQLModel

from webapp.models._types import UTCDateTime, str_enum, utcnow


class EmissionFactor(SQLModel, table=True):
    """Greenhouse gas avoided by recycling one tonne of a material instead of landfilling it.

    ``kg_co2e_per_t`` is kilograms of CO2-equivalent per metric tonne collected; the
    source and its address are shown beside every figure computed with it. ``note_zh``
    and ``note`` say, in Chinese and English, the source, its year, the scope (system
    boundary) and the unit; ``example`` marks a value not yet checked against its
    source (示例值，待核实), which reports print beside the figure.
    """

    __tablename__ = "emission_factor"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    material_id: int = Field(foreign_key="material.id", index=True)
    kg_co2e_per_t: int
    source: str = Field(max_length=255)
    source_url: str = Field(default="", max_length=255)
    note: str = Field(default="", max_length=500)
    note_zh: str = Field(default="", max_length=500)
    example: bool = False
    valid_from: date = Field(index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RateKind(StrEnum):
    """What a subsidy rate pays for."""

    LOW_VALUE_TONNE = "low_value_tonne"  # per tonne of one low-value material collected
    NEW_OUTLET = "new_outlet"  # per outlet opened

    @property
    def label(self) -> str:
        return str(
            {
                RateKind.LOW_VALUE_TONNE: _l("Per tonne of low-value recyclables"),
                RateKind.NEW_OUTLET: _l("Per new outlet"),
            }[self]
        )


class SubsidyRate(SQLModel, table=True):
    """A subsidy rate in integer fen: per tonne of a low-value material, or per new outlet.

    The rate's provenance is the notice that sets it: ``document_title`` (文件名称),
    ``document_number`` (文号), ``valid_from`` (the date it takes effect, 施行日期) and
    ``basis`` (article, conditions). An administrator enters the rates in force;
    ``example`` marks the demo's own rates, which are not official.
    """

    __tablename__ = "subsidy_rate"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    kind: RateKind = Field(sa_type=str_enum(RateKind), index=True)
    material_id: int | None = Field(default=None, foreign_key="material.id", index=True)
    fen: int = Field(ge=0)
    basis: str = Field(max_length=255)
    document_title: str = Field(default="", max_length=255)
    document_number: str = Field(default="", max_length=100)
    example: bool = False
    source_url: str = Field(default="", max_length=255)
    valid_from: date = Field(index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
