"""What a plan costs and why it sends out the trucks it does.

The solver minimises each truck's fixed cost per day, its cost per km (the vehicle's
own figures) and its driver's pay and overtime under the cost settings of the solve
(:class:`CostSettings`, passed in as :class:`~webapp.dispatch.problem.Pay`). They are
priced again here, on the stored routes, for the plan page's account: each route's
fixed, km, labour and overtime cost, and for every ticked truck that stays at home what
it would cost to send it out — the longest route split in two on the road matrix, the
second half driven by that truck — against what it would save. A dispatcher who wants
the work spread anyway sets a shorter maximum route duration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from webapp.dispatch.problem import LUNCH, MAX_ROUTE_S, Pay
from webapp.dispatch.retime import places, road_matrix
from webapp.models import CollectionPlan, PlannedRoute, PlannedStop, Vehicle

# Example rate (示例值): a Shenzhen collection-truck driver's pay per hour, in fen. The
# dispatcher sets the rate in force on the plan form.
LABOUR_FEN_PER_HOUR = 4000
# Labour Law of the PRC, art. 36 (8 hours a day) and art. 44 (overtime paid at no less
# than 150 % of the wage).
STANDARD_DAY_S = 8 * 3600
OVERTIME_PCT = 150


@dataclass(frozen=True)
class CostSettings:
    """Cost settings of one solve: pay per hour (fen), the standard day and the overtime rate."""

    labour_fen_per_hour: int = LABOUR_FEN_PER_HOUR
    standard_day_s: int = STANDARD_DAY_S
    overtime_pct: int = OVERTIME_PCT
    max_route_s: int = MAX_ROUTE_S

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> CostSettings:
        """The settings a solve job was given (defaults for jobs queued before they existed)."""
        return cls(
            labour_fen_per_hour=params.get("labour_fen_per_hour") or LABOUR_FEN_PER_HOUR,
            standard_day_s=params.get("standard_day_s") or STANDARD_DAY_S,
            overtime_pct=params.get("overtime_pct") or OVERTIME_PCT,
            max_route_s=params.get("max_route_s") or MAX_ROUTE_S,
        )

    @property
    def pay(self) -> Pay:
        """The pay settings as the solver takes them."""
        return Pay(self.labour_fen_per_hour, self.standard_day_s, self.overtime_pct)


@dataclass(frozen=True)
class RouteCost:
    """One truck's day: fen by kind, paid seconds and the overtime part of them."""

    fixed_fen: int
    km_fen: int
    labour_fen: int
    overtime_fen: int
    paid_s: int
    overtime_s: int
    distance_m: int

    @property
    def total_fen(self) -> int:
        """Everything the day costs with this truck out."""
        return self.fixed_fen + self.km_fen + self.labour_fen + self.overtime_fen


def route_cost(vehicle: Vehicle, distance_m: int, paid_s: int, settings: CostSettings) -> RouteCost:
    """A truck's cost for a day of ``distance_m`` driven and ``paid_s`` worked.

    Every hour is paid at the rate; hours past the standard day get the overtime premium on top.
    """
    overtime_s = max(0, paid_s - settings.standard_day_s)
    rate = settings.labour_fen_per_hour
    return RouteCost(
        fixed_fen=vehicle.fixed_cost_fen,
        km_fen=round(distance_m * vehicle.cost_per_km_fen / 1000),
        labour_fen=round(paid_s * rate / 3600),
        overtime_fen=round(overtime_s * rate * (settings.overtime_pct - 100) / 100 / 3600),
        paid_s=paid_s,
        overtime_s=overtime_s,
        distance_m=distance_m,
    )


def paid_seconds(start_s: int, end_s: int) -> int:
    """A route's working time: its span without the lunch break when the span holds one."""
    span = end_s - start_s
    lunch = start_s < LUNCH.latest_end_s and end_s > LUNCH.earliest_start_s + LUNCH.duration_s
    return span - LUNCH.duration_s if lunch else span


@dataclass(frozen=True)
class SplitOption:
    """An idle truck taking the second part of a route: what the day would cost then."""

    vehicle: Vehicle
    route_number: int
    stops_taken: int
    kept: RouteCost
    taken: RouteCost
    now: RouteCost

    @property
    def saving_fen(self) -> int:
        """What sending the truck out saves (negative: the day costs more with it)."""
        return self.now.total_fen - self.kept.total_fen - self.taken.total_fen

    @property
    def km_added(self) -> float:
        """Kilometres the second truck adds (two depot round trips instead of one)."""
        return (self.kept.distance_m + self.taken.distance_m - self.now.distance_m) / 1000

    @property
    def hours_added(self) -> float:
        """Paid hours the second truck adds (negative: fewer)."""
        return (self.kept.paid_s + self.taken.paid_s - self.now.paid_s) / 3600

    @property
    def overtime_saved_fen(self) -> int:
        """The overtime premium the split saves."""
        return self.now.overtime_fen - self.kept.overtime_fen - self.taken.overtime_fen


@dataclass(frozen=True)
class Account:
    """The plan's cost account for the page."""

    settings: CostSettings
    routes: list[tuple[PlannedRoute, Vehicle, RouteCost]]
    idle: list[tuple[Vehicle, SplitOption | None]]

    @property
    def total_fen(self) -> int:
        """The plan's cost under the settings."""
        return sum(cost.total_fen for _r, _v, cost in self.routes)


def account(
    session: Session,
    plan: CollectionPlan,
    params: Mapping[str, Any],
    offered: Sequence[Vehicle],
    *,
    cache_dir: Path | None,
    speeds_kmh: Mapping[str, float] | None = None,
) -> Account:
    """Each route's cost and, for each offered truck left at home, the best split it could take."""
    settings = CostSettings.of(params)
    rows = list(
        session.exec(
            select(PlannedRoute).where(PlannedRoute.plan_id == plan.id).order_by(col(PlannedRoute.number))
        )
    )
    vehicles = {v.id: v for v in session.exec(select(Vehicle))}
    routes = [
        (
            r,
            vehicles[r.vehicle_id],
            route_cost(vehicles[r.vehicle_id], r.distance_m, paid_seconds(r.start_s, r.end_s), settings),
        )
        for r in rows
    ]
    used = {r.vehicle_id for r in rows}
    idle_trucks = [v for v in offered if v.id not in used]
    longest = max(routes, key=lambda item: item[0].duration_s, default=None)
    idle: list[tuple[Vehicle, SplitOption | None]] = []
    if longest is not None and idle_trucks:
        stops = list(
            session.exec(
                select(PlannedStop)
                .where(PlannedStop.route_id == longest[0].id)
                .order_by(col(PlannedStop.position))
            )
        )
        legs = road_matrix(places(session, plan, stops), cache_dir=cache_dir, speeds_kmh=speeds_kmh)
        for truck in idle_trucks:
            idle.append((truck, best_split(longest, stops, legs, truck, settings)))
    return Account(settings=settings, routes=routes, idle=idle)


def best_split(
    longest: tuple[PlannedRoute, Vehicle, RouteCost],
    stops: list[PlannedStop],
    legs: Any,
    truck: Vehicle,
    settings: CostSettings,
) -> SplitOption | None:
    """The cheapest way for ``truck`` to take the stops after some point of the route.

    Both parts drive depot → stops in their order → depot on the road matrix (index 0 and
    ``len(stops) + 1`` are the depot); the first part still unloads where the route ends
    with an unloading. Service times are the plan's. The route's own cost is worked out
    the same way, so the comparison is like with like. None when no split fits the truck.
    """
    route, vehicle, _cost = longest
    end = len(stops) + 1
    unload = [len(stops)] if stops and stops[-1].kind == "unload" else []
    last_collect = len(stops) - len(unload)
    best: SplitOption | None = None
    whole = _part(list(range(1, end)), stops, legs)
    now = route_cost(vehicle, whole[0], whole[1], settings)
    for k in range(1, last_collect):
        first, second = [*range(1, k + 1), *unload], list(range(k + 1, end))
        if max((stops[i - 1].load_after_g for i in second), default=0) > truck.capacity_g:
            continue
        a, b = _part(first, stops, legs), _part(second, stops, legs)
        option = SplitOption(
            vehicle=truck,
            route_number=route.number,
            stops_taken=sum(stops[i - 1].kind != "unload" for i in second),
            kept=route_cost(vehicle, a[0], a[1], settings),
            taken=route_cost(truck, b[0], b[1], settings),
            now=now,
        )
        if best is None or option.saving_fen > best.saving_fen:
            best = option
    return best


def _part(order: list[int], stops: list[PlannedStop], legs: Any) -> tuple[int, int]:
    """Metres and working seconds of depot → the stops at ``order`` (1-based) → depot."""
    path = [0, *order, len(stops) + 1]
    metres = sum(int(legs.distance_m[a, b]) for a, b in zip(path, path[1:], strict=False))
    driving = sum(int(legs.duration_s[a, b]) for a, b in zip(path, path[1:], strict=False))
    service = sum(max(0, stops[i - 1].departure_s - stops[i - 1].arrival_s) for i in order)
    return metres, driving + service
