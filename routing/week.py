"""Plan several days at once: which outlets on which day, and each day's routes.

Each outlet comes with its predicted fill at the visit time of every day of the
horizon (cumulative, as if nobody emptied it; see :class:`OutletOutlook`), at the
confidence the caller chose. A visit empties the bin, so its fill on a later day is
the difference of the two cumulative figures.

Method (prize-collecting days)
------------------------------
Days are planned in order. On day ``d`` an outlet is *required* when waiting one
more day would take it over its overflow level (the last day looks at the morning
after the horizon); every other outlet at least ``min_pull_pct`` full is *optional*,
with a prize of ``pull_in`` times what a visit of its own would cost (a round trip
from the depot at the cheapest truck's per-km and labour rate) scaled by how full it
is: an outlet near a route already going out is pulled in when the detour costs less
than that. :func:`routing.solve` plans the day (windows, reloads, breaks as for one
day). Each ``pull_in`` factor given is tried and the week with the lowest cost (fixed
+ per-km + labour) per predicted tonne collected is kept; ``0`` is the "visit on the
last safe day" plan. By default only ``0`` is tried: filled trucks and the price of a
kilogram (below) pull outlets in on the ratio the week is judged on, and on
benchmarks/week.py's 200-outlet week the factors (0, 0.5, 1, 2) beside them came out
within the solver's noise (248.9 against 250.7 yuan/t) for twice the day solves.
Then, day by day, the outlets due tomorrow are made due today as well ("merge
days"), and the change is kept when the week comes out cheaper per tonne: emptying a
little early can save a whole truck-day, which no single outlet's prize reflects.

Filled trucks
-------------
A truck that must go out anyway has room to spare: the last truck of a day is
rarely full. For each factor of ``fill_trucks`` a week is planned in which each day
is solved twice: first its required outlets alone, then every candidate outlet with
the trucks of each type that the first solve used and no more, so a prize can buy a
detour but never another truck-day. The prize is the weight prize below, ``factor``
times the best week's cost per kg so far: big, full bins ride along, small and
nearly empty ones do not. The second solve is kept when it serves every required
outlet the first one did. Day 0 with kept routes is solved once, as in other weeks.
A short first solve can spread the required outlets over a truck more than they
need, and the second would fill that truck with outlets emptied early; when the
first solve's hours fit in its trucks less the one on its shortest route (with 15 %
to spare), the required outlets are solved once more on one truck fewer, and that
plan is the first when it serves them all. On benchmarks/week.py's 200-outlet week
this kept the week to one truck a day (5 truck-days, 210.7 yuan/t) where a run
without it sent two trucks out one day (6, 235.5).

The price of a kilogram (Dinkelbach's method for a ratio)
---------------------------------------------------------
The week's figure is a ratio, cost over weight collected. A *price* ``lambda`` in fen
per kg turns it into prizes: an optional outlet is worth ``lambda`` times the
kilograms its visit collects, so it is served exactly when what it adds costs less
per kg than the week does (labour included: see below). The kilograms are
today's less what the outlet would still gain by the horizon's last day
(:func:`_worth_now`): a bin that fills fast is worth more when it is due. Without
filled trucks only an outlet that no later day of the horizon has to visit gets this
prize (emptying one that is due later adds a visit, not weight; the weight prize
could also buy a truck-day for it). After
the pull-in factors and filled trucks, ``ratio_rounds`` more weeks are planned the
best way found so far with ``lambda`` set to the best week's cost per kg (times the
filled trucks' factor); a better week lowers ``lambda`` for the next round, and the
rounds stop at the first week that is not better. Merged days keep the last price.

Budget
------
:func:`week_solves` says how many day solves these options make at most (the days
before the one a merge trial changes are taken from the best week, not solved
again), so a caller can split a time budget. A day solve that ends before its first
route (everything "no route found", as a short limit on a loaded machine can) is
tried again with twice the time, at most twice.

``budget_s`` bounds the whole call by the wall clock, whatever the machine's load:
the first week is always planned, each of its days given at most its share of what
is left (never under :data:`MIN_SOLVE_S`); every later week (another factor, filled
trucks, a price round, a merge trial, the polish) starts only while half its own
solves' time is left, and a day is tried again only when the doubled limit still
fits. A loaded machine then gets fewer trials, not a late plan; the best week found
so far is returned.

Labour
------
The week pays its drivers by the hour (``labour_fen_per_hour``) on top of each day's
fixed and per-km cost. Each day is solved with that rate on every truck that has no
hourly rate of its own, so the solve weighs a visit's time and a truck-day's hours
as the week does; the routes are then costed at the trucks' own rates and the week
adds the labour of the hours driven, as before.

A required outlet that no truck can serve (or one over its level on day 0 already)
is a *predicted overflow*; :attr:`WeekPlan.predicted_overflows` lists them.

Rolling horizon
---------------
Day 0 is re-planned each morning with new readings while routes already locked or
accepted for it stay as they are: ``plan_week(week, kept_routes=[LockedRoute(...)])``
keeps each given route of day 0 exactly (same truck, same outlets in the same order,
reloads where given), as :func:`routing.solve` keeps locked routes; its outlets count
as emptied on day 0 and everything else of the week is planned around them.
:func:`plan_morning` is that morning's plan in a wall-clock budget: a scouting week
with short solves sets the price of a kilogram, and the week is then planned with
filled trucks, day 0 (the day driven) given most of the seconds.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from routing._errors import InvalidProblemError
from routing.plan import Plan, Reason
from routing.problem import CollectionProblem, Load, LockedRoute, Stop, VehicleType
from routing.solve import solve

__all__ = [
    "OutletOutlook",
    "WeekDay",
    "WeekPlan",
    "WeekProblem",
    "plan_morning",
    "plan_visits",
    "plan_week",
    "week_solves",
]

MIN_PULL_PCT = 30.0
"""Outlets at least this full may be pulled in before they are due."""

WAIT_SHARE = 1.0
"""How much an optional outlet's weight prize drops per point it would gain by
waiting to the horizon's last day (see :func:`_worth_now`)."""

MIN_SOLVE_S = 0.5
"""The least a day solve of the first week is given when the budget runs short."""


@dataclass(frozen=True)
class _Clock:
    """The wall-clock deadline of a :func:`plan_week` call (``None``: no budget)."""

    deadline: float | None = None

    @classmethod
    def of(cls, budget_s: float | None) -> _Clock:
        return cls(None if budget_s is None else time.monotonic() + budget_s)

    def left(self) -> float:
        return math.inf if self.deadline is None else self.deadline - time.monotonic()

    def limit(self, time_limit_s: float, solves_left: int) -> float:
        """A day solve's limit: its own, or its share of what is left when that is less."""
        if self.deadline is None:
            return time_limit_s
        return min(time_limit_s, max(MIN_SOLVE_S, self.left() / max(1, solves_left)))

    def affords(self, seconds: float) -> bool:
        """True when ``seconds`` more still fit before the deadline."""
        return self.left() >= seconds


@dataclass(frozen=True)
class OutletOutlook:
    """An outlet and its predicted fill.

    ``stop`` gives place, window and service; its loads are what a *full* bin (100 %)
    holds. ``fill_pct[d]`` is the fill at day ``d``'s visit time if the bin is not
    emptied from now on (not capped at 100); it has one entry per day of the horizon
    plus one for the morning after.
    """

    stop: Stop
    fill_pct: tuple[float, ...]
    overflow_pct: float = 100.0

    def fill_on(self, day: int, emptied_on: int | None) -> float:
        """Fill on ``day`` when the last visit was on ``emptied_on`` (None: not yet)."""
        return self.fill_pct[day] - (self.fill_pct[emptied_on] if emptied_on is not None else 0.0)


@dataclass(frozen=True)
class WeekProblem:
    """The horizon: the day's network and fleet, the outlets and their outlook.

    ``base`` gives locations, depots, facilities, trucks and matrices; its stops are
    ignored. ``fleets[d]`` replaces the trucks on day ``d`` (rosters differ by day).
    """

    base: CollectionProblem
    outlets: tuple[OutletOutlook, ...]
    days: int = 5
    labour_fen_per_hour: int = 0
    fleets: tuple[tuple[VehicleType, ...], ...] | None = None

    def __post_init__(self) -> None:
        if self.days < 1:
            raise InvalidProblemError("a week plan needs at least one day")
        if self.fleets is not None and len(self.fleets) != self.days:
            raise InvalidProblemError(f"{len(self.fleets)} fleets for {self.days} days")
        for outlet in self.outlets:
            if len(outlet.fill_pct) != self.days + 1:
                raise InvalidProblemError(
                    f"outlet {outlet.stop.id!r}: {len(outlet.fill_pct)} fills, expected {self.days + 1}"
                )
        if len({o.stop.id for o in self.outlets}) != len(self.outlets):
            raise InvalidProblemError("duplicate outlet id in the week")

    def fleet(self, day: int) -> tuple[VehicleType, ...]:
        """Trucks going out on ``day``."""
        return self.fleets[day] if self.fleets is not None else self.base.vehicle_types

    def day_problem(self, day: int, stops: Sequence[Stop]) -> CollectionProblem:
        """The one-day problem of ``day`` with these stops."""
        return replace(self.base, stops=tuple(stops), vehicle_types=self.fleet(day))


def scaled(stop: Stop, fill_pct: float, *, required: bool, prize_fen: int = 0) -> Stop:
    """The stop holding ``fill_pct`` % of a full bin (at most a full bin)."""
    share = min(max(fill_pct, 0.0), 100.0) / 100
    loads = tuple(Load(x.material, round(x.kg * share, 3), round(x.m3 * share, 6)) for x in stop.loads)
    return replace(stop, loads=loads, required=required, prize_fen=0 if required else prize_fen)


@dataclass(frozen=True)
class WeekDay:
    """One planned day: its problem, its plan and each visited outlet's predicted fill."""

    day: int
    problem: CollectionProblem
    plan: Plan
    fill_at_visit: Mapping[str, float]
    labour_fen: int

    @property
    def cost_fen(self) -> int:
        """Fixed, per-km and labour cost of the day."""
        return self.plan.cost_fen + self.labour_fen


@dataclass(frozen=True)
class WeekPlan:
    """The horizon's days and the outlets predicted to overflow before a visit."""

    days: tuple[WeekDay, ...]
    predicted_overflows: tuple[tuple[int, str], ...]
    """``(day, outlet id)``: the first day each outlet is predicted over its level unvisited."""

    @property
    def cost_fen(self) -> int:
        """Cost of the whole horizon."""
        return sum(d.cost_fen for d in self.days)

    @property
    def km(self) -> float:
        """Distance of the whole horizon."""
        return sum(d.plan.km for d in self.days)

    @property
    def collected_kg(self) -> float:
        """Weight collected over the horizon (as predicted)."""
        return sum(d.plan.collected_kg for d in self.days)

    @property
    def cost_per_tonne_fen(self) -> float | None:
        """Cost per tonne collected; None when nothing is collected."""
        return self.cost_fen / (self.collected_kg / 1000) if self.collected_kg > 0 else None


def _labour(plan: Plan, rate: int) -> int:
    return round(plan.hours * rate)


def _round_trip_fen(week: WeekProblem, stop: Stop) -> float:
    """What a visit of its own costs: depot -> outlet -> depot at the cheapest rates."""
    fleet = [vt for d in range(week.days) for vt in week.fleet(d)]
    if not fleet:
        return 0.0
    best = float("inf")
    for vt in fleet:
        depot = week.base.depot_location(vt.start_depot)
        metres = week.base.distance_m[depot, stop.location] + week.base.distance_m[stop.location, depot]
        seconds = week.base.duration_s[depot, stop.location] + week.base.duration_s[stop.location, depot]
        cost = metres / 1000 * vt.cost_per_km_fen + seconds / 3600 * week.labour_fen_per_hour
        best = min(best, float(cost))
    return best


def _day(
    week: WeekProblem,
    day: int,
    stops: list[Stop],
    fills: dict[str, float],
    kept: Sequence[LockedRoute] = (),
    fleet: tuple[VehicleType, ...] | None = None,
    clock: _Clock | None = None,
    **solve_options: object,
) -> WeekDay:
    problem = week.day_problem(day, stops)
    if fleet is not None:
        problem = replace(problem, vehicle_types=fleet)
    priced = _with_labour(problem, week.labour_fen_per_hour)
    plan = solve(priced, locked=kept or None, **solve_options)  # type: ignore[arg-type]
    limit = solve_options.get("time_limit_s")
    for _retry in range(2):
        # A short limit on a loaded machine can end before the first route is built:
        # everything comes back "no route found". Twice the time, at most twice.
        if plan.routes or not any(u.reason is Reason.NO_ROUTE_FOUND for u in plan.unassigned):
            break
        if not isinstance(limit, int | float) or (clock is not None and not clock.affords(2 * limit)):
            break
        limit = 2 * limit
        plan = solve(priced, locked=kept or None, **{**solve_options, "time_limit_s": limit})  # type: ignore[arg-type]
    if priced is not problem:
        plan = _repriced(plan, problem)
    served = {s for r in plan.routes for s in r.stop_ids}
    visited = {k: round(v, 1) for k, v in fills.items() if k in served}
    return WeekDay(day, problem, plan, visited, _labour(plan, week.labour_fen_per_hour))


def _with_labour(problem: CollectionProblem, fen_per_hour: int) -> CollectionProblem:
    """The day as the solver should weigh it: trucks without an hourly rate pay the week's.

    The week pays labour by the hour on top of each day's plan; a solve that does not
    see it takes a visit's time as free and a truck-day as its fixed cost alone.
    """
    if not fen_per_hour or all(vt.cost_per_hour_fen for vt in problem.vehicle_types):
        return problem
    fleet = tuple(
        vt if vt.cost_per_hour_fen else replace(vt, cost_per_hour_fen=fen_per_hour)
        for vt in problem.vehicle_types
    )
    return replace(problem, vehicle_types=fleet)


def _repriced(plan: Plan, problem: CollectionProblem) -> Plan:
    """``plan``'s routes costed at ``problem``'s own rates (the week adds labour itself)."""
    types = {vt.id: vt for vt in problem.vehicle_types}
    routes = tuple(
        replace(r, cost_fen=types[r.vehicle_type_id].route_cost_fen(r.distance_m, r.paid_s))
        for r in plan.routes
    )
    return replace(plan, routes=routes)


def kept_outlets(week: WeekProblem, kept_routes: Sequence[LockedRoute]) -> set[str]:
    """The outlets on the kept routes of day 0; raises if one is not in the week."""
    facilities = set(week.base.facility_index)
    known = {o.stop.id for o in week.outlets}
    on_routes = [v for route in kept_routes for v in route.visits if v not in facilities]
    unknown = sorted(set(on_routes) - known)
    if unknown:
        raise InvalidProblemError(f"kept_routes: outlets {unknown} are not in the week")
    return set(on_routes)


def plan_visits(
    week: WeekProblem, visits: Sequence[Collection[str]], *, time_limit_s: float = 30, seed: int = 0
) -> WeekPlan:
    """Route a given choice of outlets per day (all required): for baselines and tests."""
    by_id = {o.stop.id: o for o in week.outlets}
    emptied: dict[str, int | None] = dict.fromkeys(by_id)
    days: list[WeekDay] = []
    overflows: dict[str, int] = {}
    for day in range(week.days):
        _note_overflows(week, day, emptied, overflows)
        fills = {k: by_id[k].fill_on(day, emptied[k]) for k in visits[day]}
        stops = [scaled(by_id[k].stop, fills[k], required=True) for k in sorted(visits[day])]
        planned = _day(week, day, stops, fills, time_limit_s=time_limit_s, seed=seed)
        for k in planned.fill_at_visit:
            emptied[k] = day
        days.append(planned)
    _note_overflows(week, week.days, emptied, overflows)
    return WeekPlan(tuple(days), tuple(sorted((d, k) for k, d in overflows.items())))


def _note_overflows(
    week: WeekProblem, day: int, emptied: Mapping[str, int | None], overflows: dict[str, int]
) -> None:
    """Outlets over their level on ``day`` before any visit that day (day ``days``: the morning after)."""
    for o in week.outlets:
        if o.fill_on(day, emptied[o.stop.id]) > o.overflow_pct:
            overflows.setdefault(o.stop.id, day)


def plan_week(
    week: WeekProblem,
    *,
    time_limit_s: float = 30,
    seed: int = 0,
    pull_in: Sequence[float] = (0.0,),
    min_pull_pct: float = MIN_PULL_PCT,
    kept_routes: Sequence[LockedRoute] = (),
    merge_days: bool = True,
    polish_s: float | None = None,
    ratio_rounds: int = 2,
    fill_trucks: Sequence[float] = (1.0,),
    budget_s: float | None = None,
    polish_days: int | None = None,
) -> WeekPlan:
    """The week of lowest cost per tonne found; ``time_limit_s`` per day solved.

    Parameters
    ----------
    week
        Outlets, their predicted fill and the fleet of each day.
    time_limit_s, seed
        Passed to :func:`routing.solve` for each day.
    pull_in, min_pull_pct
        Prize factors tried for outlets that are not yet due (see the module doc).
    fill_trucks
        Pull-in factors tried with filled trucks (see the module doc): each day is
        solved twice, the second time with no more trucks than the first; empty: none.
    ratio_rounds
        Rounds of the price-per-kg method (see the module doc): each plans the week
        once more; 0 turns it off.
    merge_days
        After the best factor is found, try each day with one more day of look-ahead
        (see the module doc); ``days - 1`` more weeks are planned.
    polish_s
        When given, each day of the chosen week is solved once more with this limit,
        its outlets fixed: the search can then run on short limits (it plans the week
        ``len(pull_in) + days - 1`` times) and the final routes still get a full solve.
    polish_days
        Polish only this many leading days (None: every day). A rolling horizon
        carries out day 0 and plans the rest again tomorrow: its routes are the
        ones worth the time.
    kept_routes
        Routes of day 0 (the day being re-planned this morning) that are locked or
        accepted: each :class:`~routing.problem.LockedRoute` names a truck
        (``vehicle_type_id``, ``unit``) and its visits (outlet ids, and facility ids
        for reloads) in order. They are kept exactly; their outlets are visited on
        day 0 whatever their fill, other trucks plan the rest of day 0, and the later
        days count those outlets as emptied on day 0.
    budget_s
        Wall-clock seconds for the whole call (see the module doc's Budget): later
        weeks are tried only while they fit; None: every week is tried.

    Raises
    ------
    InvalidProblemError
        A kept route names an outlet that is not in the week.
    InvalidLockError, InfeasibleLockError
        A kept route names an unknown truck or twice the same outlet, or cannot be kept.
    """
    kept = tuple(kept_routes)
    kept_outlets(week, kept)
    clock = _Clock.of(budget_s)
    fresh = (0,) * week.days
    best: WeekPlan | None = None
    way = _Way()

    def fits(way: _Way, days: int) -> bool:
        """A week is tried when it is the first, or half its solves' time is left."""
        return best is None or clock.affords(0.5 * time_limit_s * days * (2 if way.fill else 1))

    for factor in pull_in:
        if not fits(_Way(factor=factor), week.days):
            break
        candidate = _greedy(week, _Way(factor=factor), min_pull_pct, kept, fresh, time_limit_s, seed, clock)
        if best is None or _rank(candidate) < _rank(best):
            best, way = candidate, _Way(factor=factor)
    for share in fill_trucks:
        trial = _Way(fill=True, share=share, price=share * _price(best))
        if not fits(trial, week.days):
            break
        candidate = _greedy(week, trial, min_pull_pct, kept, fresh, time_limit_s, seed, clock)
        if best is None or _rank(candidate) < _rank(best):
            best, way = candidate, trial
    assert best is not None  # nosec B101 # pull_in and fill_trucks are never both empty in practice
    for _round in range(ratio_rounds):
        trial = replace(way, price=way.share * _price(best))
        if not fits(trial, week.days):
            break
        candidate = _greedy(week, trial, min_pull_pct, kept, fresh, time_limit_s, seed, clock)
        if _rank(candidate) >= _rank(best):
            break
        best, way = candidate, trial
    if merge_days:
        best = _merge_days(week, best, way, min_pull_pct, kept, time_limit_s, seed, clock)
    polished_days = week.days if polish_days is None else max(0, min(polish_days, week.days))
    if polish_s is None or not polished_days or not clock.affords(0.5 * polish_s * polished_days):
        return best
    polished = _polish(week, best, kept, polish_s, seed, clock, polished_days)
    same_visits = [d.fill_at_visit for d in polished.days] == [d.fill_at_visit for d in best.days]
    return polished if same_visits and polished.cost_fen <= best.cost_fen else best


MORNING_SCOUT_SHARE = 0.1
"""Of a morning plan's budget, the share of the scouting week (each outlet on its last safe day)."""

MORNING_REQUIRED_SHARE = 0.2
"""Of the seconds day 0 gets in a morning plan, the share of its first solve (the
required outlets alone, which sets the trucks); the rest fills those trucks."""


def plan_morning(
    week: WeekProblem,
    *,
    budget_s: float,
    seed: int = 0,
    kept_routes: Sequence[LockedRoute] = (),
) -> WeekPlan:
    """This morning's plan of the rolling horizon, in ``budget_s`` seconds of wall clock.

    Day 0 is driven today and the rest is planned again tomorrow from tomorrow's
    readings, so the seconds go to day 0. A scouting week with short solves (every
    outlet on its last safe day, :data:`MORNING_SCOUT_SHARE` of the budget) sets the
    price of a kilogram; the week is then planned with filled trucks at that price,
    day 0 first with what is left but the later days' short solves (its required
    outlets alone for :data:`MORNING_REQUIRED_SHARE` of it, then the trucks that
    takes filled). Day 0's filled solve chooses the outlets and routes them in one:
    a short solve both picks fewer outlets and routes them worse, and routing its
    choice again (the polish) does not give the time saved back to the outlets. On
    benchmarks/week.py's day 0 at 400 outlets, one filled day solve came out at 217,
    215, 212 and 200 yuan/t with 0.8, 3, 10 and 30 s. The scouting week is kept when
    it ranks better (fewer predicted overflows, then cost per tonne).
    """
    kept = tuple(kept_routes)
    kept_outlets(week, kept)
    clock = _Clock.of(budget_s)
    fresh = (0,) * week.days
    short = max(MIN_SOLVE_S, MORNING_SCOUT_SHARE * budget_s / week.days)
    scout = _greedy(week, _Way(), MIN_PULL_PCT, kept, fresh, short, seed, clock)
    way = _Way(fill=True, price=_price(scout))
    day0_s = max(MIN_SOLVE_S, clock.left() - 2 * (week.days - 1) * short)
    required_s = max(MIN_SOLVE_S, MORNING_REQUIRED_SHARE * day0_s)
    first = (required_s, max(MIN_SOLVE_S, day0_s - required_s))
    filled = _greedy(week, way, MIN_PULL_PCT, kept, fresh, short, seed, clock, first_day=first)
    return scout if _rank(scout) < _rank(filled) else filled


def week_solves(
    days: int, *, pull_in: int = 1, fill_trucks: int = 1, ratio_rounds: int = 2, merge_days: bool = True
) -> int:
    """The most day solves :func:`plan_week` makes with these options (to split a budget).

    ``pull_in`` and ``fill_trucks`` are the numbers of factors tried; a day with
    filled trucks counts twice. A solve tried again after finding no route (see the
    module doc) or on one truck fewer (:func:`_fewer_trucks`) is not counted.
    """
    per_day = 2 if fill_trucks else 1
    merges = sum(days - day for day in range(days - 1)) if merge_days else 0
    return (pull_in + 2 * fill_trucks + per_day * ratio_rounds) * days + per_day * merges


def _merge_days(
    week: WeekProblem,
    best: WeekPlan,
    way: _Way,
    min_pull_pct: float,
    kept: Sequence[LockedRoute],
    time_limit_s: float,
    seed: int,
    clock: _Clock,
) -> WeekPlan:
    """Each day in turn with a day's more look-ahead, kept when the week ranks better.

    A day that serves tomorrow's due outlets too may let tomorrow stay home (a fixed
    cost and a depot round trip fewer), a saving no single outlet's prize sees. The
    days before the one changed are taken from the best week so far, not solved again.
    """
    ahead = [0] * week.days
    per_day = 2 if way.fill else 1
    for day in range(week.days - 1):
        if not clock.affords(0.5 * time_limit_s * per_day * (week.days - day)):
            break
        ahead[day] = 1
        candidate = _greedy(
            week, way, min_pull_pct, kept, tuple(ahead), time_limit_s, seed, clock, prefix=best.days[:day]
        )
        if _rank(candidate) < _rank(best):
            best = candidate
        else:
            ahead[day] = 0
    return best


def _polish(
    week: WeekProblem,
    plan: WeekPlan,
    kept: Sequence[LockedRoute],
    time_limit_s: float,
    seed: int,
    clock: _Clock,
    first: int,
) -> WeekPlan:
    """The same visits on the same days, the ``first`` days routed again with ``time_limit_s``."""
    by_id = {o.stop.id: o for o in week.outlets}
    emptied: dict[str, int | None] = dict.fromkeys(by_id)
    days = []
    for planned in plan.days:
        if planned.day >= first:
            days.append(planned)
            continue
        # The exact fills, not the rounded ones shown: loads and service times follow them.
        fills = {k: by_id[k].fill_on(planned.day, emptied[k]) for k in planned.fill_at_visit}
        stops = [scaled(by_id[k].stop, fills[k], required=True) for k in sorted(fills)]
        locks = kept if planned.day == 0 else ()
        limit = clock.limit(time_limit_s, first - planned.day)
        days.append(_day(week, planned.day, stops, fills, locks, clock=clock, time_limit_s=limit, seed=seed))
        for k in days[-1].fill_at_visit:
            emptied[k] = planned.day
    return WeekPlan(tuple(days), plan.predicted_overflows)


def _rank(plan: WeekPlan) -> tuple[int, float, int]:
    """Fewest predicted overflows, then lowest cost per tonne, then cheapest.

    Not the lowest cost: a week that collects less is cheaper but leaves its outlets
    fuller for the next week, which pays for them then.
    """
    per_tonne = plan.cost_per_tonne_fen
    if per_tonne is None:  # nothing collected: free if nothing was spent
        per_tonne = math.inf if plan.cost_fen else 0.0
    return (len(plan.predicted_overflows), per_tonne, plan.cost_fen)


def _greedy(
    week: WeekProblem,
    way: _Way,
    min_pull_pct: float,
    kept: Sequence[LockedRoute],
    ahead: tuple[int, ...],
    time_limit_s: float,
    seed: int,
    clock: _Clock,
    *,
    prefix: Sequence[WeekDay] = (),
    first_day: tuple[float, float] | None = None,
) -> WeekPlan:
    """Plan the days in order (see the module doc); the days of ``prefix`` are taken as they are.

    ``prefix`` must come from a week planned with the same options for those days:
    only the later days are solved again.
    """
    emptied: dict[str, int | None] = {o.stop.id: None for o in week.outlets}
    trip = {o.stop.id: _round_trip_fen(week, o.stop) for o in week.outlets}
    on_kept = kept_outlets(week, kept)
    days: list[WeekDay] = []
    overflows: dict[str, int] = {}
    for day in range(week.days):
        _note_overflows(week, day, emptied, overflows)
        if day < len(prefix):
            days.append(prefix[day])
            for key in prefix[day].fill_at_visit:
                emptied[key] = day
            continue
        stops, fills = [], {}
        for o in week.outlets:
            key = o.stop.id
            fill = o.fill_on(day, emptied[key])
            tomorrow = o.fill_on(min(day + 1 + ahead[day], week.days), emptied[key])
            if tomorrow > o.overflow_pct or (day == 0 and key in on_kept):
                stops.append(scaled(o.stop, fill, required=True))
            elif fill >= min_pull_pct and (way.factor > 0 or way.price > 0):
                prize = way.factor * trip[key] * fill / o.overflow_pct
                last = o.fill_on(week.days, emptied[key]) <= o.overflow_pct
                if way.price > 0 and (way.fill or last):
                    worth = _worth_now(fill, o.fill_on(week.days - 1, emptied[key]))
                    prize = max(prize, _ratio_prize(o.stop, worth, way.price))
                if way.factor == 0 and prize < 1:
                    continue
                stops.append(scaled(o.stop, fill, required=False, prize_fen=round(prize)))
            else:
                continue
            fills[key] = fill
        locks = kept if day == 0 else ()
        per_day = 2 if way.fill and not locks else 1
        limit = clock.limit(time_limit_s, per_day * (week.days - day))
        required_s = limit
        if day == 0 and first_day is not None:
            required_s, limit = first_day
            limit = limit if way.fill and not locks else required_s + limit
        if way.fill and not locks:
            planned = _filled_day(week, day, stops, fills, limit, seed, clock, required_s=required_s)
        else:
            planned = _day(week, day, stops, fills, locks, clock=clock, time_limit_s=limit, seed=seed)
        for key in planned.fill_at_visit:
            emptied[key] = day
        days.append(planned)
    _note_overflows(week, week.days, emptied, overflows)
    return WeekPlan(tuple(days), tuple(sorted((d, k) for k, d in overflows.items())))


@dataclass(frozen=True)
class _Way:
    """How the greedy plans a week: the prizes of optional outlets and filled trucks.

    ``factor`` scales the round-trip prize; ``price`` (fen per kg) the weight prize,
    given to every optional outlet when ``fill`` and otherwise only to those on their
    last visit of the horizon; ``share`` is the fraction of the week's cost per kg the
    price is set at.
    """

    factor: float = 0.0
    fill: bool = False
    share: float = 1.0
    price: float = 0.0


def _price(plan: WeekPlan | None) -> float:
    """Cost per kg of ``plan`` in fen (0 when there is none or it collects nothing)."""
    if plan is None or plan.collected_kg <= 0:
        return 0.0
    return plan.cost_fen / plan.collected_kg


def _filled_day(
    week: WeekProblem,
    day: int,
    stops: list[Stop],
    fills: dict[str, float],
    time_limit_s: float,
    seed: int,
    clock: _Clock,
    *,
    required_s: float | None = None,
) -> WeekDay:
    """The required outlets routed first; then the optional ones fill the trucks already out.

    The second solve may use only as many trucks of each type as the first one did,
    so a prize can buy a detour but never a truck-day. It is kept when it serves every
    required outlet the first one served.
    """
    required = [s for s in stops if s.required]
    first_s = time_limit_s if required_s is None else required_s
    first = _day(week, day, required, fills, clock=clock, time_limit_s=first_s, seed=seed)
    first = _fewer_trucks(week, day, required, fills, first, first_s, seed, clock)
    used = Counter(r.vehicle_type_id for r in first.plan.routes)
    if not used or len(required) == len(stops):
        return first
    fleet = _trucks(week, day, used)
    second = _day(week, day, stops, fills, fleet=fleet, clock=clock, time_limit_s=time_limit_s, seed=seed)
    served = {s for r in second.plan.routes for s in r.stop_ids}
    if any(s.id not in served for s in required if s.id in first.fill_at_visit):
        return first
    return second


FEWER_TRUCKS_SHARE = 0.85
"""A day's required routes are tried on one truck fewer when their hours come to at
most this share of the remaining trucks' shifts."""


def _fewer_trucks(
    week: WeekProblem,
    day: int,
    required: list[Stop],
    fills: dict[str, float],
    planned: WeekDay,
    time_limit_s: float,
    seed: int,
    clock: _Clock,
) -> WeekDay:
    """``planned`` (the day's required outlets alone) on one truck fewer, when it fits.

    A short solve can spread the required outlets over a truck more than they need
    (two short routes beside a long one), and filling the trucks then turns that spare
    truck-day into outlets emptied early, at a low fill. When the routes' hours come to
    at most :data:`FEWER_TRUCKS_SHARE` of the shifts of the trucks other than the one
    on the shortest route, the day is solved again without that truck; the new plan is
    kept when it serves every outlet ``planned`` served.
    """
    routes = planned.plan.routes
    if len(routes) < 2 or not clock.affords(time_limit_s):
        return planned
    types = {vt.id: vt for vt in week.fleet(day)}
    shortest = min(routes, key=lambda r: r.end_s - r.start_s)
    room_s = sum(_shift_s(types[r.vehicle_type_id]) for r in routes if r is not shortest)
    if sum(r.end_s - r.start_s for r in routes) > FEWER_TRUCKS_SHARE * room_s:
        return planned
    used = Counter(r.vehicle_type_id for r in routes)
    used[shortest.vehicle_type_id] -= 1
    fleet = _trucks(week, day, used)
    again = _day(week, day, required, fills, fleet=fleet, clock=clock, time_limit_s=time_limit_s, seed=seed)
    served = {s for r in again.plan.routes for s in r.stop_ids}
    return again if set(planned.fill_at_visit) <= served else planned


def _trucks(week: WeekProblem, day: int, used: Counter[str]) -> tuple[VehicleType, ...]:
    """The day's truck types cut to ``used`` trucks of each (types not used left out)."""
    return tuple(replace(vt, count=used[vt.id]) for vt in week.fleet(day) if used[vt.id])


def _shift_s(vt: VehicleType) -> int:
    """The longest route a truck of this type can drive."""
    shift = vt.shift.end_s - vt.shift.start_s
    return shift if vt.max_duration_s is None else min(shift, vt.max_duration_s)


def _ratio_prize(stop: Stop, fill_pct: float, fen_per_kg: float) -> float:
    """``fen_per_kg`` times the weight a visit collects."""
    share = min(max(fill_pct, 0.0), 100.0) / 100
    return fen_per_kg * sum(x.kg for x in stop.loads) * share


def _worth_now(today: float, last_day: float) -> float:
    """The fill an optional visit is paid for: ``today``'s, less :data:`WAIT_SHARE` times
    what the outlet would gain by the horizon's last day (``last_day``, up to a full bin).

    An outlet emptied early is visited again for less weight, or its weight waits
    for next week: one 60 % full that will be 90 % on the last day is worth less
    today than one 60 % full that stays near it. On benchmarks/week.py's rolling
    week at 400 outlets this took the mean fill at a visit from 76-80 % to 80-85 %
    and came out 1-1.5 % cheaper per tonne on each of seeds 11, 12 and 13.
    """
    return today - WAIT_SHARE * max(0.0, min(last_day, 100.0) - today)
