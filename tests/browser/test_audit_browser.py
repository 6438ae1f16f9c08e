"""A regulator in real headless Chromium: find a battery by code, read it, see it verified."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_regulator_finds_a_battery_and_sees_its_verified_timeline(page: Page, live_server: str) -> None:
    """Typing a demo battery's code opens its page: timeline, custody chain and a verified badge."""
    login(page, live_server, "regulator", "audit-2026")
    page.click("nav.nav >> text=电池溯源")
    expect(page.locator("h1")).to_contain_text("动力电池溯源")
    code = page.locator("a.code", has_text="S0").first.inner_text()  # a pack, not a product
    page.fill("#q", code.lower())
    page.click("form[role=search] button[type=submit]")
    expect(page).to_have_url(f"{live_server}/audit/batteries/{code}")
    expect(page.locator("#battery-code")).to_have_text(code)
    expect(page.locator("#timeline li").first).to_be_visible()
    assert page.locator("#timeline li").count() >= 2  # at least retired and received
    expect(page.locator("#badge")).to_have_attribute("data-status", "verified")
    expect(page.locator("#badge")).to_contain_text("已验证")
    page.click("#badge button")  # recompute through htmx, in place
    expect(page.locator("#badge")).to_have_attribute("data-status", "verified")
    expect(page.locator("#custody li").first).to_be_visible()
