"""Which engine plans a day: the rule, and the measurements behind it.

1. At most :data:`~routing._exhaustive.TINY_STOPS` free stops: ``exhaustive``. It
   proves the optimum in milliseconds where a local search would run to the limit.
2. PyVRP expresses the day exactly: ``pyvrp``. Measured in one run, one thread each,
   same limit: on Solomon the OR-Tools-only release drove 1.8 % more than PyVRP
   (C101, R101, RC101, R201 at 10 s), and on a synthetic collection day with reloads
   (benchmarks/vrp.py ``day-30``, 3 s) OR-Tools' plan cost 591.22 yuan, PyVRP's 508.33.
3. PyVRP lacks only the driver breaks: ``pyvrp+ortools`` -- PyVRP sketches the day
   without breaks, OR-Tools finishes it with them (:mod:`routing._hybrid`). At 10 s
   its objective was 3 % (day-30), 10 % (day-100) and 52 % (day-200) below OR-Tools'
   alone on the same days with a lunch break.
4. Otherwise ``ortools``, which models everything (breaks as interval variables,
   "unload before going home" as a soft bound, pinned stops and locked routes as
   restricted domains).

If PyVRP returns nothing usable (no feasible plan, an arc the road network lacks, a
plan the checker rejects) OR-Tools plans the day with the time that is left.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from routing._exhaustive import TINY_STOPS
from routing._locks import Lock
from routing.problem import CollectionProblem, LockedRoute, LockedStop

__all__ = ["Engine", "Obstacle", "choose_engine", "pyvrp_obstacles"]


class Engine(StrEnum):
    """A search engine, or ``AUTO`` to let :func:`choose_engine` decide."""

    AUTO = "auto"
    EXHAUSTIVE = "exhaustive"
    PYVRP = "pyvrp"
    HYBRID = "pyvrp+ortools"
    ORTOOLS = "ortools"


class Obstacle(StrEnum):
    """Something in a day that PyVRP cannot express."""

    BREAKS = "driver breaks"
    UNLOAD_BEFORE_END = "an unloading required before the end of the route"
    PINNED_STOP = "a stop pinned to one truck"
    LOCKED_ROUTE = "a route kept as it is"


def pyvrp_obstacles(problem: CollectionProblem, locks: Sequence[Lock]) -> list[Obstacle]:
    """What keeps PyVRP from planning this day exactly (empty if nothing does)."""
    fleet = [vt for vt in problem.vehicle_types if vt.count > 0]
    found = {
        Obstacle.BREAKS: any(vt.breaks for vt in fleet),
        Obstacle.UNLOAD_BEFORE_END: any(vt.unload_before_end for vt in fleet),
        Obstacle.PINNED_STOP: any(isinstance(lock, LockedStop) for lock in locks),
        Obstacle.LOCKED_ROUTE: any(isinstance(lock, LockedRoute) for lock in locks),
    }
    return [obstacle for obstacle, present in found.items() if present]


def choose_engine(
    problem: CollectionProblem,
    free_stops: int,
    locks: Sequence[Lock],
    requested: Engine = Engine.AUTO,
) -> Engine:
    """The engine for this day; a requested engine that cannot plan it is replaced.

    ``free_stops`` counts the servable stops not on a locked route.
    """
    obstacles = pyvrp_obstacles(problem, locks)
    possible = {Engine.ORTOOLS}
    if free_stops <= TINY_STOPS:
        possible.add(Engine.EXHAUSTIVE)
    if not obstacles:
        possible.add(Engine.PYVRP)
    if obstacles == [Obstacle.BREAKS]:
        possible.add(Engine.HYBRID)
    if requested in possible:
        return requested
    for engine in (Engine.EXHAUSTIVE, Engine.PYVRP, Engine.HYBRID):
        if engine in possible:
            return engine
    return Engine.ORTOOLS
