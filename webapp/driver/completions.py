"""Checking what a phone sends for a stop: weights, skip, evidence, GPS and time.

The same checks serve the JSON API (queued records replayed from the phone) and the
plain HTML form, so a weight is judged the same way whichever road it took.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from webapp.api.text import parse_time, storable, time_problem
from webapp.models import CollectionOutcome

# No stop fills more than a 5-tonne truck; anything above is a typo (grams for kg).
MAX_STOP_G = 5_000_000
# ASCII digits only: Decimal would also take "١٢" or "１２", which no scale prints.
_KG_TEXT = re.compile(r"\s*[0-9]{1,7}(?:[.,][0-9])?\s*", re.ASCII)
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")  # used with fullmatch: "$" lets a final newline in
_SHA256 = re.compile(r"[0-9a-f]{64}")
#: Ids are 32-bit on both databases; a larger one names no stop (and would overflow the query).
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Position:
    """Where the phone was, from its GPS (WGS-84)."""

    lon: float
    lat: float
    accuracy_m: float | None = None


@dataclass(frozen=True)
class CompletionIn:
    """One checked record for a stop, as the phone meant it."""

    client_id: str
    stop_id: int
    outcome: CollectionOutcome
    recorded_at: datetime
    weights_g: dict[str, int] = field(default_factory=dict)
    skip_reason: str | None = None
    note: str = ""
    photo_sha256: str | None = None
    signature_sha256: str | None = None
    arrived_at: datetime | None = None
    position: Position | None = None
    supersedes: str | None = None
    correction_reason: str = ""

    @property
    def total_g(self) -> int:
        return sum(self.weights_g.values())

    def fingerprint(self) -> str:
        """SHA-256 of the normalised record: equal for a retry, different for another record."""
        data = asdict(self)
        data["weights_g"] = {k: v for k, v in sorted(self.weights_g.items()) if v}
        text = json.dumps(data, sort_keys=True, default=lambda v: v.isoformat(), separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


Problems = list[dict[str, str]]


def parse_kg(value: Any, *, max_g: int = MAX_STOP_G) -> tuple[int | None, str | None]:
    """Kilograms with at most one decimal -> integer grams, or an error message."""
    if isinstance(value, bool):  # bool is an int in Python; true is not 1 kg
        return None, _("must be a number of kilograms, not true or false")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            return None, _("must be a finite number of kilograms")
        amount = Decimal(repr(value))  # repr is the shortest exact decimal: 12.3, not 12.2999...
    elif isinstance(value, str):
        if not _KG_TEXT.fullmatch(value):
            return None, _("must be a number of kilograms with at most one decimal, e.g. 12.5")
        try:
            amount = Decimal(value.strip().replace(",", "."))
        except InvalidOperation:
            return None, _("must be a number of kilograms with at most one decimal, e.g. 12.5")
    else:
        return None, _("must be a number of kilograms")
    if amount < 0:
        return None, _("cannot be negative")
    # The limit comes first: quantizing 1e27 kg overflows the decimal context (a 500 once).
    if amount * 1000 > max_g:
        return None, _(
            "%(kg)s kg is more than the %(max)s kg a stop can hold",
            kg=f"{amount:.1f}"[:20],
            max=f"{max_g / 1000:g}",
        )
    if amount != amount.quantize(Decimal("0.1")):
        return None, _("at most one decimal (0.1 kg)")
    return int(amount * 1000), None


def check_capacity(data: CompletionIn, capacity_g: int) -> Problems:
    """Weights above what the stop's truck can carry are typos, named by field."""
    limit = min(capacity_g, MAX_STOP_G)
    problems = [
        {
            "field": f"weights_kg.{code}",
            "message": _(
                "%(kg).1f kg is more than the truck's capacity of %(max)s kg",
                kg=grams / 1000,
                max=f"{limit / 1000:g}",
            ),
        }
        for code, grams in data.weights_g.items()
        if grams > limit
    ]
    if not problems and data.total_g > limit:
        problems.append(
            {
                "field": "weights_kg",
                "message": _(
                    "%(kg).1f kg in all is more than the truck's capacity of %(max)s kg",
                    kg=data.total_g / 1000,
                    max=f"{limit / 1000:g}",
                ),
            }
        )
    return problems


def parse_completion(body: Any) -> tuple[CompletionIn | None, Problems]:
    """A completion JSON object -> the checked record, or the problems by field."""
    if not isinstance(body, dict):
        return None, [{"field": "", "message": _("the body must be a JSON object")}]
    problems: Problems = []

    def bad(name: str, message: str) -> None:
        problems.append({"field": name, "message": message})

    client_id = body.get("id")
    if not isinstance(client_id, str) or not _CLIENT_ID.fullmatch(client_id):
        bad("id", _("must be the phone's id for this record: 8 to 64 letters, digits, - or _"))
    stop_id = body.get("stop_id")
    if isinstance(stop_id, bool) or not isinstance(stop_id, int) or not 1 <= stop_id <= MAX_ID:
        bad("stop_id", _("must be a stop id"))
    try:
        outcome = CollectionOutcome(body.get("outcome"))
    except ValueError:
        outcome = None
        bad("outcome", _("must be 'collected' or 'skipped'"))
    weights = _weights(body.get("weights_kg", {}), bad)
    recorded_at = _time(body.get("recorded_at"), "recorded_at", bad, required=True)
    arrived_at = _time(body.get("arrived_at"), "arrived_at", bad, required=False)
    position = _position(body.get("position"), bad)
    photo = _sha(body.get("photo_sha256"), "photo_sha256", bad)
    signature = _sha(body.get("signature_sha256"), "signature_sha256", bad)
    note = _text(body.get("note"), "note", 500, bad)
    reason_text = _text(body.get("correction_reason"), "correction_reason", 255, bad)
    # Absent, null and "" all mean "none"; 0, false or [] are not a code.
    skip_reason = _optional(body.get("skip_reason"))
    if skip_reason is not None and (not isinstance(skip_reason, str) or not storable(skip_reason)):
        bad("skip_reason", _("must be a skip reason code"))
    supersedes = _optional(body.get("supersedes"))
    if supersedes is not None and (not isinstance(supersedes, str) or not _CLIENT_ID.fullmatch(supersedes)):
        bad("supersedes", _("must be the id of the record this one corrects"))
    if supersedes and not reason_text.strip():
        bad("correction_reason", _("say why the record is corrected"))
    if outcome == CollectionOutcome.COLLECTED and weights is not None and not any(weights.values()):
        bad("weights_kg", _("enter at least one weight above 0 kg, or skip the stop with a reason"))
    if outcome == CollectionOutcome.SKIPPED:
        if weights:
            bad("weights_kg", _("a skipped stop has no weights"))
        if not skip_reason:
            bad("skip_reason", _("choose why the stop is skipped"))
    if problems:
        return None, problems
    return CompletionIn(
        client_id=client_id,
        stop_id=stop_id,
        outcome=outcome,  # type: ignore[arg-type]
        recorded_at=recorded_at,
        weights_g={k: v for k, v in (weights or {}).items() if v},  # type: ignore[arg-type]
        skip_reason=skip_reason if outcome == CollectionOutcome.SKIPPED else None,
        note=note.strip(),
        photo_sha256=photo,
        signature_sha256=signature,
        arrived_at=arrived_at,
        position=position,
        supersedes=supersedes,
        correction_reason=reason_text.strip(),
    ), []


def _weights(value: Any, bad: Any) -> dict[str, int] | None:
    if value is None:
        return {}
    if not isinstance(value, dict):
        bad("weights_kg", _("must be an object of material code to kilograms"))
        return None
    found: dict[str, int] = {}
    for code, amount in value.items():
        grams, message = parse_kg(amount)
        if message:
            bad(f"weights_kg.{code}", message)
        else:
            found[str(code)] = grams  # type: ignore[assignment]
    return found


def _time(value: Any, name: str, bad: Any, *, required: bool) -> datetime | None:
    if value is None and not required:
        return None
    parsed = parse_time(value)
    if parsed is None:
        bad(name, _("must be an ISO 8601 time with a zone, e.g. 2026-11-24T09:30:00+08:00"))
        return None
    problem = time_problem(parsed)
    if problem is not None:
        bad(name, problem)
        return None
    return parsed


def _position(value: Any, bad: Any) -> Position | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        bad("position", _("must be an object with lon, lat and accuracy_m"))
        return None
    numbers = {}
    for key, low, high in (("lon", -180, 180), ("lat", -90, 90), ("accuracy_m", 0, 1e6)):
        number = value.get(key)
        if number is None and key == "accuracy_m":
            numbers[key] = None
            continue
        if (
            isinstance(number, bool)
            or not isinstance(number, (int, float))
            or not math.isfinite(number)
            or not low <= number <= high
        ):
            bad(f"position.{key}", _("must be a number from %(low)s to %(high)s", low=low, high=f"{high:g}"))
            return None
        numbers[key] = float(number)
    return Position(**numbers)  # type: ignore[arg-type]


def _sha(value: Any, name: str, bad: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _SHA256.fullmatch(value):
        bad(name, _("must be the SHA-256 of an uploaded file (64 hex digits)"))
        return None
    return value


def valid_client_id(value: str) -> bool:
    """Whether ``value`` has the form of a phone's record id."""
    return _CLIENT_ID.fullmatch(value) is not None


def _optional(value: Any) -> Any:
    return None if value is None or value == "" else value


def _text(value: Any, name: str, limit: int, bad: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        bad(name, _("must be text of at most %(n)d characters", n=limit))
        return ""
    if not storable(value):
        bad(name, _("contains a character that cannot be stored (NUL or a lone surrogate)"))
        return ""
    return value
