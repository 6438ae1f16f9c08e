"""Outlet bins that fill with each material at their own pace and are emptied by pickups.

A bin holds litres per material. Between two moments it takes in its daily rate
times the day's demand factor (:mod:`._calendar`); a full bin takes nothing more
(residents leave the rest beside it or keep it). The sensor reads the fill with a
little noise; a pickup weighs what the bin holds at the truck's arrival.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache

from traceability import CHINA_TZ
from webapp.models import Outlet, OutletKind
from webapp.seed_year._calendar import demand_factor

# Share of a bin's volume each material takes, renormalised over what the outlet accepts:
# cartons and paper fill most of a residential bin, metal little of its volume.
VOLUME_SHARE = {
    "paper": 0.38,
    "plastic": 0.16,
    "low_value_plastic": 0.12,
    "composite_packaging": 0.10,
    "glass": 0.08,
    "textiles": 0.08,
    "waste_wood": 0.06,
    "metal": 0.05,
    "battery": 0.03,
}
# Share of its volume a bin takes in on an ordinary day, by kind of outlet.
DAILY_FILL = {
    OutletKind.KIOSK: (0.10, 0.26),
    OutletKind.SMART_BIN: (0.08, 0.22),
    OutletKind.CO_BUILT: (0.06, 0.18),
    OutletKind.BATTERY_POINT: (0.02, 0.05),
}
SENSOR_NOISE_PCT = 1.5


@lru_cache(maxsize=8192)
def _factor(day: date, material: str) -> float:
    return demand_factor(day, material)


@dataclass
class Bin:
    """One outlet's bin through the simulated days."""

    outlet_id: int
    code: str
    org_id: int | None
    lon: float
    lat: float
    capacity_l: int
    opened: date | None
    closed: date | None
    rate_l: dict[str, float]
    litres: dict[str, float] = field(default_factory=dict)
    since: datetime | None = None
    last_reading: tuple[float, datetime] | None = None

    def open_on(self, day: date) -> bool:
        """True when the outlet receives people on ``day``."""
        return self.opened is not None and self.opened <= day and (self.closed is None or day < self.closed)

    def advance(self, to: datetime) -> None:
        """Take in what people bring until ``to``."""
        if self.since is None:  # opened today: starts empty at midnight
            self.since = datetime.combine(to.date(), time(0), CHINA_TZ)
            self.litres = dict.fromkeys(self.rate_l, 0.0)
        elapsed = (to - self.since).total_seconds() / 86_400
        if elapsed <= 0:
            return
        day = to.astimezone(CHINA_TZ).date()
        for code, rate in self.rate_l.items():
            self.litres[code] += rate * _factor(day, code) * elapsed
        total = sum(self.litres.values())
        if total > self.capacity_l:
            scale = self.capacity_l / total
            self.litres = {code: litres * scale for code, litres in self.litres.items()}
        self.since = to

    @property
    def fill_pct(self) -> float:
        return 100.0 * sum(self.litres.values()) / self.capacity_l

    def read(self, at: datetime, rng: random.Random) -> float:
        """The sensor's reading at ``at`` (the bin advanced to it first)."""
        self.advance(at)
        pct = round(min(100.0, max(0.0, self.fill_pct + rng.gauss(0, SENSOR_NOISE_PCT))), 1)
        self.last_reading = (pct, at)
        return pct

    def weigh(self, at: datetime, densities: dict[str, int], rng: random.Random) -> dict[str, int]:
        """Grams per material in the bin at ``at``, as a platform scale shows them (0.1 kg)."""
        self.advance(at)
        found = {}
        for code, litres in self.litres.items():
            kg = litres / 1000 * densities[code] * rng.uniform(0.85, 1.15)  # bulk density varies
            grams = round(kg * 10) * 100
            if grams > 0:
                found[code] = grams
        return found

    def empty(self) -> None:
        """The driver takes everything."""
        self.litres = dict.fromkeys(self.litres, 0.0)


def make_bins(
    outlets: Sequence[Outlet],
    accepted: dict[int, list[str]],
    lives: dict[int, tuple[date | None, date | None]],
    *,
    start: date,
    rng: random.Random,
) -> list[Bin]:
    """A bin per outlet open at some time from ``start`` on, part-full on day one.

    ``lives`` gives each outlet's opening and closing day (``None``: not yet / not).
    """
    bins = []
    for outlet in outlets:
        opened, closed = lives[outlet.id]  # type: ignore[index]
        codes = [c for c in accepted.get(outlet.id, []) if c in VOLUME_SHARE]  # type: ignore[arg-type]
        if opened is None or not codes or (closed is not None and closed <= start):
            continue
        low, high = DAILY_FILL[outlet.kind]
        daily_l = outlet.capacity_l * rng.uniform(low, high)
        weights = {c: VOLUME_SHARE[c] for c in codes}
        rate = {c: daily_l * w / sum(weights.values()) for c, w in weights.items()}
        bin_ = Bin(
            outlet.id,
            outlet.code,
            outlet.org_id,
            outlet.lon,
            outlet.lat,  # type: ignore[arg-type]
            outlet.capacity_l,
            opened,
            closed,
            rate,
        )
        if opened <= start:
            days_worth = min(rng.uniform(0, 4), 0.75 * outlet.capacity_l / daily_l)
            bin_.litres = {c: r * days_worth for c, r in rate.items()}
            bin_.since = datetime.combine(start, time(0), CHINA_TZ)
        bins.append(bin_)
    return bins
