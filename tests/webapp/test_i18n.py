"""Simplified Chinese by default, English on request, and no untranslated text."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def test_pages_are_chinese_by_default(client) -> None:
    """The login page speaks Chinese to a new visitor."""
    page = client.get("/login").get_data(as_text=True)
    assert "登录 ReLoop" in page and 'lang="zh-Hans"' in page


def test_english_can_be_chosen(client) -> None:
    """Choosing English switches the pages and sticks for the session."""
    client.get("/lang/en")
    page = client.get("/login").get_data(as_text=True)
    assert "Log in to ReLoop" in page and 'lang="en"' in page
    client.get("/lang/zh")
    assert "登录 ReLoop" in client.get("/login").get_data(as_text=True)


def test_every_message_in_the_code_has_a_chinese_translation(tmp_path) -> None:
    """Extracting the sources finds no message missing from the zh catalogue."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with (ROOT / "webapp/translations/zh/LC_MESSAGES/messages.po").open("rb") as f:
        have = {m.id for m in read_po(f) if m.id and m.string}
    assert sorted(wanted - have) == []
