"""A week of collection on the bundled network: ReLoop's multi-day plan beside two peers.

Each size: N outlets sampled on the extract's streets (as benchmarks/shenzhen_days.py
places them), two depots that are also the unloading sites, trucks of 3 t / 10 m³
with a lunch break, 40 yuan an hour of labour. Every outlet has a bin (660-2,400 L,
60-150 kg/m³) that takes in a share of its volume per ordinary day drawn from the
demo's history (webapp.seed_year: DAILY_FILL by kind of outlet, times the demo's
demand factor of each date), and starts the week 0-90 % full.

The planners see a forecast, not the truth: each outlet's rate is the true one times
(1 + e), e ~ N(0, 0.15) (about the relative error of routing.forecast one to three
days ahead on the demo's year), with a band at the chosen confidence. Every morning
each planner reads the true fill of that morning (as the sensors report it) and
drives that day only; outlets are simulated with the TRUE fill: an outlet overflows
when its true fill passes 100 % before a visit (at the day's visit time, or on the
morning after the horizon).

  * reloopNN — routing.plan_morning each morning over the days left (the product's
             rolling horizon): a last-safe-day week with short solves sets the price
             of a kilogram, then a week with filled trucks, day 0 given most seconds;
             NN is the confidence of the forecast band it keeps outlets under;
  * daily  — today's product: each morning the outlets at or over 75 % are planned
             with routing.solve, nothing else;
  * ortools — OR-Tools alone each morning on one multi-day model of the days left:
             day-copies of the trucks (each shift on its own day) and each outlet a
             stop whose window runs from today to its last safe day (a second copy
             when it must be emptied twice), optional with a prize when it is not due
             within the horizon; day 0's routes are driven. It sees the first
             confidence's band.

Cost per tonne is the week's cost (fixed + per-km + labour) over the TRUE tonnes
collected. ``--time-limit-s`` is per day-equivalent: each method gets it once per day
driven (ReLoop's morning plan by the wall clock, OR-Tools as its solve limit, the
daily planner as its day's limit). "left %" is the mean true fill on the morning
after the week: what the next week starts from. "t/truck-day" is the true tonnes over the
truck-days, "fill %" the mean true fill of the outlets when they were emptied: the two
figures a week's cost per tonne follows (a truck-day's fixed cost is the same full or not;
an emptier bin is a visit's service time for less weight).

    python benchmarks/week.py [--sizes 200 400] [--days 5] [--time-limit-s 30]
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from scipy.stats import norm
from shenzhen_days import build_day

import routing
from routing.week import OutletOutlook, WeekPlan, WeekProblem, plan_morning, plan_visits
from routing.week_check import check_week
from webapp.models import OutletKind
from webapp.seed_year._bins import DAILY_FILL
from webapp.seed_year._calendar import demand_factor

DAY_S = 86_400
LABOUR_FEN_PER_HOUR = 4_000
DUE_PCT = 75.0
RATE_ERROR = 0.15


@dataclass(frozen=True)
class Bin:
    """One outlet's truth: full-bin stop, start level and true points per day."""

    stop: routing.Stop
    level: float
    true_daily: tuple[float, ...]
    est_daily: tuple[float, ...]


def build(n: int, days: int, start: date, seed: int) -> tuple[routing.CollectionProblem, list[Bin]]:
    """The network without stops, and ``n`` outlets with their true and forecast fill."""
    rng = random.Random(seed)
    # shenzhen_days' day on the same points, trucks and sites; its stops are replaced below.
    base = replace(build_day(n, seed=seed), stops=())
    sites = len(base.facilities)
    kinds = [OutletKind.KIOSK, OutletKind.SMART_BIN, OutletKind.CO_BUILT]
    bins = []
    for i in range(len(base.locations) - sites):
        litres = rng.choice([660, 1000, 1200, 2400])
        kg = round(litres / 1000 * rng.choice([60, 90, 120, 150]), 1)
        stop = routing.Stop(
            f"o{i}",
            sites + i,
            (routing.Load("mixed", kg=kg, m3=litres / 1000),),
            routing.TimeWindow(7 * 3600, 19 * 3600),
            service_base_s=300,
            service_s_per_kg=0.6,
        )
        low, high = DAILY_FILL[rng.choice(kinds)]
        pace = 100 * rng.uniform(low, high)
        true = tuple(pace * demand_factor(start + timedelta(days=d), "paper") for d in range(days))
        error = 1 + rng.gauss(0, RATE_ERROR)
        bins.append(Bin(stop, rng.uniform(0, 90), true, tuple(max(0.0, r * error) for r in true)))
    return base, bins


def cumulative(level: float, daily: tuple[float, ...], days: int, *, band: float = 0.0) -> tuple[float, ...]:
    """Fill at each day's visit (midday) and on the morning after, not emptied."""
    out = []
    for d in range(days + 1):
        rise = sum(daily[:d]) + (0.5 * daily[d] if d < days else 0.0)
        out.append(level + rise + band * math.sqrt((RATE_ERROR * rise) ** 2 + 1.5**2))
    return tuple(out)


def outlook(bins: list[Bin], days: int, confidence: float) -> tuple[OutletOutlook, ...]:
    """What the planners see: the forecast fill at the chosen confidence."""
    z = float(norm.ppf(confidence))
    return tuple(OutletOutlook(b.stop, cumulative(b.level, b.est_daily, days, band=z)) for b in bins)


@dataclass(frozen=True)
class Outcome:
    """A week as it really went."""

    cost_fen: int
    km: float
    tonnes: float
    overflowing: int
    truck_days: int
    max_trucks: int
    wall_s: float
    left_pct: float
    fill_pct: float

    @property
    def per_tonne(self) -> float:
        return self.cost_fen / 100 / self.tonnes if self.tonnes else float("inf")

    @property
    def per_truck_day(self) -> float:
        """True tonnes collected per truck-day: what a day's fixed cost and a shift are spread over."""
        return self.tonnes / self.truck_days if self.truck_days else 0.0


def simulate(bins: list[Bin], visits: list[set[str]], days: int) -> tuple[float, int, float, float]:
    """True tonnes collected, outlets overflowing, the mean fill left on the morning
    after and the mean true fill at a visit, given who was visited on which day."""
    tonnes, over, left = 0.0, 0, 0.0
    at_visits: list[float] = []
    for b in bins:
        true = cumulative(b.level, b.true_daily, days)
        last: float = 0.0
        spilled = False
        for d in range(days + 1):
            fill = true[d] - last
            spilled = spilled or fill > 100.0
            if d < days and b.stop.id in visits[d]:
                tonnes += min(fill, 100.0) / 100 * b.stop.loads[0].kg / 1000
                at_visits.append(min(fill, 100.0))
                last = true[d]
        over += spilled
        left += min(true[days] - last, 100.0)
    return tonnes, over, left / len(bins), sum(at_visits) / len(at_visits) if at_visits else 0.0


def outcome(
    bins: list[Bin], visits: list[set[str]], days: int, cost: int, km: float, routes: list[int], wall: float
) -> Outcome:
    tonnes, over, left, fill = simulate(bins, visits, days)
    return Outcome(cost, km, tonnes, over, sum(routes), max(routes), wall, left, fill)


def from_week(bins: list[Bin], plan: WeekPlan, days: int, wall: float) -> Outcome:
    visits = [set(d.fill_at_visit) for d in plan.days]
    return outcome(bins, visits, days, plan.cost_fen, plan.km, [len(d.plan.routes) for d in plan.days], wall)


def morning_levels(bins: list[Bin], visits: list[set[str]]) -> dict[str, float]:
    """True fill of each outlet on the morning after the days of ``visits`` (emptied at midday)."""
    day = len(visits)
    levels = {}
    for b in bins:
        fill = b.level + sum(b.true_daily[:day])
        last = max((d for d in range(day) if b.stop.id in visits[d]), default=None)
        if last is not None:
            fill -= b.level + sum(b.true_daily[:last]) + 0.5 * b.true_daily[last]
        levels[b.stop.id] = fill
    return levels


def morning_week(
    base: routing.CollectionProblem, bins: list[Bin], visits: list[set[str]], days: int, confidence: float
) -> WeekProblem:
    """What a planner sees on the morning after ``visits``: each outlet's true fill
    (read, as the daily planner reads it) and the forecast rates onward, at ``confidence``."""
    day, z = len(visits), float(norm.ppf(confidence))
    levels = morning_levels(bins, visits)
    outlets = tuple(
        OutletOutlook(b.stop, cumulative(levels[b.stop.id], b.est_daily[day:], days - day, band=z))
        for b in bins
    )
    return WeekProblem(base, outlets, days=days - day, labour_fen_per_hour=LABOUR_FEN_PER_HOUR)


@dataclass(frozen=True)
class Driven:
    """One day as driven: who was visited, what it cost, the routes that went out."""

    visits: set[str]
    cost_fen: int
    km: float
    routes: int


def rolling(
    base: routing.CollectionProblem,
    bins: list[Bin],
    days: int,
    confidence: float,
    morning: Callable[[WeekProblem], Driven],
) -> Outcome:
    """Each morning the rest of the horizon is planned and only that day is driven."""
    started = time.perf_counter()
    driven: list[Driven] = []
    for _day in range(days):
        driven.append(morning(morning_week(base, bins, [d.visits for d in driven], days, confidence)))
    visits = [d.visits for d in driven]
    cost, km = sum(d.cost_fen for d in driven), sum(d.km for d in driven)
    wall = time.perf_counter() - started
    return outcome(bins, visits, days, cost, km, [d.routes for d in driven], wall)


def reloop_morning(seconds: float, seed: int, violations: list[int]) -> Callable[[WeekProblem], Driven]:
    """routing.plan_morning in ``seconds`` of wall clock; the checker looks at every plan."""

    def plan(week: WeekProblem) -> Driven:
        planned = plan_morning(week, budget_s=seconds, seed=seed)
        # An outlet over its level this morning already is reported, not a fault of the plan.
        violations.append(sum(not (v.kind == "overflow" and v.day == 0) for v in check_week(week, planned)))
        today = planned.days[0]
        return Driven(set(today.fill_at_visit), today.cost_fen, today.plan.km, len(today.plan.routes))

    return plan


def ortools_morning(seconds: float) -> Callable[[WeekProblem], Driven]:
    """OR-Tools alone on the multi-day model of the days left, in ``seconds``; day 0 driven."""

    def plan(week: WeekProblem) -> Driven:
        visits, or_plan = ortools_model(week, seconds)
        today = [r for r in or_plan.routes if r.vehicle_type_id.endswith("@0")]
        # Route hours, as routing.week charges ReLoop's and the daily planner's days.
        labour = round(sum(r.hours for r in today) * LABOUR_FEN_PER_HOUR)
        cost = sum(r.cost_fen for r in today) + labour
        return Driven(visits[0], cost, sum(r.km for r in today), len(today))

    return plan


def daily(week: WeekProblem, bins: list[Bin], seconds: float) -> tuple[Outcome, WeekPlan]:
    """Each morning, the outlets whose (true) morning fill is at least DUE_PCT."""
    started = time.perf_counter()
    days = week.days
    visits: list[set[str]] = []
    for _day in range(days):
        visits.append({k for k, fill in morning_levels(bins, visits).items() if fill >= DUE_PCT})
    plan = plan_visits(week, visits, time_limit_s=seconds)
    return from_week(bins, plan, days, time.perf_counter() - started), plan


def ortools_model(week: WeekProblem, seconds: float) -> tuple[list[set[str]], routing.Plan]:
    """One OR-Tools model over the whole horizon (see the module doc)."""
    days, base = week.days, week.base
    fleet = tuple(
        replace(
            vt,
            id=f"{vt.id}@{d}",
            shift=routing.TimeWindow(vt.shift.start_s + d * DAY_S, vt.shift.end_s + d * DAY_S),
            breaks=tuple(
                replace(
                    b,
                    earliest_start_s=b.earliest_start_s + d * DAY_S,
                    latest_end_s=b.latest_end_s + d * DAY_S,
                )
                for b in vt.breaks
            ),
        )
        for d in range(days)
        for vt in base.vehicle_types
    )
    facilities = tuple(
        replace(f, opening=routing.TimeWindow(f.opening.start_s, f.opening.end_s + (days - 1) * DAY_S))
        for f in base.facilities
    )
    trip = {o.stop.id: _round_trip(week, o.stop) for o in week.outlets}
    stops = []
    for o in week.outlets:
        emptied: int | None = None
        earliest, copy = 0, 0
        while True:
            deadline = next((d for d in range(days) if o.fill_on(d + 1, emptied) > o.overflow_pct), None)
            window = routing.TimeWindow(
                earliest * DAY_S + o.stop.window.start_s,
                (days - 1 if deadline is None else max(deadline, earliest)) * DAY_S + o.stop.window.end_s,
            )
            last = days - 1 if deadline is None else max(deadline, earliest)
            fill = min(100.0, max(0.0, o.fill_on(last, emptied)))
            stop = replace(
                o.stop,
                id=f"{o.stop.id}#{copy}",
                loads=tuple(
                    replace(x, kg=round(x.kg * fill / 100, 3), m3=round(x.m3 * fill / 100, 6))
                    for x in o.stop.loads
                ),
                window=window,
                required=deadline is not None,
                prize_fen=0 if deadline is not None else round(trip[o.stop.id] * fill / 100),
            )
            if deadline is not None or fill >= 30:
                stops.append(stop)
            if deadline is None or copy >= 2:
                break
            emptied, earliest, copy = max(deadline, earliest), max(deadline, earliest) + 1, copy + 1
            if earliest >= days:
                break
    problem = replace(base, stops=tuple(stops), vehicle_types=fleet, facilities=facilities)
    plan = routing.solve(problem, time_limit_s=seconds, engine="ortools")
    visits: list[set[str]] = [set() for _ in range(days)]
    for r in plan.routes:
        day = int(r.vehicle_type_id.split("@")[1])
        visits[day] |= {s.split("#")[0] for s in r.stop_ids}
    return visits, plan


def _round_trip(week: WeekProblem, stop: routing.Stop) -> float:
    vt = week.base.vehicle_types[0]
    depot = week.base.depot_location(vt.start_depot)
    metres = week.base.distance_m[depot, stop.location] + week.base.distance_m[stop.location, depot]
    seconds = week.base.duration_s[depot, stop.location] + week.base.duration_s[stop.location, depot]
    return float(metres / 1000 * vt.cost_per_km_fen + seconds / 3600 * LABOUR_FEN_PER_HOUR)


def run(
    n: int,
    days: int,
    seconds: float,
    seed: int,
    start: date,
    confidences: list[float],
    peers: bool,
    ortools: bool = True,
) -> dict[str, Outcome]:
    base, bins = build(n, days, start, seed)
    results: dict[str, Outcome] = {}
    for confidence in confidences:
        name = f"reloop{round(100 * confidence)}"
        violations: list[int] = []
        results[name] = rolling(base, bins, days, confidence, reloop_morning(seconds, seed, violations))
        print(f"  {name}: checker {sum(violations)} violations in the {days} morning plans")
    if not peers:
        return results
    week = WeekProblem(
        base, outlook(bins, days, confidences[0]), days=days, labour_fen_per_hour=LABOUR_FEN_PER_HOUR
    )
    results["daily"], _ = daily(week, bins, seconds)
    if ortools:
        results["ortools"] = rolling(base, bins, days, confidences[0], ortools_morning(seconds))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[200, 400])
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--time-limit-s", type=float, default=30)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2025, 5, 12))
    parser.add_argument(
        "--confidence", type=float, nargs="+", default=[0.5, 0.9], help="of the planner's fill"
    )
    parser.add_argument("--no-peers", action="store_true", help="only ReLoop's plan")
    parser.add_argument("--no-ortools", action="store_true", help="ReLoop and daily planning only")
    args = parser.parse_args()
    print(f"{args.days}-day horizon from {args.start}, {args.time_limit_s:g} s per day-equivalent")
    print("reloopNN: ReLoop planning with the forecast's NN % quantile; daily/ortools see the first one")
    header = (
        f"{'outlets':>7} {'method':>8} {'yuan/t':>8} {'km':>8} {'tonnes':>7} {'overflow':>8} "
        f"{'truck-days':>10} {'max/day':>7} {'t/truck-day':>11} {'fill %':>6} {'left %':>6} {'wall s':>7}"
    )
    for n in args.sizes:
        print(f"{n} outlets:")
        results = run(
            n,
            args.days,
            args.time_limit_s,
            args.seed,
            args.start,
            args.confidence,
            not args.no_peers,
            not args.no_ortools,
        )
        print(header)
        for name, r in results.items():
            print(
                f"{n:>7} {name:>8} {r.per_tonne:>8.1f} {r.km:>8.1f} {r.tonnes:>7.2f} {r.overflowing:>8} "
                f"{r.truck_days:>10} {r.max_trucks:>7} {r.per_truck_day:>11.2f} {r.fill_pct:>6.1f} "
                f"{r.left_pct:>6.1f} {r.wall_s:>7.0f}"
            )
        for name in (k for k in results if k.startswith("reloop") and "daily" in results):
            ours = results[name].per_tonne
            peers = [p for p in ("daily", "ortools") if p in results]
            ratios = [f"{name}/{p} {ours / results[p].per_tonne:.3f}" for p in peers]
            print(f"{n:>7} cost per tonne " + ", ".join(ratios))


if __name__ == "__main__":
    main()
