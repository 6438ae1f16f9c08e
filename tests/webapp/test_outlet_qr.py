"""Outlet QR labels open a page for whoever scans them; error pages are in Chinese."""

from __future__ import annotations

import pytest
from flask import abort
from sqlmodel import select

from tests.webapp.driver.conftest import login, make_day
from webapp.access import public
from webapp.models import Outlet, OutletStatus, Role


@pytest.fixture
def day(app, db, cache_dir):
    return make_day(db, cache_dir)


def off_route(db, day) -> Outlet:
    """An active outlet on nobody's route today."""
    planned = {s.outlet_id for stops in day.stops.values() for s in stops}
    return next(
        o for o in db.exec(select(Outlet).where(Outlet.status == OutletStatus.ACTIVE)) if o.id not in planned
    )


def test_the_label_encodes_the_scan_address(client, auth, day) -> None:
    """The QR label points at /outlets/<id>/scan, not at the staff-only page."""
    auth.login(Role.DISPATCHER)
    outlet_id = day.stops["driver1"][0].outlet_id
    page = client.get(f"/outlets/{outlet_id}/label").get_data(as_text=True)
    assert f"/outlets/{outlet_id}/scan" in page and "<svg" in page


def test_a_driver_scanning_an_outlet_on_todays_route_lands_on_the_stop(client, day) -> None:
    """driver1 scans an outlet of their route and is sent to that stop's page."""
    stop = day.stops["driver1"][1]
    login(client, "driver1")
    response = client.get(f"/outlets/{stop.outlet_id}/scan")
    assert response.status_code == 302 and response.headers["Location"] == f"/driver/stops/{stop.id}"
    assert client.get(response.headers["Location"]).status_code == 200


def test_a_driver_scanning_another_drivers_outlet_gets_the_public_page(client, day) -> None:
    """An outlet on driver2's route is not driver1's stop: driver1 sees the public page, not a 403."""
    stop = day.stops["driver2"][0]
    login(client, "driver1")
    response = client.get(f"/outlets/{stop.outlet_id}/scan", follow_redirects=True)
    assert response.status_code == 200 and response.request.path == f"/outlets/{stop.outlet_id}/about"


def test_a_driver_scanning_an_outlet_off_their_route_gets_the_public_page(client, db, day) -> None:
    """An outlet no route visits today opens its public page for a driver."""
    outlet = off_route(db, day)
    login(client, "driver1")
    response = client.get(f"/outlets/{outlet.id}/scan", follow_redirects=True)
    assert response.status_code == 200 and outlet.name in response.get_data(as_text=True)


def test_staff_scanning_land_on_the_outlet_page(client, auth, day) -> None:
    """A dispatcher goes to the full outlet page."""
    outlet_id = day.stops["driver1"][0].outlet_id
    auth.login(Role.DISPATCHER)
    response = client.get(f"/outlets/{outlet_id}/scan")
    assert response.status_code == 302 and response.headers["Location"] == f"/outlets/{outlet_id}"


def test_the_regulator_scanning_gets_the_public_page_not_a_403(client, auth, db, day) -> None:
    """A logged-in role without the outlet pages still gets an answer."""
    outlet = off_route(db, day)
    auth.login(Role.REGULATOR)
    response = client.get(f"/outlets/{outlet.id}/scan", follow_redirects=True)
    assert response.status_code == 200 and outlet.name in response.get_data(as_text=True)


def test_an_anonymous_visitor_sees_the_public_page_without_internal_data(client, db, day) -> None:
    """Name, address, materials and hours in Chinese; no host phone, fill level or capacity."""
    outlet = off_route(db, day)
    response = client.get(f"/outlets/{outlet.id}/scan", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.request.path == f"/outlets/{outlet.id}/about"
    assert outlet.name in page and outlet.address in page and "回收品类" in page and "营业时间" in page
    assert outlet.host_phone not in page and "满溢" not in page and "容量" not in page
    assert outlet.host_name not in page


def test_a_closed_outlets_public_page_says_it_is_closed(client, db, day) -> None:
    """A scan of a closed outlet's label tells the visitor so."""
    outlet = off_route(db, day)
    outlet.status = OutletStatus.CLOSED
    db.add(outlet)
    db.commit()
    page = client.get(f"/outlets/{outlet.id}/about").get_data(as_text=True)
    assert "该网点已停止运营" in page and "营业时间" not in page


def test_scanning_an_unknown_outlet_is_a_chinese_404(client) -> None:
    """No such outlet: the 404 page in Chinese."""
    response = client.get("/outlets/999999/scan")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


CHINESE_TITLES = {
    400: "请求有误",
    403: "无权访问",
    404: "页面不存在",
    405: "不允许的操作",
    413: "上传内容过大",
    429: "请求过于频繁",
    500: "服务器错误",
    503: "服务暂不可用",
}


@pytest.mark.parametrize("code", sorted(CHINESE_TITLES))
def test_error_pages_are_in_chinese(app, client, code) -> None:
    """Each error page has its Chinese title and no werkzeug English name."""

    @public
    def fail(status: int) -> None:
        abort(status)

    app.add_url_rule("/test-error/<int:status>", "test_error", fail)
    response = client.get(f"/test-error/{code}")
    page = response.get_data(as_text=True)
    assert response.status_code == code and CHINESE_TITLES[code] in page
    english = [
        "Bad Request",
        "Forbidden",
        "Not Found",
        "Method Not Allowed",
        "Too Large",
        "Too Many",
        "Internal",
    ]
    assert not [word for word in english if word in page]


def test_a_wrong_method_is_a_chinese_405(client, auth) -> None:
    """POST to a page that only answers GET gets 不允许的操作."""
    auth.login(Role.DISPATCHER)
    response = client.post("/outlets/geojson")
    assert response.status_code == 405 and "不允许的操作" in response.get_data(as_text=True)


def test_a_driver_on_a_staff_page_gets_a_chinese_403(client, auth) -> None:
    """A role outside the page's audience sees 无权访问 with a way back."""
    auth.login(Role.DRIVER)
    response = client.get("/outlets/")
    assert response.status_code == 403 and "无权访问" in response.get_data(as_text=True)
