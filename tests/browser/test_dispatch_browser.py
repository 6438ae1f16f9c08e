"""A dispatcher plans tomorrow from the board's form as it loads, in headless Chromium."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login
from traceability import CHINA_TZ
from webapp.models._types import utcnow

pytestmark = pytest.mark.browser


def test_tomorrow_is_planned_from_the_untouched_form(page: Page, live_server: str) -> None:
    """Pick tomorrow, press 生成路线方案 without touching the rest: the job opens tomorrow's plan,
    and the way back leads to tomorrow's board."""
    # Tomorrow in Shenzhen: after 16:00 UTC the server's date is still yesterday there.
    tomorrow = (utcnow().astimezone(CHINA_TZ).date() + timedelta(days=1)).isoformat()
    login(page, live_server, "dispatcher", "dispatch-2026")
    page.goto(f"{live_server}/dispatch/")
    form = page.locator("#solve-form")
    expect(form.locator("select[name=time_limit_s]")).to_have_value("30")
    expect(form.locator("input[name=seed]")).not_to_be_visible()  # folded under 高级选项
    page.fill("#board-filter input[name=day]", tomorrow)
    # The solve runs inline in the test server; the default time limit is 30 s.
    with page.expect_navigation(url=re.compile(r"/dispatch/plans/\d+$"), timeout=120_000):
        form.get_by_role("button", name="生成路线方案").click()
    expect(page.locator("h1")).to_contain_text(tomorrow)
    expect(page.locator("#plan-totals")).to_contain_text("条路线")
    expect(page.locator(".flash.error")).to_have_count(0)
    page.get_by_role("link", name="返回调度看板").click()
    expect(page.locator("#board-filter input[name=day]")).to_have_value(tomorrow)
