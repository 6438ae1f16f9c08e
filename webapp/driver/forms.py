"""The stop page's plain HTML form, read into the same shape the JSON API takes.

Without JavaScript the phone posts this form; with it, the page queues the same
fields as JSON. Either way ``completions.parse_completion`` judges them.
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from webapp.models._types import utcnow

WEIGHT_PREFIX = "kg_"


def completion_body(form: MultiDict[str, str], stop_id: int) -> dict[str, Any]:
    """Form fields -> completion JSON; blank weight boxes mean "not collected"."""
    outcome = form.get("outcome", "")
    weights = {
        key[len(WEIGHT_PREFIX) :]: value
        for key, value in form.items()
        if key.startswith(WEIGHT_PREFIX) and value.strip()
    }
    body: dict[str, Any] = {
        "id": form.get("id", ""),
        "stop_id": stop_id,
        "outcome": outcome,
        "recorded_at": utcnow().isoformat(),
        "weights_kg": weights if outcome == "collected" else {},
        "skip_reason": form.get("skip_reason") or None if outcome == "skipped" else None,
        "note": form.get("note", ""),
        "supersedes": form.get("supersedes") or None,
        "correction_reason": form.get("correction_reason", ""),
    }
    return body
