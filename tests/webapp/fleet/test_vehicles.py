"""Vehicles: plates, capacity, tare for the weighbridge and costs for the planner."""

from __future__ import annotations

from sqlmodel import select

from tests.webapp.fleet.conftest import vehicle_form
from webapp.models import AuditRecord, Role, Vehicle, VehicleKind


def test_a_dispatcher_registers_a_truck_in_kg_and_cubic_metres(client, auth, db, yard) -> None:
    """The form takes kg and m³; the row keeps exact grams and litres, costs in fen."""
    auth.login(Role.DISPATCHER)
    form = vehicle_form(
        "粤bd12345", yard.depot, kind="compactor", capacity_kg="5000", volume_m3="12.5", tare_kg="9600.5"
    )
    assert client.post("/fleet/vehicles/new", data=form).status_code == 302
    truck = db.exec(select(Vehicle).where(Vehicle.plate == "粤B·D12345")).one()
    assert (truck.kind, truck.capacity_g, truck.volume_l, truck.tare_g) == (
        VehicleKind.COMPACTOR,
        5_000_000,
        12_500,
        9_600_500,
    )
    assert (truck.fixed_cost_fen, truck.cost_per_km_fen, truck.depot_id) == (10_000, 190, yard.depot.id)


def test_a_plate_already_registered_is_refused(client, auth, db, yard) -> None:
    """The same plate written another way is still the same truck: 422 on the plate."""
    auth.login(Role.DISPATCHER)
    response = client.post("/fleet/vehicles/new", data=vehicle_form("粤BG2856", yard.depot))
    assert response.status_code == 422
    assert 'data-field="plate"' in response.get_data(as_text=True)
    assert len(db.exec(select(Vehicle)).all()) == 3


def test_a_malformed_plate_is_refused_and_nothing_is_written(client, auth, db, yard) -> None:
    """422 naming the plate; no vehicle row."""
    auth.login(Role.DISPATCHER)
    response = client.post("/fleet/vehicles/new", data=vehicle_form("粤B·O0001", yard.depot))
    assert response.status_code == 422
    assert 'data-field="plate"' in response.get_data(as_text=True)
    assert len(db.exec(select(Vehicle)).all()) == 3


def test_a_negative_tare_is_refused_naming_the_field(client, auth, yard) -> None:
    """Tare below zero: 422 on the tare field."""
    auth.login(Role.DISPATCHER)
    response = client.post("/fleet/vehicles/new", data=vehicle_form("粤B·12345", yard.depot, tare_kg="-1"))
    assert response.status_code == 422
    assert 'data-field="tare_kg"' in response.get_data(as_text=True)


def test_editing_a_truck_logs_what_changed(client, auth, db, yard) -> None:
    """A cost change is kept in the change log with the value before and after."""
    truck = yard.trucks[0]
    auth.login(Role.DISPATCHER)
    form = vehicle_form(truck.plate, yard.depot, cost_per_km_fen="250", active="y")
    assert client.post(f"/fleet/vehicles/{truck.id}", data=form).status_code == 302
    change = db.exec(
        select(AuditRecord).where(AuditRecord.object_type == "vehicle", AuditRecord.action == "update")
    ).one()
    assert change.before == {"cost_per_km_fen": 190} and change.after == {"cost_per_km_fen": 250}


def test_the_vehicle_list_shows_tare_and_costs_in_yuan(client, auth, yard) -> None:
    """Tare in kg and costs in yuan, beside the plate."""
    auth.login(Role.DISPATCHER)
    page = client.get("/fleet/vehicles").get_data(as_text=True)
    assert "粤B·G2856" in page and "4,200" in page and "100.00" in page and "1.90" in page
