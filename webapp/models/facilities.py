"""Facilities (sorting centres, transfer stations, plants), vehicles and drivers."""

from __future__ import annotations

from datetime import time
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlmodel import Field, SQLModel

from webapp.models._types import str_enum


class FacilityKind(StrEnum):
    """Where trucks start, end and unload."""

    SORTING_CENTRE = "sorting_centre"
    TRANSFER_STATION = "transfer_station"
    RECYCLER_PLANT = "recycler_plant"

    @property
    def label(self) -> str:
        return str(
            {
                FacilityKind.SORTING_CENTRE: _l("Sorting centre"),
                FacilityKind.TRANSFER_STATION: _l("Transfer station"),
                FacilityKind.RECYCLER_PLANT: _l("Recycling plant"),
            }[self]
        )


class Facility(SQLModel, table=True):
    """A site trucks leave from or unload at."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=120)
    kind: FacilityKind = Field(sa_type=str_enum(FacilityKind))
    address: str = Field(default="", max_length=255)
    district: str | None = Field(default=None, max_length=32)
    lon: float
    lat: float
    opens: time = time(6, 0)
    closes: time = time(20, 0)
    unload_minutes: int = Field(default=20, ge=0)
    is_depot: bool = False


class Vehicle(SQLModel, table=True):
    """A collection truck. Capacity in grams and litres, money in fen."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    plate: str = Field(max_length=16, unique=True)
    model: str = Field(default="", max_length=60)
    capacity_g: int = Field(gt=0)
    volume_l: int = Field(gt=0)
    depot_id: int = Field(foreign_key="facility.id")
    shift_start: time = time(7, 0)
    shift_end: time = time(17, 0)
    fixed_cost_fen: int = Field(default=0, ge=0)
    cost_per_km_fen: int = Field(default=0, ge=0)
    active: bool = True


class Driver(SQLModel, table=True):
    """A driver: a user with the driver role plus what dispatch needs to know."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    user_id: int = Field(foreign_key="user.id", unique=True)
    name: str = Field(max_length=60)
    phone: str = Field(default="", max_length=32)
    vehicle_id: int | None = Field(default=None, foreign_key="vehicle.id")
    active: bool = True
