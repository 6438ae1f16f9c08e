"""Outlets (回收网点), the materials each accepts, and their fill readings."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlmodel import Field, SQLModel

from webapp.models._types import UTCDateTime, str_enum, utcnow


class OutletKind(StrEnum):
    """The kinds of recycling outlet measure 十六 pays for."""

    KIOSK = "kiosk"
    SMART_BIN = "smart_bin"
    CO_BUILT = "co_built"
    BATTERY_POINT = "battery_point"

    @property
    def label(self) -> str:
        return str(
            {
                OutletKind.KIOSK: _l("Recycling kiosk"),
                OutletKind.SMART_BIN: _l("Smart bin station"),
                OutletKind.CO_BUILT: _l("Co-built with manufacturer"),
                OutletKind.BATTERY_POINT: _l("Power battery collection point"),
            }[self]
        )


class OutletStatus(StrEnum):
    """Where an outlet is in its life."""

    PLANNED = "planned"
    ACTIVE = "active"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return str(
            {
                OutletStatus.PLANNED: _l("Planned"),
                OutletStatus.ACTIVE: _l("Active"),
                OutletStatus.CLOSED: _l("Closed"),
            }[self]
        )

    @property
    def colour(self) -> str:
        return {
            OutletStatus.PLANNED: "#6b7280",
            OutletStatus.ACTIVE: "#15803d",
            OutletStatus.CLOSED: "#9ca3af",
        }[self]


class Outlet(SQLModel, table=True):
    """A community recycling outlet on the street network."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=120, index=True)
    kind: OutletKind = Field(sa_type=str_enum(OutletKind), index=True)
    status: OutletStatus = Field(sa_type=str_enum(OutletStatus), index=True)
    district: str | None = Field(default=None, max_length=32, index=True)
    address: str = Field(default="", max_length=255)
    lon: float
    lat: float
    fill_threshold_pct: int = Field(default=80, ge=1, le=100)
    capacity_l: int = Field(default=1000, gt=0)
    host_name: str = Field(default="", max_length=100)
    host_phone: str = Field(default="", max_length=32)
    partner: str = Field(default="", max_length=120)  # co-building manufacturer
    opened_on: date | None = None
    closed_on: date | None = None
    close_reason: str = Field(default="", max_length=255)
    # Latest reading, kept beside the outlet so the "due" filter needs no subquery.
    last_fill_pct: float | None = None
    last_fill_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def due(self) -> bool:
        """True when an active outlet's latest fill has reached its threshold."""
        return (
            self.status == OutletStatus.ACTIVE
            and self.last_fill_pct is not None
            and self.last_fill_pct >= self.fill_threshold_pct
        )


class OutletMaterial(SQLModel, table=True):
    """Which materials an outlet accepts."""

    __tablename__ = "outlet_material"

    outlet_id: int = Field(foreign_key="outlet.id", primary_key=True)
    material_id: int = Field(foreign_key="material.id", primary_key=True)


class ReadingSource(StrEnum):
    """Who produced a fill reading."""

    SENSOR = "sensor"
    MANUAL = "manual"

    @property
    def label(self) -> str:
        return str({ReadingSource.SENSOR: _l("Sensor"), ReadingSource.MANUAL: _l("Manual")}[self])


class FillReading(SQLModel, table=True):
    """How full an outlet was at a moment. ``reading_id`` makes posting idempotent."""

    __tablename__ = "fill_reading"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    reading_id: str = Field(max_length=64, unique=True, index=True)
    outlet_id: int = Field(foreign_key="outlet.id", index=True)
    fill_pct: float = Field(ge=0, le=100)
    measured_at: datetime = Field(sa_type=UTCDateTime, index=True)
    source: ReadingSource = Field(sa_type=str_enum(ReadingSource))
    token_id: int | None = Field(default=None, foreign_key="api_token.id")
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id")
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
