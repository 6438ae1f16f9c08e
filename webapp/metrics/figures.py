"""The vocabulary of the metrics: a scope (period, organisation, district), figures that
carry a drill-down reference, and ratios of two figures.

Every figure is an exact integer in a base unit (grams, Wh, fen, metres, counts,
grams CO2e); the JSON and the reports convert to tonnes, kWh and yuan for reading.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from traceability import CHINA_TZ
from webapp.boundary import FIRST_DAY, LAST_DAY

#: Drill kinds and the records each lists (see :mod:`webapp.metrics.drill`).
DRILL_KINDS = (
    "outlets",
    "collections",
    "stops",
    "routes",
    "batteries",
    "battery_events",
    # The residents' channel (webapp/metrics/residents.py).
    "residents",
    "bookings",
    "doorstep",
    "kiosk_deposits",
    "points_entries",
    # The cascade-use workshop (webapp/metrics/workshop.py).
    "workshop",
    # The sorting centre's mass balance (webapp/metrics/mass_balance.py).
    "tickets",
    "batches",
    "sales",
)


class MetricsInputError(ValueError):
    """A period, organisation or district was refused; ``field`` names the input."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class Scope:
    """What the figures are about: Asia/Shanghai days ``start``..``end`` (both included),
    optionally one organisation and one district (a code of :data:`geodata.DISTRICTS`)."""

    start: date
    end: date
    org_id: int | None = None
    district: str | None = None

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise MetricsInputError("to", f"the period ends ({self.end}) before it starts ({self.start})")
        if (self.end - self.start).days > 3660:
            raise MetricsInputError("to", "the period is longer than ten years")

    @property
    def start_utc(self) -> datetime:
        """The first instant of the period (midnight in Shenzhen), in UTC."""
        return datetime.combine(self.start, time(0), CHINA_TZ).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        """The first instant after the period, in UTC (exclusive bound)."""
        return datetime.combine(self.end + timedelta(days=1), time(0), CHINA_TZ).astimezone(UTC)

    def narrowed(self, start: date, end: date) -> Scope:
        """The same scope on the overlap of its period with ``start``..``end``."""
        return Scope(max(self.start, start), min(self.end, end), self.org_id, self.district)

    def params(self) -> dict[str, str]:
        """The scope as drill parameters."""
        found = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.org_id is not None:
            found["org"] = str(self.org_id)
        if self.district:
            found["district"] = self.district
        return found

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> Scope:
        """The scope named by drill (or query-string) parameters."""
        start = parse_day(params.get("from"), "from")
        end = parse_day(params.get("to"), "to")
        org = params.get("org")
        if org not in (None, "") and not str(org).isdigit():
            raise MetricsInputError("org", f"{org!r} is not an organisation id")
        return cls(start, end, int(org) if org else None, params.get("district") or None)


def parse_day(text: str | None, field: str) -> date:
    """An ISO date (YYYY-MM-DD), or :class:`MetricsInputError` naming ``field``."""
    if not text:
        raise MetricsInputError(field, "a date (YYYY-MM-DD) is required")
    try:
        day = date.fromisoformat(str(text))
    except ValueError:
        raise MetricsInputError(field, f"{text!r} is not a date (YYYY-MM-DD)") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        # Periods are summed month by month: year 9999 overflows, year 0001 takes forever.
        raise MetricsInputError(field, f"{text!r} is not between {FIRST_DAY} and {LAST_DAY}")
    return day


@dataclass(frozen=True)
class Drill:
    """Where a figure comes from: a kind of record and the filters that select them.

    :func:`webapp.metrics.drill.records` lists exactly those records; their sum
    (``DrillPage.total``) equals the figure.
    """

    kind: str
    params: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        if self.kind not in DRILL_KINDS:
            raise MetricsInputError("kind", f"unknown drill kind {self.kind!r}")

    @classmethod
    def of(cls, kind: str, scope: Scope, **extra: Any) -> Drill:
        """A drill on ``scope`` with extra filters (``None`` values are left out)."""
        values = {**scope.params(), **{k: str(v) for k, v in extra.items() if v is not None}}
        return cls(kind, tuple(sorted(values.items())))

    @property
    def values(self) -> dict[str, str]:
        """The parameters as a dict."""
        return dict(self.params)

    def query_string(self) -> str:
        """``kind=...&from=...`` for a link to the records."""
        return urlencode([("kind", self.kind), *self.params])

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "params": self.values}


@dataclass(frozen=True)
class Figure:
    """An exact amount in ``unit`` ("g", "Wh", "fen", "m", "count", "g_co2e") and its records."""

    value: int
    unit: str
    drill: Drill | None = None

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "drill": self.drill.to_json() if self.drill else None}


@dataclass(frozen=True)
class Ratio:
    """A share or rate: ``numerator / denominator`` (``None`` when the denominator is 0)."""

    numerator: Figure
    denominator: Figure
    scale: int = 1  # e.g. 2000 for "outlets per 2,000 households"

    @property
    def value(self) -> float | None:
        if not self.denominator.value:
            return None
        return self.numerator.value * self.scale / self.denominator.value

    def to_json(self) -> dict[str, Any]:
        value = self.value
        return {
            "numerator": self.numerator.to_json(),
            "denominator": self.denominator.to_json(),
            "scale": self.scale,
            "value": None if value is None else round(value, 6),
        }


def tonnes(grams: int) -> float:
    """Grams as tonnes, for reading (3 decimals: kilograms)."""
    return round(grams / 1_000_000, 3)
