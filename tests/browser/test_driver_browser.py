"""A driver on a phone-sized Chromium (390 × 844, touch, Chinese): today's route, two stops
with signal, two without, the queue drains when the signal returns; another driver is kept out."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlmodel import Session, select

from tests.browser.conftest import login, serving
from tests.webapp.conftest import make_app
from tests.webapp.driver.conftest import Day, make_day
from webapp.models import Collection, CollectionWeight, Material

pytestmark = pytest.mark.browser

PHOTO = Path(__file__).parent.parent / "webapp" / "driver" / "data" / "scale-ticket.jpg"
SHOTS = os.environ.get("RELOOP_SHOTS")  # a folder: save phone screenshots there to look at


@pytest.fixture(scope="module")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[tuple]:
    """A live server whose database holds today's plan: route 1 for driver1, route 2 for driver2."""
    app = make_app(database_url, tmp_path_factory.mktemp("driver-live"), cache_dir, TESTING=False)
    with app.app_context():
        session = Session(app.extensions["reloop.engine"], expire_on_commit=False)
        day = make_day(session, cache_dir)
        session.close()
    with serving(app) as base:
        yield base, app, day


def _phone(browser: Browser) -> BrowserContext:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        geolocation={"latitude": 22.541, "longitude": 114.055},
        permissions=["geolocation"],
    )
    context.set_default_timeout(20_000)
    return context


def _shot(page: Page, name: str, *, full: bool = False) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=full)


def _record(
    page: Page, stop_id: int, weights: list[str], *, photo: bool = False, shot: str = ""
) -> dict[str, str]:
    """Open a stop from the route list, arrive, weigh, save; returns material code -> kg typed."""
    page.locator(f"li.stop[data-stop-id='{stop_id}'] a.stop-link").tap()
    expect(page.locator("#arrive-button")).to_be_visible()
    page.locator("#arrive-button").tap()
    expect(page.locator("#arrived-at")).to_contain_text("到达")
    inputs = page.locator("#record-form input[data-material]")
    typed = {}
    for index, kg in enumerate(weights):
        box = inputs.nth(index)
        box.fill(kg)
        typed[box.get_attribute("data-material")] = kg
    if photo:
        page.locator("#record-form .photo-input").set_input_files(str(PHOTO))
        expect(page.locator("#record-form .photo-preview")).to_be_visible()
    if shot:
        _shot(page, shot, full=True)
    page.locator("#record-form button[type=submit]").tap()
    expect(page.locator(".route-block")).to_be_visible()
    return typed


def test_driver_records_four_stops_two_of_them_offline(browser: Browser, served: tuple) -> None:
    """Two stops online, two offline ("2 条待同步"), back online: the server holds exactly four."""
    base, app, day = served
    day: Day
    stops = [s.id for s in day.stops["driver1"]]
    assert len(stops) >= 4
    context = _phone(browser)
    page = context.new_page()
    login(page, base, "driver1", "driver-2026")
    page.locator("#open-route").tap()
    expect(page.locator("h1").first).to_contain_text("路线 1")
    expect(page.locator(".progress-big")).to_contain_text(f"0 / {len(stops)}")
    expect(page.locator("html")).to_have_attribute("data-offline-ready", "1")
    expect(page.locator("html")).to_have_attribute("data-device-token", "1")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    expect(page.locator("#sync-banner")).to_contain_text("全部记录已发送")
    _shot(page, "1-route")

    typed = [
        _record(page, stops[0], ["12.5"], photo=True, shot="2-stop"),
        _record(page, stops[1], ["8.0", "0.7"]),
    ]
    expect(page.locator("#sync-banner")).to_contain_text("全部记录已发送")
    expect(page.locator(f"li.stop[data-stop-id='{stops[1]}']")).to_contain_text("已收 8.7 kg")

    context.set_offline(True)
    page.reload()  # from the service worker's cache
    expect(page.locator(".route-block")).to_be_visible()
    typed.append(_record(page, stops[2], ["20.3"]))
    typed.append(_record(page, stops[3], ["5.5"]))
    expect(page.locator("#sync-banner")).to_contain_text("2 条待同步")
    expect(page.locator(f"li.stop[data-stop-id='{stops[3]}']")).to_contain_text("待同步")
    expect(page.locator(".progress-big")).to_contain_text(f"4 / {len(stops)}")
    _shot(page, "3-offline-queue")
    with app.app_context():
        session = Session(app.extensions["reloop.engine"])
        assert len(session.exec(select(Collection)).all()) == 2
        session.close()

    context.set_offline(False)
    expect(page.locator("#sync-banner")).to_contain_text("全部记录已发送", timeout=45_000)
    _shot(page, "4-synced")
    with app.app_context():
        session = Session(app.extensions["reloop.engine"])
        rows = session.exec(select(Collection).order_by(Collection.id)).all()
        assert [r.stop_id for r in rows] == stops[:4]
        codes = {m.id: m.code for m in session.exec(select(Material))}
        for row, kgs in zip(rows, typed, strict=True):
            weights = {
                codes[w.material_id]: w.grams
                for w in session.exec(
                    select(CollectionWeight).where(CollectionWeight.collection_id == row.id)
                )
            }
            assert weights == {code: round(float(kg) * 1000) for code, kg in kgs.items()}
        assert rows[0].photo_id is not None and rows[0].lat is not None and rows[0].arrived_at is not None
        session.close()
    context.close()


def test_a_second_driver_cannot_see_or_post_to_the_first_drivers_route(
    browser: Browser, served: tuple
) -> None:
    """driver2 gets 404 for route 1's pages and 403 from the API with their own phone token."""
    base, _app, day = served
    context = _phone(browser)
    page = context.new_page()
    login(page, base, "driver2", "driver-2026")
    page.goto(f"{base}/driver/")
    expect(page.locator("h1").first).to_contain_text("路线 2")
    expect(page.locator(f"li.stop[data-stop-id='{day.stops['driver1'][0].id}']")).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("data-device-token", "1")
    response = page.goto(f"{base}/driver/routes/{day.routes['driver1'].id}")
    assert response.status == 404
    status = page.evaluate(
        """async (stop) => {
        const db = await new Promise((ok) => {
            // No version: whatever the phone's schema is now; an error must not hang the test.
            const r = indexedDB.open("reloop-driver"); r.onsuccess = () => ok(r.result);
            r.onerror = () => ok(null); });
        const rows = await new Promise((ok) => {
            const r = db.transaction("tokens").objectStore("tokens").getAll();
            r.onsuccess = () => ok(r.result); });
        const res = await fetch("/api/v1/driver/completions", {method: "POST", headers: {
            "Authorization": "Bearer " + rows[0].token, "Content-Type": "application/json"},
            body: JSON.stringify({id: "intruder-0001", stop_id: stop, outcome: "collected",
                                  recorded_at: new Date().toISOString(), weights_kg: {paper: 1.0}})});
        return res.status;
    }""",
        day.stops["driver1"][0].id,
    )
    assert status == 403
    context.close()


def test_a_skip_whose_reason_needs_a_photo_asks_for_one_then_is_stored(
    browser: Browser, served: tuple
) -> None:
    """'无可回收物' needs a photo: the phone says so in Chinese; with the photo the stop shows 已跳过."""
    base, app, day = served
    stop = day.stops["driver2"][0].id
    context = _phone(browser)
    page = context.new_page()
    login(page, base, "driver2", "driver-2026")
    page.goto(f"{base}/driver/")
    expect(page.locator("html")).to_have_attribute("data-device-token", "1")
    page.locator(f"li.stop[data-stop-id='{stop}'] a.stop-link").tap()
    expect(page.locator(".skip-box > summary")).to_be_visible()  # the stop page, not the route's
    expect(page.locator("html")).to_have_attribute("data-forms-ready", "1")
    page.locator(".skip-box > summary").tap()
    page.locator("#skip-form input[name=skip_reason][value=empty]").check()
    page.locator("#skip-form button[type=submit]").tap()
    expect(page.locator("#skip-form .js-error")).to_contain_text("此原因需要拍照")
    page.locator("#skip-form .photo-input").set_input_files(str(PHOTO))
    _shot(page, "5-skip", full=True)
    page.locator("#skip-form button[type=submit]").tap()
    expect(page.locator(f"li.stop[data-stop-id='{stop}']")).to_contain_text("已跳过")
    with app.app_context():
        session = Session(app.extensions["reloop.engine"])
        row = session.exec(select(Collection).where(Collection.stop_id == stop)).one()
        assert row.outcome == "skipped" and row.photo_id is not None and row.total_g == 0
        session.close()
    context.close()
