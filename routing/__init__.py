"""Collection routing: a day's collection problem in, an immutable plan out.

Engines: exhaustive enumeration for tiny days, PyVRP where it expresses the day,
PyVRP sketch + OR-Tools finish for days with driver breaks, OR-Tools for the rest.

Pure package: takes plain dataclasses and arrays, never touches the web app or the
database. See :func:`solve`, :class:`Plan`, :func:`compare` and :func:`check`.
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

__all__ = [
    "UNREACHABLE",
    "Break",
    "BreakTaken",
    "Change",
    "CollectionProblem",
    "Depot",
    "Facility",
    "FacilityKind",
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
    "solve",
]
