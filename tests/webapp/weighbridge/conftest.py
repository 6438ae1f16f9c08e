"""A small hand-made day at a sorting centre: one accepted route of one truck with two
trips (two outlets, unload at the centre, one outlet, unload at the centre), a second
truck on no route, and helpers to record the drivers' pickups."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlmodel import Session, select

from tests.webapp.conftest import seeded_user
from traceability import china_today
from webapp.models import (
    Collection,
    CollectionOutcome,
    CollectionPlan,
    CollectionWeight,
    Driver,
    Facility,
    FacilityKind,
    Material,
    Outlet,
    OutletKind,
    OutletStatus,
    PlannedRoute,
    PlannedStop,
    PlanStatus,
    Vehicle,
)
from webapp.models._types import utcnow
from webapp.models.weighbridge import TicketDirection, WeighTicket
from webapp.weighbridge.tickets import record_ticket

TARE_G = 8_000_000


@dataclass
class World:
    centre: Facility
    depot: Facility
    truck: Vehicle
    spare: Vehicle
    driver: Driver
    route: PlannedRoute
    stops: list[PlannedStop]  # outlet, outlet, unload, outlet, unload
    materials: dict[str, Material]

    @property
    def unloads(self) -> list[PlannedStop]:
        return [s for s in self.stops if s.kind == "unload"]


def make_world(db: Session) -> World:
    depot = Facility(code="D1", name="车队", kind=FacilityKind.DEPOT, lon=114.0, lat=22.5, is_depot=True)
    centre = Facility(
        code="SC1", name="南山分拣中心", kind=FacilityKind.SORTING_CENTRE, lon=114.01, lat=22.51
    )
    db.add_all([depot, centre])
    db.flush()
    truck = Vehicle(plate="粤B12345", capacity_g=5_000_000, volume_l=8000, tare_g=TARE_G, depot_id=depot.id)
    spare = Vehicle(plate="粤B99999", capacity_g=5_000_000, volume_l=8000, tare_g=0, depot_id=depot.id)
    user = seeded_user(db, "driver")
    driver = Driver(user_id=user.id, name="张师傅", vehicle_id=None)
    db.add_all([truck, spare, driver])
    db.flush()
    plan = CollectionPlan(day=china_today(), depot_id=depot.id, status=PlanStatus.ACCEPTED)
    db.add(plan)
    db.flush()
    route = PlannedRoute(
        plan_id=plan.id,
        number=1,
        vehicle_id=truck.id,
        driver_id=driver.id,
        colour="#123456",
        distance_m=1000,
        duration_s=3600,
        start_s=0,
        end_s=3600,
        collected_g=0,
        stop_count=5,
    )
    db.add(route)
    db.flush()
    stops = []
    for position, kind in enumerate(["outlet", "outlet", "unload", "outlet", "unload"]):
        outlet_id = None
        if kind == "outlet":
            outlet = Outlet(
                code=f"O{position}",
                name=f"网点{position}",
                kind=list(OutletKind)[0],
                status=OutletStatus.ACTIVE,
                lon=114.0,
                lat=22.5,
            )
            db.add(outlet)
            db.flush()
            outlet_id = outlet.id
        stop = PlannedStop(
            route_id=route.id,
            position=position,
            kind=kind,
            outlet_id=outlet_id,
            facility_id=centre.id if kind == "unload" else None,
            arrival_s=position * 600,
            departure_s=position * 600 + 300,
        )
        db.add(stop)
        stops.append(stop)
    db.commit()
    materials = {m.code: m for m in db.exec(select(Material))}
    return World(centre, depot, truck, spare, driver, route, stops, materials)


def collect(
    db: Session, world: World, stop: PlannedStop, grams: dict[str, int], when: datetime | None = None
) -> Collection:
    """Record a driver's pickup at an outlet stop, as the phone would."""
    row = Collection(
        client_id=uuid.uuid4().hex,
        stop_id=stop.id,
        route_id=world.route.id,
        outlet_id=stop.outlet_id,
        driver_id=world.driver.id,
        outcome=CollectionOutcome.COLLECTED,
        total_g=sum(grams.values()),
        recorded_at=when or utcnow(),
        body_sha256="0" * 64,
    )
    db.add(row)
    db.flush()
    for code, g in grams.items():
        db.add(CollectionWeight(collection_id=row.id, material_id=world.materials[code].id, grams=g))
    db.commit()
    return row


def ticket_in(db: Session, world: World, gross_g: int = 10_000_000, **extra: Any) -> WeighTicket:
    """Record an inbound ticket of the world's truck at its centre (``extra`` overrides fields)."""
    fields = {
        "facility_id": world.centre.id,
        "direction": TicketDirection.IN,
        "vehicle_id": world.truck.id,
        "gross_g": gross_g,
    }
    return record_ticket(db, **(fields | extra))


def tickets(db: Session) -> list[WeighTicket]:
    """Every ticket as the database now holds it, in the order they were saved."""
    db.expire_all()
    return list(db.exec(select(WeighTicket).order_by(WeighTicket.id)))


@pytest.fixture
def world(app, db) -> World:
    return make_world(db)
