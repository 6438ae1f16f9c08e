"""Issue 17's working day in real headless Chromium: a dispatcher sets up a driver and a truck,
plans tomorrow from the untouched form with two trucks, reads the plan in Chinese and prints
a route sheet; a driver scanning an outlet's QR label lands on that stop of today's route."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, col, select

from tests.browser.conftest import login, report_full_outlets, serving
from tests.webapp.conftest import make_app
from traceability import CHINA_TZ
from webapp.fleet.validation import licence_check_char
from webapp.models import (
    CollectionPlan,
    Driver,
    Facility,
    Job,
    PlannedRoute,
    PlannedStop,
    User,
    Vehicle,
)
from webapp.models._types import utcnow
from webapp.seed import seed_demo

pytestmark = pytest.mark.browser

LICENCE = "44030519850202123"
PLATE = "粤B·W2468"
# Words of the solver and codes that must not reach the Chinese plan page.
ENGLISH = re.compile(r"\b(routes?|stops?|unassigned|not_profitable|no_capacity|too_far|infeasible)\b", re.I)


@pytest.fixture(scope="module")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[tuple]:
    """The demo on a live server, and the app to look rows up."""
    app = make_app(database_url, tmp_path_factory.mktemp("day-live"), cache_dir, TESTING=False)
    with app.app_context():
        session = Session(app.extensions["reloop.engine"])
        seed_demo(session, outlets=60, days=2, seed=7, cache_dir=cache_dir)
        report_full_outlets(session)
        session.close()
    with serving(app) as base:
        yield base, app


def _rows(app: Flask, statement) -> list:
    with Session(app.extensions["reloop.engine"]) as session:
        return list(session.exec(statement))


def _set_up_fleet(page: Page, base: str, app: Flask, depot_id: int, tomorrow: str) -> None:
    """A new truck, a new driver who usually drives it, and the driver's shift tomorrow."""
    page.goto(f"{base}/fleet/vehicles/new")
    page.fill("#plate", PLATE)
    page.fill("#capacity_kg", "3000")
    page.fill("#volume_m3", "9")
    page.fill("#tare_kg", "4200")
    page.fill("#fixed_cost_fen", "10000")
    page.fill("#cost_per_km_fen", "190")
    page.select_option("#depot_id", str(depot_id))
    page.click("#vehicle-form button[type=submit]")
    expect(page.locator(".flash.success")).to_contain_text(PLATE)
    page.goto(f"{base}/fleet/drivers/new")
    page.fill("#name", "周杰")
    page.fill("#phone", "139 1234 5678")
    page.fill("#licence_no", LICENCE + licence_check_char(LICENCE))
    page.select_option("#licence_class", "B2")
    page.fill("#licence_expiry", "2031-06-30")
    page.select_option("#depot_id", str(depot_id))
    (truck,) = _rows(app, select(Vehicle).where(Vehicle.plate == PLATE))
    page.select_option("#vehicle_id", str(truck.id))
    page.click("#driver-form button[type=submit]")
    expect(page.locator(".flash.success")).to_contain_text("周杰")
    (driver,) = _rows(app, select(Driver).where(Driver.name == "周杰"))
    page.goto(f"{base}/fleet/days?day={tomorrow}&depot={depot_id}")
    form = page.locator("#shift-form")
    form.locator("#driver_id").select_option(str(driver.id))
    form.locator("#depot_id").select_option(str(depot_id))
    form.locator("#day").fill(tomorrow)
    form.locator("#start").fill("07:00")
    form.locator("#end").fill("17:00")
    form.locator("button[type=submit]").click()
    expect(page.locator("#shifts")).to_contain_text("周杰")


def _plan_from_the_untouched_form(page: Page, base: str, day: str) -> None:
    """Show the day on the board and press 生成路线方案 on the form as it loads; wait for the plan."""
    page.goto(f"{base}/dispatch/")
    page.fill("#board-filter input[name=day]", day)
    page.click("#board-filter button[type=submit]")
    expect(page.locator("#solve-day")).to_contain_text(day)
    with page.expect_navigation(url=re.compile(r"/dispatch/plans/\d+$"), timeout=150_000):
        page.locator("#solve-form").get_by_role("button", name="生成路线方案").click(timeout=150_000)
    expect(page.locator("h1")).to_contain_text(day)


def test_a_dispatchers_and_a_drivers_working_day(browser: Browser, served: tuple) -> None:
    """Fleet set up, tomorrow planned with two trucks, plan read in Chinese, sheet printed, QR scanned."""
    base, app = served
    today = utcnow().astimezone(CHINA_TZ).date()
    tomorrow = (today + timedelta(days=1)).isoformat()
    depot = _rows(app, select(Facility).where(Facility.is_depot == True).order_by(col(Facility.id)))[0]  # noqa: E712
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    login(page, base, "dispatcher", "dispatch-2026")
    _set_up_fleet(page, base, app, depot.id, tomorrow)

    page.goto(f"{base}/dispatch/?day={tomorrow}&depot={depot.id}")
    trucks = page.locator("#solve-vehicles input[name=vehicles]:checked")
    expect(page.locator("#solve-vehicles")).to_contain_text(PLATE)
    assert trucks.count() >= 2
    expect(page.locator("#solve-drivers")).to_contain_text("周杰")
    _plan_from_the_untouched_form(page, base, tomorrow)
    expect(page.locator("#plan-totals")).to_contain_text("条路线")
    (job_id,) = _rows(
        app, select(CollectionPlan.job_id).where(CollectionPlan.id == int(page.url.rsplit("/", 1)[1]))
    )
    (params,) = _rows(app, select(Job.params).where(Job.id == job_id))
    (truck_id,) = _rows(app, select(Vehicle.id).where(Vehicle.plate == PLATE))
    assert truck_id in params["vehicle_ids"] and len(params["vehicle_ids"]) >= 2  # the two trucks ticked
    expect(page.locator(".flash.error")).to_have_count(0)
    # Why these trucks: each route priced; a ticked truck left at home is weighed in yuan.
    routes = page.locator("#route-costs tbody tr")
    expect(routes).to_have_count(page.locator("section.route").count())
    if page.locator("section.route").count() < len(params["vehicle_ids"]):
        expect(page.locator("#idle-trucks .verdict").first).to_contain_text(
            re.compile(r"一辆车更省 \d+ 元|可节省 \d+ 元")
        )
    text = page.locator("main").inner_text()
    assert not ENGLISH.search(text), ENGLISH.search(text)
    if page.locator("#unassigned").count():
        expect(page.locator("#unassigned")).not_to_contain_text("_")

    with context.expect_page() as opened:
        page.locator("a.route-sheet").first.click()
    sheet = opened.value
    sheet.wait_for_load_state("load")
    expect(sheet.locator("body")).to_contain_text("收运路线单")
    expect(sheet.locator("#sheet-stops")).to_be_visible()
    assert sheet.pdf(format="A4")[:4] == b"%PDF"

    # Today's plan, accepted with driver1 (李强) on route 1, for the driver's scan.
    _plan_from_the_untouched_form(page, base, today.isoformat())
    plan_id = int(page.url.rsplit("/", 1)[1])
    (user,) = _rows(app, select(User).where(User.username == "driver1"))
    (driver1,) = _rows(app, select(Driver).where(Driver.user_id == user.id))
    routes = _rows(
        app, select(PlannedRoute).where(PlannedRoute.plan_id == plan_id).order_by(col(PlannedRoute.number))
    )
    for route in routes:
        page.select_option(f"select[name=driver_{route.id}]", str(driver1.id) if route.number == 1 else "")
    page.locator("#accept-form button[type=submit]").click()
    expect(page.locator(".flash.success")).to_be_visible()
    assert _rows(app, select(CollectionPlan.status).where(CollectionPlan.id == plan_id)) == ["accepted"]
    stop = _rows(
        app,
        select(PlannedStop)
        .where(PlannedStop.route_id == routes[0].id, PlannedStop.kind == "outlet")
        .order_by(col(PlannedStop.position)),
    )[0]
    context.close()

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    phone.set_default_timeout(20_000)
    page = phone.new_page()
    login(page, base, "driver1", "driver-2026")
    page.goto(f"{base}/outlets/{stop.outlet_id}/scan")
    page.wait_for_url(f"{base}/driver/stops/{stop.id}")
    expect(page.locator("#arrive-button")).to_be_visible()
    phone.close()
