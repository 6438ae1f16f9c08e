"""Collection routing: a day's collection problem in, an immutable plan out.

Engines: exhaustive enumeration for tiny days, PyVRP where it expresses the day,
PyVRP sketch + OR-Tools finish for days with driver breaks, OR-Tools for the rest.

Pure package: takes plain dataclasses and arrays, never touches the web app or the
database. See :func:`solve`, :class:`Plan`, :func:`compare` and :func:`check`; for the
driver, :func:`nav_links` (turn-by-turn in the phone's map app) and :func:`to_gpx`.
"""

from __future__ import annotations

from routing._errors import (
    InfeasibleLockError,
    InstanceFormatError,
    InvalidLockError,
    InvalidMatrixError,
    InvalidProblemError,
    InvalidStopError,
    InvalidVehicleTypeError,
)
from routing.check import Violation, ViolationKind, check
from routing.gpx import GpxRoute, GpxStop, to_gpx
from routing.navlinks import NavLink, nav_links
from routing.plan import (
    BreakTaken,
    Change,
    Plan,
    PlanComparison,
    Reason,
    Route,
    SearchInfo,
    Unassigned,
    Visit,
    VisitKind,
    compare,
)
from routing.problem import (
    UNREACHABLE,
    Break,
    CollectionProblem,
    Depot,
    Facility,
    FacilityKind,
    Load,
    Location,
    LockedRoute,
    LockedStop,
    Stop,
    TimeWindow,
    VehicleType,
)
from routing.solve import solve
from routing.week import (
    OutletOutlook,
    WeekDay,
    WeekPlan,
    WeekProblem,
    plan_morning,
    plan_visits,
    plan_week,
)
from routing.week_check import WeekViolation, check_week

__all__ = [
    "plan_morning",
    "plan_week",
    "plan_visits",
    "check_week",
    "WeekViolation",
    "WeekProblem",
    "WeekPlan",
    "WeekDay",
    "OutletOutlook",
    "UNREACHABLE",
    "Break",
    "BreakTaken",
    "Change",
    "CollectionProblem",
    "Depot",
    "Facility",
    "FacilityKind",
    "GpxRoute",
    "GpxStop",
    "InfeasibleLockError",
    "InstanceFormatError",
    "InvalidLockError",
    "InvalidMatrixError",
    "InvalidProblemError",
    "InvalidStopError",
    "InvalidVehicleTypeError",
    "Load",
    "Location",
    "LockedRoute",
    "LockedStop",
    "NavLink",
    "Plan",
    "PlanComparison",
    "Reason",
    "Route",
    "SearchInfo",
    "Stop",
    "TimeWindow",
    "Unassigned",
    "VehicleType",
    "Violation",
    "ViolationKind",
    "Visit",
    "VisitKind",
    "check",
    "compare",
    "nav_links",
    "solve",
    "to_gpx",
]
