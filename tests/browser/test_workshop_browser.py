"""A technician at a 1024 px workbench tablet, in real headless Chromium: receive, inspect
(the pack fails and is quarantined), hand it over with its sheet, import the sample tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).parents[2] / "webapp" / "workshop" / "data" / "sample_tests.csv"
VISUAL = ("deformation", "swelling", "leakage", "corrosion", "burn_marks")
MEASURED = {"ocv": "352", "insulation": "25", "temperature": "23", "self_discharge": "6"}


@pytest.fixture
def tablet(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def _fits(page: Page) -> None:
    """Nothing but wide tables (which scroll in their own box) is wider than the tablet."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 1024, f"{page.url} is {width} px wide"


def test_technician_receives_quarantines_and_hands_over_a_pack(tablet: Page, live_server: str) -> None:
    """An incoming pack is received, fails swelling, is quarantined and leaves with an UNSAFE sheet."""
    page = tablet
    login(page, live_server, "technician", "workshop-2026")
    page.click("nav.nav >> text=梯次利用车间")
    expect(page.locator("h1")).to_contain_text("梯次利用车间")
    _fits(page)
    incoming = page.locator("#queue tr.stage-incoming code").first.inner_text()
    page.fill("#battery_code", incoming)
    page.click("#receive-form button[type=submit]")
    expect(page.locator(".flash.success")).to_contain_text(incoming)
    _fits(page)
    for code in VISUAL:
        page.check(f"#inspect-form input[name={code}][value={'fail' if code == 'swelling' else 'pass'}]")
    for code, value in MEASURED.items():
        page.fill(f"#inspect-form input[name={code}]", value)
    page.click("#inspect-form button[type=submit]")
    expect(page.locator("#quarantine")).to_contain_text("仅可再生利用")
    page.fill("#recycler", "广东某再生利用企业（演示）")
    page.fill("#recycler_site", "REC-GD-01")
    page.click("#handover-form button[type=submit]")
    expect(page.locator("#unsafe-notice")).to_contain_text("不安全")
    expect(page.locator("body")).to_contain_text("广东某再生利用企业（演示）")


def test_technician_imports_the_sample_tests_and_sees_graded_stock(tablet: Page, live_server: str) -> None:
    """The shipped sample imports into the demo; its A and B modules show in the stock."""
    page = tablet
    login(page, live_server, "technician", "workshop-2026")
    page.goto(f"{live_server}/workshop/tests/import")
    _fits(page)
    page.set_input_files("#file", str(SAMPLE))
    page.click("#import-form button[type=submit]")
    expect(page.locator(".flash.success")).to_contain_text("4")
    page.goto(f"{live_server}/workshop/stock")
    expect(page.locator("#stock")).to_contain_text("S01MBA12026001K1A0009001")
    expect(page.locator("#stock")).not_to_contain_text("S01MBA12026001K1A0009004")
    _fits(page)
    page.goto(f"{live_server}/workshop/units/S01PBA12026001K1A0009001")
    expect(page.locator("#mass-balance")).to_contain_text("允许偏差内")
    _fits(page)
