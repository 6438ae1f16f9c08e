"""Settings of the workshop, read once from the app config or the environment.

- ``RELOOP_WORKSHOP_ACTOR``: the cascade-use enterprise's name as the log records it
  (default: the demo's workshop, so the demo's handovers arrive in the queue).
- ``RELOOP_WORKSHOP_SITE``: the workshop's location code in the log.
- ``RELOOP_WORKSHOP_MASS_TOLERANCE_PERMILLE`` (10 = 1 %): how far parts + scrap may
  differ from the pack mass before the mass balance is flagged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from webapp.trace.demo import CASCADE, WORKSHOP

_EXTENSION = "reloop.workshop_settings"


class WorkshopSettingsError(ValueError):
    """A workshop setting is malformed; the message names the variable."""


@dataclass(frozen=True)
class WorkshopSettings:
    """Who the workshop is in the log, and its mass-balance tolerance."""

    actor: str = CASCADE
    site: str = WORKSHOP
    mass_tolerance_permille: int = 10


def workshop_settings(app: Flask | None = None) -> WorkshopSettings:
    """The app's workshop settings, read and checked on first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if _EXTENSION not in app.extensions:
        app.extensions[_EXTENSION] = _read(lambda name: app.config.get(name) or os.environ.get(name))
    settings: WorkshopSettings = app.extensions[_EXTENSION]
    return settings


def _read(get: Any) -> WorkshopSettings:
    raw = get("RELOOP_WORKSHOP_MASS_TOLERANCE_PERMILLE")
    tolerance = 10
    if raw not in (None, ""):
        try:
            tolerance = int(raw)
        except (TypeError, ValueError):
            raise WorkshopSettingsError(
                f"RELOOP_WORKSHOP_MASS_TOLERANCE_PERMILLE must be a whole number, got {raw!r}"
            ) from None
        if not 0 <= tolerance <= 1000:
            raise WorkshopSettingsError("RELOOP_WORKSHOP_MASS_TOLERANCE_PERMILLE must be between 0 and 1000")
    actor = (get("RELOOP_WORKSHOP_ACTOR") or CASCADE).strip()
    site = (get("RELOOP_WORKSHOP_SITE") or WORKSHOP).strip()
    if len(actor) > 120 or len(site) > 120:
        raise WorkshopSettingsError(
            "RELOOP_WORKSHOP_ACTOR and RELOOP_WORKSHOP_SITE take at most 120 characters"
        )
    return WorkshopSettings(actor=actor, site=site, mass_tolerance_permille=tolerance)
