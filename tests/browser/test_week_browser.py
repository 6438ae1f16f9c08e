"""The week view in headless Chromium (issue 16, "Done when"): on a demo-like world a
dispatcher plans five days, sees each day's outlets with their predicted fill, and
accepting day 1 hands its routes to the drivers the day plan would have given them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import demo_server, login
from traceability import china_today

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def brimming(database_url: str, tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[str]:
    """The demo with a dozen outlets reported 99 % full: they cannot wait a day, so day 1
    has routes to accept whatever the week planner makes of the others (a 90 % outlet
    filling slowly may rightly wait, and a day with nothing due may rightly stay home)."""
    with demo_server(database_url, tmp_path_factory, cache_dir, full_pct=99.0) as base:
        yield base


def test_five_planned_days_with_predicted_fills_and_day_one_accepted(page: Page, brimming: str) -> None:
    """Plan the week from the board, read five days and their fills, accept day 1 with suggested drivers."""
    login(page, brimming, "dispatcher", "dispatch-2026")
    page.goto(f"{brimming}/dispatch/")
    page.locator("#week-link").click()
    form = page.locator("#week-form")
    expect(form.locator("input[name=days]")).to_have_value("5")
    # From tomorrow: a week starting today counts only the readings taken before today's
    # 10:00 visits, so after 10:00 in Shenzhen this morning's sensor reports would not count.
    form.locator("input[name=first_day]").fill((china_today() + timedelta(days=1)).isoformat())
    form.locator("select[name=time_limit_s]").select_option("5")
    # The job runs inline in the test server: four visit strategies over five days, and the comparison.
    with page.expect_navigation(url=re.compile(r"/dispatch/week/\d+$"), timeout=180_000):
        form.get_by_role("button", name="规划本周").click(timeout=180_000)
    expect(page.locator(".week-day-routes")).to_have_count(5)
    expect(page.locator("#week-days tr.week-day")).to_have_count(5)
    fills = page.locator("#day-1 .predicted-fill")
    expect(fills.first).to_contain_text("预测")
    assert all(float(f) >= 0 for f in fills.evaluate_all("els => els.map(e => e.dataset.fill)"))
    per_day = json.loads(page.locator("#map").get_attribute("data-outlets-per-day") or "{}")
    assert per_day.get("0", 0) == fills.count() > 0
    comparison = page.locator("#week-comparison")
    expect(comparison).to_contain_text("按日到期阈值")
    expect(comparison.locator("tr[data-figure=cost_per_tonne] td.num").first).not_to_be_empty()

    # The accept form comes with each route's driver chosen as the day plan chooses them.
    selects = page.locator("#accept-day-one select")
    chosen = [s.evaluate("e => e.options[e.selectedIndex].text") for s in selects.all()]
    assert chosen and all(name != "—" for name in chosen), chosen
    with page.expect_navigation(url=re.compile(r"/dispatch/plans/\d+$")):
        page.get_by_role("button", name="采纳第 1 天并分配司机").click()
    expect(page.locator("h1")).to_contain_text("已采用")
    expect(page.locator(".flash.success")).to_contain_text("第 1 天已采纳")
    for number, name in enumerate(chosen, start=1):
        expect(page.locator(f"#route-{number}")).to_contain_text(f"司机: {name}")


def test_the_week_form_refuses_no_truck_and_leaves_an_unticked_one_home(page: Page, brimming: str) -> None:
    """No truck ticked: the trucks field shows its error; all but one ticked: that one drives no route."""
    login(page, brimming, "dispatcher", "dispatch-2026")
    page.goto(f"{brimming}/dispatch/week/")
    trucks = page.locator("#week-vehicles label")
    assert trucks.count() > 1
    for box in page.locator("#week-vehicles input[name=vehicles]").all():
        expect(box).to_be_checked()
        box.uncheck()
    form = page.locator("#week-form")
    form.locator("input[name=days]").fill("2")
    form.locator("select[name=time_limit_s]").select_option("5")
    form.get_by_role("button", name="规划本周").click()
    expect(page.locator("#week-vehicles-error")).to_have_text("请至少选择一辆车。")
    expect(page.locator(".flash.error")).to_contain_text("出车车辆")
    home = trucks.first.inner_text().strip()
    for label in trucks.all()[1:]:
        label.locator("input").check()
    with page.expect_navigation(url=re.compile(r"/dispatch/week/\d+$"), timeout=180_000):
        page.locator("#week-form").get_by_role("button", name="规划本周").click(timeout=180_000)
    headings = page.locator(".week-day-routes h3")
    expect(headings.first).to_be_visible()
    assert all(home not in text for text in headings.all_inner_texts()), (home, headings.all_inner_texts())
