"""Fleet fixtures: a small depot with trucks and drivers, built through the operations."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import Session

from webapp.fleet import operations
from webapp.models import Driver, Facility, Vehicle

DEPOT_FORM = {
    "code": "DP-01",
    "name": "南山车场",
    "kind": "depot",
    "address": "深圳市南山区科技园",
    "lon": "113.95",
    "lat": "22.54",
    "opens": "06:00",
    "closes": "20:00",
    "unload_minutes": "0",
}


@dataclass
class Yard:
    """Two depots, trucks at the first, drivers based there."""

    depot: Facility
    other: Facility
    trucks: list[Vehicle]
    drivers: list[Driver]


def vehicle_form(plate: str, depot: Facility, **extra: str) -> dict[str, str]:
    form = {
        "plate": plate,
        "kind": "box_truck",
        "model": "福田 厢式 3吨",
        "capacity_kg": "3000",
        "volume_m3": "9",
        "tare_kg": "4200",
        "fixed_cost_fen": "10000",
        "cost_per_km_fen": "190",
        "depot_id": str(depot.id),
    }
    form.update(extra)
    return form


@pytest.fixture
def yard(app, db: Session) -> Yard:
    with app.test_request_context():
        depot = operations.save_facility(db, DEPOT_FORM, actor_id=None, org_id=None)
        other = operations.save_facility(
            db, {**DEPOT_FORM, "code": "DP-02", "name": "福田车场"}, actor_id=None, org_id=None
        )
        trucks = [
            operations.save_vehicle(
                db, vehicle_form(plate, depot, capacity_kg=kg), actor_id=None, org_id=None
            )
            for plate, kg in (("粤B·G2856", "3000"), ("粤B·D34567", "2000"), ("粤B·Q3721", "5000"))
        ]
        drivers = [
            operations.save_driver(db, {"name": name, "depot_id": str(depot.id)}, actor_id=None, org_id=None)
            for name in ("李强", "王磊")
        ]
    return Yard(depot, other, trucks, drivers)
