"""A refusal the bridge recorded, said again in the reader's language for the sensors page.

The bridge stores a refusal as ``field: reason`` in English (it also goes to the log, read
by whoever fixes the sensor); the page shows the field as code and the reason translated.
Each pattern below matches one reason the bridge can give (webapp.sensors.payloads and
webapp.sensors.intake, and webapp.api.text.time_problem); a reason none matches (an
outlet's own refusal, say) is shown as a generic refusal, the stored text kept in a tooltip.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _

#: (pattern of the reason, its text in the reader's language from the pattern's groups)
_REASONS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"is required"), lambda m: _("is required")),
    (
        re.compile(r"'(?P<claimed>.*)' differs from the topic's '(?P<topic>.*)'"),
        lambda m: _("%(claimed)s differs from the topic's %(topic)s", **m.groupdict()),
    ),
    (
        re.compile(r"must be 1-64 printable ASCII characters"),
        lambda m: _("must be 1–64 printable Latin letters, digits or signs"),
    ),
    (
        re.compile(r"must be an RFC 3339 time with a zone"),
        lambda m: _("must be an RFC 3339 time with a zone"),
    ),
    (re.compile(r"needs a time zone"), lambda m: _("needs a time zone")),
    (re.compile(r"is before 2000: .*"), lambda m: _("is before 2000: check the clock that set it")),
    (re.compile(r"is in the future: .*"), lambda m: _("is in the future: check the clock that set it")),
    (re.compile(r"must be a material code"), lambda m: _("must be a material code")),
    (
        re.compile(r"(?P<code>\S+) is not a material code"),
        lambda m: _("%(code)s is not a material code", code=m["code"]),
    ),
    (re.compile(r"must be a number"), lambda m: _("must be a number")),
    (
        re.compile(r"(?P<value>\S+) is outside (?P<low>\S+)…(?P<high>\S+)"),
        lambda m: _("%(value)s is outside %(low)s…%(high)s", **m.groupdict()),
    ),
    (
        re.compile(
            r"(?P<distance>\d+) mm is below the container's bottom \((?P<height>\d+) mm from the sensor\)"
        ),
        lambda m: _(
            "%(distance)s mm is below the container's bottom (%(height)s mm from the sensor)", **m.groupdict()
        ),
    ),
    (
        re.compile(r"is (?P<size>\d+) bytes, more than (?P<limit>\d+)"),
        lambda m: _("is %(size)s bytes, more than %(limit)s", **m.groupdict()),
    ),
    (re.compile(r"is not JSON .*"), lambda m: _("is not JSON")),
    (re.compile(r"must be a JSON object"), lambda m: _("must be a JSON object")),
    (
        re.compile(r"(?P<code>\S+) is not a registered sensor"),
        lambda m: _("%(code)s is not a registered sensor", code=m["code"]),
    ),
    (re.compile(r"(?P<code>\S+) is retired"), lambda m: _("%(code)s is retired", code=m["code"])),
    (
        re.compile(r"(?P<id>.+) was already stored with other values"),
        lambda m: _("%(id)s was already stored with other values", id=m["id"]),
    ),
    (
        re.compile(r"(?P<code>\S+) has no calibration"),
        lambda m: _("%(code)s has no calibration", code=m["code"]),
    ),
]

_FIELD = re.compile(r"(?P<field>[a-z_]+): (?P<reason>.*)", re.DOTALL)


@dataclass(frozen=True)
class Refusal:
    """A stored refusal for the page: the field it names, and why, in the reader's language."""

    field: str
    reason: str
    stored: str


def describe(stored: str) -> Refusal:
    """The refusal ``stored`` (``field: reason``, as the bridge wrote it) for the page."""
    found = _FIELD.fullmatch(stored)
    field, reason = (found["field"], found["reason"]) if found else ("", stored)
    for pattern, say in _REASONS:
        match = pattern.fullmatch(reason)
        if match:
            return Refusal(field, say(match), stored)
    return Refusal(field, _("refused; the bridge's log has the details"), stored)
