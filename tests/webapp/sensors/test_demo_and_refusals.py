"""The demo's sensors, and the bridge's refusals and materials on the page in the reader's language."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from tests.clock import tomorrow_in_shenzhen_at
from webapp.models import Material, Organisation, Outlet, OutletKind, OutletMaterial, OutletStatus
from webapp.models._types import utcnow
from webapp.models.sensors import MessageOutcome, SensorDevice, SensorTally
from webapp.seed import seed_materials
from webapp.seed_year._sensors import seed_sensors
from webapp.sensors.devices import health


def _demo_outlets(db: Session) -> int:
    seed_materials(db)
    org = Organisation(name="演示")
    db.add(org)
    db.flush()
    paper = db.exec(select(Material).where(Material.code == "paper")).one()
    for n, status in enumerate([OutletStatus.CLOSED, *[OutletStatus.ACTIVE] * 6]):
        outlet = Outlet(
            code=f"FT-{n + 1:04d}",
            name=f"演示站点{n + 1}",
            kind=OutletKind.SMART_BIN,
            status=status,
            lon=114.05,
            lat=22.54,
            org_id=org.id,
        )
        db.add(outlet)
        db.flush()
        db.add(OutletMaterial(outlet_id=outlet.id, material_id=paper.id))  # type: ignore[arg-type]
    db.commit()
    return org.id  # type: ignore[return-value]


def test_the_demo_seeds_calibrated_sensors_on_open_outlets_one_silent(db: Session) -> None:
    """Five sensors, S-0001 first (the README's example), on open outlets, with calibration,
    a week of counts, low battery and weak signal where set, and one silent for two days.

    At noon in Shenzhen: the silent one was last heard 51 h ago, which is two dates back
    from 03:00 on but three before, so its week of counts in the last seven days depends
    on the hour (seen failing at 00:55 Shenzhen time)."""
    org_id = _demo_outlets(db)
    with tomorrow_in_shenzhen_at(12):
        _check_demo_sensors(db, org_id)


def _check_demo_sensors(db: Session, org_id: int) -> None:
    assert seed_sensors(db, org_id=org_id, now=utcnow(), seed=1) == 5
    devices = db.exec(select(SensorDevice).order_by(SensorDevice.code)).all()
    assert [d.code for d in devices] == ["S-0001", "S-0002", "S-0003", "S-0004", "S-0005"]
    outlets = {o.id: o for o in db.exec(select(Outlet))}
    assert all(outlets[d.outlet_id].status == OutletStatus.ACTIVE for d in devices)
    assert all(d.sensor_height_mm and d.container_depth_mm and d.material_id for d in devices)
    rows = health(db, silent_hours=6)
    assert [r.device.code for r in rows if r.silent] == ["S-0004"]
    assert {r.device.code for r in rows if r.low_battery} == {"S-0003", "S-0004"}
    assert {r.device.code for r in rows if r.weak_signal} == {"S-0004"}
    assert all(r.counts.get("accepted", 0) >= 5 * 88 for r in rows)  # the silent one stopped 2 days ago
    assert db.exec(
        select(SensorTally).where(SensorTally.outcome == MessageOutcome.BAD)
    ).one().device_code == ("S-0005")


def _refused(db: Session, outlet: Outlet, problem: str) -> None:
    paper = db.exec(select(Material).where(Material.code == "paper")).one()
    db.add(
        SensorDevice(
            code="S-0007",
            outlet_id=outlet.id,
            material_id=paper.id,
            last_seen_at=utcnow(),
            signal_dbm=-90,
            last_problem=problem,
            last_problem_at=utcnow() - timedelta(minutes=3),
        )
    )
    db.commit()


def test_a_refusal_is_shown_in_chinese_naming_the_field(client, auth, outlet: Outlet, db: Session) -> None:
    """The bridge's English reason is shown translated, the field as code, the material in Chinese."""
    seed_materials(db)
    _refused(db, outlet, "fill_pct: 112.0 is outside 0…100")
    auth.login()
    row = client.get("/sensors/").get_data(as_text=True).split('data-sensor="S-0007"')[1].split("</tr>")[0]
    paper = db.exec(select(Material).where(Material.code == "paper")).one()
    assert "<code>fill_pct</code> 112.0 超出 0…100 的范围" in row
    assert "-90 dBm" in row and f"<td>{paper.name_zh}</td>" in row


def test_a_refusal_and_the_material_are_english_for_an_english_reader(
    client, auth, outlet: Outlet, db: Session
) -> None:
    """With English chosen, the same refusal and the material's English name."""
    seed_materials(db)
    _refused(db, outlet, "distance_mm: S-0007 has no calibration")
    auth.login()
    client.get("/lang/en")
    row = client.get("/sensors/").get_data(as_text=True).split('data-sensor="S-0007"')[1].split("</tr>")[0]
    paper = db.exec(select(Material).where(Material.code == "paper")).one()
    assert "<code>distance_mm</code> S-0007 has no calibration" in row
    assert f"<td>{paper.name_en}</td>" in row


def test_an_unforeseen_reason_is_a_generic_refusal_still_naming_the_field(
    client, auth, outlet: Outlet, db: Session
) -> None:
    """A reason no pattern knows (an outlet's own refusal) is not shown in English prose."""
    seed_materials(db)
    _refused(db, outlet, "message_id: the outlet refused it for a new reason")
    auth.login()
    row = client.get("/sensors/").get_data(as_text=True).split('data-sensor="S-0007"')[1].split("</tr>")[0]
    assert "<code>message_id</code> 已拒收；详情见桥接服务日志" in row
    assert 'title="message_id: the outlet refused it for a new reason"' in row
