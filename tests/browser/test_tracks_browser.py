"""Trucks' GPS tracks in a real Chromium (issue 16): the driver's phone, with a mocked GPS,
sends positions while its route runs, keeps those taken without signal and sends them when
the signal returns; the dispatcher sees the truck's live position on the board and replays
the track on the route's planned-vs-driven page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, col, select

from tests.browser.conftest import login, serving
from tests.webapp.driver.conftest import DRIVER_PASSWORD, Day, make_day
from webapp.models.tracks import GpsPoint

pytestmark = pytest.mark.browser

# A truck creeping north-east along Shennan Road: about 75 m between fixes, taken at least
# 5 s apart by the phone, so well under the server's 150 km/h limit.
FIXES = [(22.54000 + 0.0005 * i, 114.05000 + 0.0005 * i) for i in range(4)]


@pytest.fixture(scope="module")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[tuple]:
    """A live server whose database holds today's accepted plan: route 1 for driver1."""
    from tests.webapp.conftest import make_app

    app = make_app(database_url, tmp_path_factory.mktemp("tracks-live"), cache_dir, TESTING=False)
    with app.app_context():
        session = Session(app.extensions["reloop.engine"], expire_on_commit=False)
        day = make_day(session, cache_dir)
        session.close()
    with serving(app) as base:
        yield base, app, day


def _stored(app, route_id: int) -> list[GpsPoint]:
    with app.app_context():
        session = Session(app.extensions["reloop.engine"])
        rows = list(
            session.exec(
                select(GpsPoint).where(GpsPoint.route_id == route_id).order_by(col(GpsPoint.recorded_at))
            )
        )
        session.close()
    return rows


def _queued(page: Page, at_least: int) -> None:
    page.wait_for_function(
        "n => Number(document.documentElement.dataset.trackQueued || 0) >= n",
        arg=at_least,
        timeout=45_000,
        polling=500,
    )


def test_positions_sent_online_and_offline_reach_the_board_and_the_replay(
    browser: Browser, served: tuple
) -> None:
    """One fix with signal, two without (kept across a reload), then the signal returns: the
    server holds all of them once, the board shows the last one, the replay draws them."""
    base, app, day = served
    day: Day
    route = day.routes["driver1"]
    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        geolocation={"latitude": FIXES[0][0], "longitude": FIXES[0][1], "accuracy": 8},
        permissions=["geolocation"],
    )
    phone.set_default_timeout(20_000)
    page = phone.new_page()
    login(page, base, "driver1", DRIVER_PASSWORD)
    page.goto(f"{base}/driver/")
    expect(page.locator("html")).to_have_attribute("data-tracking", str(route.id))
    expect(page.locator("html")).to_have_attribute("data-device-token", "1")
    page.wait_for_function(
        "() => Number(document.documentElement.dataset.trackSent || 0) >= 1", timeout=45_000, polling=500
    )
    expect(page.locator("html")).to_have_attribute("data-offline-ready", "1")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    assert len(_stored(app, route.id)) == 1

    phone.set_offline(True)
    for n, (lat, lon) in enumerate(FIXES[1:3], start=1):
        phone.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": 8})
        _queued(page, n)
    page.reload()  # the route page from the service worker; the queue is in IndexedDB
    expect(page.locator(".route-block")).to_be_visible()
    _queued(page, 2)
    assert len(_stored(app, route.id)) == 1

    phone.set_offline(False)
    page.wait_for_function(
        "() => document.documentElement.dataset.trackQueued === '0'", timeout=45_000, polling=500
    )
    rows = _stored(app, route.id)
    assert len(rows) >= 3 and all(r.flag == "" for r in rows)
    assert len({r.client_id for r in rows}) == len(rows)
    # The two offline fixes were taken before they reached the server.
    assert any((r.received_at - r.recorded_at).total_seconds() >= 1 for r in rows[1:])
    assert {(round(r.lat, 4), round(r.lon, 4)) for r in rows} >= {
        (round(lat, 4), round(lon, 4)) for lat, lon in FIXES[:3]
    }
    last = rows[-1]
    phone.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    desk.set_default_timeout(20_000)
    board = desk.new_page()
    login(board, base, "dispatcher", "dispatch-2026")
    board.goto(f"{base}/dispatch/plans/{day.plan_id}")
    expect(board.locator("#map")).to_have_attribute("data-trucks", "1")
    trucks = json.loads(board.locator("#map").get_attribute("data-truck-positions"))
    assert trucks[0]["source"] == "gps"
    assert (round(trucks[0]["lat"], 5), round(trucks[0]["lon"], 5)) == (
        round(last.lat, 5),
        round(last.lon, 5),
    )
    expect(board.locator(".leaflet-tooltip.truck-label")).to_contain_text("GPS")

    board.locator(f"#progress-route-{route.number} a.driven-link").click()
    expect(board.locator("h1")).to_contain_text("计划与实际行驶")
    expect(board.locator("#point-count")).to_contain_text(str(len(rows)))
    driven_km = float(board.locator("#driven-km").inner_text().split()[0])
    assert driven_km > 0
    expect(board.locator("#replay-map")).to_have_attribute("data-points", str(len(rows)))
    board.locator("#replay-slider").fill("0")
    expect(board.locator("#replay-map")).to_have_attribute("data-shown", "1")
    board.locator("#replay-play").click()
    expect(board.locator("#replay-map")).to_have_attribute("data-shown", str(len(rows)), timeout=10_000)
    expect(board.locator("#replay-map")).to_have_attribute("data-truck", f"{last.lat:.6f},{last.lon:.6f}")
    desk.close()
