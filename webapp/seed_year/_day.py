"""One simulated day at the outlets: sensor readings and the drivers' pickups in time order.

Sensors read every open bin at 08:00 and 16:00. A truck weighs what a bin holds when
it arrives and empties it, so readings after a pickup drop and the weights are what
the bin took in since its last pickup. A few per cent of stops are skipped with a
reason (more in the Spring Festival week, when hosts are away); a stop whose weight
would overload the truck before its next unloading is skipped as "truck full", so
no truck ever carries more than its capacity. A few records are corrected later
the same day, as drivers do after a typing slip.

At a resident's door (a booking stop) the driver weighs what the resident hands over,
about what was booked; now and then nobody answers and the stop is skipped.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from traceability import CHINA_TZ
from webapp.models import CollectionOutcome
from webapp.seed_year._bins import Bin
from webapp.seed_year._calendar import in_festival
from webapp.seed_year._planning import Visit

READ_AT = (time(8, 0), time(16, 0))
SKIP_SHARE, FESTIVAL_SKIP_SHARE = 0.025, 0.08
CORRECTION_SHARE = 0.004
# Reason code, weight, notes a driver might type (reasons that need one).
SKIPS = [
    ("closed", 30, []),
    ("no_access", 25, ["小区门禁，保安不让进", "道路施工，车辆无法进入", "网点前有车辆占道"]),
    ("empty", 10, []),
    ("contaminated", 15, ["混入厨余垃圾，已拍照告知网点负责人", "混有建筑垃圾，拒收"]),
    ("out_of_time", 12, []),
    ("other", 8, ["网点负责人要求改天收运", "网点正在装修，暂停收运"]),
]
CORRECTIONS = ["小数点录入错误，更正", "称重时误选材料，更正", "漏录一种材料，补录"]
NO_SHOW_SHARE = 0.04
NO_SHOW_NOTES = ["住户不在家，电话未接通", "敲门无人应答，已致电未接"]


@dataclass(frozen=True)
class Door:
    """A booked doorstep pickup as the driver finds it: where, and what was booked (grams)."""

    lon: float
    lat: float
    estimate_g: dict[str, int]


@dataclass(frozen=True)
class Reading:
    """A sensor reading of one bin."""

    outlet_id: int
    code: str
    org_id: int | None
    fill_pct: float
    at: datetime


@dataclass
class Pickup:
    """What the driver recorded at one outlet stop."""

    visit: Visit
    outcome: CollectionOutcome
    arrived_at: datetime
    recorded_at: datetime
    lon: float
    lat: float
    accuracy_m: float
    weights_g: dict[str, int] = field(default_factory=dict)
    skip_reason: str | None = None
    note: str = ""
    # A first record with a slip, corrected by this record later (weights are the truth).
    slip_g: dict[str, int] | None = None
    correction_reason: str = ""
    corrected_at: datetime | None = None
    # The first record's id, once stored (webapp.seed_year._records.write_pickups).
    collection_id: int | None = None


@dataclass
class DayResult:
    """What happened at the outlets in a day."""

    readings: list[Reading] = field(default_factory=list)
    pickups: list[Pickup] = field(default_factory=list)


def run_day(
    day: date,
    bins: list[Bin],
    visits: list[Visit],
    *,
    capacity_g: dict[int, int],
    densities: dict[str, int],
    rng: random.Random,
    until: datetime | None = None,
    doors: Mapping[int, Door] | None = None,
) -> DayResult:
    """Readings and pickups of ``day``, in time order; events after ``until`` are left out.

    ``doors`` are the day's bookings by id, for the routes' booking stops."""
    by_outlet = {b.outlet_id: b for b in bins}
    events: list[tuple[datetime, int, int, Bin | Visit]] = [
        (datetime.combine(day, moment, CHINA_TZ), 0, b.outlet_id, b)
        for moment in READ_AT
        for b in bins
        if b.open_on(day)
    ]
    events += [(v.arrival, 1, v.stop_id, v) for v in visits]
    result, load_g = DayResult(), dict[int, int]()
    for at, _order, _key, item in sorted(events, key=lambda e: e[:3]):
        if until is not None and at > until:
            break
        if isinstance(item, Bin):
            result.readings.append(Reading(item.outlet_id, item.code, item.org_id, item.read(at, rng), at))
        elif item.kind == "booking":
            on_board = load_g.get(item.route_id, 0)
            door = (doors or {})[item.booking_id]  # type: ignore[index]
            pickup = _doorstep(item, door, on_board, capacity_g[item.vehicle_id], rng)
            load_g[item.route_id] = on_board + sum(pickup.weights_g.values())
            result.pickups.append(pickup)
        elif item.kind != "outlet":
            load_g[item.route_id] = 0  # unloaded at a facility
        elif item.outlet_id in by_outlet:  # not: an outlet the simulation does not run
            on_board = load_g.get(item.route_id, 0)
            pickup = _pickup(
                day, item, by_outlet[item.outlet_id], on_board, capacity_g[item.vehicle_id], densities, rng
            )
            load_g[item.route_id] = on_board + sum(pickup.weights_g.values())
            result.pickups.append(pickup)
    return result


def _pickup(
    day: date,
    visit: Visit,
    bin_: Bin,
    on_board_g: int,
    capacity_g: int,
    densities: dict[str, int],
    rng: random.Random,
) -> Pickup:
    weighed_s = rng.randint(90, max(91, int((visit.departure - visit.arrival).total_seconds()) - 30))
    lon, lat, accuracy = _gps(bin_, rng)
    pickup = Pickup(
        visit,
        CollectionOutcome.SKIPPED,
        visit.arrival,
        visit.arrival + timedelta(seconds=weighed_s),
        lon,
        lat,
        accuracy,
    )
    if rng.random() < (FESTIVAL_SKIP_SHARE if in_festival(day) else SKIP_SHARE):
        codes, weights, notes = zip(*SKIPS, strict=True)
        if in_festival(day):  # hosts away for the holiday
            weights = tuple(w * 4 if c == "closed" else w for c, w in zip(codes, weights, strict=True))
        index = rng.choices(range(len(codes)), weights=weights)[0]
        pickup.skip_reason = codes[index]
        pickup.note = rng.choice(notes[index]) if notes[index] else ""
        return pickup
    weights_g = bin_.weigh(visit.arrival, densities, rng)
    if not weights_g:
        pickup.skip_reason = "empty"
        return pickup
    if on_board_g + sum(weights_g.values()) > capacity_g:
        pickup.skip_reason = "truck_full"
        return pickup
    bin_.empty()
    pickup.outcome, pickup.weights_g = CollectionOutcome.COLLECTED, weights_g
    if rng.random() < CORRECTION_SHARE:
        _slip(pickup, capacity_g, rng)
    return pickup


def _doorstep(visit: Visit, door: Door, on_board_g: int, capacity_g: int, rng: random.Random) -> Pickup:
    """What the driver records at a resident's door: about what was booked, to 0.1 kg as the app takes it."""
    weighed_s = rng.randint(90, max(91, int((visit.departure - visit.arrival).total_seconds()) - 30))
    lon, lat, accuracy = _gps(door, rng)
    pickup = Pickup(
        visit,
        CollectionOutcome.SKIPPED,
        visit.arrival,
        visit.arrival + timedelta(seconds=weighed_s),
        lon,
        lat,
        accuracy,
    )
    if rng.random() < NO_SHOW_SHARE:
        pickup.skip_reason, pickup.note = "other", rng.choice(NO_SHOW_NOTES)
        return pickup
    weights_g = {
        code: max(100, 100 * round(grams * rng.uniform(0.6, 1.4) / 100))
        for code, grams in sorted(door.estimate_g.items())
    }
    if on_board_g + sum(weights_g.values()) > capacity_g:
        pickup.skip_reason = "truck_full"
        return pickup
    pickup.outcome, pickup.weights_g = CollectionOutcome.COLLECTED, weights_g
    return pickup


def _slip(pickup: Pickup, capacity_g: int, rng: random.Random) -> None:
    """A first record with one typing slip; ``pickup.weights_g`` stays the corrected truth.

    The slip is one the app accepts (a decimal point off, two materials swapped, one
    left out); a decimal slip the truck could not carry would be refused, so it is not made.
    """
    slip = dict(pickup.weights_g)
    code = rng.choice(sorted(slip))
    others = sorted(set(slip) - {code})
    reason = rng.choice(CORRECTIONS)
    if reason == CORRECTIONS[0] and sum(slip.values()) + 9 * slip[code] <= capacity_g:
        slip[code] *= 10
    elif others and reason != CORRECTIONS[2]:
        other = rng.choice(others)
        slip[code], slip[other] = slip[other], slip[code]
        reason = CORRECTIONS[1]
    elif others:
        del slip[code]
        reason = CORRECTIONS[2]
    if slip == pickup.weights_g:  # e.g. two materials of equal weight swapped
        return
    pickup.slip_g, pickup.correction_reason = slip, reason
    pickup.corrected_at = pickup.recorded_at + timedelta(minutes=rng.randint(3, 40))


def _gps(bin_: Bin | Door, rng: random.Random) -> tuple[float, float, float]:
    """The phone's position near the outlet: a few metres off, as GPS among tall buildings is."""
    accuracy = round(rng.uniform(4, 25), 1)
    east, north = rng.gauss(0, accuracy / 2), rng.gauss(0, accuracy / 2)
    lat = bin_.lat + north / 111_320
    lon = bin_.lon + east / (111_320 * math.cos(math.radians(bin_.lat)))
    return round(lon, 7), round(lat, 7), accuracy
