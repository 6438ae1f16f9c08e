"""Template filters of the audit pages: domain vocabularies in the page's language, times
in China Standard Time (the regulations count days there), status badges."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from traceability import CHINA_TZ, BatteryStatus
from webapp.audit.fields import payload_items

# Bootstrap-style colour names of the domain's statuses, as CSS colours.
_COLOURS = {
    "primary": "#0369a1",
    "success": "#15803d",
    "warning": "#d97706",
    "danger": "#b91c1c",
    "info": "#0891b2",
    "dark": "#374151",
    "secondary": "#6b7280",
}


def trace_label(value: Any) -> str:
    """A domain vocabulary value (kind, role, status) in the page's language."""
    if value is None or not hasattr(value, "label_zh"):
        return "" if value is None else str(value)
    return str(value.label_zh if str(get_locale()) == "zh" else value.label_en)


def label(value: Any) -> str:
    """Any domain vocabulary value in the page's language: traceability enums through
    ``label_zh``/``label_en``, the app's enums through their translated ``label``."""
    if value is None:
        return ""
    if hasattr(value, "label_zh"):
        return trace_label(value)
    return str(getattr(value, "label", value))


def payload(event_payload: dict[str, Any]) -> list[tuple[str, str]]:
    """An event's payload as (field name, value with unit) in the page's language."""
    return payload_items(event_payload or {}, str(get_locale()))


def trace_colour(value: Any) -> str:
    """CSS colour of a status or deadline badge."""
    return _COLOURS.get(getattr(value, "colour", ""), "#6b7280")


def status_badge(value: str) -> Markup:
    """A battery status as a coloured badge."""
    status = BatteryStatus(value)
    return Markup('<span class="badge" data-c="{}">{}</span>').format(
        trace_colour(status), trace_label(status)
    )


def china_time_ms(timestamp_ms: int) -> str:
    """Milliseconds since 1970 (a tree head's timestamp) in China Standard Time."""
    return datetime.fromtimestamp(timestamp_ms / 1000, CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")


def china_time(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A timestamp in China Standard Time, which the regulations count in."""
    return "—" if moment is None else moment.astimezone(CHINA_TZ).strftime(pattern)


# The indicators' note on chain verification is data (it travels in the JSON export);
# these are its sentences in the page's language.
_VERIFICATION_NOTES = {
    "no signed tree head yet": _l("no signed tree head yet"),
    "no key to check the tree head with": _l("no key to check the tree head with"),
    "the latest tree head's signature does not verify with the pinned key": _l(
        "the latest tree head's signature does not verify with the pinned key"
    ),
    "the stored log does not rebuild the signed root": _l("the stored log does not rebuild the signed root"),
}
_TREE_HEAD_OF = re.compile(r"^tree head of (\d+) entries$")


def verification_note(note: str) -> str:
    """The indicators' verification note in the page's language (unknown notes as they are)."""
    match = _TREE_HEAD_OF.match(note or "")
    if match:
        return _("tree head of %(n)s entries", n=f"{int(match.group(1)):,}")
    return str(_VERIFICATION_NOTES.get(note, note or ""))


FILTERS: dict[str, Callable[..., Any]] = {
    "verification_note": verification_note,
    "trace_label": trace_label,
    "label": label,
    "payload": payload,
    "trace_colour": trace_colour,
    "status_badge": status_badge,
    "ms_cst": china_time_ms,
    "cst": china_time,
}
