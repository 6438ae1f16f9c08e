"""Maps people can read, in real headless Chromium: street names in the rendered base map,
the phone's route map fitted to its stops with the next stop highlighted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlmodel import Session

from tests.browser.conftest import CHROMIUM, FLAGS, login, serving
from tests.webapp.conftest import make_app
from tests.webapp.driver.conftest import DRIVER_PASSWORD, make_day

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/reloop-maps")
# WebGL in headless Chromium without a GPU: ANGLE on SwiftShader (a CPU renderer).
GL_FLAGS = [f for f in FLAGS if f != "--disable-gpu"] + [
    "--use-gl=angle",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]


@pytest.fixture(scope="module")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[tuple]:
    """A live server with the demo and today's accepted plan (routes for driver1 and driver2)."""
    app = make_app(database_url, tmp_path_factory.mktemp("maps-live"), cache_dir, TESTING=False)
    with app.app_context():
        session = Session(app.extensions["reloop.engine"], expire_on_commit=False)
        day = make_day(session, cache_dir)
        session.close()
    with serving(app) as base:
        yield base, day


@pytest.fixture(scope="module")
def gl_browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=GL_FLAGS, headless=True)
        yield browser
        browser.close()


def _page(browser: Browser, **options) -> Page:
    context = browser.new_context(locale="zh-CN", **options)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))  # type: ignore[attr-defined]
    return page


def _street_names_at(page: Page, selector: str, lat: float, lon: float, zoom: int) -> list[str]:
    """Move the Leaflet map, wait until MapLibre has drawn, and read the rendered labels."""
    page.wait_for_function(f"() => document.querySelector('{selector}').dataset.streetsLoaded === '1'")
    page.evaluate(
        "([s, lat, lon, z]) => document.querySelector(s).reloopMap.setView([lat, lon], z, {animate: false})",
        [selector, lat, lon, zoom],
    )
    page.wait_for_timeout(300)  # let MapLibre request the new view's tiles before asking if all arrived
    page.wait_for_function(f"() => document.querySelector('{selector}').reloopVector.loaded()")
    return page.evaluate(
        """(sel) => document.querySelector(sel).reloopVector
             .queryRenderedFeatures({ layers: ["road-label"] }).map((f) => f.properties.name)""",
        selector,
    )


def test_the_outlet_map_renders_chinese_street_names(served, gl_browser) -> None:
    """On the outlet registry map, MapLibre's rendered labels include 深南大道, with no console error."""
    base, _day = served
    page = _page(gl_browser, viewport={"width": 1280, "height": 900})
    login(page, base, "dispatcher", "dispatch-2026")
    page.goto(f"{base}/outlets/")
    names = _street_names_at(page, "#map", 22.5405, 114.0555, 16)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "outlets-z16.png"))
    assert page.evaluate("document.querySelector('#map').dataset.basemap") == "vector"
    assert "深南大道" in names
    assert "OpenStreetMap" in page.locator("#map .leaflet-control-attribution").inner_text()
    assert page.errors == []  # type: ignore[attr-defined]


def test_the_plan_map_draws_the_routes_over_named_streets(served, gl_browser) -> None:
    """The plan page shows route lines and stops above a base map with street labels."""
    base, day = served
    page = _page(gl_browser, viewport={"width": 1280, "height": 900})
    login(page, base, "dispatcher", "dispatch-2026")
    page.goto(f"{base}/dispatch/plans/{day.plan_id}")
    page.wait_for_function("() => document.querySelector('#map').dataset.streetsLoaded === '1'")
    gl = "document.querySelector('#map').reloopVector"
    page.wait_for_function(f"() => {gl}.loaded()")
    labels = page.evaluate(f"() => {gl}.queryRenderedFeatures({{ layers: ['road-label'] }}).length")
    page.screenshot(path=str(SHOTS / "plan.png"))
    assert labels > 0
    # The route lines are Leaflet's, drawn on its own canvas above MapLibre's.
    assert page.locator("#map .leaflet-overlay-pane canvas").count() >= 1


def test_the_phone_route_map_opens_fitted_to_the_stops_with_the_next_one_highlighted(
    served, gl_browser
) -> None:
    """Every stop of driver1's route is inside the opening view and the first to-do stop is the red pin."""
    base, day = served
    page = _page(
        gl_browser,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    login(page, base, "driver1", DRIVER_PASSWORD)
    page.goto(f"{base}/driver/")
    page.wait_for_function("() => document.querySelector('.route-map').dataset.streetsLoaded === '1'")
    first = day.stops["driver1"][0]
    assert page.evaluate("document.querySelector('.route-map').dataset.nextStop") == str(first.id)
    expect_next = page.locator(f".route-map .stop-pin-{first.id}.next")
    assert expect_next.count() == 1
    inside = page.evaluate(
        """() => {
             const el = document.querySelector('.route-map'), map = el.reloopMap;
             const geo = JSON.parse(el.nextElementSibling.textContent);
             return geo.stops.every((s) => map.getBounds().contains([s.lat, s.lon]));
           }"""
    )
    page.screenshot(path=str(SHOTS / "phone-route.png"), full_page=False)
    assert inside


def test_the_phone_route_map_draws_street_names_offline(served, gl_browser) -> None:
    """With signal the route page keeps MapLibre, the style, the route area's tiles and glyphs
    (bounded); with none, the reloaded page still renders named streets around the first stop."""
    base, _day = served
    page = _page(gl_browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    login(page, base, "driver1", DRIVER_PASSWORD)
    page.goto(f"{base}/driver/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=60_000)
    page.reload()  # now under the service worker, which keeps the page itself
    page.wait_for_function(
        "() => document.querySelector('.route-map').dataset.offlineMap === '1'", timeout=120_000
    )
    kept = page.evaluate(
        "(() => { const d = document.querySelector('.route-map').dataset;"
        " return [Number(d.offlineTiles), Number(d.offlineBytes)]; })()"
    )
    print(f"offline map: {kept[0]} tiles, {kept[1] / 1e6:.2f} MB kept")  # the figure the issue asks for
    assert 0 < kept[0] <= 600 and kept[1] < 20e6
    first = page.evaluate(
        "(() => { const el = document.querySelector('.route-map');"
        " return JSON.parse(el.nextElementSibling.textContent).stops[0]; })()"
    )
    route_url = page.url
    # Leave the online page first: MapLibre may still be fetching the first view's tiles and
    # glyphs (slowly, on a loaded machine), and those requests cut off by going offline are
    # not the offline page's misses.
    page.goto("about:blank")
    page.context.set_offline(True)
    missing: list[str] = []  # tiles or glyphs the phone did not keep
    page.on("requestfailed", lambda r: "/tiles/" in r.url and missing.append(f"{r.url} {r.failure}"))
    page.goto(route_url)  # the driver opens the route again with no signal
    assert page.evaluate("navigator.onLine") is False
    names = _street_names_at(page, ".route-map", first["lat"], first["lon"], 16)
    page.screenshot(path=str(SHOTS / "phone-route-offline.png"))
    assert page.evaluate("document.querySelector('.route-map').dataset.basemap") == "vector"
    assert [n for n in names if n], names
    assert missing == []
    page.context.set_offline(False)
    page.context.close()
