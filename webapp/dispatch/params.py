"""The parameters of a solve job, as stored on its Job row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

import routing
from webapp.jobs.params import JobParams


@dataclass(frozen=True, kw_only=True)
class SolveDayParams(JobParams):
    """Plan ``day`` from depot ``depot_id``; a re-plan of plan ``replans`` keeps ``locked``
    routes exactly as they are. A new planning option is a new field here, with a default
    so that rows queued before it still read.

    ``vehicle_ids`` / ``driver_ids`` narrow the day's available fleet (None: all of it);
    ``include_outlets`` are visited whatever their fill, ``exclude_outlets`` never;
    ``day_start_s`` / ``day_end_s`` (seconds after midnight) shorten every crew's hours.
    ``max_route_s`` caps each route's duration (None: ``problem.MAX_ROUTE_S``), the
    dispatcher's way to spread a day over more trucks; the pay per hour, standard day and
    overtime rate are the cost settings the plan page accounts with (:mod:`webapp.dispatch.costs`).
    """

    kind: ClassVar[str] = "dispatch.solve"
    day: date
    depot_id: int
    time_limit_s: int
    seed: int = 0
    locked: tuple[routing.LockedRoute, ...] = ()
    replans: int | None = None
    vehicle_ids: tuple[int, ...] | None = None
    driver_ids: tuple[int, ...] | None = None
    include_outlets: tuple[int, ...] = ()
    exclude_outlets: tuple[int, ...] = ()
    day_start_s: int | None = None
    day_end_s: int | None = None
    max_route_s: int | None = None
    labour_fen_per_hour: int | None = None
    standard_day_s: int | None = None
    overtime_pct: int | None = None
