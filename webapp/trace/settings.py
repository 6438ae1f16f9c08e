"""Settings of the battery log, read once: environment (``RELOOP_TRACE_*``) or app config.

Kept beside the trace package rather than in ``webapp.config`` because nothing else
reads them; like the rest of the configuration they have defaults in code, are
checked with a message naming the variable, and reach operations as arguments.

- ``RELOOP_TRACE_KEY``: PEM file of the Ed25519 tree-head signing key (see ``keys``).
- ``RELOOP_TRACE_HOLIDAYS``: JSON holiday table for years the bundled calendar lacks.
- ``RELOOP_TRACE_DEADLINES``: JSON ``{role: {kind: working_days}}`` replacing the
  2018 rules (the 2026 rules may change them).
- ``RELOOP_TRACE_IN_TRANSIT_DAYS`` (7), ``RELOOP_TRACE_RETIRED_DAYS`` (30): when a
  handover not received / a retirement not followed by a receipt becomes an anomaly.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from traceability import DEFAULT_RULES, DeadlineRule, rules_from_mapping

_EXTENSION = "reloop.trace_settings"


class TraceSettingsError(ValueError):
    """A trace setting is malformed; the message names the variable."""


@dataclass(frozen=True)
class TraceSettings:
    """The trace package's settings."""

    holidays_path: str | None = None
    rules: tuple[DeadlineRule, ...] = DEFAULT_RULES
    in_transit_days: int = 7
    retired_days: int = 30


def trace_settings(app: Flask | None = None) -> TraceSettings:
    """The app's trace settings, read and checked on first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if _EXTENSION not in app.extensions:
        app.extensions[_EXTENSION] = _read(lambda name: app.config.get(name) or os.environ.get(name))
    settings: TraceSettings = app.extensions[_EXTENSION]
    return settings


def _read(get: Any) -> TraceSettings:
    rules = DEFAULT_RULES
    raw_rules = get("RELOOP_TRACE_DEADLINES")
    if raw_rules:
        try:
            data = json.loads(raw_rules) if isinstance(raw_rules, str) else raw_rules
            rules = rules_from_mapping(data)
        except (ValueError, TypeError, AttributeError) as exc:
            raise TraceSettingsError(
                f"RELOOP_TRACE_DEADLINES must be JSON {{role: {{kind: working_days}}}}: {exc}"
            ) from exc
    return TraceSettings(
        holidays_path=get("RELOOP_TRACE_HOLIDAYS") or None,
        rules=rules,
        in_transit_days=_days(get, "RELOOP_TRACE_IN_TRANSIT_DAYS", 7),
        retired_days=_days(get, "RELOOP_TRACE_RETIRED_DAYS", 30),
    )


def _days(get: Any, name: str, default: int) -> int:
    raw = get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise TraceSettingsError(f"{name} must be a whole number of days, got {raw!r}") from None
    if not 1 <= value <= 3650:
        raise TraceSettingsError(f"{name} must be between 1 and 3650, got {value}")
    return value
