"""The main pages of the demo, rendered in Chromium in Chinese for each role, show no
English words or snake_case codes in what a person reads (issue 17, "Done when").

The rendered ``innerText`` is checked, after scripts and maps have run, with the
allow-list and detector of ``tests/webapp/test_chinese_pages.py``; machine text shown
literally (``pre``, ``code``, ``kbd``, ``samp``) is left out there as here.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import login
from tests.webapp.test_chinese_pages import PASSWORDS, foreign_words

pytestmark = pytest.mark.browser

MAIN_PAGES = {
    "admin": ["/", "/admin/users", "/admin/tokens", "/fleet/", "/fleet/drivers", "/fleet/vehicles"],
    "dispatcher": [
        "/",
        "/outlets/",
        "/outlets/import",
        "/dispatch/",
        "/siting/",
        "/reports/",
        "/reports/factors",
        "/audit/",
        "/trace/import",
    ],
    "driver1": ["/driver/"],
    "regulator": ["/audit/", "/audit/anomalies", "/audit/deadlines", "/audit/export", "/audit/tree-heads"],
}

# Literal machine text is hidden before reading innerText, which follows the rendering.
RENDERED_TEXT = """() => {
  for (const el of document.querySelectorAll('pre, code, kbd, samp')) el.style.display = 'none';
  return document.title + ' ' + document.body.innerText;
}"""


@pytest.mark.parametrize("username", list(MAIN_PAGES))
def test_main_pages_render_in_chinese(page: Page, live_server: str, username: str) -> None:
    """No English word or snake_case code in the rendered text of the role's main pages."""
    login(page, live_server, username, PASSWORDS[username])
    page.goto(f"{live_server}/lang/zh")
    offending = {}
    for path in MAIN_PAGES[username]:
        response = page.goto(f"{live_server}{path}")
        assert response is not None and response.status == 200, (path, response and response.status)
        page.wait_for_load_state("load")
        words = sorted(set(foreign_words(page.evaluate(RENDERED_TEXT))))
        if words:
            offending[path] = words
    assert offending == {}, "\n".join(f"{username} {p}: {' '.join(w)}" for p, w in offending.items())
