"""A dispatcher in real headless Chromium sets up the fleet: a new driver and a new truck."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login
from webapp.fleet.validation import licence_check_char

pytestmark = pytest.mark.browser

LICENCE = "44030519900101123"


def test_dispatcher_creates_a_driver_and_a_vehicle_through_the_pages(page: Page, live_server: str) -> None:
    """From the nav to saved rows: phone masked in the list, a bad plate named, the truck listed."""
    login(page, live_server, "dispatcher", "dispatch-2026")
    page.click("nav.nav >> text=车队")
    expect(page.locator("h1")).to_contain_text("司机")
    page.click("#new-driver")
    page.fill("#name", "周杰")
    page.fill("#phone", "139 1234 5678")
    page.fill("#licence_no", LICENCE + licence_check_char(LICENCE))
    page.select_option("#licence_class", "C1")
    page.fill("#licence_expiry", "2031-06-30")
    page.click("#driver-form button[type=submit]")
    expect(page.locator(".flash.success")).to_contain_text("周杰")
    row = page.locator("#drivers tr", has_text="周杰")
    expect(row).to_contain_text("139****5678")
    expect(row).to_contain_text("C1")

    page.click("text=车辆")
    page.click("#new-vehicle")
    page.fill("#plate", "粤B·O1234")
    page.select_option("#kind", "compactor")
    page.fill("#capacity_kg", "5000")
    page.fill("#volume_m3", "12")
    page.fill("#tare_kg", "9600")
    page.fill("#fixed_cost_fen", "15000")
    page.fill("#cost_per_km_fen", "280")
    page.click("#vehicle-form button[type=submit]")
    expect(page.locator('.error[data-field="plate"]')).to_contain_text("不是有效的车牌号")
    page.fill("#plate", "粤bd 12345")
    page.click("#vehicle-form button[type=submit]")
    expect(page.locator(".flash.success")).to_contain_text("粤B·D12345")
    row = page.locator("#vehicles tr", has_text="粤B·D12345")
    expect(row).to_contain_text("压缩式垃圾车")
    expect(row).to_contain_text("9,600")
    expect(row).to_contain_text("150.00")
