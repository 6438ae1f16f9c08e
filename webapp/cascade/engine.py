"""Between the workshop's rows and the pure regrouping engine (:mod:`secondlife`).

:func:`propose` maps a spec and the graded stock to the engine's inputs and its
answer back to unit codes; :func:`group_problems` checks one group against a spec
(used after a hand swap and again on confirmation) and names the unit at fault.
Spread of a quantity = (max − min) / mean × 100 %; OCV: max − min in mV. Exact
arithmetic on the stored integers (mAh, µΩ, mV), so a 3.000 % spread meets a 3 % limit.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _

from webapp.cascade.stock import StockUnit
from webapp.models.cascade import ProductSpec


@dataclass(frozen=True)
class Proposal:
    """Groups of unit codes, leftovers ``(code, reason)``, engine status and time."""

    groups: list[list[str]]
    leftover: list[tuple[str, str]]
    status: str
    seconds: float


@dataclass(frozen=True)
class Spreads:
    """Spreads within one group: capacity and resistance in basis points, OCV in mV."""

    capacity_bp: int
    resistance_bp: int
    ocv_mv: int

    @property
    def capacity_pct(self) -> float:
        return self.capacity_bp / 100

    @property
    def resistance_pct(self) -> float:
        return self.resistance_bp / 100


def engine_spec(spec: ProductSpec) -> Any:
    """The engine's spec for a spec row."""
    from secondlife.model import make_spec

    return make_spec(
        {
            "chemistry": spec.chemistry,
            "units_per_product": spec.units_per_product,
            "series_count": spec.series_count,
            "parallel_count": spec.parallel_count,
            "max_capacity_spread_pct": spec.max_capacity_spread_bp / 100,
            "max_resistance_spread_pct": spec.max_resistance_spread_bp / 100,
            "max_ocv_spread_mv": spec.max_ocv_spread_mv,
            "target_capacity_ah": (spec.target_capacity_mah / 1000) or None,
        }
    )


def engine_units(stock: Sequence[StockUnit]) -> list[Any]:
    """The engine's units for tested stock units."""
    from secondlife.model import make_unit

    return [
        make_unit(
            u.code,
            u.chemistry,
            (u.capacity_mah or 0) / 1000,
            (u.dcir_uohm or 0) / 1000,
            (u.ocv_mv or 0) / 1000,
            None if u.soh_permille is None else (u.soh_permille / 10 or None),
        )
        for u in stock
        if u.tested and (u.capacity_mah or 0) > 0 and (u.dcir_uohm or 0) > 0
    ]


def propose(
    spec: ProductSpec, stock: Sequence[StockUnit], *, time_limit_s: float = 10.0, deterministic: bool = False
) -> Proposal:
    """Run the engine on ``stock``; fall back to sort-and-slide when it is not installed.

    With ``deterministic`` the same stock always gives the same proposal (see
    :func:`secondlife.regroup`).
    """
    started = time.perf_counter()
    try:
        from secondlife import regroup
    except ImportError:  # the engine not installed: the baseline below
        regroup = None  # type: ignore[assignment]
    if regroup is not None:
        result = regroup(
            engine_units(stock), engine_spec(spec), time_limit_s=time_limit_s, deterministic=deterministic
        )
        leftover = [(item.unit_id, str(item.reason)) for item in result.leftover]
        return Proposal(
            [list(p) for p in result.products], leftover, str(result.status), result.solve_seconds
        )
    groups, leftover = _sort_and_slide(spec, stock)
    return Proposal(groups, leftover, "feasible", time.perf_counter() - started)


def _sort_and_slide(
    spec: ProductSpec, stock: Sequence[StockUnit]
) -> tuple[list[list[str]], list[tuple[str, str]]]:
    """Units sorted by capacity; a window of one product's size is taken when it meets every limit."""
    size, minimum = spec.units_per_product, spec.target_capacity_mah / spec.parallel_count
    usable = sorted(
        (u for u in stock if u.chemistry == spec.chemistry and (u.capacity_mah or 0) >= minimum),
        key=lambda u: (u.capacity_mah or 0, u.dcir_uohm or 0, u.code),
    )
    leftover = [
        (u.code, "chemistry" if u.chemistry != spec.chemistry else "below_target")
        for u in stock
        if u.chemistry != spec.chemistry or (u.capacity_mah or 0) < minimum
    ]
    groups: list[list[str]] = []
    start = 0
    while start + size <= len(usable):
        window = usable[start : start + size]
        if not group_problems(spec, window):
            groups.append([u.code for u in window])
            start += size
        else:
            leftover.append((usable[start].code, "capacity"))
            start += 1
    leftover += [(u.code, "not_enough") for u in usable[start:]]
    return groups, leftover


def spreads(units: Sequence[StockUnit]) -> Spreads:
    """Spreads of a group's capacity, resistance (basis points, rounded up) and OCV (mV)."""
    return Spreads(
        _spread_bp([u.capacity_mah or 0 for u in units]),
        _spread_bp([u.dcir_uohm or 0 for u in units]),
        max(u.ocv_mv or 0 for u in units) - min(u.ocv_mv or 0 for u in units) if units else 0,
    )


def _spread(values: Sequence[int]) -> Fraction:
    if not values or sum(values) == 0:
        return Fraction(0)
    return Fraction(max(values) - min(values)) * len(values) * 100 / sum(values)


def _spread_bp(values: Sequence[int]) -> int:
    exact = _spread(values) * 100
    return -(-exact.numerator // exact.denominator)


def group_problems(spec: ProductSpec, units: Sequence[StockUnit]) -> list[str]:
    """Every way a group breaks the spec's size or spread limits, naming the unit at fault."""
    problems = []
    if len(units) != spec.units_per_product:
        problems.append(
            _("the product needs %(n)s units, the group has %(m)s", n=spec.units_per_product, m=len(units))
        )
    minimum = Fraction(spec.target_capacity_mah, spec.parallel_count)
    for unit in units:
        if (unit.capacity_mah or 0) < minimum:
            problems.append(
                _(
                    "%(code)s: capacity %(cap)s Ah is below the %(need)s Ah the rated capacity needs",
                    code=unit.code,
                    cap=(unit.capacity_mah or 0) / 1000,
                    need=float(minimum) / 1000,
                )
            )
    if len(units) < 2:
        return problems
    limits = (
        ("capacity_mah", Fraction(spec.max_capacity_spread_bp, 100), _("capacity")),
        ("dcir_uohm", Fraction(spec.max_resistance_spread_bp, 100), _("internal resistance")),
    )
    for name, limit, label in limits:
        values = [getattr(u, name) or 0 for u in units]
        spread = _spread(values)
        if spread > limit:
            problems.append(
                _(
                    "%(code)s: %(quantity)s spread %(spread).2f %% is over the limit %(limit).2f %%",
                    code=_outlier(units, name),
                    quantity=label,
                    spread=float(spread),
                    limit=float(limit),
                )
            )
    ocv = [u.ocv_mv or 0 for u in units]
    if max(ocv) - min(ocv) > spec.max_ocv_spread_mv:
        problems.append(
            _(
                "%(code)s: OCV spread %(spread)s mV is over the limit %(limit)s mV",
                code=_outlier(units, "ocv_mv"),
                spread=max(ocv) - min(ocv),
                limit=spec.max_ocv_spread_mv,
            )
        )
    return problems


def _outlier(units: Sequence[StockUnit], name: str) -> str:
    """The unit whose value lies farthest from the group's median."""
    values = sorted(getattr(u, name) or 0 for u in units)
    median = values[len(values) // 2]
    return max(units, key=lambda u: (abs((getattr(u, name) or 0) - median), u.code)).code
