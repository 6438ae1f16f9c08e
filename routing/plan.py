"""The result of a solve: routes, unassigned stops with reasons, totals and comparison."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from routing.problem import LockedRoute

__all__ = [
    "BreakTaken",
    "Change",
    "Plan",
    "PlanComparison",
    "Reason",
    "Route",
    "SearchInfo",
    "Unassigned",
    "Visit",
    "VisitKind",
    "compare",
    "paid_seconds",
]


class VisitKind(StrEnum):
    """What a truck does at a visit."""

    STOP = "stop"
    UNLOAD = "unload"


class Reason(StrEnum):
    """Why a stop is not in any route."""

    NO_VEHICLES = "no_vehicles"
    TOO_HEAVY = "too_heavy"
    TOO_BULKY = "too_bulky"
    UNREACHABLE = "unreachable"
    TIME_WINDOW = "time_window"
    NOT_PROFITABLE = "not_profitable"
    NO_ROUTE_FOUND = "no_route_found"

    @property
    def label(self) -> str:
        """Short English label; the web layer translates it."""
        return _REASON_LABELS[self]


_REASON_LABELS = {
    Reason.NO_VEHICLES: "no vehicle available",
    Reason.TOO_HEAVY: "heavier than any truck",
    Reason.TOO_BULKY: "bulkier than any truck",
    Reason.UNREACHABLE: "not reachable on the road network",
    Reason.TIME_WINDOW: "opening hours cannot be met",
    Reason.NOT_PROFITABLE: "optional and not worth the detour",
    Reason.NO_ROUTE_FOUND: "no feasible route found",
}


@dataclass(frozen=True)
class Visit:
    """One visit of a route; ``arrival_s`` is when service (or unloading) starts."""

    kind: VisitKind
    id: str
    location: int
    arrival_s: int
    departure_s: int
    load_kg: float
    """Load on board after the visit (0 after an unloading)."""
    load_m3: float
    collected_kg: float = 0.0


@dataclass(frozen=True)
class BreakTaken:
    """When a driver break is taken."""

    start_s: int
    duration_s: int

    @property
    def end_s(self) -> int:
        """Second at which the break ends."""
        return self.start_s + self.duration_s


def paid_seconds(start_s: int, end_s: int, breaks: Iterable[BreakTaken]) -> int:
    """A route's working time: from leaving to coming back, less the breaks taken in between.

    A break taken before leaving or after coming back is off the clock anyway.
    """
    return end_s - start_s - sum(b.duration_s for b in breaks if start_s <= b.start_s and b.end_s <= end_s)


@dataclass(frozen=True)
class Route:
    """One truck's day: leaves ``start_depot`` at ``start_s``, is back at ``end_s``."""

    vehicle_type_id: str
    unit: int
    start_depot: str
    end_depot: str
    start_s: int
    end_s: int
    visits: tuple[Visit, ...]
    breaks: tuple[BreakTaken, ...]
    distance_m: int
    cost_fen: int

    @property
    def km(self) -> float:
        """Distance driven in kilometres."""
        return self.distance_m / 1000

    @property
    def hours(self) -> float:
        """Time from leaving the depot to coming back, in hours."""
        return (self.end_s - self.start_s) / 3600

    @property
    def paid_s(self) -> int:
        """Seconds the driver is paid for: :attr:`hours` less the breaks taken on the road."""
        return paid_seconds(self.start_s, self.end_s, self.breaks)

    @property
    def stop_ids(self) -> tuple[str, ...]:
        """Stops served, in order."""
        return tuple(v.id for v in self.visits if v.kind is VisitKind.STOP)

    @property
    def collected_kg(self) -> float:
        """Weight collected over the whole route."""
        return sum(v.collected_kg for v in self.visits)

    def to_lock(self) -> LockedRoute:
        """A lock that keeps this route exactly as it is on the next solve."""
        return LockedRoute(self.vehicle_type_id, self.unit, tuple(v.id for v in self.visits))


@dataclass(frozen=True)
class Unassigned:
    """A stop left out, with the reason and a sentence a dispatcher can act on."""

    stop_id: str
    reason: Reason
    detail: str


@dataclass(frozen=True)
class SearchInfo:
    """How the plan was found.

    ``stopped_by`` is ``"solution_limit"``, ``"time_limit"``, ``"no_improvement"`` (the
    search stopped itself), ``"exhausted"`` (every plan was enumerated: the plan is
    optimal) or ``"nothing_to_solve"``; ``engine`` is ``"ortools"``, ``"pyvrp"``,
    ``"exhaustive"`` or ``"none"``.
    """

    seed: int
    time_limit_s: float
    solution_limit: int | None
    solutions: int
    """Solutions accepted by the search (what ``solution_limit`` counts)."""
    wall_s: float
    stopped_by: str
    objective: int
    """Solver objective in milli-fen (costs plus penalties of dropped stops)."""
    engine: str = "ortools"
    """Which engine found the plan; stored plans from before engines default to OR-Tools."""


@dataclass(frozen=True)
class Plan:
    """An immutable plan; checks on construction that no stop or vehicle appears twice."""

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    search: SearchInfo | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for stop_id in [s for r in self.routes for s in r.stop_ids] + [u.stop_id for u in self.unassigned]:
            if stop_id in seen:
                raise ValueError(f"stop {stop_id!r} appears twice in the plan")
            seen.add(stop_id)
        vehicles = [(r.vehicle_type_id, r.unit) for r in self.routes]
        if len(set(vehicles)) != len(vehicles):
            raise ValueError("a vehicle has two routes in the plan")

    def __iter__(self) -> Iterator[Route]:
        return iter(self.routes)

    @property
    def distance_m(self) -> int:
        """Total distance in metres."""
        return sum(r.distance_m for r in self.routes)

    @property
    def km(self) -> float:
        """Total distance in kilometres."""
        return self.distance_m / 1000

    @property
    def hours(self) -> float:
        """Total route time in hours."""
        return sum(r.hours for r in self.routes)

    @property
    def cost_fen(self) -> int:
        """Fixed and per-km cost of the routes."""
        return sum(r.cost_fen for r in self.routes)

    @property
    def stops_served(self) -> int:
        """Number of stops in the routes."""
        return sum(len(r.stop_ids) for r in self.routes)

    @property
    def collected_kg(self) -> float:
        """Weight collected by all routes."""
        return sum(r.collected_kg for r in self.routes)

    def summary(self) -> str:
        """A few lines for a log or a terminal."""
        lines = [
            f"{_count(len(self.routes), 'route')}, {_count(self.stops_served, 'stop')} served, "
            f"{len(self.unassigned)} unassigned",
            f"{self.km:.1f} km, {self.hours:.2f} h, {self.collected_kg:.1f} kg, "
            f"cost {self.cost_fen / 100:.2f} yuan",
        ]
        for r in self.routes:
            unloads = sum(v.kind is VisitKind.UNLOAD for v in r.visits)
            lines.append(
                f"  {r.vehicle_type_id}#{r.unit}: {_count(len(r.stop_ids), 'stop')}, "
                f"{_count(unloads, 'unload')}, {r.km:.1f} km, {r.hours:.2f} h"
            )
        lines += [f"  unassigned {u.stop_id}: {u.reason.label} ({u.detail})" for u in self.unassigned]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data; :meth:`from_dict` reads it back."""
        data = asdict(self)
        data["totals"] = {
            "distance_m": self.distance_m,
            "hours": self.hours,
            "stops_served": self.stops_served,
            "collected_kg": self.collected_kg,
            "cost_fen": self.cost_fen,
        }
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        """Rebuild a plan written by :meth:`to_dict`."""
        routes = tuple(
            Route(
                **{
                    **r,
                    "visits": tuple(Visit(**{**v, "kind": VisitKind(v["kind"])}) for v in r["visits"]),
                    "breaks": tuple(BreakTaken(**b) for b in r["breaks"]),
                }
            )
            for r in data["routes"]
        )
        unassigned = tuple(
            Unassigned(u["stop_id"], Reason(u["reason"]), u["detail"]) for u in data["unassigned"]
        )
        search = SearchInfo(**data["search"]) if data.get("search") else None
        return cls(routes, unassigned, search)


def _count(n: int, noun: str) -> str:
    """``1 route``, ``2 routes``: English nouns of the summary, counted."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@dataclass(frozen=True)
class Change:
    """A figure before and after."""

    before: float
    after: float

    @property
    def delta(self) -> float:
        """``after - before``."""
        return self.after - self.before


@dataclass(frozen=True)
class PlanComparison:
    """What changes when plan ``a`` is replaced by plan ``b``."""

    km: Change
    hours: Change
    stops_served: Change
    collected_kg: Change
    unassigned: Change
    newly_served: tuple[str, ...]
    newly_unassigned: tuple[str, ...]
    changes_vehicle: tuple[str, ...] = ()
    """Stops served by both plans, by another vehicle in ``b``."""

    def summary(self) -> str:
        """One line per figure: before -> after (delta)."""
        rows = [
            ("km", self.km, ".1f"),
            ("hours", self.hours, ".2f"),
            ("stops served", self.stops_served, ".0f"),
            ("kg collected", self.collected_kg, ".1f"),
            ("unassigned", self.unassigned, ".0f"),
        ]
        return "\n".join(
            f"{name}: {c.before:{fmt}} -> {c.after:{fmt}} ({c.delta:+{fmt}})" for name, c, fmt in rows
        )


def compare(a: Plan, b: Plan) -> PlanComparison:
    """Compare plan ``a`` (e.g. the current plan) with plan ``b`` (the what-if)."""
    vehicle_a = {s: (r.vehicle_type_id, r.unit) for r in a.routes for s in r.stop_ids}
    vehicle_b = {s: (r.vehicle_type_id, r.unit) for r in b.routes for s in r.stop_ids}
    served_a, served_b = set(vehicle_a), set(vehicle_b)
    return PlanComparison(
        km=Change(a.km, b.km),
        hours=Change(a.hours, b.hours),
        stops_served=Change(a.stops_served, b.stops_served),
        collected_kg=Change(a.collected_kg, b.collected_kg),
        unassigned=Change(len(a.unassigned), len(b.unassigned)),
        newly_served=tuple(sorted(served_b - served_a)),
        newly_unassigned=tuple(sorted(served_a - served_b)),
        changes_vehicle=tuple(sorted(s for s in served_a & served_b if vehicle_a[s] != vehicle_b[s])),
    )
