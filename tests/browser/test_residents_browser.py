"""Issue 15's 'done when', in headless Chromium on a phone's viewport: a resident registers
with the code from the console SMS sender and books a doorstep pickup; the dispatcher adds
the day's slots, plans the day and finds the booking on a route with its window; the
driver collects it with the resident's code; the resident sees the weights and the points;
a kiosk deposit posted with the kiosk's token credits the same resident."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlmodel import Session, col, select

from tests.browser.conftest import login, report_full_outlets, serving
from tests.clock import tomorrow_in_shenzhen_at
from tests.webapp.conftest import make_app
from traceability import CHINA_TZ, china_today
from webapp.api import tokens
from webapp.geo import district_of
from webapp.kiosk import ledger
from webapp.kiosk.operations import register_kiosk
from webapp.models import (
    Driver,
    Facility,
    Material,
    Outlet,
    OutletKind,
    OutletStatus,
    PlannedRoute,
    PlannedStop,
    TokenKind,
    User,
)
from webapp.models._types import utcnow
from webapp.models.points import Kiosk
from webapp.models.residents import Booking, ResidentAccount, ServiceArea
from webapp.residents.sms import ConsoleSender
from webapp.seed import seed_demo

pytestmark = pytest.mark.browser

PHONE = "13987654321"
PASSWORD = "resident-2026"
# An iPhone 12/13-sized screen, touch, as the residents' and drivers' apps are used.
PHONE_SCREEN = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


@pytest.fixture(scope="module")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[tuple]:
    """The demo on a live server with a console SMS sender whose outbox the test reads,
    resident prices in force, and a registered kiosk with its token."""
    app = make_app(database_url, tmp_path_factory.mktemp("residents-live"), cache_dir, TESTING=False)
    app.extensions["reloop.sms"] = ConsoleSender()
    with app.app_context():
        session = Session(app.extensions["reloop.engine"])
        seed_demo(session, outlets=60, days=0, seed=7, cache_dir=cache_dir)
        report_full_outlets(session)
        today = utcnow().astimezone(CHINA_TZ).date()
        if not any(line.material_code == "paper" for line in ledger.resident_prices(session, today)):
            ledger.add_price(session, material="paper", fen_per_kg=80, points_per_kg=10, valid_from=today)
        kiosk_outlet = session.exec(
            select(Outlet)
            .where(Outlet.kind == OutletKind.KIOSK, Outlet.status == OutletStatus.ACTIVE)
            .order_by(col(Outlet.id))
        ).first()
        row, plain = tokens.issue(session, name="测试回收箱", kind=TokenKind.KIOSK)
        kiosk = session.exec(select(Kiosk).where(Kiosk.outlet_id == kiosk_outlet.id)).first()
        if kiosk is None:  # the demo may have registered the kiosks already: give this one a new token
            register_kiosk(session, outlet=kiosk_outlet, serial="K-BROWSER-1", token_id=row.id)
        else:
            kiosk.token_id, kiosk.active = row.id, True
            session.add(kiosk)
        session.commit()
        session.close()
    with serving(app) as base:
        yield base, app, plain


def _rows(app: Flask, statement) -> list:
    with Session(app.extensions["reloop.engine"]) as session:
        return list(session.exec(statement))


def _phone(browser: Browser) -> tuple[BrowserContext, Page]:
    context = browser.new_context(**PHONE_SCREEN)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return context, page


# The slot the resident books: a two-hour window inside the trucks' usual hours (07:00–17:00).
SLOT = (10, 12)


@pytest.fixture
def morning() -> Iterator[date]:
    """The whole process (test and live server threads) runs from 08:30 tomorrow in Shenzhen.

    A resident can only book a slot that has not begun, and the driver collects on today's
    route, so the walk needs a morning: on the real clock it would fail from mid-afternoon
    on (the last CI failure ran at 16:00 there). Tomorrow rather than today keeps the clock
    moving forward only, after everything the fixture seeded.
    """
    with tomorrow_in_shenzhen_at(8, 30):
        yield china_today()


def test_a_booking_from_registration_to_points(browser: Browser, served: tuple, morning: date) -> None:
    base, app, kiosk_token = served
    today = utcnow().astimezone(CHINA_TZ).date()
    assert today == morning
    depot = _rows(app, select(Facility).where(Facility.is_depot == True).order_by(col(Facility.id)))[0]  # noqa: E712
    (driver1_user,) = _rows(app, select(User).where(User.username == "driver1"))
    (driver1,) = _rows(app, select(Driver).where(Driver.user_id == driver1_user.id))
    # The resident's door: a street point near driver1's depot (an outlet's, as streets go).
    outlets = _rows(app, select(Outlet).where(Outlet.status == OutletStatus.ACTIVE).order_by(col(Outlet.id)))
    door = min(outlets, key=lambda o: (o.lon - depot.lon) ** 2 + (o.lat - depot.lat) ** 2)
    start_h, end_h = SLOT
    window = f"{start_h:02d}:00–{end_h:02d}:00"

    # The dispatcher opens the day's slots (two-hour windows) in the resident's service area.
    staff, office = _phone(browser)
    login(office, base, "dispatcher", "dispatch-2026")
    office.goto(f"{base}/bookings/slots?day={today.isoformat()}")
    (area,) = _rows(app, select(ServiceArea).where(ServiceArea.district == district_of(door.lon, door.lat)))
    form = office.locator("form:has(select[name=area_id])")
    form.locator("select[name=area_id]").select_option(str(area.id))
    form.locator("input[name=first]").fill(f"{start_h:02d}:00")
    form.locator("input[name=last_end]").fill(f"{end_h:02d}:00")
    form.locator("input[name=hours]").fill("2")
    form.locator("input[name=capacity]").fill("10")
    form.locator("button[type=submit]").click()
    expect(office.locator("main")).to_contain_text(window)

    # The resident registers with the code the console SMS sender 'sent', adds the door, books.
    phone_ctx, resident = _phone(browser)
    resident.goto(f"{base}/r/register")
    resident.fill("#phone", PHONE)
    resident.locator("button[name=action][value=send]").click()
    expect(resident.locator("#code")).to_be_visible()
    message = app.extensions["reloop.sms"].last_to(PHONE)
    assert message, "the console sender sent no code"
    code = re.search(r"\b(\d{6})\b", message).group(1)
    resident.fill("#code", code)
    resident.fill("#password", PASSWORD)
    resident.locator("button[name=action][value=register]").click()
    resident.wait_for_url(f"{base}/r/")
    resident.goto(f"{base}/r/addresses")
    resident.fill("#lon", f"{door.lon:.7f}")
    resident.fill("#lat", f"{door.lat:.7f}")
    resident.fill("#detail", "荔香花园3栋2单元501")
    resident.locator("form:has(#detail) button[type=submit]").click()
    expect(resident.locator(".error")).to_have_count(0)
    resident.goto(f"{base}/r/book")
    resident.locator("input[name=slot_id]").first.check()
    (paper,) = _rows(app, select(Material).where(Material.code == "paper"))
    resident.locator(f"input[name=material][value='{paper.id}']").check()
    resident.fill(f"input[name=kg_{paper.id}]", "12")
    resident.locator("form:has(input[name=slot_id]) button.primary").click()
    resident.wait_for_url(re.compile(r"/r/bookings/\d+$"))
    booking_id = int(resident.url.rsplit("/", 1)[1])
    confirmation = resident.locator("#code").inner_text().strip()
    assert re.fullmatch(r"\d{6}", confirmation)

    # The dispatcher plans the day: the booking is on a route, with its window, apart from outlets.
    office.goto(f"{base}/dispatch/?day={today.isoformat()}&depot={depot.id}")
    expect(office.locator("#bookings")).to_contain_text(window)
    office.locator("#solve-form select[name=time_limit_s]").select_option("5")
    with office.expect_navigation(url=re.compile(r"/dispatch/plans/\d+$"), timeout=150_000):
        office.locator("#solve-form button[type=submit]").click(timeout=150_000)
    plan_id = int(office.url.rsplit("/", 1)[1])
    expect(office.locator("#bookings")).to_contain_text(window)
    booked_stop = office.locator("section.route .booking-stop")
    expect(booked_stop).to_have_count(1)
    expect(booked_stop).to_contain_text(window)
    (stop,) = _rows(app, select(PlannedStop).where(PlannedStop.booking_id == booking_id))
    routes = _rows(app, select(PlannedRoute).where(PlannedRoute.plan_id == plan_id))
    assert stop.route_id in {r.id for r in routes}
    arrival_h = stop.arrival_s / 3600
    assert start_h <= arrival_h <= end_h, f"arrival {arrival_h:.2f} h outside the slot {window}"
    for route in routes:
        office.select_option(
            f"select[name=driver_{route.id}]", str(driver1.id) if route.id == stop.route_id else ""
        )
    office.locator("#accept-form button[type=submit]").click()
    expect(office.locator(".flash.success")).to_be_visible()
    resident.reload()
    expect(resident.locator("#status")).to_contain_text("已排入路线")

    # The driver: the booking stop shows the masked number and a call link; wrong code refused.
    driver_ctx, driver = _phone(browser)
    login(driver, base, "driver1", "driver-2026")
    driver.goto(f"{base}/driver/stops/{stop.id}")
    expect(driver.locator(".masked-phone")).to_have_text("139****4321")
    assert PHONE not in driver.content()
    expect(driver.locator("a.call-resident")).to_have_attribute("href", f"/driver/stops/{stop.id}/call")
    call = driver.request.get(f"{base}/driver/stops/{stop.id}/call", max_redirects=0)
    assert call.status == 302 and call.headers["location"] == f"tel:{PHONE}"
    form = driver.locator("#record-form")
    form.locator("#confirmation_code").fill("000000" if confirmation != "000000" else "111111")
    form.locator("input[name=kg_paper]").fill("11.5")
    form.locator("button[type=submit]").click()
    expect(driver.locator(".error[data-field=confirmation_code]")).to_be_visible()
    form = driver.locator("#record-form")
    form.locator("#confirmation_code").fill(confirmation)
    form.locator("input[name=kg_paper]").fill("11.5")
    form.locator("button[type=submit]").click()
    driver.wait_for_url(f"{base}/driver/")
    expect(driver.locator(f"li.stop[data-stop-id='{stop.id}']")).to_have_attribute("data-status", "collected")

    # The resident sees the weights and the points.
    resident.reload()
    expect(resident.locator("#status")).to_contain_text("已收")
    expect(resident.locator("#weights")).to_contain_text("11.50 kg")
    (account,) = _rows(app, select(ResidentAccount).where(ResidentAccount.phone == PHONE))
    with Session(app.extensions["reloop.engine"]) as session:
        price = ledger.price_history(session, account.org_id).on(paper.id, today)
    credited = ledger.per_kg(11_500, price.points_per_kg)
    assert credited > 0
    expect(resident.locator("#points")).to_have_text(str(credited))

    # A kiosk deposit for the same resident's card credits the same account.
    deposit = {
        "deposit_id": f"K-BROWSER-{uuid.uuid4().hex[:12]}",
        "resident_card": account.card_no,
        "material": "paper",
        "grams": 2000,
        "kiosk_time": (datetime.now(CHINA_TZ) - timedelta(minutes=1)).isoformat(),
        "photo_sha256": uuid.uuid4().hex * 2,
    }
    answer = resident.request.post(
        f"{base}/api/v1/kiosk/deposits", data=deposit, headers={"Authorization": f"Bearer {kiosk_token}"}
    )
    assert answer.status == 201, answer.text()
    (result,) = answer.json()["deposits"]
    assert result["points"] > 0 and result["balance"] == credited + result["points"]
    resident.goto(f"{base}/r/")
    expect(resident.locator("#balance")).to_have_text(str(credited + result["points"]))
    (booking,) = _rows(app, select(Booking).where(Booking.id == booking_id))
    assert booking.code_used_at is not None
    for context in (staff, phone_ctx, driver_ctx):
        context.close()
