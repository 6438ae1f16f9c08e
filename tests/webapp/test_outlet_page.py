"""The outlet page: pickup history, fill trend, small map and change history."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.webapp.driver.conftest import make_day
from traceability import CHINA_TZ
from webapp.driver.completions import CompletionIn
from webapp.driver.operations import record_completion
from webapp.models import CollectionOutcome, Outlet, PlannedStop, Role
from webapp.models._types import utcnow
from webapp.outlets import history


@pytest.fixture
def day(app, db, cache_dir):
    return make_day(db, cache_dir)


@pytest.fixture
def staff(client, auth):
    auth.login(Role.DISPATCHER)
    return client


def collect(db, day, stop: PlannedStop, grams: int, *, hours_ago: float = 1) -> None:
    """Record a pickup at a stop of driver1's route, as the phone would."""
    record_completion(
        db,
        day.drivers["driver1"],
        CompletionIn(
            client_id=uuid.uuid4().hex,
            stop_id=stop.id,
            outcome=CollectionOutcome.COLLECTED,
            recorded_at=utcnow() - timedelta(hours=hours_ago),
            weights_g={"paper": grams},
        ),
        user_id=day.drivers["driver1"].user_id,
    )


def test_pickup_history_shows_weights_driver_and_beijing_time(db, day, staff) -> None:
    """A pickup appears with its material weight in kg, the driver's name and the time in Beijing."""
    stop = day.stops["driver1"][0]
    collect(db, day, stop, 12_345, hours_ago=1)
    page = staff.get(f"/outlets/{stop.outlet_id}").get_data(as_text=True)
    section = page[page.index('id="pickups"') :]
    at = (utcnow() - timedelta(hours=1)).astimezone(CHINA_TZ)
    assert "清运记录" in page and "废纸 12.3 kg" in section and day.drivers["driver1"].name in section
    assert at.strftime("%Y-%m-%d %H:") in section


def test_pickup_history_is_paged_latest_first(db, day) -> None:
    """Two pickups at one outlet, one a page: page 1 the latest, page 2 the earlier."""
    first = day.stops["driver1"][0]
    again = PlannedStop(
        route_id=first.route_id,
        position=99,
        kind="outlet",
        outlet_id=first.outlet_id,
        arrival_s=0,
        departure_s=0,
    )
    db.add(again)
    db.commit()
    collect(db, day, first, 2_000, hours_ago=3)
    collect(db, day, again, 5_000, hours_ago=1)
    newer = history.pickups(db, first.outlet_id, page=1, locale="zh", per_page=1)
    older = history.pickups(db, first.outlet_id, page=2, locale="zh", per_page=1)
    assert (newer.total, newer.pages) == (2, 2)
    assert [p.total_g for p in newer.items + older.items] == [5_000, 2_000]


def test_fill_trend_draws_readings_threshold_and_emptying(db, day, staff) -> None:
    """The SVG chart has the readings' line, the due level and a mark for the pickup."""
    stop = day.stops["driver1"][0]
    now = utcnow().astimezone(CHINA_TZ)
    for hours, pct in ((30, "40"), (20, "85")):
        when = (now - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")
        staff.post(f"/outlets/{stop.outlet_id}/readings", data={"fill_pct": pct, "measured_at": when})
    collect(db, day, stop, 3_000, hours_ago=2)
    page = staff.get(f"/outlets/{stop.outlet_id}").get_data(as_text=True)
    chart = page[page.index('id="fill-trend"') : page.index('id="pickups"')]
    assert "<svg" in chart and 'class="fill"' in chart
    assert (
        chart.count("<circle ") == 2 and 'class="threshold"' in chart and chart.count('class="emptied"') == 1
    )


def test_outlet_page_has_a_small_map_on_the_shared_base_map(staff, db) -> None:
    """The page carries the map element with the outlet's point and loads the base map script."""
    staff.post("/outlets/new", data=_outlet())
    outlet = db.exec(select(Outlet)).one()
    page = staff.get(f"/outlets/{outlet.id}").get_data(as_text=True)
    assert 'id="outlet-map"' in page and f'data-lon="{outlet.lon}"' in page
    assert "js/basemap.js" in page and "js/outlet-map.js" in page


def test_change_history_names_who_changed_which_field(staff, db) -> None:
    """An edit shows in Chinese: the user, 修改信息, and 名称：old → new; the creation below it."""
    staff.post("/outlets/new", data=_outlet())
    outlet = db.exec(select(Outlet)).one()
    staff.post(f"/outlets/{outlet.id}/edit", data=_outlet(name="莲花路新回收亭"))
    page = staff.get(f"/outlets/{outlet.id}").get_data(as_text=True)
    section = page[page.index('id="changes"') :]
    assert "变更记录" in page and "dispatcher user" in section
    assert "名称：莲花路回收亭 → 莲花路新回收亭" in section
    assert section.index("修改信息") < section.index("新建网点")


def _outlet(**overrides: str) -> dict:
    data = {
        "name": "莲花路回收亭",
        "kind": "kiosk",
        "status": "active",
        "address": "莲花路",
        "materials": ["paper"],
        "lon": "114.0552",
        "lat": "22.5410",
    }
    data.update(overrides)
    return data
