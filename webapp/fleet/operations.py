"""Fleet use cases: drivers, vehicles, facilities, shifts and days out of service.

Each takes the submitted text (a mapping of field -> string), checks it with
:mod:`webapp.fleet.validation`, writes the change and its change-log record in one
transaction and commits; bad input raises ``FleetInputError`` naming the field and
writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from webapp.changelog import record
from webapp.fleet.validation import (
    FleetInputError,
    parse_date,
    parse_licence_class,
    parse_licence_no,
    parse_lonlat,
    parse_phone,
    parse_plate,
    parse_scaled,
    parse_time,
)
from webapp.models import (
    Driver,
    Facility,
    FacilityKind,
    Role,
    Shift,
    User,
    Vehicle,
    VehicleKind,
    VehicleOutOfService,
)

Form = Mapping[str, str]


def _snapshot(row: SQLModel, fields: list[str]) -> dict[str, Any]:
    return {name: _plain(getattr(row, name)) for name in fields}


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value.value if hasattr(value, "value") else value


def _text(form: Form, name: str, *, max_length: int, required: bool = False) -> str:
    value = (form.get(name) or "").strip()
    if required and not value:
        raise FleetInputError({name: _("Required.")})
    if len(value) > max_length:
        raise FleetInputError({name: _("At most %(n)d characters.", n=max_length)})
    return value


def _flag(form: Form, name: str) -> bool:
    return (form.get(name) or "").strip().lower() in ("1", "y", "on", "true", "yes")


def _ref(session: Session, model: type[SQLModel], form: Form, name: str, *, required: bool) -> int | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        if required:
            raise FleetInputError({name: _("Required.")})
        return None
    if not raw.isdigit() or session.get(model, int(raw)) is None:
        raise FleetInputError({name: _("Choose one from the list.")})
    return int(raw)


def _save(
    session: Session,
    row: SQLModel,
    before: dict[str, Any] | None,
    fields: list[str],
    actor_id: int | None,
    *,
    unique_field: str,
) -> None:
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        # Someone saved the same plate/code/shift between our check and this write.
        session.rollback()
        raise FleetInputError({unique_field: _("Already recorded; reload the page.")}) from None
    after = _snapshot(row, fields)
    if before is None:
        record(session, "create", row, after=after, user_id=actor_id)
    else:
        changed = [k for k in fields if before[k] != after[k]]
        record(
            session,
            "update",
            row,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            user_id=actor_id,
        )
    session.commit()


# --- drivers -----------------------------------------------------------------------------

DRIVER_FIELDS = [
    "name",
    "phone",
    "licence_no",
    "licence_class",
    "licence_expiry",
    "user_id",
    "depot_id",
    "vehicle_id",
    "active",
]


def save_driver(
    session: Session, form: Form, *, driver_id: int | None = None, actor_id: int | None, org_id: int | None
) -> Driver:
    """Create a driver profile (``driver_id`` None) or change one; link it to a login if chosen."""
    driver = session.get(Driver, driver_id) if driver_id else Driver(name="", org_id=org_id)
    if driver is None:
        raise FleetInputError({"id": _("No such driver.")})
    before = _snapshot(driver, DRIVER_FIELDS) if driver_id else None
    user_id = _ref(session, User, form, "user_id", required=False)
    if user_id is not None:
        _check_linkable(session, user_id, driver_id)
    values = dict(
        name=_text(form, "name", max_length=60, required=True),
        phone=parse_phone(form.get("phone", "")),
        licence_no=parse_licence_no(form.get("licence_no", "")),
        licence_class=parse_licence_class(form.get("licence_class", "")),
        licence_expiry=parse_date(form.get("licence_expiry", ""), "licence_expiry"),
        user_id=user_id,
        depot_id=_ref(session, Facility, form, "depot_id", required=False),
        vehicle_id=_ref(session, Vehicle, form, "vehicle_id", required=False),
        active=_flag(form, "active") if driver_id else True,
    )
    for name, value in values.items():
        setattr(driver, name, value)
    _save(session, driver, before, DRIVER_FIELDS, actor_id, unique_field="user_id")
    return driver


def _check_linkable(session: Session, user_id: int, driver_id: int | None) -> None:
    user = session.get(User, user_id)
    if user is None or user.role != Role.DRIVER:
        raise FleetInputError({"user_id": _("Only a user with the driver role can be linked.")})
    other = session.exec(select(Driver).where(Driver.user_id == user_id)).first()
    if other is not None and other.id != driver_id:
        raise FleetInputError(
            {"user_id": _("This user is already linked to driver %(name)s.", name=other.name)}
        )


def ensure_driver_profile(session: Session, user: User, *, actor_id: int | None) -> Driver | None:
    """The driver profile of a user with the driver role, created if missing (staged, not committed).

    Called wherever a driver account is made, so every driver login appears in the
    plan's driver lists and their phone finds its routes.
    """
    if user.role != Role.DRIVER:
        return None
    driver = session.exec(select(Driver).where(Driver.user_id == user.id)).first()
    if driver is not None:
        return driver
    driver = Driver(user_id=user.id, name=(user.display_name or user.username)[:60], org_id=user.org_id)
    session.add(driver)
    session.flush()
    record(session, "create", driver, after=_snapshot(driver, DRIVER_FIELDS), user_id=actor_id)
    return driver


def unlinked_driver_users(session: Session, keep: int | None = None) -> list[User]:
    """Users with the driver role that no profile links yet (plus ``keep``, the current link)."""
    linked = {u for u in session.exec(select(Driver.user_id)).all() if u is not None and u != keep}
    users = session.exec(select(User).where(User.role == Role.DRIVER).order_by(col(User.username))).all()
    return [u for u in users if u.id not in linked]


# --- vehicles ----------------------------------------------------------------------------

VEHICLE_FIELDS = [
    "plate",
    "kind",
    "model",
    "capacity_g",
    "volume_l",
    "tare_g",
    "fixed_cost_fen",
    "cost_per_km_fen",
    "depot_id",
    "active",
]


def save_vehicle(
    session: Session, form: Form, *, vehicle_id: int | None = None, actor_id: int | None, org_id: int | None
) -> Vehicle:
    """Register a truck or change one. Weights come in kg, volume in m³, costs in fen."""
    vehicle = session.get(Vehicle, vehicle_id) if vehicle_id else None
    if vehicle_id and vehicle is None:
        raise FleetInputError({"id": _("No such vehicle.")})
    before = _snapshot(vehicle, VEHICLE_FIELDS) if vehicle else None
    plate = parse_plate(form.get("plate", ""))
    taken = session.exec(select(Vehicle).where(Vehicle.plate == plate)).first()
    if taken is not None and taken.id != vehicle_id:
        raise FleetInputError({"plate": _("This plate is already registered.")})
    try:
        kind = VehicleKind((form.get("kind") or "").strip())
    except ValueError:
        raise FleetInputError({"kind": _("Choose a vehicle type.")}) from None
    capacity_g = parse_scaled(form.get("capacity_kg", ""), "capacity_kg", scale=1000, positive=True)
    tare_g = parse_scaled(form.get("tare_kg") or "0", "tare_kg", scale=1000)
    values = dict(
        plate=plate,
        kind=kind,
        model=_text(form, "model", max_length=60),
        capacity_g=capacity_g,
        volume_l=parse_scaled(form.get("volume_m3", ""), "volume_m3", scale=1000, positive=True),
        tare_g=tare_g,
        fixed_cost_fen=parse_scaled(form.get("fixed_cost_fen") or "0", "fixed_cost_fen", scale=1),
        cost_per_km_fen=parse_scaled(form.get("cost_per_km_fen") or "0", "cost_per_km_fen", scale=1),
        depot_id=_ref(session, Facility, form, "depot_id", required=True),
        active=_flag(form, "active") if vehicle_id else True,
    )
    depot = session.get(Facility, values["depot_id"])
    if depot is None or not depot.is_depot:
        raise FleetInputError({"depot_id": _("Choose a facility that is a depot.")})
    if vehicle is None:
        vehicle = Vehicle(org_id=org_id, **values)
    else:
        for name, value in values.items():
            setattr(vehicle, name, value)
    _save(session, vehicle, before, VEHICLE_FIELDS, actor_id, unique_field="plate")
    return vehicle


# --- facilities --------------------------------------------------------------------------

FACILITY_FIELDS = [
    "code",
    "name",
    "kind",
    "address",
    "lon",
    "lat",
    "opens",
    "closes",
    "unload_minutes",
    "is_depot",
]


def save_facility(
    session: Session, form: Form, *, facility_id: int | None = None, actor_id: int | None, org_id: int | None
) -> Facility:
    """Add a depot, sorting centre or transfer station, or change one."""
    facility = session.get(Facility, facility_id) if facility_id else None
    if facility_id and facility is None:
        raise FleetInputError({"id": _("No such facility.")})
    before = _snapshot(facility, FACILITY_FIELDS) if facility else None
    code = _text(form, "code", max_length=32, required=True).upper()
    taken = session.exec(select(Facility).where(Facility.code == code)).first()
    if taken is not None and taken.id != facility_id:
        raise FleetInputError({"code": _("This code is already used.")})
    try:
        kind = FacilityKind((form.get("kind") or "").strip())
    except ValueError:
        raise FleetInputError({"kind": _("Choose a kind of facility.")}) from None
    lon, lat = parse_lonlat(form.get("lon", ""), form.get("lat", ""))
    opens, closes = parse_time(form.get("opens", ""), "opens"), parse_time(form.get("closes", ""), "closes")
    if closes <= opens:
        raise FleetInputError({"closes": _("Closing time must be after opening time.")})
    unload = parse_scaled(form.get("unload_minutes", ""), "unload_minutes", scale=1)
    if unload * 60 > (closes.hour - opens.hour) * 3600 + (closes.minute - opens.minute) * 60:
        raise FleetInputError({"unload_minutes": _("Unloading must fit in the opening hours.")})
    values = dict(
        code=code,
        name=_text(form, "name", max_length=120, required=True),
        kind=kind,
        address=_text(form, "address", max_length=255),
        lon=lon,
        lat=lat,
        opens=opens,
        closes=closes,
        unload_minutes=unload,
        is_depot=kind == FacilityKind.DEPOT or _flag(form, "is_depot"),
    )
    if facility is None:
        facility = Facility(org_id=org_id, **values)
    else:
        for name, value in values.items():
            setattr(facility, name, value)
    _save(session, facility, before, FACILITY_FIELDS, actor_id, unique_field="code")
    return facility


# --- shifts and days out of service ------------------------------------------------------

SHIFT_FIELDS = ["driver_id", "depot_id", "day", "start", "end"]
OUT_FIELDS = ["vehicle_id", "day", "reason"]


def add_shift(session: Session, form: Form, *, actor_id: int | None, org_id: int | None) -> Shift:
    """Roster a driver at a depot for a day (one shift per driver and day)."""
    driver_id = _ref(session, Driver, form, "driver_id", required=True)
    depot_id = _ref(session, Facility, form, "depot_id", required=True)
    day = parse_date(form.get("day", ""), "day", required=True)
    start, end = parse_time(form.get("start", ""), "start"), parse_time(form.get("end", ""), "end")
    if end <= start:
        raise FleetInputError({"end": _("The shift must end after it starts.")})
    if session.exec(select(Shift).where(Shift.driver_id == driver_id, Shift.day == day)).first():
        raise FleetInputError({"driver_id": _("This driver already has a shift that day.")})
    shift = Shift(driver_id=driver_id, depot_id=depot_id, day=day, start=start, end=end, org_id=org_id)  # type: ignore[arg-type]
    _save(session, shift, None, SHIFT_FIELDS, actor_id, unique_field="driver_id")
    return shift


def remove_shift(session: Session, shift_id: int, *, actor_id: int | None) -> date | None:
    """Take a shift off the roster; the day it was on (None if there was no such shift)."""
    shift = session.get(Shift, shift_id)
    if shift is None:
        return None
    record(session, "delete", shift, before=_snapshot(shift, SHIFT_FIELDS), user_id=actor_id)
    session.delete(shift)
    session.commit()
    return shift.day


def mark_out_of_service(
    session: Session, form: Form, *, actor_id: int | None, org_id: int | None
) -> VehicleOutOfService:
    """Keep a truck off the plan for a day, with the reason."""
    vehicle_id = _ref(session, Vehicle, form, "vehicle_id", required=True)
    day = parse_date(form.get("day", ""), "day", required=True)
    if session.exec(
        select(VehicleOutOfService).where(
            VehicleOutOfService.vehicle_id == vehicle_id, VehicleOutOfService.day == day
        )
    ).first():
        raise FleetInputError({"vehicle_id": _("This vehicle is already out of service that day.")})
    row = VehicleOutOfService(
        vehicle_id=vehicle_id,  # type: ignore[arg-type]
        day=day,  # type: ignore[arg-type]
        reason=_text(form, "reason", max_length=200, required=True),
        org_id=org_id,
    )
    _save(session, row, None, OUT_FIELDS, actor_id, unique_field="vehicle_id")
    return row


def back_in_service(session: Session, row_id: int, *, actor_id: int | None) -> date | None:
    """Undo an out-of-service day; the day (None if there was no such row)."""
    row = session.get(VehicleOutOfService, row_id)
    if row is None:
        return None
    record(session, "delete", row, before=_snapshot(row, OUT_FIELDS), user_id=actor_id)
    session.delete(row)
    session.commit()
    return row.day
