"""Scanning an outlet's QR label in a real Chromium: a driver lands on today's stop there,
an anonymous visitor on the outlet's public page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect
from sqlmodel import Session, select

from tests.browser.conftest import login, serving
from tests.webapp.conftest import PASSWORD, make_app
from tests.webapp.driver.conftest import make_day
from webapp.auth.operations import create_user
from webapp.models import Outlet, Role

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[tuple]:
    """A live server with today's plan accepted (driver1 on route 1) and a dispatcher login."""
    app = make_app(database_url, tmp_path_factory.mktemp("qr-live"), cache_dir, TESTING=False)
    with app.app_context():
        session = Session(app.extensions["reloop.engine"], expire_on_commit=False)
        day = make_day(session, cache_dir)
        create_user(
            session, username="qr-dispatcher", password=PASSWORD, role=Role.DISPATCHER, display_name="调度"
        )
        session.commit()
        outlets = {o.id: o for o in session.exec(select(Outlet)).all()}
        session.close()
    with serving(app) as base:
        yield base, day, outlets


def _phone(browser: Browser) -> BrowserContext:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    context.set_default_timeout(20_000)
    return context


def _label_url(browser: Browser, base: str, outlet_id: int) -> str:
    """The address printed under the QR code, read off the label page by a dispatcher."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    login(page, base, "qr-dispatcher", PASSWORD)
    page.goto(f"{base}/outlets/{outlet_id}/label")
    expect(page.locator(".qr svg")).to_be_visible()
    url = page.locator("p.url").inner_text().strip()
    context.close()
    return url


def test_a_driver_scanning_a_label_lands_on_the_stop_of_todays_route(browser: Browser, served: tuple) -> None:
    """driver1 opens the label's URL on the phone and gets that stop's page, ready to arrive."""
    base, day, outlets = served
    stop = day.stops["driver1"][1]
    url = _label_url(browser, base, stop.outlet_id)
    assert url == f"{base}/outlets/{stop.outlet_id}/scan"
    context = _phone(browser)
    page = context.new_page()
    login(page, base, "driver1", "driver-2026")
    page.goto(url)
    page.wait_for_url(f"{base}/driver/stops/{stop.id}")
    expect(page.locator("#arrive-button")).to_be_visible()
    expect(page.locator("body")).to_contain_text(outlets[stop.outlet_id].name)
    context.close()


def test_an_anonymous_visitor_scanning_a_label_gets_the_public_page(browser: Browser, served: tuple) -> None:
    """Without a login the label opens the public page: name, address, materials; no 403, no login wall."""
    base, day, outlets = served
    outlet = outlets[day.stops["driver2"][0].outlet_id]
    context = _phone(browser)
    page = context.new_page()
    response = page.goto(f"{base}/outlets/{outlet.id}/scan")
    assert response is not None and response.status == 200
    page.wait_for_url(f"{base}/outlets/{outlet.id}/about")
    expect(page.locator("h1")).to_contain_text(outlet.name)
    expect(page.locator("main")).to_contain_text(outlet.address)
    expect(page.locator("main")).to_contain_text("回收品类")
    expect(page.locator("main")).not_to_contain_text(outlet.host_phone)
    context.close()
