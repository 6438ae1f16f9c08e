"""The fleet of a day: who is on duty, which trucks may go out, who drives which."""

from __future__ import annotations

from datetime import date, time

import pytest

from webapp.fleet import operations
from webapp.fleet.availability import available_fleet
from webapp.fleet.validation import FleetInputError
from webapp.models import Driver, Shift, VehicleOutOfService

DAY = date(2026, 12, 7)


def _shift(db, driver, depot, start=time(8), end=time(17)) -> None:
    db.add(Shift(driver_id=driver.id, depot_id=depot.id, day=DAY, start=start, end=end))
    db.commit()


def test_without_a_roster_every_active_driver_of_the_depot_is_on_duty(db, yard) -> None:
    """No shift recorded that day: the depot's active drivers work the trucks' hours."""
    db.add(Driver(name="别处", depot_id=yard.other.id))
    db.add(Driver(name="停用", depot_id=yard.depot.id, active=False))
    db.commit()
    fleet = available_fleet(db, yard.depot.id, DAY)
    assert not fleet.rostered
    assert [d.driver.name for d in fleet.drivers] == [d.name for d in yard.drivers]


def test_with_a_roster_only_drivers_on_shift_work_within_their_hours(db, yard) -> None:
    """One shift recorded: only that driver is on duty, and the truck works their hours."""
    _shift(db, yard.drivers[1], yard.depot, time(9), time(15, 30))
    crews = available_fleet(db, yard.depot.id, DAY).crews()
    assert [(c.driver.id, c.start, c.end) for c in crews] == [(yard.drivers[1].id, time(9), time(15, 30))]


def test_a_driver_rostered_at_another_depot_is_not_on_duty_here(db, yard) -> None:
    """A shift elsewhere that day takes the driver out of this depot's list."""
    _shift(db, yard.drivers[0], yard.other)
    fleet = available_fleet(db, yard.depot.id, DAY)
    assert [d.driver.id for d in fleet.drivers] == [yard.drivers[1].id]


def test_a_truck_out_of_service_stays_home_with_its_reason(db, yard) -> None:
    """Out of service that day: not available, listed with the reason."""
    db.add(VehicleOutOfService(vehicle_id=yard.trucks[0].id, day=DAY, reason="年检"))
    db.commit()
    fleet = available_fleet(db, yard.depot.id, DAY)
    assert yard.trucks[0] not in fleet.vehicles
    assert [(v.id, why) for v, why in fleet.out_of_service] == [(yard.trucks[0].id, "年检")]


def test_each_truck_that_goes_out_has_a_driver(db, yard) -> None:
    """Three trucks and two drivers: two crews, the largest trucks first."""
    crews = available_fleet(db, yard.depot.id, DAY).crews()
    assert len(crews) == 2 and len({c.driver.id for c in crews}) == 2
    assert {c.vehicle.plate for c in crews} == {"粤B·Q3721", "粤B·G2856"}


def test_a_driver_gets_their_usual_truck_when_it_is_available(db, yard) -> None:
    """The usual truck is paired first, even when it is the smallest."""
    driver = yard.drivers[0]
    driver.vehicle_id = yard.trucks[1].id
    db.add(driver)
    db.commit()
    crews = available_fleet(db, yard.depot.id, DAY).crews()
    assert {c.driver.id: c.vehicle.id for c in crews}[driver.id] == yard.trucks[1].id


def test_the_dispatcher_can_narrow_the_crews_to_chosen_trucks_and_drivers(db, yard) -> None:
    """Choosing one truck and one driver leaves exactly that crew."""
    crews = available_fleet(db, yard.depot.id, DAY).crews(
        vehicle_ids={yard.trucks[1].id}, driver_ids={yard.drivers[1].id}
    )
    assert [(c.vehicle.id, c.driver.id) for c in crews] == [(yard.trucks[1].id, yard.drivers[1].id)]


def test_adding_the_same_shift_twice_is_refused(app, db, yard) -> None:
    """One shift per driver and day: the second names the driver field."""
    form = {
        "driver_id": str(yard.drivers[0].id),
        "depot_id": str(yard.depot.id),
        "day": DAY.isoformat(),
        "start": "08:00",
        "end": "17:00",
    }
    with app.test_request_context():
        operations.add_shift(db, form, actor_id=None, org_id=None)
        with pytest.raises(FleetInputError) as refused:
            operations.add_shift(db, form, actor_id=None, org_id=None)
    assert set(refused.value.errors) == {"driver_id"}
