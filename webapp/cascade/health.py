"""Health readings of cascade products in service, posted by customers' systems.

Idempotent by ``reading_id``: the same id with the same body answers with the stored
result (200); the same id with another body is refused (409) naming the id. A
reading raises an anomaly when the product is over temperature or its SOH fell
faster than :data:`SOH_FALL_PCT_PER_30_DAYS` since the reading before it; the
regulator's anomaly list shows them beside the log's own findings.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from traceability import BatteryStatus
from webapp.api.text import parse_time, storable, time_problem
from webapp.models import Battery
from webapp.models._types import utcnow
from webapp.models.cascade import CascadeProduct, CustomerOrder, HealthReading, Shipment

FIELDS = ("reading_id", "product_code", "taken_at", "soh_pct", "cycles", "max_temperature_c", "alarms")
#: Over this cell temperature a reading is an anomaly (°C).
MAX_TEMPERATURE_C = 55.0
#: A fall of SOH faster than this (percentage points per 30 days) is an anomaly.
SOH_FALL_PCT_PER_30_DAYS = 2.0
MAX_ALARMS = 20


@dataclass(frozen=True)
class Posted:
    """A stored reading and whether this request created it."""

    reading: HealthReading
    created: bool

    def as_dict(self) -> dict[str, Any]:
        r = self.reading
        return {
            "reading_id": r.reading_id,
            "product_code": r.product_code,
            "taken_at": r.taken_at.isoformat(),
            "anomaly": r.anomaly,
            "created": self.created,
        }


class ReadingError(ValueError):
    """A refused reading: ``errors`` in the API's shape, ``status`` 422 or 409."""

    def __init__(self, errors: list[dict[str, Any]], status: int = 422) -> None:
        self.errors, self.status = errors, status
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))


def _err(field: str, message: str) -> dict[str, Any]:
    return {"index": None, "field": field, "message": message}


def _number(
    body: Mapping[str, Any], name: str, low: float, high: float, errors: list[dict[str, Any]]
) -> float:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        errors.append(_err(name, "must be a finite number"))
        return 0.0
    if not low <= value <= high:
        errors.append(_err(name, f"must be between {low:g} and {high:g}"))
    return float(value)


def parse(body: Any) -> dict[str, Any]:
    """Check a reading's body; raise :class:`ReadingError` naming every bad field."""
    if not isinstance(body, dict):
        raise ReadingError([_err("", "body must be a JSON object")])
    errors = [_err(str(k), "unknown field") for k in body if k not in FIELDS]
    reading_id = body.get("reading_id")
    if (
        not isinstance(reading_id, str)
        or not reading_id.strip()
        or len(reading_id) > 64
        or not storable(reading_id)
    ):
        errors.append(_err("reading_id", "must be a non-empty string of at most 64 characters"))
    code = body.get("product_code")
    if not isinstance(code, str) or not code.strip() or len(code) > 24 or not storable(code):
        errors.append(_err("product_code", "must be a product code of at most 24 characters"))
    taken = parse_time(body.get("taken_at"))
    if taken is None:
        errors.append(_err("taken_at", "must be an ISO 8601 time with a zone"))
    elif (problem := time_problem(taken)) is not None:
        errors.append(_err("taken_at", problem))
    soh = _number(body, "soh_pct", 0, 100, errors)
    cycles = body.get("cycles")
    if isinstance(cycles, bool) or not isinstance(cycles, int) or not 0 <= cycles <= 10**7:
        errors.append(_err("cycles", "must be a whole number between 0 and 10000000"))
    temperature = _number(body, "max_temperature_c", -60, 200, errors)
    alarms = body.get("alarms", [])
    if (
        not isinstance(alarms, list)
        or len(alarms) > MAX_ALARMS
        or not all(isinstance(a, str) and 0 < len(a) <= 60 and storable(a) for a in alarms)
    ):
        errors.append(
            _err("alarms", f"must be a list of at most {MAX_ALARMS} texts of at most 60 characters")
        )
    if errors:
        raise ReadingError(errors)
    return {
        "reading_id": reading_id.strip(),  # type: ignore[union-attr]
        "product_code": code.strip().upper(),  # type: ignore[union-attr]
        "taken_at": taken,
        "soh_permille": round(soh * 10),
        "cycles": cycles,
        "max_temperature_dc": round(temperature * 10),
        "alarms": list(alarms),
    }


def _digest(values: Mapping[str, Any]) -> str:
    plain = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in values.items()}
    return hashlib.sha256(json.dumps(plain, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def post(session: Session, body: Any, *, token_id: int | None, customer: str | None = None) -> Posted:
    """Store one reading (see the module docstring); commits.

    With ``customer`` (the name a ``cascade_customer`` token was issued to, as written on
    the orders), only products shipped on that customer's orders are accepted, and a
    reading id is looked up among that customer's readings only: one customer can
    neither post for nor read back another's products (403 naming ``product_code``).
    """
    values = parse(body)
    digest = _digest(values)
    stored = session.exec(
        select(HealthReading).where(HealthReading.reading_id == values["reading_id"])
    ).first()
    if stored is not None:
        if customer is not None and customer_of(session, stored.product_code) != customer:
            raise ReadingError(
                [_err("reading_id", f"reading {stored.reading_id} is another customer's")], 409
            )
        return _repeat(stored, digest)
    product = session.exec(
        select(CascadeProduct).where(CascadeProduct.code == values["product_code"])
    ).first()
    battery = session.exec(select(Battery).where(Battery.code == values["product_code"])).first()
    if product is None or battery is None:
        raise ReadingError([_err("product_code", f"{values['product_code']} is not a cascade product")])
    if customer is not None and customer_of(session, product.code) != customer:
        raise ReadingError(
            [
                _err(
                    "product_code",
                    f"{product.code} was not shipped to {customer}: only its customer reports on it",
                )
            ],
            403,
        )
    if battery.status != BatteryStatus.IN_SERVICE.value:
        raise ReadingError([_err("product_code", f"{product.code} is not in service")], 409)
    reading = HealthReading(
        **values, body_sha256=digest, token_id=token_id, received_at=utcnow(), org_id=product.org_id
    )
    reading.anomaly = anomaly_of(session, reading)
    session.add(reading)
    try:
        session.commit()
    except IntegrityError:  # the same id posted at the same moment by another request
        session.rollback()
        stored = session.exec(
            select(HealthReading).where(HealthReading.reading_id == values["reading_id"])
        ).one()
        return _repeat(stored, digest)
    return Posted(reading, True)


def customer_of(session: Session, product_code: str) -> str | None:
    """The customer of the order the product was shipped on, or None while unshipped."""
    return session.exec(
        select(CustomerOrder.customer)
        .join(Shipment, col(Shipment.order_id) == CustomerOrder.id)
        .join(CascadeProduct, col(CascadeProduct.id) == Shipment.product_id)
        .where(CascadeProduct.code == product_code)
    ).first()


def _repeat(stored: HealthReading, digest: str) -> Posted:
    if stored.body_sha256 != digest:
        raise ReadingError(
            [_err("reading_id", f"reading {stored.reading_id} was already posted with another body")], 409
        )
    return Posted(stored, False)


def anomaly_of(session: Session, reading: HealthReading) -> str | None:
    """``over_temperature``, ``soh_fall`` or None for a reading about to be stored."""
    if reading.max_temperature_dc > MAX_TEMPERATURE_C * 10:
        return "over_temperature"
    before = session.exec(
        select(HealthReading)
        .where(HealthReading.product_code == reading.product_code, HealthReading.taken_at < reading.taken_at)
        .order_by(col(HealthReading.taken_at).desc())
    ).first()
    if before is None:
        return None
    fall = (before.soh_permille - reading.soh_permille) / 10
    days = max((reading.taken_at - before.taken_at).total_seconds() / 86400, 1.0)
    return "soh_fall" if fall > 0 and fall / days * 30 > SOH_FALL_PCT_PER_30_DAYS else None


def readings(session: Session, code: str) -> list[HealthReading]:
    """A product's readings, newest first."""
    return list(
        session.exec(
            select(HealthReading)
            .where(HealthReading.product_code == code)
            .order_by(col(HealthReading.taken_at).desc())
        ).all()
    )


def anomalies(session: Session) -> list[HealthReading]:
    """Every reading that raised an anomaly, newest first."""
    return list(
        session.exec(
            select(HealthReading)
            .where(col(HealthReading.anomaly).is_not(None))
            .order_by(col(HealthReading.taken_at).desc())
        ).all()
    )
