"""The unload on the driver's phone in Chromium: the form goes through the phone's queue to
the unload API with the device token, and the route shows the trip closed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlmodel import Session, select

from tests.browser.conftest import login, serving
from tests.webapp.conftest import PASSWORD, make_app
from tests.webapp.weighbridge.conftest import make_world
from webapp.auth.operations import create_user
from webapp.models import Role
from webapp.models.weighbridge import UnloadVisit
from webapp.seed import seed_materials

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[tuple]:
    """A live server with the hand-made weighbridge day (one route, two unloads at the centre)."""
    app = make_app(database_url, tmp_path_factory.mktemp("weighbridge-live"), cache_dir, TESTING=False)
    with app.app_context():
        session = Session(app.extensions["reloop.engine"], expire_on_commit=False)
        seed_materials(session)
        for role in (Role.DRIVER, Role.WEIGHBRIDGE):
            create_user(session, username=role.value, password=PASSWORD, role=role, display_name=role.value)
        session.commit()
        world = make_world(session)
        session.close()
    with serving(app) as base:
        yield base, app, world


def test_the_unload_goes_through_the_phone_queue_and_closes_the_trip(browser: Browser, served: tuple) -> None:
    """Submit on the unload stop: POST to the unload API (bearer token), back on the route marked unloaded."""
    base, app, world = served
    context = browser.new_context(is_mobile=True, has_touch=True, locale="zh-CN")
    context.set_default_timeout(20_000)
    page = context.new_page()
    login(page, base, "driver", PASSWORD)
    page.goto(f"{base}/driver/")
    expect(page.locator("html")).to_have_attribute("data-device-token", "1")
    page.click(f"a[href='/driver/unloads/{world.unloads[0].id}']")
    page.fill("#ticket_number", "2026-000042")
    # Tapped before driver.js has run, the button posts the plain form instead (it works without script).
    expect(page.locator("html")).to_have_attribute("data-forms-ready", "1")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/driver/unloads")) as answer:
        page.click("#record-unload")
    assert answer.value.request.headers["authorization"].startswith("Bearer ")
    assert answer.value.status == 201, answer.value.text()
    page.wait_for_url(f"{base}/driver/")
    expect(page.locator("li.stop.unload").first).to_contain_text("2026-000042")
    with Session(app.extensions["reloop.engine"]) as session:
        [visit] = session.exec(select(UnloadVisit)).all()
    assert (visit.stop_id, visit.ticket_number) == (world.unloads[0].id, "2026-000042")
    context.close()
