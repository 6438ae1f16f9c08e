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
    routes exactly as they are. A new planning option (trucks and drivers of the day) is
    a new field here, with a default so that rows queued before it still read."""

    kind: ClassVar[str] = "dispatch.solve"
    day: date
    depot_id: int
    time_limit_s: int
    seed: int = 0
    locked: tuple[routing.LockedRoute, ...] = ()
    replans: int | None = None
