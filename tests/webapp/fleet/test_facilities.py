"""Depots and facilities: kind, place, hours and unloading time."""

from __future__ import annotations

from datetime import time

from sqlmodel import select

from tests.webapp.fleet.conftest import DEPOT_FORM
from webapp.models import Facility, FacilityKind, Role


def test_a_sorting_centre_is_added_with_its_hours(client, auth, db) -> None:
    """The form stores kind, location, opening hours and unloading minutes."""
    auth.login(Role.DISPATCHER)
    form = {
        **DEPOT_FORM,
        "code": "sc-02",
        "kind": "sorting_centre",
        "opens": "07:30",
        "closes": "19:00",
        "unload_minutes": "25",
    }
    assert client.post("/fleet/facilities/new", data=form).status_code == 302
    row = db.exec(select(Facility).where(Facility.code == "SC-02")).one()
    assert (row.kind, row.opens, row.closes, row.unload_minutes) == (
        FacilityKind.SORTING_CENTRE,
        time(7, 30),
        time(19, 0),
        25,
    )
    assert not row.is_depot


def test_a_depot_kind_is_a_depot(client, auth, db) -> None:
    """A facility of kind depot is where trucks start and end."""
    auth.login(Role.DISPATCHER)
    assert client.post("/fleet/facilities/new", data=DEPOT_FORM).status_code == 302
    assert db.exec(select(Facility)).one().is_depot


def test_closing_before_opening_is_refused(client, auth, db) -> None:
    """422 on the closing time; nothing written."""
    auth.login(Role.DISPATCHER)
    response = client.post("/fleet/facilities/new", data={**DEPOT_FORM, "opens": "18:00", "closes": "08:00"})
    assert response.status_code == 422
    assert 'data-field="closes"' in response.get_data(as_text=True)
    assert db.exec(select(Facility)).first() is None


def test_a_location_outside_china_is_refused(client, auth) -> None:
    """Longitude 200 is named as the bad field."""
    auth.login(Role.DISPATCHER)
    response = client.post("/fleet/facilities/new", data={**DEPOT_FORM, "lon": "200"})
    assert response.status_code == 422 and 'data-field="lon"' in response.get_data(as_text=True)
