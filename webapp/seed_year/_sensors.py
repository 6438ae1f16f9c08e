"""Demo fill sensors: a handful of MQTT devices with calibration on open demo outlets,
each with a plausible health (last seen, battery, signal) and a week of message counts;
one has gone silent and one last sent a message the bridge refused.

The first one is ``S-0001``, the device the README's ``mosquitto_pub`` example names, so
publishing that example to the demo's broker lands as a reading on its outlet's page.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from traceability.deadlines import CHINA_TZ
from webapp.models import Material, Outlet, OutletMaterial, OutletStatus
from webapp.models.sensors import MessageOutcome, SensorTally
from webapp.sensors.devices import DeviceInput, save_device

#: (height above the bottom, full line) in mm for the demo's container sizes.
_CALIBRATION = [(1200, 1000), (1400, 1150), (1000, 820), (1600, 1350), (1100, 900)]
#: How long ago each device was last heard from; the fourth has been silent for two days.
_LAST_SEEN = [
    timedelta(minutes=4),
    timedelta(minutes=17),
    timedelta(minutes=41),
    timedelta(hours=51),
    timedelta(hours=1, minutes=12),
]
_BATTERY = [87, 64, 15, 9, 72]  # the third and fourth are low (below 20 %)
_SIGNAL_DBM = [-78, -95, -104, -117, -88]  # the fourth is weak (below -110 dBm)
#: A refusal the bridge recorded on the fifth device, in the bridge's own words.
_PROBLEM = "fill_pct: 112.0 is outside 0…100"


def seed_sensors(session: Session, *, org_id: int, now: datetime, seed: int, count: int = 5) -> int:
    """Register up to ``count`` sensors on the first open outlets and give them a history."""
    rng = random.Random(seed + 77)  # nosec B311 # reproducible demo data, not a secret
    outlets = session.exec(
        select(Outlet)
        .where(Outlet.org_id == org_id, Outlet.status == OutletStatus.ACTIVE)
        .order_by(col(Outlet.code))
    ).all()[:count]
    made = 0
    for i, outlet in enumerate(outlets):
        height, depth = _CALIBRATION[i % len(_CALIBRATION)]
        material = session.exec(
            select(Material.code)
            .join(OutletMaterial, OutletMaterial.material_id == Material.id)  # type: ignore[arg-type]
            .where(OutletMaterial.outlet_id == outlet.id)
            .order_by(col(Material.sort_order))
        ).first()
        device = save_device(
            session,
            DeviceInput(
                code=f"S-{i + 1:04d}",
                outlet_code=outlet.code,
                material_code=material or "",
                sensor_height_mm=height,
                container_depth_mm=depth,
                note="演示传感器",
            ),
            actor_id=None,
        )
        seen = now - _LAST_SEEN[i % len(_LAST_SEEN)]
        device.last_seen_at = device.last_measured_at = seen
        device.last_fill_pct = round(rng.uniform(12, 88), 1)
        device.battery_pct = _BATTERY[i % len(_BATTERY)]
        device.signal_dbm = _SIGNAL_DBM[i % len(_SIGNAL_DBM)]
        if i % len(_LAST_SEEN) == 4:
            device.last_problem, device.last_problem_at = _PROBLEM, seen - timedelta(hours=3)
        session.add(device)
        _tallies(session, device.code, seen, rng, refused=bool(device.last_problem))
        made += 1
    session.commit()
    return made


def _tallies(session: Session, code: str, last_seen: datetime, rng: random.Random, *, refused: bool) -> None:
    """A week of daily counts up to the day last seen: a reading every 15 minutes or so."""
    last_day = last_seen.astimezone(CHINA_TZ).date()
    for back in range(7):
        day = last_day - timedelta(days=back)
        session.add(
            SensorTally(day=day, device_code=code, outcome=MessageOutcome.ACCEPTED, count=rng.randint(88, 96))
        )
        if rng.random() < 0.4:
            session.add(
                SensorTally(
                    day=day, device_code=code, outcome=MessageOutcome.DUPLICATE, count=rng.randint(1, 3)
                )
            )
    if refused:
        session.add(SensorTally(day=last_day, device_code=code, outcome=MessageOutcome.BAD, count=1))
