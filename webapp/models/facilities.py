"""Facilities (depots, sorting centres, transfer stations, plants), vehicles, drivers,
and who and what is available on a given day (shifts, vehicles out of service)."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from webapp.models._types import UTCDateTime, str_enum, utcnow


class FacilityKind(StrEnum):
    """Where trucks start, end and unload."""

    DEPOT = "depot"
    SORTING_CENTRE = "sorting_centre"
    TRANSFER_STATION = "transfer_station"
    RECYCLER_PLANT = "recycler_plant"

    @property
    def label(self) -> str:
        return str(
            {
                FacilityKind.DEPOT: _l("Depot"),
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


class VehicleKind(StrEnum):
    """The body of a collection truck."""

    COMPACTOR = "compactor"
    BOX_TRUCK = "box_truck"
    FLATBED = "flatbed"
    HOOKLIFT = "hooklift"
    VAN = "van"

    @property
    def label(self) -> str:
        return str(
            {
                VehicleKind.COMPACTOR: _l("Compactor truck"),
                VehicleKind.BOX_TRUCK: _l("Box truck"),
                VehicleKind.FLATBED: _l("Flatbed truck"),
                VehicleKind.HOOKLIFT: _l("Hook-lift truck"),
                VehicleKind.VAN: _l("Van"),
            }[self]
        )


class Vehicle(SQLModel, table=True):
    """A collection truck. Capacity and tare in grams, volume in litres, money in fen.

    ``tare_g`` is the registered empty weight the weighbridge may use instead of
    weighing the truck out; 0 means not registered.
    """

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    plate: str = Field(max_length=16, unique=True)
    model: str = Field(default="", max_length=60)
    kind: VehicleKind = Field(default=VehicleKind.BOX_TRUCK, sa_type=str_enum(VehicleKind))
    capacity_g: int = Field(gt=0)
    volume_l: int = Field(gt=0)
    tare_g: int = Field(default=0, ge=0)
    depot_id: int = Field(foreign_key="facility.id")
    shift_start: time = time(7, 0)
    shift_end: time = time(17, 0)
    fixed_cost_fen: int = Field(default=0, ge=0)
    cost_per_km_fen: int = Field(default=0, ge=0)
    active: bool = True


class Driver(SQLModel, table=True):
    """A driver: what dispatch needs to know, linked to the login (role driver) they use.

    The link is optional so a dispatcher can register a driver before their account
    exists. ``depot_id`` is the home depot (None: any depot); ``vehicle_id`` the usual
    truck, which dispatch pairs them with when it is available.
    """

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", unique=True)
    name: str = Field(max_length=60)
    phone: str = Field(default="", max_length=32)
    licence_no: str = Field(default="", max_length=32)
    licence_class: str = Field(default="", max_length=8)
    licence_expiry: date | None = None
    depot_id: int | None = Field(default=None, foreign_key="facility.id")
    vehicle_id: int | None = Field(default=None, foreign_key="vehicle.id")
    active: bool = True


class Shift(SQLModel, table=True):
    """A driver works at a depot on a day, from ``start`` to ``end`` (Beijing time)."""

    __table_args__ = (UniqueConstraint("driver_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    driver_id: int = Field(foreign_key="driver.id", index=True)
    depot_id: int = Field(foreign_key="facility.id")
    day: date = Field(index=True)
    start: time
    end: time
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class VehicleOutOfService(SQLModel, table=True):
    """A truck that cannot be used on a day (maintenance, inspection, breakdown)."""

    __tablename__ = "vehicle_out_of_service"
    __table_args__ = (UniqueConstraint("vehicle_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    vehicle_id: int = Field(foreign_key="vehicle.id", index=True)
    day: date = Field(index=True)
    reason: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
