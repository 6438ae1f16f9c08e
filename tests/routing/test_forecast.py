"""Fill forecast: rate, day effects, emptyings and the uncertainty band."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from routing.forecast import (
    DayCalendar,
    DayEffects,
    DayKind,
    FillHistory,
    china_day_calendar,
    fit_day_effects,
    forecast_fill,
    forecast_materials,
)

START = datetime(2025, 3, 3, 8, 0)  # a Monday
PLAIN = DayCalendar()


def steady(rate_per_day: float, days: int, *, noise: float = 0.0, seed: int = 0) -> FillHistory:
    """Readings at 08:00 and 16:00 of a bin filling evenly, emptied when it passes 80 %."""
    rng = random.Random(seed)
    readings, emptied, level, t = [], [], 0.0, START
    while t < START + timedelta(days=days):
        readings.append((t, round(max(0.0, level + rng.gauss(0, noise)), 1)))
        step = timedelta(hours=8 if t.hour == 8 else 16)
        level += rate_per_day * step.total_seconds() / 86_400
        if level > 80:
            emptied.append(t + step / 2)
            level = rate_per_day * step.total_seconds() / 86_400 / 2
        t += step
    return FillHistory(tuple(readings), tuple(emptied))


def test_rate_is_recovered_from_a_steady_bin() -> None:
    """A bin taking 12 points a day forecasts 12 points a day, emptyings left out of the fit."""
    history = steady(12.0, 20)
    now = history.readings[-1][0]
    model = forecast_fill(history, now=now, calendar=PLAIN, effects=DayEffects())
    assert abs(model.rate_pct - 12.0) < 0.01
    assert abs(model.fill_at(now + timedelta(days=2)) - (history.readings[-1][1] + 24.0)) < 0.1


def test_an_unrecorded_drop_counts_as_an_emptying() -> None:
    """A reading 60 points below the one before is an emptying, not a negative rate."""
    history = steady(12.0, 20)
    unrecorded = FillHistory(history.readings)
    model = forecast_fill(unrecorded, now=history.readings[-1][0], calendar=PLAIN, effects=DayEffects())
    assert abs(model.rate_pct - 12.0) < 0.01


def test_an_emptying_after_the_last_reading_starts_from_zero() -> None:
    """A pickup recorded after the last reading makes the bin empty at the pickup."""
    history = steady(12.0, 10)
    last = history.readings[-1][0]
    emptied = FillHistory(history.readings, (*history.emptied, last + timedelta(hours=2)))
    model = forecast_fill(emptied, now=last + timedelta(hours=3), calendar=PLAIN, effects=DayEffects())
    assert model.level_pct == 0.0
    assert abs(model.fill_at(last + timedelta(hours=2, days=1)) - 12.0) < 0.1


def test_weekend_effect_slows_or_speeds_the_forecast() -> None:
    """With a weekend multiplier of 2 a Saturday adds twice a workday's points."""
    history = steady(10.0, 14)
    friday_night = datetime(2025, 3, 14, 23, 59, 59)
    model = forecast_fill(history, now=friday_night, calendar=PLAIN, effects=DayEffects(weekend=2.0))
    saturday = model.rise_pct(datetime(2025, 3, 15), datetime(2025, 3, 16))
    friday = model.rise_pct(datetime(2025, 3, 14), datetime(2025, 3, 15))
    assert abs(saturday - 2 * friday) < 1e-6


def test_day_effects_are_fitted_from_many_outlets() -> None:
    """Outlets that fill 1.5 times as fast at weekends give a weekend multiplier near 1.5."""
    histories = []
    rng = random.Random(3)
    for _ in range(20):
        rate, level, t = rng.uniform(5, 15), 0.0, START
        readings = []
        while t < START + timedelta(days=42):
            readings.append((t, round(level + rng.gauss(0, 0.3), 2)))
            step = timedelta(hours=8 if t.hour == 8 else 16)
            factor = 1.5 if t.weekday() >= 5 and (t + step).weekday() >= 5 else 1.0
            level = (level + rate * factor * step.total_seconds() / 86_400) % 90
            t += step
        histories.append(FillHistory(tuple(readings)))
    effects = fit_day_effects(histories, PLAIN)
    assert 1.3 < effects.weekend < 1.7
    assert effects.holiday == 1.0


def test_band_widens_with_the_horizon_and_the_confidence() -> None:
    """The 90 % quantile lies above the median, and further above it three days out than one."""
    history = steady(12.0, 20, noise=2.0, seed=1)
    now = history.readings[-1][0]
    model = forecast_fill(history, now=now, calendar=PLAIN, effects=DayEffects())
    gap1 = model.rise_pct(now, now + timedelta(days=1), confidence=0.9) - model.rise_pct(
        now, now + timedelta(days=1)
    )
    gap3 = model.rise_pct(now, now + timedelta(days=3), confidence=0.9) - model.rise_pct(
        now, now + timedelta(days=3)
    )
    assert 0 < gap1 < gap3


def test_days_to_full_is_sooner_at_a_higher_confidence() -> None:
    """Days to full: about (100 - level) / rate at the median, fewer at 90 %."""
    history = steady(12.0, 20, noise=2.0, seed=2)
    now = history.readings[-1][0]
    model = forecast_fill(history, now=now, calendar=PLAIN, effects=DayEffects())
    median = model.days_to_full()
    cautious = model.days_to_full(confidence=0.9)
    assert median is not None and cautious is not None
    assert abs(median - (100 - model.level_pct) / model.rate_pct) < 0.5
    assert cautious < median


def test_few_readings_fall_back_to_the_prior_rate() -> None:
    """An outlet with two readings forecasts the prior rate."""
    history = FillHistory(((START, 10.0), (START + timedelta(hours=8), 14.0)))
    model = forecast_fill(
        history, now=START + timedelta(days=1), calendar=PLAIN, effects=DayEffects(), prior_rate_pct=7.0
    )
    assert model.rate_pct == 7.0


def test_china_calendar_knows_the_spring_festival_and_the_bridging_saturday() -> None:
    """2025-01-29 is a holiday and Sunday 2025-01-26 a working day; a plain Saturday is weekend."""
    calendar = china_day_calendar()
    assert calendar.kind(date(2025, 1, 29)) is DayKind.HOLIDAY
    assert calendar.kind(date(2025, 1, 26)) is DayKind.WORKDAY
    assert calendar.kind(date(2025, 3, 8)) is DayKind.WEEKEND


def test_each_material_gets_its_own_rate() -> None:
    """Paper filling 12 points a day and glass 4 are forecast apart from one cabinet's sensor."""
    histories = {"paper": steady(12.0, 20), "glass": steady(4.0, 20)}
    now = histories["paper"].readings[-1][0]
    models = forecast_materials(histories, now=now, calendar=PLAIN, effects=DayEffects())
    assert sorted(models) == ["glass", "paper"]
    assert abs(models["paper"].rate_pct - 12.0) < 0.01 and abs(models["glass"].rate_pct - 4.0) < 0.01


def _end_day_outlets(weekend: float, days: int = 56, start: datetime = START) -> list[FillHistory]:
    """Outlets read at 08:00 and 16:00 whose every step fills at the rate of the day it ends on."""
    histories = []
    rng = random.Random(5)
    for _ in range(30):
        rate, level, t = rng.uniform(8, 20), 0.0, start
        readings = []
        while t < start + timedelta(days=days):
            readings.append((t, round(level + rng.gauss(0, 0.3), 2)))
            step = timedelta(hours=8 if t.hour == 8 else 16)
            factor = weekend if (t + step).weekday() >= 5 else 1.0
            level = (level + rate * factor * step.total_seconds() / 86_400) % 90
            t += step
        histories.append(FillHistory(tuple(readings)))
    return histories


def test_weekend_multiplier_is_recovered_when_steps_fill_at_their_end_days_rate() -> None:
    """Steps filled at the rate of the day they end on (as the demo simulates) give about 1.15."""
    effects = fit_day_effects(_end_day_outlets(1.15), PLAIN)
    assert 1.10 < effects.weekend < 1.20


def test_day_effects_use_only_the_steps_since_the_given_time() -> None:
    """With ``since`` after a weekend-heavy past, only the later weeks set the multiplier."""
    old = _end_day_outlets(2.0, days=28)
    new = _end_day_outlets(1.0, days=28, start=START + timedelta(days=28))
    merged = [FillHistory(a.readings + b.readings) for a, b in zip(old, new, strict=True)]
    effects = fit_day_effects(merged, PLAIN, since=START + timedelta(days=28))
    assert 0.95 < effects.weekend < 1.05
