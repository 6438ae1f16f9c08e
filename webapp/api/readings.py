"""Checking sensor fill readings posted as JSON."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from webapp.api.text import parse_time, storable, time_problem

MAX_BATCH = 1000


@dataclass(frozen=True)
class ReadingIn:
    """One checked reading from a sensor."""

    reading_id: str
    outlet_code: str
    fill_pct: float
    measured_at: datetime


def parse_readings(body: Any) -> tuple[list[ReadingIn], list[dict[str, Any]]]:
    """One reading object or ``{"readings": [...]}``; returns (readings, errors by index)."""
    if isinstance(body, dict) and "readings" in body:
        items = body["readings"]
        if not isinstance(items, list) or not items:
            return [], [{"index": None, "field": "readings", "message": "must be a non-empty list"}]
        if len(items) > MAX_BATCH:
            return [], [
                {"index": None, "field": "readings", "message": f"at most {MAX_BATCH} readings per request"}
            ]
    elif isinstance(body, dict):
        items = [body]
    else:
        return [], [{"index": None, "field": "", "message": "body must be a JSON object"}]
    good: list[ReadingIn] = []
    errors: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        reading, problems = _one(item)
        errors += [{"index": index, "field": f, "message": m} for f, m in problems]
        if reading is not None:
            good.append(reading)
    return good, errors


def _one(item: Any) -> tuple[ReadingIn | None, list[tuple[str, str]]]:
    if not isinstance(item, dict):
        return None, [("", "each reading must be an object")]
    problems: list[tuple[str, str]] = []
    reading_id = item.get("reading_id")
    if not isinstance(reading_id, str) or not 1 <= len(reading_id) <= 64 or not storable(reading_id):
        problems.append(("reading_id", "must be a string of 1 to 64 characters"))
    code = item.get("outlet_code")
    if not isinstance(code, str) or not 1 <= len(code) <= 32 or not storable(code):
        problems.append(("outlet_code", "must be an outlet code"))
    fill = item.get("fill_pct")
    # bool is an int in Python; a sensor sending true is broken, not 1 %.
    if (
        isinstance(fill, bool)
        or not isinstance(fill, (int, float))
        or not math.isfinite(fill)
        or not 0 <= fill <= 100
    ):
        problems.append(("fill_pct", "must be a number from 0 to 100"))
    measured = parse_time(item.get("measured_at"))
    if measured is None:
        problems.append(
            ("measured_at", "must be an ISO 8601 time with a zone, e.g. 2026-11-23T08:30:00+08:00")
        )
    elif (late_or_early := time_problem(measured)) is not None:
        # A future time would pin the outlet's "last reading" and hide every real one after it.
        problems.append(("measured_at", late_or_early))
    if problems:
        return None, problems
    return ReadingIn(reading_id, code, float(fill), measured), []  # type: ignore[arg-type]
