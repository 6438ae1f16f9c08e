"""The sensors page (dispatcher, admin): registering with calibration, health, silent flags."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from webapp.models import AuditRecord, Outlet
from webapp.models._types import utcnow
from webapp.models.sensors import SensorDevice

FORM = {
    "code": "S-0042",
    "outlet_code": "FT-0101",
    "material_code": "paper",
    "sensor_height_mm": "1200",
    "container_depth_mm": "1000",
    "note": "东侧箱",
}


def test_a_dispatcher_registers_a_sensor_with_its_calibration(
    client, auth, outlet: Outlet, db: Session
) -> None:
    """The form stores the device, its outlet, material and calibration, with a change record."""
    auth.login()
    response = client.post("/sensors/new", data=FORM)
    assert response.status_code == 302
    device = db.exec(select(SensorDevice)).one()
    assert (device.outlet_id, device.sensor_height_mm, device.container_depth_mm) == (outlet.id, 1200, 1000)
    assert (
        db.exec(select(AuditRecord).where(AuditRecord.object_type == "sensor_device")).one().action
        == "create"
    )
    page = client.get("/sensors/").get_data(as_text=True)
    assert "S-0042" in page and "安装高度 1200，满载高度 1000" in page


def test_a_calibration_deeper_than_the_mount_is_refused_naming_the_field(client, auth, outlet, db) -> None:
    """A full line above the sensor cannot be: 422 with the message beside container_depth_mm."""
    auth.login()
    response = client.post("/sensors/new", data={**FORM, "container_depth_mm": "1500"})
    assert response.status_code == 422
    assert 'data-field="container_depth_mm"' in response.get_data(as_text=True)
    assert db.exec(select(SensorDevice)).first() is None


def test_an_unknown_outlet_is_refused_naming_the_field(client, auth, outlet) -> None:
    """A device must sit in a known outlet."""
    auth.login()
    response = client.post("/sensors/new", data={**FORM, "outlet_code": "FT-9999"})
    assert response.status_code == 422 and 'data-field="outlet_code"' in response.get_data(as_text=True)


def test_silent_sensors_are_flagged_and_can_be_listed_alone(client, auth, outlet, db: Session) -> None:
    """Not seen for longer than the threshold (6 h by default): flagged 静默, filter keeps them."""
    db.add(
        SensorDevice(
            code="S-LIVE", outlet_id=outlet.id, last_seen_at=utcnow() - timedelta(minutes=5), battery_pct=90
        )
    )
    db.add(
        SensorDevice(
            code="S-QUIET", outlet_id=outlet.id, last_seen_at=utcnow() - timedelta(hours=7), battery_pct=12
        )
    )
    db.add(SensorDevice(code="S-NEVER", outlet_id=outlet.id))
    db.commit()
    auth.login()
    page = client.get("/sensors/").get_data(as_text=True)
    assert 'id="silent-count">2<' in page
    assert page.count('class="error silent"') == 2
    silent = client.get("/sensors/?silent=1").get_data(as_text=True)
    assert "S-QUIET" in silent and "S-NEVER" in silent and "S-LIVE" not in silent


def test_editing_moves_the_calibration_and_can_retire_a_sensor(client, auth, outlet, db: Session) -> None:
    """The edit form changes calibration and retires the device; a retired one is not silent."""
    device = SensorDevice(code="S-0042", outlet_id=outlet.id, sensor_height_mm=1000, container_depth_mm=800)
    db.add(device)
    db.commit()
    auth.login()
    response = client.post(f"/sensors/{device.id}/edit", data={**FORM, "sensor_height_mm": "1300"})
    assert response.status_code == 302
    db.expire_all()
    stored = db.get(SensorDevice, device.id)
    assert stored.sensor_height_mm == 1300 and not stored.active  # the unticked box retires it
    assert 'id="silent-count">0<' in client.get("/sensors/").get_data(as_text=True)
