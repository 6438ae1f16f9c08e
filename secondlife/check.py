"""An independent checker: does a grouping respect the spec and the stock?

It shares no code with the engine: spreads are recomputed here with exact fractions
from the units' stored values (see :mod:`secondlife.model` for their resolution), so a
grouping the engine returns and a grouping a technician edited by hand are judged the
same way. An empty list means the grouping is valid.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from secondlife.model import ProductSpec, Unit

__all__ = ["Violation", "ViolationKind", "check", "check_edit", "swap"]


class ViolationKind(StrEnum):
    """Which rule a grouping breaks."""

    UNKNOWN_UNIT = "unknown_unit"
    DUPLICATE_UNIT = "duplicate_unit"
    MISSING_UNIT = "missing_unit"
    SIZE = "size"
    CHEMISTRY = "chemistry"
    BELOW_TARGET = "below_target"
    CAPACITY_SPREAD = "capacity_spread"
    RESISTANCE_SPREAD = "resistance_spread"
    OCV_SPREAD = "ocv_spread"


@dataclass(frozen=True)
class Violation:
    """One broken rule: the product (0-based) and the unit at fault when there is one."""

    kind: ViolationKind
    product: int | None
    unit_id: str | None
    message: str


def _exact(value: float) -> Fraction:
    return Fraction(repr(value))


def check(
    spec: ProductSpec,
    stock: Sequence[Unit],
    products: Sequence[Sequence[str]],
    leftover: Sequence[str] | None = None,
) -> list[Violation]:
    """Every rule ``products`` (unit ids) break; with ``leftover``, every unit must be in one place."""
    units = {u.unit_id: u for u in stock}
    placed = Counter(uid for p in products for uid in p)
    if leftover is not None:
        placed.update(leftover)
    out: list[Violation] = []
    for uid, times in sorted(placed.items()):
        if uid not in units:
            out.append(Violation(ViolationKind.UNKNOWN_UNIT, None, uid, f"unit {uid!r} is not in the stock"))
        elif times > 1:
            message = f"unit {uid!r} is placed {times} times"
            out.append(Violation(ViolationKind.DUPLICATE_UNIT, None, uid, message))
    if leftover is not None:
        for uid in sorted(units.keys() - placed.keys()):
            message = f"unit {uid!r} is neither in a product nor left over"
            out.append(Violation(ViolationKind.MISSING_UNIT, None, uid, message))
    for index, product in enumerate(products):
        out += _check_product(spec, index, [units[uid] for uid in product if uid in units])
        if len(product) != spec.units_per_product:
            message = f"product {index + 1} has {len(product)} units, the spec needs {spec.units_per_product}"
            out.append(Violation(ViolationKind.SIZE, index, None, message))
    return out


def _check_product(spec: ProductSpec, index: int, members: list[Unit]) -> list[Violation]:
    out = []
    floor = spec.min_unit_capacity_ah
    for unit in members:
        if unit.chemistry != spec.chemistry:
            message = f"unit {unit.unit_id!r} is {unit.chemistry}, the product is {spec.chemistry}"
            out.append(Violation(ViolationKind.CHEMISTRY, index, unit.unit_id, message))
        if floor is not None and _exact(unit.capacity_ah) < _exact(floor):
            message = f"unit {unit.unit_id!r} holds {unit.capacity_ah:g} Ah, the product needs {floor:g} Ah"
            out.append(Violation(ViolationKind.BELOW_TARGET, index, unit.unit_id, message))
    if len(members) < 2:
        return out
    checks = (
        (ViolationKind.CAPACITY_SPREAD, "capacity", [_exact(u.capacity_ah) for u in members], True),
        (ViolationKind.RESISTANCE_SPREAD, "resistance", [_exact(u.dcir_mohm) for u in members], True),
        (ViolationKind.OCV_SPREAD, "OCV", [_exact(u.ocv_v) for u in members], False),
    )
    limits = (spec.max_capacity_spread_pct, spec.max_resistance_spread_pct, spec.max_ocv_spread_mv)
    for (kind, name, values, relative), limit in zip(checks, limits, strict=True):
        spread = _spread(values, relative)
        if spread > _exact(limit):
            culprit = members[_culprit(values, relative)].unit_id
            unit_text = "%" if relative else " mV"
            message = (
                f"product {index + 1}: {name} spread {float(spread):.3f}{unit_text} is over the limit "
                f"{limit:g}{unit_text}; unit {culprit!r} is furthest from the others"
            )
            out.append(Violation(kind, index, culprit, message))
    return out


def _spread(values: list[Fraction], relative: bool) -> Fraction:
    """(max − min)/mean × 100 for a relative quantity, (max − min) in mV for OCV."""
    width = max(values) - min(values)
    if relative:
        return width * 100 * len(values) / sum(values)
    return width * 1000


def _culprit(values: list[Fraction], relative: bool) -> int:
    """The member whose removal leaves the smallest spread (the one to swap out)."""
    best = 0
    best_spread: Fraction | None = None
    for i in range(len(values)):
        rest = values[:i] + values[i + 1 :]
        spread = _spread(rest, relative)
        if best_spread is None or spread < best_spread:
            best, best_spread = i, spread
    return best


def swap(products: Sequence[Sequence[str]], out_unit: str, in_unit: str) -> list[list[str]]:
    """``products`` with ``out_unit`` replaced by ``in_unit`` (swapped if both are placed)."""
    result = []
    for product in products:
        row = []
        for uid in product:
            if uid == out_unit:
                row.append(in_unit)
            elif uid == in_unit:
                row.append(out_unit)
            else:
                row.append(uid)
        result.append(row)
    if not any(out_unit in p for p in products):
        raise KeyError(f"unit {out_unit!r} is in no product")
    return result


def check_edit(spec: ProductSpec, stock: Sequence[Unit], products: Sequence[Sequence[str]]) -> list[str]:
    """Errors of a hand-edited grouping as sentences, each naming the unit at fault."""
    return [v.message for v in check(spec, stock, products)]
