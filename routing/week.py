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
day). Several ``pull_in`` factors are tried and the week with the lowest cost (fixed
+ per-km + labour) is kept; ``0`` is the "visit on the last safe day" plan.

A required outlet that no truck can serve (or one over its level on day 0 already)
is a *predicted overflow*; :attr:`WeekPlan.predicted_overflows` lists them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from routing._errors import InvalidProblemError
from routing.plan import Plan
from routing.problem import CollectionProblem, Load, Stop, VehicleType
from routing.solve import solve

__all__ = ["OutletOutlook", "WeekDay", "WeekPlan", "WeekProblem", "plan_visits", "plan_week"]


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
    week: WeekProblem, day: int, stops: list[Stop], fills: dict[str, float], **solve_options: object
) -> WeekDay:
    problem = week.day_problem(day, stops)
    plan = solve(problem, **solve_options)  # type: ignore[arg-type]
    served = {s for r in plan.routes for s in r.stop_ids}
    visited = {k: round(v, 1) for k, v in fills.items() if k in served}
    return WeekDay(day, problem, plan, visited, _labour(plan, week.labour_fen_per_hour))


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
    pull_in: Sequence[float] = (0.0, 0.5, 1.0, 2.0),
    min_pull_pct: float = 30.0,
) -> WeekPlan:
    """The cheapest week found over the ``pull_in`` factors; ``time_limit_s`` per day solved."""
    best: WeekPlan | None = None
    for factor in pull_in:
        candidate = _greedy(week, factor, min_pull_pct, time_limit_s=time_limit_s, seed=seed)
        key = (len(candidate.predicted_overflows), candidate.cost_fen, -candidate.collected_kg)
        if best is None or key < (len(best.predicted_overflows), best.cost_fen, -best.collected_kg):
            best = candidate
    assert best is not None  # nosec B101 # pull_in is never empty in practice
    return best


def _greedy(
    week: WeekProblem, factor: float, min_pull_pct: float, *, time_limit_s: float, seed: int
) -> WeekPlan:
    emptied: dict[str, int | None] = {o.stop.id: None for o in week.outlets}
    trip = {o.stop.id: _round_trip_fen(week, o.stop) for o in week.outlets}
    days: list[WeekDay] = []
    overflows: dict[str, int] = {}
    for day in range(week.days):
        _note_overflows(week, day, emptied, overflows)
        stops, fills = [], {}
        for o in week.outlets:
            key = o.stop.id
            fill, tomorrow = o.fill_on(day, emptied[key]), o.fill_on(day + 1, emptied[key])
            if tomorrow > o.overflow_pct:
                stops.append(scaled(o.stop, fill, required=True))
            elif factor > 0 and fill >= min_pull_pct:
                prize = round(factor * trip[key] * fill / o.overflow_pct)
                stops.append(scaled(o.stop, fill, required=False, prize_fen=prize))
            else:
                continue
            fills[key] = fill
        planned = _day(week, day, stops, fills, time_limit_s=time_limit_s, seed=seed)
        for key in planned.fill_at_visit:
            emptied[key] = day
        days.append(planned)
    _note_overflows(week, week.days, emptied, overflows)
    return WeekPlan(tuple(days), tuple(sorted((d, k) for k, d in overflows.items())))
