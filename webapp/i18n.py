"""Languages: Simplified Chinese by default, English on request.

The ``.po`` catalogues are the source; their compiled ``.mo`` files are build
output, so they are compiled into the instance folder at start-up when stale.
"""

from __future__ import annotations

import os
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, request, session
from flask_babel import Babel, get_locale

SOURCE = Path(__file__).parent / "translations"
LOCALES = {"zh": "简体中文", "en": "English"}

babel = Babel()


def init_app(app: Flask) -> None:
    """Compile catalogues if needed and install Flask-Babel."""
    settings = app.config["RELOOP_SETTINGS"]
    compiled = compile_catalogues(SOURCE, Path(app.instance_path) / "translations")
    app.config.setdefault("BABEL_DEFAULT_LOCALE", settings.default_locale)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(LOCALES=LOCALES, current_locale=lambda: str(get_locale()))


def select_locale() -> str:
    """The language chosen in this session, else the configured default."""
    chosen = session.get("lang")
    if chosen in LOCALES:
        return str(chosen)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def compile_catalogues(source: Path, target: Path) -> Path:
    """Write ``.mo`` files for every ``.po`` under ``source`` that is newer than its ``.mo``."""
    for po_path in source.glob("*/LC_MESSAGES/*.po"):
        mo_path = target / po_path.relative_to(source).with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file)
        # One temporary file per process: gunicorn's workers start together and each
        # compiles; a shared name let one worker's rename pull the file from under another.
        tmp = mo_path.with_suffix(f".mo.{os.getpid()}.tmp")
        with tmp.open("wb") as mo_file:
            write_mo(mo_file, catalogue)
        tmp.replace(mo_path)
    return target


def wants_language() -> str | None:
    """The language a ``?lang=`` argument asks for, if it is one we have."""
    lang = request.args.get("lang") or request.form.get("lang")
    return lang if lang in LOCALES else None
