"""Fill forecast of one outlet from its readings: how full on day d, and when full.

Model
-----
Between two emptyings a bin fills at a rate that depends on the kind of day: an
ordinary workday, a weekend day or a public holiday (mainland China's calendar, with
its adjusted working weekends). The day-kind multipliers are shared by the city's
outlets and fitted once over all of them (:func:`fit_day_effects`); each outlet's own
workday rate is a weighted least-squares fit of its fill increments on the
effective days they span (:func:`forecast_fill`), recent weeks weighing more.

statsmodels does the fitting: its WLS gives the rate *and* its standard error and the
residual scale, which is what an uncertainty band needs (scikit-learn's regressors
give point estimates only). The band of the fill ``h`` effective days ahead has
variance ``h² var(rate) + h scale``: the rate's uncertainty grows with the horizon
squared, day-to-day intake noise with the horizon.

Emptyings are the recorded pickups plus any drop of more than ``drop_pct`` points
between two readings (a pickup nobody recorded). Increments that span an emptying,
or end at a full bin (it stops taking anything in), are not fitted.

Times are in the outlets' local time (aware or naive, but one kind throughout).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

import numpy as np
import statsmodels.api as sm
from scipy.stats import norm

__all__ = [
    "DayCalendar",
    "DayEffects",
    "DayKind",
    "FillForecast",
    "FillHistory",
    "china_day_calendar",
    "fit_day_effects",
    "forecast_fill",
]

FULL_PCT = 98.0
"""A reading at or over this is a full bin: it has stopped taking things in."""


class DayKind(StrEnum):
    """How people bring recyclables on a day."""

    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"


@dataclass(frozen=True)
class DayCalendar:
    """Public holidays and the weekend days made working days to bridge them."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def kind(self, day: date) -> DayKind:
        """The kind of ``day``."""
        if day in self.holidays:
            return DayKind.HOLIDAY
        if day.weekday() >= 5 and day not in self.workdays:
            return DayKind.WEEKEND
        return DayKind.WORKDAY


def china_day_calendar() -> DayCalendar:
    """Mainland China's calendar from the ``chinesecalendar`` package (State Council notices)."""
    from chinese_calendar import constants

    return DayCalendar(frozenset(constants.holidays), frozenset(constants.workdays))


@dataclass(frozen=True)
class DayEffects:
    """Intake of a weekend day and of a holiday relative to an ordinary workday."""

    weekend: float = 1.0
    holiday: float = 1.0

    def factor(self, kind: DayKind) -> float:
        """Multiplier of a day of this kind."""
        return {DayKind.WORKDAY: 1.0, DayKind.WEEKEND: self.weekend, DayKind.HOLIDAY: self.holiday}[kind]


@dataclass(frozen=True)
class FillHistory:
    """One outlet's readings ``(time, fill %)`` and its recorded emptyings (pickups)."""

    readings: tuple[tuple[datetime, float], ...]
    emptied: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class _Step:
    start: datetime
    end: datetime
    rise_pct: float


def _clean_steps(history: FillHistory, drop_pct: float) -> Iterator[_Step]:
    """Consecutive reading pairs with no emptying between them and a bin not yet full."""
    readings = sorted(history.readings)
    emptied = sorted(history.emptied)
    for (t0, f0), (t1, f1) in zip(readings, readings[1:], strict=False):
        if t1 <= t0 or f1 < f0 - drop_pct or f1 >= FULL_PCT:
            continue
        if any(t0 < e <= t1 for e in emptied):
            continue
        yield _Step(t0, t1, f1 - f0)


def _day_shares(start: datetime, end: datetime, calendar: DayCalendar) -> dict[DayKind, float]:
    """Days of each kind lying between ``start`` and ``end``."""
    shares = dict.fromkeys(DayKind, 0.0)
    t = start
    while t < end:
        midnight = datetime.combine(t.date() + timedelta(days=1), time(0), t.tzinfo)
        upto = min(end, midnight)
        shares[calendar.kind(t.date())] += (upto - t).total_seconds() / 86_400
        t = upto
    return shares


def _effective_days(start: datetime, end: datetime, calendar: DayCalendar, effects: DayEffects) -> float:
    return sum(days * effects.factor(kind) for kind, days in _day_shares(start, end, calendar).items())


def fit_day_effects(
    histories: Sequence[FillHistory],
    calendar: DayCalendar,
    *,
    since: datetime | None = None,
    drop_pct: float = 10.0,
) -> DayEffects:
    """Weekend and holiday multipliers pooled over many outlets.

    Each increment's rate is divided by its outlet's mean rate, then regressed (WLS,
    weighted by the increment's length) on the shares of weekend and holiday time it
    spans; the multipliers are the fitted rates of a pure weekend or holiday day over a
    pure workday. A kind of day the data never shows keeps multiplier 1.
    """
    rows: list[tuple[float, float, float, float]] = []
    for history in histories:
        steps = list(_clean_steps(history, drop_pct))
        spans = [(s.end - s.start).total_seconds() / 86_400 for s in steps]
        total = sum(spans)
        mean_rate = sum(s.rise_pct for s in steps) / total if total else 0.0
        if len(steps) < 4 or mean_rate <= 0:
            continue
        for step, span in zip(steps, spans, strict=True):
            shares = _day_shares(step.start, step.end, calendar)
            rows.append(
                (
                    step.rise_pct / span / mean_rate,
                    shares[DayKind.WEEKEND] / span,
                    shares[DayKind.HOLIDAY] / span,
                    span,
                )
            )
    if len(rows) < 10:
        return DayEffects()
    data = np.array(rows)
    present = [c for c in (1, 2) if data[:, c].max() > 0]
    exog = sm.add_constant(data[:, present], has_constant="add")
    params = sm.WLS(data[:, 0], exog, weights=data[:, 3]).fit().params
    base = float(params[0])
    if base <= 0:
        return DayEffects()
    multipliers = {c: max(0.05, (base + float(p)) / base) for c, p in zip(present, params[1:], strict=True)}
    return DayEffects(weekend=multipliers.get(1, 1.0), holiday=multipliers.get(2, 1.0))


@dataclass(frozen=True)
class FillForecast:
    """What an outlet's fill is expected to be from ``origin`` on, with a band.

    ``level_pct`` is the fill at ``origin``; the bin takes ``rate_pct`` points per
    ordinary workday (times the day's multiplier), known to variance ``rate_var``, with
    intake noise of variance ``scale`` per effective day.
    """

    origin: datetime
    level_pct: float
    rate_pct: float
    rate_var: float
    scale: float
    calendar: DayCalendar
    effects: DayEffects

    def rise_pct(self, start: datetime, end: datetime, *, confidence: float = 0.5) -> float:
        """Points taken in between ``start`` and ``end`` (unbounded by the bin) at a quantile."""
        if end <= start:
            return 0.0
        days = _effective_days(start, end, self.calendar, self.effects)
        sd = math.sqrt(days * days * self.rate_var + days * self.scale)
        return max(0.0, self.rate_pct * days + float(norm.ppf(confidence)) * sd)

    def fill_at(self, when: datetime, *, confidence: float = 0.5) -> float:
        """Fill % at ``when`` if nobody empties the bin: the ``confidence`` quantile, 0..100.

        ``confidence=0.9`` is the cautious figure: nine times in ten the bin is no fuller.
        """
        return min(100.0, self.level_pct + self.rise_pct(self.origin, when, confidence=confidence))

    def days_to_full(
        self, *, full_pct: float = 100.0, confidence: float = 0.5, max_days: int = 60
    ) -> float | None:
        """Days from ``origin`` until the fill's quantile reaches ``full_pct``; None past ``max_days``."""
        if self.level_pct >= full_pct:
            return 0.0
        low, high = 0.0, float(max_days)
        if self._fill_after(high, confidence) < full_pct:
            return None
        for _ in range(40):  # bisection to well under a minute
            mid = (low + high) / 2
            low, high = (mid, high) if self._fill_after(mid, confidence) < full_pct else (low, mid)
        return round(high, 3)

    def _fill_after(self, days: float, confidence: float) -> float:
        return self.level_pct + self.rise_pct(
            self.origin, self.origin + timedelta(days=days), confidence=confidence
        )


def forecast_fill(
    history: FillHistory,
    *,
    now: datetime,
    calendar: DayCalendar,
    effects: DayEffects,
    window_days: int = 21,
    half_life_days: float = 7.0,
    drop_pct: float = 10.0,
    prior_rate_pct: float = 10.0,
) -> FillForecast:
    """Forecast one outlet from the readings up to ``now``.

    Increments of the last ``window_days`` are fitted, each weighted by
    ``0.5 ** (age / half_life_days)`` over its effective length (a longer increment
    carries more noise). With fewer than three increments the rate is
    ``prior_rate_pct`` with a wide band.
    """
    history = FillHistory(
        tuple(r for r in history.readings if r[0] <= now), tuple(e for e in history.emptied if e <= now)
    )
    steps = [s for s in _clean_steps(history, drop_pct) if (now - s.end).days < window_days]
    level, origin = _level(history, now)
    if len(steps) < 3:
        return FillForecast(origin, level, prior_rate_pct, (prior_rate_pct / 2) ** 2, 25.0, calendar, effects)
    exposure = np.array([_effective_days(s.start, s.end, calendar, effects) for s in steps])
    rise = np.array([s.rise_pct for s in steps])
    age = np.array([(now - s.end).total_seconds() / 86_400 for s in steps])
    weights = 0.5 ** (age / half_life_days) / np.maximum(exposure, 1e-3)
    fit = sm.WLS(rise, exposure[:, None], weights=weights).fit()
    rate = max(0.0, float(fit.params[0]))
    return FillForecast(origin, level, rate, float(fit.bse[0]) ** 2, float(fit.scale), calendar, effects)


def _level(history: FillHistory, now: datetime) -> tuple[float, datetime]:
    """The last known fill and when it was known: an emptying after the last reading counts as 0."""
    if not history.readings:
        return 0.0, now
    at, fill = max(history.readings)
    last_emptied = max(history.emptied, default=None)
    if last_emptied is not None and last_emptied > at:
        return 0.0, last_emptied
    return fill, at
