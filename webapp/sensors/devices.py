"""Registering a sensor in an outlet's container, with its calibration, and reading
the fleet of sensors' health for the list page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from traceability import china_today
from webapp.changelog import record
from webapp.models import Material, Outlet, OutletStatus
from webapp.models._types import utcnow
from webapp.models.sensors import MessageOutcome, SensorDevice, SensorTally
from webapp.sensors.payloads import DEVICE_ID

LOW_BATTERY_PCT = 20
WEAK_SIGNAL_DBM = -110


class DeviceError(ValueError):
    """A device could not be registered or changed; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class DeviceInput:
    """A device form's or command's values, before any look-up."""

    code: str
    outlet_code: str
    material_code: str = ""
    sensor_height_mm: int | None = None
    container_depth_mm: int | None = None
    note: str = ""
    active: bool = True


def _snapshot(device: SensorDevice) -> dict[str, Any]:
    return device.model_dump(
        mode="json",
        include={
            "code",
            "outlet_id",
            "material_id",
            "sensor_height_mm",
            "container_depth_mm",
            "active",
            "note",
        },
    )


def save_device(
    session: Session, data: DeviceInput, *, actor_id: int | None, device_id: int | None = None
) -> SensorDevice:
    """Register a device (``device_id`` None) or change one; commit with a change record."""
    if not DEVICE_ID.fullmatch(data.code):
        raise DeviceError("code", "1-32 letters, digits, '.', '_' or '-', starting with a letter or digit")
    outlet = session.exec(select(Outlet).where(Outlet.code == data.outlet_code.strip())).first()
    if outlet is None:
        raise DeviceError("outlet_code", f"no outlet {data.outlet_code}")
    if outlet.status == OutletStatus.CLOSED:
        raise DeviceError("outlet_code", f"outlet {outlet.code} is closed")
    material_id = None
    if data.material_code:
        material_id = session.exec(select(Material.id).where(Material.code == data.material_code)).first()
        if material_id is None:
            raise DeviceError("material_code", f"no material {data.material_code}")
    _check_calibration(data.sensor_height_mm, data.container_depth_mm)
    taken = session.exec(select(SensorDevice).where(SensorDevice.code == data.code)).first()
    device = (
        session.get(SensorDevice, device_id)
        if device_id
        else SensorDevice(code=data.code, outlet_id=outlet.id)
    )  # type: ignore[arg-type]
    if device is None:
        raise DeviceError("code", f"no sensor with id {device_id}")
    if taken is not None and taken.id != device.id:
        raise DeviceError("code", f"sensor {data.code} is registered already")
    before = _snapshot(device) if device_id else None
    device.code, device.outlet_id, device.material_id = data.code, outlet.id, material_id  # type: ignore[assignment]
    device.sensor_height_mm, device.container_depth_mm = data.sensor_height_mm, data.container_depth_mm
    device.note, device.active, device.org_id = data.note.strip()[:255], data.active, outlet.org_id
    device.updated_at = utcnow()
    session.add(device)
    session.flush()
    record(
        session,
        "update" if device_id else "create",
        device,
        before=before,
        after=_snapshot(device),
        user_id=actor_id,
    )
    session.commit()
    return device


def _check_calibration(height: int | None, depth: int | None) -> None:
    if (height is None) != (depth is None):
        raise DeviceError(
            "container_depth_mm" if height else "sensor_height_mm", "give both calibration figures or neither"
        )
    if height is None or depth is None:
        return
    if not 100 <= height <= 20_000:
        raise DeviceError("sensor_height_mm", "must be between 100 and 20000 mm")
    if not 50 <= depth <= height:
        raise DeviceError("container_depth_mm", f"must be between 50 mm and the sensor height ({height} mm)")


@dataclass
class DeviceRow:
    """One line of the list: the device, where it is, and how it is doing."""

    device: SensorDevice
    outlet: Outlet
    material: str
    silent: bool
    low_battery: bool
    weak_signal: bool
    counts: dict[str, int] = field(default_factory=dict)


def silent_since(hours: int, now: datetime | None = None) -> datetime:
    """Devices last seen before this moment are silent."""
    return (now or utcnow()) - timedelta(hours=hours)


def health(
    session: Session, *, silent_hours: int, only_silent: bool = False, days: int = 7, locale: str = "zh"
) -> list[DeviceRow]:
    """Every device with its health flags and its last ``days`` of message counts;
    the container's material is named in ``locale``."""
    cutoff = silent_since(silent_hours)
    query = select(SensorDevice, Outlet).join(Outlet, Outlet.id == SensorDevice.outlet_id)  # type: ignore[arg-type]
    rows = session.exec(
        query.order_by(col(SensorDevice.last_seen_at).asc().nulls_first(), col(SensorDevice.code))
    ).all()
    materials = {m.id: m for m in session.exec(select(Material))}
    counts = tallies(session, days=days)
    result = []
    for device, outlet in rows:
        silent = device.active and (device.last_seen_at is None or device.last_seen_at < cutoff)
        if only_silent and not silent:
            continue
        material = materials.get(device.material_id)
        result.append(
            DeviceRow(
                device=device,
                outlet=outlet,
                material=material.name(locale) if material else "",
                silent=silent,
                low_battery=device.battery_pct is not None and device.battery_pct < LOW_BATTERY_PCT,
                weak_signal=device.signal_dbm is not None and device.signal_dbm < WEAK_SIGNAL_DBM,
                counts=counts.get(device.code, {}),
            )
        )
    return result


def tallies(session: Session, *, days: int) -> dict[str, dict[str, int]]:
    """Message counts by device code ("" for unregistered senders) and outcome."""
    first = china_today() - timedelta(days=days - 1)
    query = (
        select(SensorTally.device_code, SensorTally.outcome, func.sum(SensorTally.count))
        .where(SensorTally.day >= first)
        .group_by(SensorTally.device_code, SensorTally.outcome)
    )
    found: dict[str, dict[str, int]] = {}
    for code, outcome, count in session.exec(query):
        found.setdefault(code, {})[MessageOutcome(outcome).value] = int(count)
    return found
