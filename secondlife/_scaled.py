"""The engine's integer view of units and limits, so every test is exact.

Capacity is held in mAh, resistance in µΩ, OCV in 0.1 mV; a limit is a fraction
``num / den`` read from its decimal text. A product of k units is within the capacity
limit L % when ``100·k·(max − min)·den ≤ num·Σ`` — the same as (max − min)/mean ≤ L/100
without division.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

from secondlife.model import CAPACITY_DECIMALS, OCV_DECIMALS, RESISTANCE_DECIMALS, ProductSpec, Unit


def _fraction(value: float) -> Fraction:
    return Fraction(repr(value))


@dataclass(frozen=True)
class Limit:
    """A relative limit in percent as an exact fraction."""

    num: int
    den: int

    @classmethod
    def of(cls, percent: float) -> Limit:
        value = _fraction(percent)
        return cls(value.numerator, value.denominator)

    def within(self, size: int, spread: int, total: int) -> bool:
        """Whether (spread / (total / size)) × 100 ≤ limit."""
        return 100 * size * spread * self.den <= self.num * total

    def pair_ok(self, size: int, low: int, high: int) -> bool:
        """Whether two values can share a product of ``size`` at all.

        In any product, max/min ≤ (k + l)/(k − l(k − 1)) with l the limit as a share,
        since the mean is at most (min + (k − 1)·max)/k; a pair further apart never fits.
        """
        slack = 100 * self.den * size - self.num * (size - 1)
        if slack <= 0:
            return True
        return high * slack <= low * (100 * self.den * size + self.num)


@dataclass(frozen=True)
class Scaled:
    """Units (already filtered to the product's chemistry and target) as integers."""

    ids: tuple[str, ...]
    cap: tuple[int, ...]
    res: tuple[int, ...]
    ocv: tuple[int, ...]
    size: int
    cap_limit: Limit
    res_limit: Limit
    ocv_limit: Fraction  # in 0.1 mV

    @classmethod
    def build(cls, units: Sequence[Unit], spec: ProductSpec) -> Scaled:
        return cls(
            ids=tuple(u.unit_id for u in units),
            cap=tuple(round(u.capacity_ah * 10**CAPACITY_DECIMALS) for u in units),
            res=tuple(round(u.dcir_mohm * 10**RESISTANCE_DECIMALS) for u in units),
            ocv=tuple(round(u.ocv_v * 10**OCV_DECIMALS) for u in units),
            size=spec.units_per_product,
            cap_limit=Limit.of(spec.max_capacity_spread_pct),
            res_limit=Limit.of(spec.max_resistance_spread_pct),
            ocv_limit=_fraction(spec.max_ocv_spread_mv) * 10,
        )

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def ocv_reach(self) -> int:
        """The OCV limit rounded down: OCVs are integers, so a range is within the limit iff within this."""
        return math.floor(self.ocv_limit)

    def compatible(self, i: int, j: int) -> bool:
        """Whether units i and j could ever share a product (a necessary condition)."""
        k = self.size
        ci, cj = sorted((self.cap[i], self.cap[j]))
        ri, rj = sorted((self.res[i], self.res[j]))
        return (
            abs(self.ocv[i] - self.ocv[j]) <= self.ocv_reach
            and self.cap_limit.pair_ok(k, ci, cj)
            and self.res_limit.pair_ok(k, ri, rj)
        )

    def feasible(self, group: Sequence[int]) -> bool:
        """Whether ``group`` (indices) respects all three limits; its size is not checked."""
        caps = [self.cap[i] for i in group]
        ress = [self.res[i] for i in group]
        ocvs = [self.ocv[i] for i in group]
        n = len(group)
        return (
            max(ocvs) - min(ocvs) <= self.ocv_reach
            and self.cap_limit.within(n, max(caps) - min(caps), sum(caps))
            and self.res_limit.within(n, max(ress) - min(ress), sum(ress))
        )

    def share(self, group: Sequence[int]) -> Fraction:
        """The group's worst spread as a share of its limit (1 = at the limit)."""
        n = len(group)
        out = Fraction(0)
        for values, limit in ((self.cap, self.cap_limit), (self.res, self.res_limit)):
            picked = [values[i] for i in group]
            spread = Fraction(100 * n * (max(picked) - min(picked)), sum(picked))
            out = max(out, spread / Fraction(limit.num, limit.den))
        ocvs = [self.ocv[i] for i in group]
        return max(out, (max(ocvs) - min(ocvs)) / self.ocv_limit)
