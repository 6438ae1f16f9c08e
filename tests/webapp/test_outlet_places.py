"""Addresses on the outlet form: street search, pasted Amap/Baidu coordinates, reverse geocoding."""

from __future__ import annotations

import math

import pytest
from sqlmodel import select

from geodata.coords import wgs84_to_bd09, wgs84_to_gcj02
from webapp.models import Outlet, Role

# On 彩田路 just south of 深南大道 (WGS-84).
CAITIAN = (114.0629, 22.5426)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dx = (a[0] - b[0]) * 111_320 * math.cos(math.radians(22.54))
    return math.hypot(dx, (a[1] - b[1]) * 110_574)


def form(**overrides: str) -> dict:
    data = {
        "name": "彩田路回收亭",
        "kind": "kiosk",
        "status": "active",
        "materials": ["paper"],
        "lon": str(CAITIAN[0]),
        "lat": str(CAITIAN[1]),
    }
    data.update(overrides)
    return data


@pytest.fixture
def staff(client, auth):
    auth.login(Role.DISPATCHER)
    return client


def stored(db, name: str = "彩田路回收亭") -> Outlet:
    return db.exec(select(Outlet).where(Outlet.name == name)).one()


def test_search_finds_a_street_from_two_chinese_characters(staff) -> None:
    """The partial "深南" (no pinyin) returns 深南大道 with a point on it and its district."""
    response = staff.get("/outlets/places", query_string={"q": "深南"})
    rows = {r["label"]: r for r in response.get_json()["results"]}
    assert response.status_code == 200 and "深南大道" in rows
    row = rows["深南大道"]
    assert row["kind"] == "street" and row["district_name"] == "福田区"
    assert 113.95 < row["lon"] < 114.1 and 22.47 < row["lat"] < 22.6


def test_search_finds_a_crossing_from_two_partial_names(staff) -> None:
    """Two partial names, "深南与彩田", put the crossing first, with the address the form will fill in."""
    first = staff.get("/outlets/places", query_string={"q": "深南与彩田"}).get_json()["results"][0]
    assert first["kind"] == "crossing" and first["label"] == "深南大道与彩田路交叉口"
    assert first["address"] == "深圳市福田区深南大道与彩田路交叉口"
    assert metres((first["lon"], first["lat"]), (114.0628, 22.5428)) < 60


def test_search_with_an_unknown_name_is_empty_not_an_error(staff) -> None:
    """No match is an empty list."""
    response = staff.get("/outlets/places", query_string={"q": "火星路"})
    assert response.status_code == 200 and response.get_json() == {"results": []}


def test_an_overlong_search_is_a_400_naming_q(staff) -> None:
    """A query past 50 characters is refused with the parameter named."""
    response = staff.get("/outlets/places", query_string={"q": "路" * 51})
    assert response.status_code == 400 and response.get_json()["field"] == "q"


def test_the_search_is_for_staff_only(client, auth) -> None:
    """A driver session gets 403 from the search."""
    auth.login(Role.DRIVER)
    assert client.get("/outlets/places?q=深南").status_code == 403


def test_the_form_offers_search_paste_and_datum_in_chinese(staff) -> None:
    """The new-outlet form has the search box, the paste field and the datum selector (WGS-84 first)."""
    page = staff.get("/outlets/new").get_data(as_text=True)
    assert "查找街道或路口" in page and "粘贴坐标" in page and "坐标系" in page
    assert page.index('selected value="wgs84"') < page.index('value="gcj02"') < page.index('value="bd09"')


@pytest.mark.parametrize("datum, forward", [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_amap_and_baidu_coordinates_are_stored_as_wgs84(staff, db, datum, forward) -> None:
    """A point in GCJ-02 or BD-09 is converted back to within half a metre of the WGS-84 point."""
    lon, lat = forward(*CAITIAN)
    response = staff.post("/outlets/new", data=form(lon=f"{lon:.7f}", lat=f"{lat:.7f}", datum=datum))
    assert response.status_code == 302
    outlet = stored(db)
    assert metres((outlet.lon, outlet.lat), CAITIAN) < 0.5


def test_pasted_amap_coordinates_fill_longitude_and_latitude(staff, db) -> None:
    """A "lon,lat" pair copied from Amap with the GCJ-02 datum lands on the WGS-84 point."""
    lon, lat = wgs84_to_gcj02(*CAITIAN)
    data = form(lon="", lat="", coords=f"{lon:.7f},{lat:.7f}", datum="gcj02")
    assert staff.post("/outlets/new", data=data).status_code == 302
    outlet = stored(db)
    assert metres((outlet.lon, outlet.lat), CAITIAN) < 0.5


def test_pasted_latitude_first_is_read_the_right_way_round(staff, db) -> None:
    """Google's "lat, lon" order is recognised (in China the longitude is the larger number)."""
    data = form(lon="", lat="", coords=f"{CAITIAN[1]}, {CAITIAN[0]}")
    assert staff.post("/outlets/new", data=data).status_code == 302
    outlet = stored(db)
    assert (outlet.lon, outlet.lat) == CAITIAN


def test_unreadable_pasted_coordinates_are_a_422_naming_the_field(staff, db) -> None:
    """Text that is not two numbers is refused on the paste field; nothing is stored."""
    response = staff.post("/outlets/new", data=form(coords="深南大道"))
    assert response.status_code == 422
    assert 'data-field="coords"' in response.get_data(as_text=True)
    assert db.exec(select(Outlet)).first() is None


def test_an_unknown_datum_is_a_422_naming_the_field(staff, db) -> None:
    """A datum outside the three is refused on the selector; nothing is stored."""
    response = staff.post("/outlets/new", data=form(datum="mars"))
    assert response.status_code == 422
    assert 'data-field="datum"' in response.get_data(as_text=True)
    assert db.exec(select(Outlet)).first() is None


def test_an_empty_address_gets_the_nearest_street_and_crossing(staff, db) -> None:
    """Left empty, the address is made from the map: city, district, crossing."""
    assert staff.post("/outlets/new", data=form(address="")).status_code == 302
    assert stored(db).address == "深圳市福田区彩田路与深南大道交叉口附近"


def test_a_given_address_is_kept(staff, db) -> None:
    """What the dispatcher typed stays as typed."""
    assert staff.post("/outlets/new", data=form(address="彩田路3001号")).status_code == 302
    assert stored(db).address == "彩田路3001号"
