"""How much a Shenzhen outlet takes in on a given day, relative to an ordinary weekday.

Shenzhen is a city of migrants: around the Spring Festival (春节) about half of its
people go home, and the bins fill at half pace for two weeks; before they leave,
households clear out paper and old clothes. Online shopping festivals (618 and
Double 11) bring a wave of cartons, and summer brings drink bottles.
"""

from __future__ import annotations

from datetime import date

# Lunar New Year's Day (正月初一) by year, from the Chinese calendar.
LUNAR_NEW_YEAR = {
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
    2033: date(2033, 1, 31),
    2034: date(2034, 2, 19),
    2035: date(2035, 2, 8),
}
_PACKAGING = {"paper", "composite_packaging"}
_BOTTLES = {"plastic", "low_value_plastic"}
_CLEAR_OUT = {"paper", "textiles", "waste_wood"}


def festival_offset(day: date) -> int | None:
    """Days from the nearest Lunar New Year's Day (negative before it), if it is in the table."""
    candidates = [LUNAR_NEW_YEAR[y] for y in (day.year - 1, day.year, day.year + 1) if y in LUNAR_NEW_YEAR]
    if not candidates:
        return None
    nearest = min(candidates, key=lambda d: abs((day - d).days))
    return (day - nearest).days


def in_festival(day: date) -> bool:
    """True in the Spring Festival week, when many outlet hosts are away too."""
    offset = festival_offset(day)
    return offset is not None and -2 <= offset <= 6


def demand_factor(day: date, material: str) -> float:
    """Intake of ``material`` on ``day`` relative to an ordinary weekday."""
    factor = 1.15 if day.weekday() >= 5 else 1.0  # people sort at home at the weekend
    factor *= _festival(day, material)
    if (day.month, day.day) >= (10, 1) and (day.month, day.day) <= (10, 7):
        factor *= 0.8  # National Day golden week: many travel
    if material in _PACKAGING and (
        (day.month == 11 and 11 <= day.day <= 25) or (day.month == 6 and 18 <= day.day <= 28)
    ):
        factor *= 1.6  # parcels of Double 11 and 618
    if material in _BOTTLES and 6 <= day.month <= 9:
        factor *= 1.25
    return factor


def _festival(day: date, material: str) -> float:
    offset = festival_offset(day)
    if offset is None or not -21 <= offset <= 20:
        return 1.0
    if offset < -7:
        return 1.4 if material in _CLEAR_OUT else 1.1  # clearing out before going home
    if offset <= 6:
        return 0.45
    return 0.45 + 0.55 * (offset - 6) / 14  # people come back after the Lantern Festival
