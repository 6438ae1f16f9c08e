"""Checks every JSON input shares: text the databases can hold, and times in RFC 3339.

The sensor, driver and battery-log APIs each parse their own bodies; these two rules
are the same for all of them, and the OpenAPI document states the same pattern.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

#: RFC 3339 ``date-time``: a full date, ``T``, a time to the second, a zone. Python's
#: ``fromisoformat`` alone also takes "2026-11-23x08" or week dates, which no client means.
RFC3339 = (
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])[Tt]"
    r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,9})?"
    r"(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)
_RFC3339 = re.compile(RFC3339)


def storable(text: str) -> bool:
    """Whether both databases can hold ``text``.

    PostgreSQL refuses NUL characters in text, and a lone surrogate (which JSON's
    ``"\\ud800"`` escape produces) cannot be encoded as UTF-8 for either backend.
    """
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 time with its zone as an aware datetime, or None for anything else."""
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        return None
    text = value.upper().replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text)
    except ValueError:  # 2026-02-30
        return None
