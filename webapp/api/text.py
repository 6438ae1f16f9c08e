"""Checks every input shares: text the databases can hold, times in RFC 3339, and
times that can be when something happened.

The sensor, driver and battery-log APIs each parse their own bodies, and the staff
forms and CSV imports theirs; these rules are the same for all of them, and the
OpenAPI document states the same pattern.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import gettext as _

from webapp.models._types import utcnow

#: Nothing the platform records happened before 2000: such a time is a clock reset to its
#: epoch or a typo (and year 1 at +01:00 would not even convert to UTC).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
#: Clocks drift, so a little of the future is let in; more would pin an outlet's "last
#: fill" or a stop's record to the future and hide every real one after it.
CLOCK_SLACK = timedelta(hours=1)

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


def time_problem(moment: datetime, *, now: datetime | None = None) -> str | None:
    """Why ``moment`` cannot be when a reading, pickup or event happened, or None.

    The one rule for every API, form and import that takes such a time: it has a
    zone, and lies from 2000-01-01 to one hour ahead of ``now`` (the server's clock).
    The message completes a sentence that starts with the field's or line's name.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        return _("needs a time zone")
    if moment < EARLIEST:  # compared before any conversion: year 1 cannot be converted to UTC
        return _("is before 2000: check the clock that set it")
    if moment > (now or utcnow()) + CLOCK_SLACK:
        return _("is in the future: check the clock that set it")
    return None
