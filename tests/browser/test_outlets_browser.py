"""A dispatcher in real headless Chromium: the outlet map and adding an outlet."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_dispatcher_sees_the_seeded_outlets_on_the_map(page: Page, live_server: str) -> None:
    """After login the registry map shows outlet markers (or clusters) over the street base map."""
    login(page, live_server, "dispatcher", "dispatch-2026")
    expect(page).to_have_url(f"{live_server}/outlets/")
    expect(page.locator("h1")).to_contain_text("回收网点")
    expect(page.locator("#map")).to_have_attribute("data-streets-loaded", "1")
    expect(page.locator("#map .outlet-marker, #map .marker-cluster").first).to_be_visible()
    assert int(page.locator("#map").get_attribute("data-outlet-count")) > 0
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("OpenStreetMap")


def test_filtering_updates_the_table_without_reloading(page: Page, live_server: str) -> None:
    """Typing in the search box swaps the table through htmx."""
    login(page, live_server, "dispatcher", "dispatch-2026")
    page.evaluate("window.__marker = 1")
    page.fill("input[name=q]", "NS-0001")
    expect(page.locator("#outlet-count")).to_contain_text("共 1 个网点")
    assert page.evaluate("window.__marker") == 1  # same document: a partial swap, not a reload


def test_dispatcher_adds_an_outlet_through_the_form(page: Page, live_server: str) -> None:
    """Clicking the map fills the coordinates; the saved outlet then appears in the registry."""
    login(page, live_server, "dispatcher", "dispatch-2026")
    page.goto(f"{live_server}/outlets/new")
    expect(page.locator("#pick-map")).to_have_attribute("data-streets-loaded", "1")
    page.locator("#pick-map").click(position={"x": 200, "y": 140})
    expect(page.locator("#lon")).not_to_have_value("")
    page.fill("#name", "浏览器测试回收亭")
    page.select_option("#kind", "kiosk")
    page.fill("#lon", "114.0552")
    page.fill("#lat", "22.5410")
    page.check("input[name=materials][value=paper]")
    page.check("input[name=materials][value=glass]")
    page.click("#outlet-form button[type=submit]")
    expect(page.locator(".flash.success")).to_contain_text("已创建")
    expect(page.locator("h1")).to_contain_text("浏览器测试回收亭")
    page.goto(f"{live_server}/outlets/?q=浏览器测试")
    expect(page.locator("#outlet-count")).to_contain_text("共 1 个网点")


def test_a_bad_csv_lists_its_bad_lines_and_imports_nothing(page: Page, live_server: str) -> None:
    """Uploading a file with bad rows shows each bad line and the outlet count stays the same."""
    login(page, live_server, "dispatcher", "dispatch-2026")
    page.goto(f"{live_server}/outlets/")
    before = page.locator("#outlet-count").inner_text()
    csv = (
        "name,kind,lon,lat,materials\n好网点,kiosk,114.0552,22.5410,paper\n"
        "海上网点,kiosk,113.975,22.500,paper\n坏网点,shop,114.0552,22.5410,gold\n"
    )
    page.goto(f"{live_server}/outlets/import")
    page.set_input_files("#file", files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": csv.encode()}])
    page.click("main button[type=submit]")
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(3)
    expect(errors.nth(0)).to_contain_text("3")
    expect(errors.nth(0)).to_contain_text("不在服务区域内")
    expect(page.locator("#import-refused")).to_contain_text("未导入任何数据")
    page.goto(f"{live_server}/outlets/")
    expect(page.locator("#outlet-count")).to_have_text(before)
