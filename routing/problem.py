"""The collection problem: depots, facilities, stops, vehicle types and travel matrices.

Conventions
-----------
- Times are integer seconds from midnight of the planning day.
- Weights are kilograms (``*_kg``), volumes cubic metres (``*_m3``); the solver works in
  integer grams and litres (:attr:`Stop.demand_g`, :attr:`VehicleType.capacity_g`), which
  is also what the database stores.
- Money is integer fen (``*_fen``).
- Travel comes only from the matrices: ``distance_m[a, b]`` metres and
  ``duration_s[a, b]`` seconds between location indices ``a`` and ``b``, or
  :data:`UNREACHABLE` when the network has no path.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Final

import numpy as np
import numpy.typing as npt

from routing._errors import (
    InvalidMatrixError,
    InvalidProblemError,
    InvalidStopError,
    InvalidVehicleTypeError,
)

__all__ = [
    "UNREACHABLE",
    "Break",
    "CollectionProblem",
    "Depot",
    "Facility",
    "FacilityKind",
    "Load",
    "Location",
    "LockedRoute",
    "LockedStop",
    "Stop",
    "TimeWindow",
    "VehicleType",
]

UNREACHABLE: Final = -1
"""Matrix entry meaning "no path from a to b" (the road network is not connected)."""

IntMatrix = npt.NDArray[np.int64]


@dataclass(frozen=True)
class TimeWindow:
    """Closed interval ``[start_s, end_s]`` of seconds from midnight."""

    start_s: int
    end_s: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_s <= self.end_s:
            raise InvalidProblemError(f"time window [{self.start_s}, {self.end_s}] is empty")

    def contains(self, t: int) -> bool:
        """Whether second ``t`` lies in the window."""
        return self.start_s <= t <= self.end_s


@dataclass(frozen=True)
class Location:
    """A point on the map; coordinates are for display, travel comes from the matrices."""

    lon: float
    lat: float
    name: str = ""


@dataclass(frozen=True)
class Depot:
    """Where vehicles are parked: routes start and end here."""

    id: str
    location: int


class FacilityKind(StrEnum):
    """Where a truck may unload mid-route."""

    SORTING_CENTRE = "sorting_centre"  # 分拣中心
    TRANSFER_STATION = "transfer_station"  # 中转站
    RECYCLER_PLANT = "recycler_plant"


@dataclass(frozen=True)
class Facility:
    """An unloading facility; unloading must start and finish within opening hours."""

    id: str
    location: int
    opening: TimeWindow
    unload_s: int
    kind: FacilityKind = FacilityKind.SORTING_CENTRE

    def __post_init__(self) -> None:
        if self.unload_s < 0 or self.unload_s > self.opening.end_s - self.opening.start_s:
            raise InvalidProblemError(
                f"facility {self.id!r}: unload time {self.unload_s} s does not fit its hours"
            )

    @property
    def latest_unload_start_s(self) -> int:
        """Last second at which unloading may start and still end before closing."""
        return self.opening.end_s - self.unload_s


@dataclass(frozen=True)
class Load:
    """What a stop hands over of one material."""

    material: str
    kg: float
    m3: float = 0.0


@dataclass(frozen=True)
class Stop:
    """An outlet to empty.

    ``window`` bounds the start of service. Service takes
    ``service_base_s + service_s_per_kg * demand_kg`` seconds. A stop that is not
    ``required`` is served only when its ``prize_fen`` outweighs the extra cost.
    """

    id: str
    location: int
    loads: tuple[Load, ...]
    window: TimeWindow
    service_base_s: int = 0
    service_s_per_kg: float = 0.0
    required: bool = True
    prize_fen: int = 0

    def __post_init__(self) -> None:
        if not self.id:
            raise InvalidStopError("a stop has an empty id")
        for load in self.loads:
            if load.kg < 0 or load.m3 < 0 or not math.isfinite(load.kg + load.m3):
                raise InvalidStopError(f"stop {self.id!r}: {load.material} load is negative")
        if self.service_base_s < 0 or self.service_s_per_kg < 0:
            raise InvalidStopError(f"stop {self.id!r}: service time is negative")
        if self.prize_fen < 0:
            raise InvalidStopError(f"stop {self.id!r}: prize is negative")

    @property
    def demand_kg(self) -> float:
        """Total weight over all materials."""
        return sum(load.kg for load in self.loads)

    @property
    def demand_m3(self) -> float:
        """Total volume over all materials."""
        return sum(load.m3 for load in self.loads)

    @property
    def demand_g(self) -> int:
        """Total weight in integer grams, the unit capacities are checked in."""
        return sum(round(load.kg * 1000) for load in self.loads)

    @property
    def demand_l(self) -> int:
        """Total volume in integer litres."""
        return sum(round(load.m3 * 1000) for load in self.loads)

    @property
    def service_s(self) -> int:
        """Service time in whole seconds (rounded up: a plan must not be optimistic)."""
        return self.service_base_s + math.ceil(self.service_s_per_kg * self.demand_g / 1000)


@dataclass(frozen=True)
class Break:
    """A driver break of ``duration_s`` lying entirely within ``[earliest_start_s, latest_end_s]``.

    The break may interrupt travel but never a service or an unloading. A route that
    ends before the window or starts after it takes the break off the road.
    """

    duration_s: int
    earliest_start_s: int
    latest_end_s: int

    def __post_init__(self) -> None:
        if self.duration_s <= 0 or self.latest_start_s < self.earliest_start_s:
            raise InvalidProblemError(
                f"break of {self.duration_s} s does not fit [{self.earliest_start_s}, {self.latest_end_s}]"
            )

    @property
    def latest_start_s(self) -> int:
        """Last second at which the break may start."""
        return self.latest_end_s - self.duration_s


@dataclass(frozen=True)
class VehicleType:
    """``count`` identical trucks; each unit is one possible route."""

    id: str
    count: int
    capacity_kg: float
    capacity_m3: float
    shift: TimeWindow
    start_depot: str
    end_depot: str
    fixed_cost_fen: int = 0
    cost_per_km_fen: int = 0
    breaks: tuple[Break, ...] = ()
    max_duration_s: int | None = None
    unload_before_end: bool = False
    """If set, a truck that collected anything must visit a facility before going home."""
    cost_per_hour_fen: int = 0
    """The driver's pay per hour from leaving the depot to coming back, waits included, breaks not."""
    standard_day_s: int | None = None
    """Hours paid at the normal rate; beyond them ``overtime_cost_per_hour_fen`` is added."""
    overtime_cost_per_hour_fen: int = 0
    """Extra over :attr:`cost_per_hour_fen` for each hour beyond :attr:`standard_day_s`."""

    def __post_init__(self) -> None:
        if self.count < 0:
            raise InvalidVehicleTypeError(f"vehicle type {self.id!r}: negative count")
        if self.capacity_kg < 0 or self.capacity_m3 < 0:
            raise InvalidVehicleTypeError(f"vehicle type {self.id!r}: negative capacity")
        if min(self.fixed_cost_fen, self.cost_per_km_fen, self.cost_per_hour_fen) < 0:
            raise InvalidVehicleTypeError(f"vehicle type {self.id!r}: negative cost")
        if self.overtime_cost_per_hour_fen < 0:
            raise InvalidVehicleTypeError(f"vehicle type {self.id!r}: negative overtime cost")
        if self.standard_day_s is not None and self.standard_day_s < 0:
            raise InvalidVehicleTypeError(f"vehicle type {self.id!r}: negative standard day")
        if self.overtime_cost_per_hour_fen and self.standard_day_s is None:
            raise InvalidVehicleTypeError(
                f"vehicle type {self.id!r}: overtime cost without a standard day to count it from"
            )
        if self.max_duration_s is not None and self.max_duration_s < 0:
            raise InvalidVehicleTypeError(f"vehicle type {self.id!r}: negative max duration")

    @property
    def prices_labour(self) -> bool:
        """Whether the length of a route costs anything."""
        return bool(self.cost_per_hour_fen or self.overtime_cost_per_hour_fen)

    @property
    def overtime_s(self) -> int | None:
        """Where overtime starts, in seconds of route duration; None if it is not priced."""
        return self.standard_day_s if self.overtime_cost_per_hour_fen else None

    @property
    def millifen_per_s(self) -> int:
        """The hourly pay as the solvers' integer cost per second, in milli-fen.

        Rounded to the nearest milli-fen: 40 yuan/h = 4000 fen/h = 4,000,000 milli-fen
        / 3600 s = 1111.1, so 1111 (3999.6 fen/h, 0.01 % low). Reported costs are
        computed exactly by :meth:`labour_fen`; only the search sees the rounding.
        """
        return round(self.cost_per_hour_fen * 1000 / 3600)

    @property
    def overtime_millifen_per_s(self) -> int:
        """The overtime extra per second in milli-fen, rounded as :attr:`millifen_per_s`."""
        return round(self.overtime_cost_per_hour_fen * 1000 / 3600)

    def labour_fen(self, paid_s: int) -> int:
        """Pay for ``paid_s`` seconds of work: every hour at the rate, plus the overtime extra.

        Each part is rounded to the fen on its own, as the plan page lists them.
        """
        over = max(0, paid_s - self.overtime_s) if self.overtime_s is not None else 0
        return round(paid_s * self.cost_per_hour_fen / 3600) + round(
            over * self.overtime_cost_per_hour_fen / 3600
        )

    def route_cost_fen(self, distance_m: int, paid_s: int) -> int:
        """What one route costs in fen: fixed cost, kilometres and the driver's paid seconds."""
        return self.fixed_cost_fen + round(distance_m * self.cost_per_km_fen / 1000) + self.labour_fen(paid_s)

    def labour_millifen(self, paid_s: int) -> int:
        """The solvers' integer price of ``paid_s`` seconds of work, in milli-fen."""
        over = max(0, paid_s - self.overtime_s) if self.overtime_s is not None else 0
        return paid_s * self.millifen_per_s + over * self.overtime_millifen_per_s

    @property
    def capacity_g(self) -> int:
        """Capacity in integer grams (rounded down: never promise more than the truck holds)."""
        return math.floor(self.capacity_kg * 1000 + 1e-9)

    @property
    def capacity_l(self) -> int:
        """Capacity in integer litres (rounded down)."""
        return math.floor(self.capacity_m3 * 1000 + 1e-9)


@dataclass(frozen=True)
class LockedRoute:
    """Keep one vehicle's route exactly: ``visits`` (stop and facility ids) in this order."""

    vehicle_type_id: str
    unit: int
    visits: tuple[str, ...]


@dataclass(frozen=True)
class LockedStop:
    """Keep a stop on one vehicle; where it goes in the route is re-optimised."""

    stop_id: str
    vehicle_type_id: str
    unit: int


@dataclass(frozen=True)
class CollectionProblem:
    """Everything one planning day needs; validated on construction.

    The matrices are copied into read-only ``int64`` arrays indexed by location.
    """

    locations: tuple[Location, ...]
    depots: tuple[Depot, ...]
    facilities: tuple[Facility, ...]
    stops: tuple[Stop, ...]
    vehicle_types: tuple[VehicleType, ...]
    distance_m: IntMatrix = field(repr=False)
    duration_s: IntMatrix = field(repr=False)

    def __post_init__(self) -> None:
        for name in ("distance_m", "duration_s"):
            object.__setattr__(self, name, _frozen_matrix(name, getattr(self, name)))
        _check_shapes(self)
        _check_ids(self)
        _check_references(self)

    @cached_property
    def stop_index(self) -> Mapping[str, int]:
        """Position of each stop in :attr:`stops`, by id."""
        return {stop.id: i for i, stop in enumerate(self.stops)}

    @cached_property
    def facility_index(self) -> Mapping[str, int]:
        """Position of each facility in :attr:`facilities`, by id."""
        return {facility.id: i for i, facility in enumerate(self.facilities)}

    @cached_property
    def depot_index(self) -> Mapping[str, int]:
        """Position of each depot in :attr:`depots`, by id."""
        return {depot.id: i for i, depot in enumerate(self.depots)}

    @cached_property
    def vehicle_type_index(self) -> Mapping[str, int]:
        """Position of each vehicle type in :attr:`vehicle_types`, by id."""
        return {vt.id: i for i, vt in enumerate(self.vehicle_types)}

    def depot_location(self, depot_id: str) -> int:
        """Location index of a depot."""
        return self.depots[self.depot_index[depot_id]].location


def _frozen_matrix(name: str, values: object) -> IntMatrix:
    array = np.asarray(values)
    if array.ndim != 2 or array.shape[0] != array.shape[1]:
        raise InvalidMatrixError(f"{name} must be square, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise InvalidMatrixError(f"{name} must hold integers, got {array.dtype}")
    matrix = np.array(array, dtype=np.int64)
    if (matrix < UNREACHABLE).any():
        raise InvalidMatrixError(f"{name} has negative entries other than UNREACHABLE")
    if (np.diagonal(matrix) != 0).any():
        raise InvalidMatrixError(f"{name} must be 0 on the diagonal")
    matrix.setflags(write=False)
    return matrix


def _check_shapes(problem: CollectionProblem) -> None:
    n = len(problem.locations)
    for name in ("distance_m", "duration_s"):
        shape = getattr(problem, name).shape
        if shape != (n, n):
            raise InvalidMatrixError(f"{name} is {shape}, expected ({n}, {n}) for {n} locations")
    unreachable_d = problem.distance_m == UNREACHABLE
    if (unreachable_d != (problem.duration_s == UNREACHABLE)).any():
        raise InvalidMatrixError("distance_m and duration_s disagree on unreachable pairs")


def _check_ids(problem: CollectionProblem) -> None:
    # Stop and facility ids share one namespace because a locked route lists both.
    groups = {
        "depot": [d.id for d in problem.depots],
        "vehicle type": [vt.id for vt in problem.vehicle_types],
        "stop or facility": [s.id for s in problem.stops] + [f.id for f in problem.facilities],
    }
    for what, ids in groups.items():
        seen: set[str] = set()
        for item_id in ids:
            if item_id in seen:
                raise InvalidProblemError(f"duplicate {what} id {item_id!r}")
            seen.add(item_id)


def _check_references(problem: CollectionProblem) -> None:
    n = len(problem.locations)
    places = [("depot", d.id, d.location) for d in problem.depots]
    places += [("facility", f.id, f.location) for f in problem.facilities]
    places += [("stop", s.id, s.location) for s in problem.stops]
    for what, item_id, location in places:
        if not 0 <= location < n:
            error = InvalidStopError if what == "stop" else InvalidProblemError
            raise error(f"{what} {item_id!r}: location {location} outside 0..{n - 1}")
    depot_ids = {d.id for d in problem.depots}
    for vt in problem.vehicle_types:
        for depot_id in (vt.start_depot, vt.end_depot):
            if depot_id not in depot_ids:
                raise InvalidVehicleTypeError(f"vehicle type {vt.id!r}: unknown depot {depot_id!r}")
        start, end = problem.depot_location(vt.start_depot), problem.depot_location(vt.end_depot)
        if problem.distance_m[start, end] == UNREACHABLE:
            raise InvalidVehicleTypeError(f"vehicle type {vt.id!r}: end depot unreachable from start")
        if vt.unload_before_end and not problem.facilities:
            raise InvalidVehicleTypeError(
                f"vehicle type {vt.id!r} must unload before the end but there is no facility"
            )
