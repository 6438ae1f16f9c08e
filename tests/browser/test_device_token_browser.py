"""A driver's phone in Chromium keeps one device id and one token: reopening the page reuses
the token, and a phone that lost its token gets a new one that replaces the old (issue 17.17)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, select

from tests.browser.conftest import login, serving
from tests.webapp.conftest import make_app
from webapp.auth.operations import create_user
from webapp.models import ApiToken, Driver, Role, TokenKind
from webapp.models.users import RevokeReason
from webapp.seed import seed_materials

pytestmark = pytest.mark.browser

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
PASSWORD = "phone-driver-2026"


@pytest.fixture(scope="module")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[tuple]:
    """A live server with one driver user (张三, with a driver profile) and no plan."""
    app = make_app(database_url, tmp_path_factory.mktemp("device-live"), cache_dir, TESTING=False)
    with app.app_context():
        session = Session(app.extensions["reloop.engine"], expire_on_commit=False)
        seed_materials(session)
        user = create_user(
            session, username="zhangsan", password=PASSWORD, role=Role.DRIVER, display_name="张三"
        )
        session.flush()
        session.add(Driver(user_id=user.id, name="张三"))
        session.commit()
        session.close()
    with serving(app) as base:
        yield base, app


def _device_tokens(app) -> list[ApiToken]:
    with Session(app.extensions["reloop.engine"]) as session:
        return list(
            session.exec(select(ApiToken).where(ApiToken.kind == TokenKind.DEVICE).order_by(ApiToken.id))
        )


def _open_route(page: Page, base: str) -> None:
    page.goto(f"{base}/driver/")
    expect(page.locator("html")).to_have_attribute("data-device-token", "1")


def test_a_phone_keeps_one_device_and_replaces_its_own_token(browser: Browser, served: tuple) -> None:
    """Three page opens make one token; after losing it the phone's new token replaces the old one."""
    base, app = served
    context = browser.new_context(user_agent=IPHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    context.set_default_timeout(20_000)
    page = context.new_page()
    login(page, base, "zhangsan", PASSWORD)
    for _ in range(3):
        _open_route(page, base)
    first = _device_tokens(app)
    assert len(first) == 1 and first[0].device_label == "iPhone" and first[0].name == "张三 · iPhone"
    # What the page does on a 401: forget the token, keep the device id.
    page.evaluate(
        """() => new Promise((resolve, reject) => {
            const req = indexedDB.open("reloop-driver");
            req.onsuccess = () => {
              const t = req.result.transaction("tokens", "readwrite");
              t.objectStore("tokens").clear();
              t.oncomplete = () => { req.result.close(); resolve(); };
              t.onerror = () => reject(t.error);
            };
        })"""
    )
    page.goto(f"{base}/driver/")
    expect(page.locator("html")).to_have_attribute("data-device-token", "1")
    tokens = _device_tokens(app)
    assert len(tokens) == 2 and tokens[0].device_id == tokens[1].device_id is not None
    assert [t.revoke_reason for t in tokens] == [RevokeReason.REPLACED, None]
    context.close()
