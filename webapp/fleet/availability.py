"""Which trucks and drivers a depot has on a day, and who drives which truck.

The rule (documented in the README's fleet section):

- a vehicle is available when it is active, based at the depot and not marked out of
  service that day;
- if any shift is recorded for the depot that day, the drivers are exactly those with
  a shift there, within their shift's hours; otherwise every active driver whose home
  depot is this one (or who has none and whose usual truck is based here, or neither)
  is available for the vehicle's hours — so a depot that does not keep rosters plans
  as before;
- a driver with a shift at another depot, or already driving on another depot's
  accepted plan that day, is not available here.

Each route needs a driver, so the solver gets one truck per available driver at most:
drivers are paired with their usual truck first, then with the remaining trucks by
capacity (largest first).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, time

from sqlmodel import Session, col, select

from webapp.models import (
    CollectionPlan,
    Driver,
    PlannedRoute,
    PlanStatus,
    Shift,
    Vehicle,
    VehicleOutOfService,
)


@dataclass(frozen=True)
class DriverOnDuty:
    """A driver available that day, with the hours of their shift (None: no roster)."""

    driver: Driver
    start: time | None = None
    end: time | None = None


@dataclass(frozen=True)
class Crew:
    """A truck and the driver paired with it, working the intersection of their hours."""

    vehicle: Vehicle
    driver: Driver
    start: time
    end: time


@dataclass
class FleetDay:
    """A depot's fleet on a day: what may go out, and what may not and why."""

    depot_id: int
    day: date
    vehicles: list[Vehicle] = field(default_factory=list)
    drivers: list[DriverOnDuty] = field(default_factory=list)
    out_of_service: list[tuple[Vehicle, str]] = field(default_factory=list)
    rostered: bool = False  # True when shifts are recorded for this depot and day

    def crews(
        self, *, vehicle_ids: Collection[int] | None = None, driver_ids: Collection[int] | None = None
    ) -> list[Crew]:
        """Truck–driver pairs, optionally only among the chosen trucks and drivers.

        Pairs whose hours do not overlap are left out.
        """
        trucks = [v for v in self.vehicles if vehicle_ids is None or v.id in vehicle_ids]
        people = [d for d in self.drivers if driver_ids is None or d.driver.id in driver_ids]
        free = {v.id: v for v in trucks}
        pairs: list[tuple[Vehicle, DriverOnDuty]] = []
        waiting = []
        for duty in people:
            usual = free.pop(duty.driver.vehicle_id, None) if duty.driver.vehicle_id else None
            if usual is not None:
                pairs.append((usual, duty))
            else:
                waiting.append(duty)
        rest = sorted(free.values(), key=lambda v: (-v.capacity_g, v.id or 0))
        pairs += zip(rest, waiting, strict=False)
        crews = [_crew(vehicle, duty) for vehicle, duty in pairs]
        return sorted((c for c in crews if c is not None), key=lambda c: c.vehicle.id or 0)


def _crew(vehicle: Vehicle, duty: DriverOnDuty) -> Crew | None:
    start = max(vehicle.shift_start, duty.start) if duty.start else vehicle.shift_start
    end = min(vehicle.shift_end, duty.end) if duty.end else vehicle.shift_end
    return Crew(vehicle, duty.driver, start, end) if start < end else None


def available_fleet(session: Session, depot_id: int, day: date) -> FleetDay:
    """The trucks and drivers depot ``depot_id`` can send out on ``day`` (see module doc)."""
    fleet = FleetDay(depot_id=depot_id, day=day)
    down = {
        row.vehicle_id: row.reason
        for row in session.exec(select(VehicleOutOfService).where(VehicleOutOfService.day == day))
    }
    for vehicle in session.exec(
        select(Vehicle)
        .where(Vehicle.depot_id == depot_id, Vehicle.active == True)  # noqa: E712
        .order_by(col(Vehicle.id))
    ):
        if vehicle.id in down:
            fleet.out_of_service.append((vehicle, down[vehicle.id]))
        else:
            fleet.vehicles.append(vehicle)
    shifts = session.exec(select(Shift).where(Shift.day == day)).all()
    here = {s.driver_id: s for s in shifts if s.depot_id == depot_id}
    elsewhere = {s.driver_id for s in shifts if s.depot_id != depot_id} | _busy_elsewhere(
        session, depot_id, day
    )
    fleet.rostered = bool(here)
    depot_of_vehicle = dict(session.exec(select(Vehicle.id, Vehicle.depot_id)).all())
    drivers = session.exec(select(Driver).where(Driver.active == True).order_by(col(Driver.id))).all()  # noqa: E712
    for driver in drivers:
        if driver.id in elsewhere:
            continue
        if fleet.rostered:
            if driver.id in here:
                fleet.drivers.append(DriverOnDuty(driver, here[driver.id].start, here[driver.id].end))
        elif _based_at(driver, depot_id, depot_of_vehicle):
            fleet.drivers.append(DriverOnDuty(driver))
    return fleet


def _based_at(driver: Driver, depot_id: int, depot_of_vehicle: dict[int | None, int]) -> bool:
    if driver.depot_id is not None:
        return driver.depot_id == depot_id
    if driver.vehicle_id is not None and driver.vehicle_id in depot_of_vehicle:
        return depot_of_vehicle[driver.vehicle_id] == depot_id
    return True


def _busy_elsewhere(session: Session, depot_id: int, day: date) -> set[int]:
    """Drivers on a route of another depot's accepted plan that day."""
    rows = session.exec(
        select(PlannedRoute.driver_id)
        .join(CollectionPlan, col(CollectionPlan.id) == PlannedRoute.plan_id)
        .where(
            CollectionPlan.day == day,
            CollectionPlan.status == PlanStatus.ACCEPTED,
            CollectionPlan.depot_id != depot_id,
            col(PlannedRoute.driver_id).is_not(None),
        )
    ).all()
    return {r for r in rows if r is not None}


def suggested_drivers(session: Session, plan: CollectionPlan) -> dict[int, int]:
    """Route id -> the driver paired with its truck that day, to prefill the accept form."""
    fleet = available_fleet(session, plan.depot_id, plan.day)
    by_vehicle = {c.vehicle.id: c.driver.id for c in fleet.crews()}
    routes = session.exec(select(PlannedRoute).where(PlannedRoute.plan_id == plan.id)).all()
    return {
        r.id: by_vehicle[r.vehicle_id]  # type: ignore[misc]
        for r in routes
        if by_vehicle.get(r.vehicle_id) is not None
    }
