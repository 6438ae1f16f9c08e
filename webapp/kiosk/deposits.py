"""Checking kiosk deposits posted as JSON (one deposit or ``{"deposits": [...]}``)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from webapp.api.text import parse_time, storable, time_problem

MAX_BATCH = 500
#: One deposit above this is no household's bag: refused, not held (200 kg).
MAX_DEPOSIT_G = 200_000
_HEX64 = re.compile(r"[0-9a-f]{64}")
FIELDS = {"deposit_id", "resident_card", "resident_qr", "material", "grams", "kiosk_time", "photo_sha256"}


@dataclass(frozen=True)
class DepositIn:
    """One checked deposit from a kiosk."""

    deposit_id: str
    resident_card: str | None
    resident_qr: str | None
    material: str
    grams: int
    kiosk_time: datetime
    photo_sha256: str

    def fingerprint(self) -> str:
        """SHA-256 of the deposit's content: a resend must carry the same."""
        data = asdict(self)
        data["kiosk_time"] = self.kiosk_time.isoformat()
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def parse_deposits(body: Any) -> tuple[list[tuple[int, DepositIn]], list[dict[str, Any]]]:
    """Returns (indexed deposits, errors by index and field)."""
    if isinstance(body, dict) and "deposits" in body:
        items = body["deposits"]
        if not isinstance(items, list) or not items:
            return [], [{"index": None, "field": "deposits", "message": "must be a non-empty list"}]
        if len(items) > MAX_BATCH:
            return [], [
                {"index": None, "field": "deposits", "message": f"at most {MAX_BATCH} deposits per request"}
            ]
    elif isinstance(body, dict):
        items = [body]
    else:
        return [], [{"index": None, "field": "", "message": "body must be a JSON object"}]
    good: list[tuple[int, DepositIn]] = []
    errors: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        deposit, problems = _one(item)
        errors += [{"index": index, "field": f, "message": m} for f, m in problems]
        if deposit is not None:
            good.append((index, deposit))
    return good, errors


def _text(item: dict[str, Any], name: str, longest: int) -> str | None:
    value = item.get(name)
    if isinstance(value, str) and 1 <= len(value) <= longest and storable(value) and value.strip():
        return value
    return None


def _one(item: Any) -> tuple[DepositIn | None, list[tuple[str, str]]]:
    if not isinstance(item, dict):
        return None, [("", "each deposit must be an object")]
    problems = [(name, "is not a field of a deposit") for name in sorted(set(item) - FIELDS)]
    deposit_id = _text(item, "deposit_id", 64)
    if deposit_id is None:
        problems.append(("deposit_id", "must be a string of 1 to 64 characters"))
    card, qr = item.get("resident_card"), item.get("resident_qr")
    if (card is None) == (qr is None):
        problems.append(("resident_card", "give exactly one of resident_card and resident_qr"))
    elif card is not None and _text(item, "resident_card", 32) is None:
        problems.append(("resident_card", "must be the card number printed on the resident's card"))
    elif qr is not None and _text(item, "resident_qr", 200) is None:
        problems.append(("resident_qr", "must be the text of the resident's account QR code"))
    material = _text(item, "material", 40)
    if material is None:
        problems.append(("material", "must be a material code, e.g. paper"))
    grams = item.get("grams")
    if isinstance(grams, bool) or not isinstance(grams, int):
        problems.append(("grams", "must be a whole number of grams"))
    elif not 1 <= grams <= MAX_DEPOSIT_G:
        problems.append(("grams", f"must be from 1 to {MAX_DEPOSIT_G:,} grams (200 kg)"))
    moment = parse_time(item.get("kiosk_time"))
    if moment is None:
        problems.append(
            ("kiosk_time", "must be an ISO 8601 time with a zone, e.g. 2026-11-23T08:30:00+08:00")
        )
    elif (late_or_early := time_problem(moment)) is not None:
        problems.append(("kiosk_time", late_or_early))
    photo = item.get("photo_sha256", "")
    if not isinstance(photo, str) or (photo and not _HEX64.fullmatch(photo)):
        problems.append(("photo_sha256", "must be the photo's SHA-256 as 64 lowercase hex digits"))
    if problems:
        return None, problems
    return DepositIn(deposit_id, card, qr, material, grams, moment, photo), []  # type: ignore[arg-type]
