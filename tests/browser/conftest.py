"""A live ReLoop server with demo data, and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlmodel import Session

from tests.webapp import concurrently
from tests.webapp.conftest import make_app, wipe
from webapp.seed import seed_demo

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


# CI runs the SQLite and PostgreSQL suites side by side on two cores: a page that settles in
# one second alone can take several then (a service worker caching the offline assets, say).
# Assertions still fail when the page never gets there, only later than Playwright's 5 s.
expect.set_options(timeout=15_000)


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """``app`` on a free loopback port (its base URL); afterwards its database is wiped."""
    try:
        with concurrently.serving(app) as url:
            yield url
    finally:
        wipe(app)
        app.extensions["reloop.engine"].dispose()


@contextmanager
def demo_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, cache_dir: Path, *, full_pct: float = 90.0
) -> Iterator[str]:
    """A seeded app on a free loopback port, a dozen outlets reported ``full_pct`` full."""
    app = make_app(database_url, tmp_path_factory.mktemp("live"), cache_dir, TESTING=False)
    with app.app_context():
        session = Session(app.extensions["reloop.engine"])
        seed_demo(session, outlets=60, days=2, seed=7, cache_dir=cache_dir)
        report_full_outlets(session, fill_pct=full_pct)
        session.close()
    with serving(app) as base:
        yield base


@pytest.fixture(scope="module")
def live_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, cache_dir: Path
) -> Iterator[str]:
    """Serve a seeded app on a free loopback port for the module's tests."""
    with demo_server(database_url, tmp_path_factory, cache_dir) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for browser tests: apt-get install chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def login(page: Page, base: str, username: str, password: str) -> None:
    """Log in through the form like a person would, and wait until the landing page is live.

    htmx is loaded with ``defer``: typing before it has attached its listeners would be
    lost, so wait for the page's load event and htmx itself.
    """
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined")


def report_full_outlets(session: Session, count: int = 12, fill_pct: float = 90.0) -> None:
    """Sensors report a dozen active outlets ``fill_pct`` full just now, so the board has
    outlets to plan whatever the hour: after midnight in Shenzhen the seeded day has just
    been emptied by its pickups."""
    from sqlmodel import select

    from webapp.models import Outlet, OutletStatus, ReadingSource
    from webapp.models._types import utcnow
    from webapp.outlets.operations import record_fill

    outlets = session.exec(
        select(Outlet).where(Outlet.status == OutletStatus.ACTIVE).order_by(Outlet.id)
    ).all()
    for outlet in outlets[:count]:
        record_fill(
            session,
            outlet,
            reading_id=f"browser-full-{outlet.id}",
            fill_pct=fill_pct,
            measured_at=utcnow(),
            source=ReadingSource.SENSOR,
        )
    session.commit()
