"""A newcomer on the demo: the indicators dashboard, a tonnage clicked through to its
collections, a district filter swapped in place, and the PDF report downloaded."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_a_tonnage_leads_to_the_collections_behind_it(page: Page, live_server: str) -> None:
    """The first figure of the collection section opens the records that sum to it."""
    login(page, live_server, "dispatcher", "dispatch-2026")
    page.goto(f"{live_server}/reports/")
    figure = page.locator("#collection .kpi-value a.drill").first
    tonnes = figure.inner_text()
    figure.click()
    page.wait_for_url(re.compile(r"/reports/records\?kind=collections"))
    expect(page.locator("#drill-rows tbody tr").first).to_be_visible()
    assert page.locator('#drill-sums [data-unit="g"]').inner_text().startswith(tonnes.split(".")[0])


def test_the_district_filter_swaps_the_figures_in_place(page: Page, live_server: str) -> None:
    """Choosing a district reloads only the indicators and puts the filter in the address."""
    login(page, live_server, "dispatcher", "dispatch-2026")
    page.goto(f"{live_server}/reports/")
    page.evaluate("window.__marker = 1")
    page.select_option("select[name=district]", "futian")
    page.wait_for_url(re.compile(r"district=futian"))
    expect(page.locator("#scope-line")).to_contain_text("福田区")
    assert page.evaluate("window.__marker") == 1  # same document: no full reload


def test_the_pdf_report_downloads(page: Page, live_server: str) -> None:
    """The application report link gives a PDF file."""
    login(page, live_server, "dispatcher", "dispatch-2026")
    page.goto(f"{live_server}/reports/")
    with page.expect_download() as info:
        page.click("text=申报报告（PDF）")
    path = info.value.path()
    with open(path, "rb") as fh:
        assert fh.read(4) == b"%PDF"
    assert info.value.suggested_filename.endswith(".pdf")
