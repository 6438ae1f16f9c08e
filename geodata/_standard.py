"""The SB/T 10719-2012 outlet rate: one recycling outlet per 2,000 urban households.

Private module, re-exported by :mod:`geodata.siting`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from geodata.demand import Demand
from geodata.districts import DISTRICTS, district_of

DEFAULT_HOUSEHOLDS_PER_OUTLET = 2000


@dataclass(frozen=True, slots=True)
class OutletRateCheck:
    """Outlets a district has against those the rate asks for (``district="all"``: total)."""

    district: str
    households: int
    outlets: int
    required: int
    households_per_outlet: int

    @property
    def meets(self) -> bool:
        """Whether the district has at least the required number of outlets."""
        return self.outlets >= self.required

    @property
    def households_per_actual_outlet(self) -> float:
        """Households per outlet today (``inf`` with none)."""
        return self.households / self.outlets if self.outlets else math.inf


def check_outlet_rate(
    demand: Demand,
    outlets: Iterable[tuple[float, float]],
    *,
    households_per_outlet: int = DEFAULT_HOUSEHOLDS_PER_OUTLET,
    districts: Sequence[str] | None = None,
) -> tuple[OutletRateCheck, ...]:
    """Check each district against one outlet per ``households_per_outlet`` households.

    Parameters
    ----------
    demand
        Households, with the district of each point (flagged points count too: they are
        households of the district whatever the street network).
    outlets
        ``(lon, lat)`` of the active (or planned) outlets; each counts in its district.
    households_per_outlet
        The rate; SB/T 10719-2012 gives 2,000 for urban areas.
    districts
        District codes to report; defaults to every known district.

    Returns
    -------
    tuple of OutletRateCheck
        One per district, then ``"all"``. ``required`` is households / rate rounded up.
    """
    if households_per_outlet <= 0:
        raise ValueError(f"households_per_outlet must be positive, not {households_per_outlet}")
    codes = list(districts) if districts is not None else [d.code for d in DISTRICTS]
    by_district = demand.households_by_district()
    counts = dict.fromkeys(codes, 0)
    total_outlets = 0
    for lon, lat in outlets:
        total_outlets += 1
        code = district_of(lon, lat)
        if code in counts:
            counts[code] += 1
    rows = [_row(code, by_district.get(code, 0), counts[code], households_per_outlet) for code in codes]
    rows.append(_row("all", demand.total_households, total_outlets, households_per_outlet))
    return tuple(rows)


def _row(code: str, households: int, outlets: int, rate: int) -> OutletRateCheck:
    return OutletRateCheck(code, households, outlets, math.ceil(households / rate), rate)
