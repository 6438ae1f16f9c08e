"""The main pages of every role work under the content security policy in real Chromium:
no violation reported, no JavaScript error, and the maps, htmx and data colours still work."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlmodel import Session, select
from werkzeug.serving import make_server

from tests.browser.conftest import login
from tests.webapp.conftest import make_app, wipe
from tests.webapp.driver.conftest import DRIVER_PASSWORD, make_day
from webapp.models import Battery, Outlet, SitingScenario

pytestmark = pytest.mark.browser

COMPOUNDS = "id,lon,lat,households\nA,114.0552,22.5410,800\nB,114.0600,22.5450,600\nC,113.9800,22.5300,900\n"
# Collects what the browser reports; installed before any page script runs.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " +
                    (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


@dataclass
class Site:
    base: str
    plan_id: int
    driver1_stop: int
    outlet_id: int
    scenario_id: int
    battery_code: str


@pytest.fixture(scope="module")
def site(database_url: str, tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[Site]:
    """A live server with today's accepted plan (driver1, driver2), demo batteries and a
    solved siting scenario, so every page has its map and data to draw."""
    app = make_app(database_url, tmp_path_factory.mktemp("csp-live"), cache_dir, TESTING=False)
    with app.app_context():
        session = Session(app.extensions["reloop.engine"], expire_on_commit=False)
        day = make_day(session, cache_dir)
        session.close()
    staff = app.test_client()
    staff.post("/login", data={"username": "dispatcher", "password": "dispatch-2026"})
    staff.post(
        "/siting/",
        content_type="multipart/form-data",
        data={
            "model": "mclp",
            "radius_m": 500,
            "p": 2,
            "share": "1.00",
            "time_limit_s": 20,
            "demand": (io.BytesIO(COMPOUNDS.encode()), "compounds.csv"),
        },
    )
    with Session(app.extensions["reloop.engine"]) as session:
        scenario_id = session.exec(select(SitingScenario.id)).one()
        outlet_id = session.exec(select(Outlet.id).order_by(Outlet.id)).first()
        code = session.exec(select(Battery.code).order_by(Battery.code)).first()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Site(
        f"http://127.0.0.1:{server.server_port}",
        day.plan_id,
        day.stops["driver1"][0].id,
        outlet_id,
        scenario_id,
        code,
    )
    server.shutdown()
    wipe(app)
    app.extensions["reloop.engine"].dispose()


class Watched:
    """A page whose CSP violations, console errors and uncaught exceptions are collected."""

    def __init__(self, context: BrowserContext) -> None:
        context.add_init_script(WATCH)
        self.page = context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"uncaught: {exc}"))

    def _console(self, message) -> None:
        if (
            message.type == "error"
            or "Refused to" in message.text
            or "Content Security Policy" in message.text
        ):
            self.problems.append(f"console {message.type}: {message.text}")

    def visit(self, url: str) -> Page:
        """Open ``url`` under the policy and let its scripts and requests settle."""
        response = self.page.goto(url)
        assert response is not None and response.ok, url
        assert "script-src 'self'" in response.headers["content-security-policy"], url
        self.page.wait_for_load_state("networkidle")
        return self.page

    def assert_clean(self) -> None:
        violations = self.page.evaluate("window.__csp || []")
        assert violations + self.problems == [], self.page.url


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(20_000)
    yield Watched(context)
    context.close()


def _paint_applied(page: Page, selector: str) -> None:
    """The element's data-c colour reached its --c custom property through the CSSOM."""
    el = page.locator(selector).first
    expect(el).to_be_visible()
    colour = el.get_attribute("data-c")
    assert colour and el.evaluate("e => getComputedStyle(e).getPropertyValue('--c').trim()") == colour


def test_dispatcher_pages_work_under_the_policy(watched: Watched, site: Site) -> None:
    """Outlet map and table, outlet form, dispatch board and plan, siting, indicators: no violation."""
    base, page = site.base, watched.page
    login(page, base, "dispatcher", "dispatch-2026")
    watched.visit(f"{base}/outlets/")
    expect(page.locator("#map")).to_have_attribute("data-streets-loaded", "1")
    expect(page.locator("#map .outlet-marker, #map .marker-cluster").first).to_be_visible()
    bar = page.locator(".fill-bar [data-pct]").first
    assert bar.evaluate("e => e.style.width") == f"{bar.get_attribute('data-pct')}%"
    page.fill("input[name=q]", "NS-0001")  # an htmx swap of the table
    expect(page.locator("#outlet-count")).to_contain_text("共 1 个网点")
    for path in (
        f"/outlets/{site.outlet_id}",
        "/outlets/new",
        "/outlets/import",
        "/trace/import",
        "/dispatch/",
        f"/siting/{site.scenario_id}",
        "/siting/",
        "/reports/",
    ):
        watched.visit(base + path)
    watched.visit(f"{base}/dispatch/plans/{site.plan_id}")
    _paint_applied(page, ".swatch[data-c]")
    expect(page.locator("#map .leaflet-pane").first).to_be_attached()
    watched.assert_clean()


def test_regulator_pages_work_under_the_policy(watched: Watched, site: Site) -> None:
    """Battery audit pages, the htmx verification and the public passport: no violation."""
    base, page = site.base, watched.page
    login(page, base, "regulator", "audit-2026")
    watched.visit(f"{base}/audit/")
    _paint_applied(page, ".badge[data-c]")
    watched.visit(f"{base}/audit/batteries/{site.battery_code}")
    page.click("#badge button")
    expect(page.locator("#badge")).to_have_attribute("data-status", "verified")
    for path in (
        "/audit/anomalies",
        "/audit/deadlines",
        "/audit/tree-heads",
        "/audit/export",
        f"/passport/{site.battery_code}",
        f"/passport/{site.battery_code}/label",
    ):
        watched.visit(base + path)
    watched.assert_clean()


def test_admin_pages_work_under_the_policy(watched: Watched, site: Site) -> None:
    """User and token administration, role badges painted from data: no violation."""
    base, page = site.base, watched.page
    login(page, base, "admin", "admin-2026")
    watched.visit(f"{base}/admin/users")
    _paint_applied(page, ".badge[data-c]")
    watched.visit(f"{base}/admin/tokens")
    watched.assert_clean()


def test_driver_app_works_under_the_policy(browser: Browser, site: Site) -> None:
    """On a phone with GPS allowed: today's route with its map, a stop form, the service worker."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        geolocation={"latitude": 22.541, "longitude": 114.055},
        permissions=["geolocation"],
    )
    context.set_default_timeout(20_000)
    watched = Watched(context)
    page = watched.page
    login(page, site.base, "driver1", DRIVER_PASSWORD)
    watched.visit(f"{site.base}/driver/")
    expect(page.locator(".route-map .leaflet-pane").first).to_be_attached()
    assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
    watched.visit(f"{site.base}/driver/stops/{site.driver1_stop}")
    expect(page.locator("#arrive-button")).to_be_visible()
    watched.assert_clean()
    context.close()
