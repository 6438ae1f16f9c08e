"""What regrouping takes and returns: graded units, a product spec, a grouping.

Values are kept at a fixed resolution — capacity to 1 mAh, DC internal resistance to
1 µΩ, open-circuit voltage to 0.1 mV — so that the engine (integer arithmetic) and the
checker (exact fractions) judge a spread on exactly the same numbers: a product at
3.000 % against a 3 % limit is within it for both.

Spread of a quantity within a product = (max − min) / mean × 100 %, except OCV, whose
spread is max − min in millivolts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "CAPACITY_DECIMALS",
    "OCV_DECIMALS",
    "RESISTANCE_DECIMALS",
    "InputError",
    "Leftover",
    "LeftoverReason",
    "ProductSpec",
    "Regrouping",
    "Status",
    "Unit",
    "make_spec",
    "make_unit",
]

CAPACITY_DECIMALS = 3  # Ah -> 1 mAh
RESISTANCE_DECIMALS = 3  # mΩ -> 1 µΩ
OCV_DECIMALS = 4  # V -> 0.1 mV


class InputError(ValueError):
    """Refused input; ``unit`` names the unit (or ``None`` for the spec) and ``field`` the value."""

    def __init__(self, unit: str | None, field: str, message: str) -> None:
        self.unit = unit
        self.field = field
        self.message = message
        where = f"unit {unit!r}, " if unit is not None else "spec, "
        super().__init__(f"{where}{field}: {message}")


@dataclass(frozen=True)
class Unit:
    """A graded module (or cell, or pack) in stock; build with :func:`make_unit`."""

    unit_id: str
    chemistry: str
    capacity_ah: float
    dcir_mohm: float
    ocv_v: float
    soh_pct: float | None = None


@dataclass(frozen=True)
class ProductSpec:
    """A cascade product to build; build with :func:`make_spec`.

    ``target_capacity_ah`` is the product's rated capacity: with ``parallel_count`` P
    strings in parallel each unit must hold at least target / P (a string is as strong
    as its weakest unit), so weaker units are left over.
    """

    chemistry: str
    units_per_product: int
    max_capacity_spread_pct: float
    max_resistance_spread_pct: float
    max_ocv_spread_mv: float
    target_capacity_ah: float | None = None
    series_count: int | None = None
    parallel_count: int | None = None

    @property
    def min_unit_capacity_ah(self) -> float | None:
        """Least capacity a unit needs to reach the target, or ``None`` without a target."""
        if self.target_capacity_ah is None:
            return None
        return self.target_capacity_ah / (self.parallel_count or 1)


class Status(StrEnum):
    """``optimal`` only when proven; ``feasible`` when every limit holds but no proof."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"


class LeftoverReason(StrEnum):
    """Why a unit is not in any product."""

    CHEMISTRY = "chemistry"
    BELOW_TARGET = "below_target"
    CAPACITY = "capacity"
    RESISTANCE = "resistance"
    OCV = "ocv"
    NOT_ENOUGH = "not_enough"
    NOT_EXAMINED = "not_examined"  # the time limit came before its reason was worked out

    @property
    def message(self) -> str:
        """English explanation for a report."""
        return _REASON_TEXT[self]


_REASON_TEXT = {
    LeftoverReason.CHEMISTRY: "other chemistry than the product's",
    LeftoverReason.BELOW_TARGET: "capacity below what the product's rated capacity needs",
    LeftoverReason.CAPACITY: "would break the capacity spread with any other units in stock",
    LeftoverReason.RESISTANCE: "would break the resistance spread with every unit close in capacity",
    LeftoverReason.OCV: "would break the OCV spread with every unit close in capacity and resistance",
    LeftoverReason.NOT_ENOUGH: "not enough matching units left to build another product",
    LeftoverReason.NOT_EXAMINED: "not examined before the time limit",
}


@dataclass(frozen=True)
class Leftover:
    """A unit not built into a product, with the reason."""

    unit_id: str
    reason: LeftoverReason


@dataclass(frozen=True)
class Regrouping:
    """The engine's answer: products (unit ids), leftovers with reasons, status.

    ``worst_spread`` is the largest spread of any product as a share of its limit
    (capacity 1.5 % against a 3 % limit counts 0.5), the quantity the engine minimises
    after the number of products; 0 when no product is built.
    """

    products: tuple[tuple[str, ...], ...]
    leftover: tuple[Leftover, ...]
    status: Status
    solve_seconds: float
    method: str
    worst_spread: float
    spreads: tuple[Mapping[str, float], ...] = field(default=())

    def summary(self) -> dict[str, Any]:
        """The CLI's JSON object: exactly ``products``, ``leftover``, ``status``, ``solve_seconds``."""
        return {
            "products": [list(p) for p in self.products],
            "leftover": [item.unit_id for item in self.leftover],
            "status": self.status.value,
            "solve_seconds": round(self.solve_seconds, 3),
        }


def _number(unit: str | None, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InputError(unit, name, f"must be a number, got {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise InputError(unit, name, f"must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise InputError(unit, name, f"must be a finite number, got {value!r}")
    return number


def _text(unit: str | None, name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(unit, name, "must be a non-empty text")
    return value.strip()


def make_unit(
    unit_id: Any,
    chemistry: Any,
    capacity_ah: Any,
    dcir_mohm: Any,
    ocv_v: Any,
    soh_pct: Any = None,
) -> Unit:
    """A validated :class:`Unit`, values rounded to the resolution; :class:`InputError` otherwise."""
    name = _text(None, "unit_id", unit_id)
    capacity = _number(name, "capacity_ah", capacity_ah)
    if capacity <= 0:
        raise InputError(name, "capacity_ah", f"must be positive, got {capacity:g}")
    resistance = _number(name, "dcir_mohm", dcir_mohm)
    if resistance <= 0:
        raise InputError(name, "dcir_mohm", f"must be positive, got {resistance:g}")
    ocv = _number(name, "ocv_v", ocv_v)
    if ocv < 0:
        raise InputError(name, "ocv_v", f"must not be negative, got {ocv:g}")
    soh = None
    if soh_pct is not None and soh_pct != "":
        soh = _number(name, "soh_pct", soh_pct)
        if not 0 < soh <= 100:
            raise InputError(name, "soh_pct", f"must be above 0 and at most 100 %, got {soh:g}")
    values = (round(capacity, CAPACITY_DECIMALS), round(resistance, RESISTANCE_DECIMALS))
    if values[0] <= 0 or values[1] <= 0:
        field_name = "capacity_ah" if values[0] <= 0 else "dcir_mohm"
        raise InputError(name, field_name, "is zero at the stored resolution")
    return Unit(name, _text(name, "chemistry", chemistry).upper(), *values, round(ocv, OCV_DECIMALS), soh)


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InputError(None, name, f"must be a whole number, got {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise InputError(None, name, f"must be a whole number, got {value!r}") from None
    if number < 1:
        raise InputError(None, name, f"must be at least 1, got {number}")
    return number


def make_spec(data: Mapping[str, Any]) -> ProductSpec:
    """A validated :class:`ProductSpec` from JSON-like data; :class:`InputError` names the key."""
    required = (
        "chemistry",
        "units_per_product",
        "max_capacity_spread_pct",
        "max_resistance_spread_pct",
        "max_ocv_spread_mv",
    )
    optional = ("target_capacity_ah", "series_count", "parallel_count")
    for key in required:
        if key not in data:
            raise InputError(None, key, "is missing")
    for key in data:
        if key not in required and key not in optional:
            raise InputError(None, str(key), "is not a spec key")
    size = _positive_int("units_per_product", data["units_per_product"])
    if size < 2:
        raise InputError(None, "units_per_product", "a product needs at least 2 units")
    limits = [
        _number(None, key, data[key])
        for key in ("max_capacity_spread_pct", "max_resistance_spread_pct", "max_ocv_spread_mv")
    ]
    for key, limit in zip(required[2:], limits, strict=True):
        if limit <= 0:
            raise InputError(None, key, f"must be positive, got {limit:g}")
    series, parallel = (
        _positive_int(key, data[key]) if data.get(key) is not None else None
        for key in ("series_count", "parallel_count")
    )
    if series is not None and parallel is not None and series * parallel != size:
        raise InputError(
            None, "units_per_product", f"is {size}, but series × parallel = {series} × {parallel}"
        )
    target = None
    if data.get("target_capacity_ah") is not None:
        target = _number(None, "target_capacity_ah", data["target_capacity_ah"])
        if target <= 0:
            raise InputError(None, "target_capacity_ah", f"must be positive, got {target:g}")
    return ProductSpec(
        _text(None, "chemistry", data["chemistry"]).upper(),
        size,
        limits[0],
        limits[1],
        limits[2],
        target_capacity_ah=target,
        series_count=series,
        parallel_count=parallel,
    )


def check_unique_ids(units: Sequence[Unit]) -> None:
    """Refuse stock that names a unit twice."""
    seen: set[str] = set()
    for unit in units:
        if unit.unit_id in seen:
            raise InputError(unit.unit_id, "unit_id", "appears twice in the stock")
        seen.add(unit.unit_id)
