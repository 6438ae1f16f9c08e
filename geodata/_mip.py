"""A small sparse MILP handed to OR-Tools: pywraplp (SCIP, CBC, HiGHS) or CP-SAT.

Private module. The siting models build one :class:`LinearModel` from numpy arrays and
:func:`solve_model` passes it to the chosen back end, so the models never touch a solver
API and the back ends can be compared on exactly the same model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

Backend = Literal["cp-sat", "scip", "cbc", "highs"]
BACKENDS: tuple[Backend, ...] = ("cp-sat", "scip", "cbc", "highs")

_PYWRAPLP_NAMES = {"scip": "SCIP", "cbc": "CBC", "highs": "HIGHS"}


class SolverUnavailableError(RuntimeError):
    """The requested OR-Tools back end is not built into this installation."""


@dataclass(frozen=True, eq=False)
class LinearModel:
    """``optimise obj @ x`` subject to ``row_lb <= rows @ x <= row_ub`` and bounds on ``x``.

    ``integer`` marks integer variables. ``hint`` is a feasible starting point, or ``None``.
    ``integral_objective`` promises that every feasible integer point has an integer
    objective value (lets a solve stop once bound and incumbent are less than 1 apart).
    """

    obj: npt.NDArray[np.float64]
    lb: npt.NDArray[np.float64]
    ub: npt.NDArray[np.float64]
    integer: npt.NDArray[np.bool_]
    rows: sp.csr_array
    row_lb: npt.NDArray[np.float64]
    row_ub: npt.NDArray[np.float64]
    maximize: bool
    hint: npt.NDArray[np.float64] | None = None
    integral_objective: bool = False


Outcome = Literal["optimal", "feasible", "infeasible", "unknown"]


@dataclass(frozen=True, eq=False)
class Solution:
    """What a back end found.

    ``status`` is ``"optimal"`` (proven), ``"feasible"`` (time ran out with a solution),
    ``"infeasible"`` (proven to have none) or ``"unknown"`` (time ran out without one); in the
    last two ``values`` is empty and ``objective``/``bound`` are NaN.
    """

    status: Outcome
    values: npt.NDArray[np.float64]
    objective: float
    bound: float
    seconds: float
    backend: Backend

    @property
    def optimal(self) -> bool:
        """Whether the solution is proven optimal."""
        return self.status == "optimal"

    @property
    def found(self) -> bool:
        """Whether there is a solution at all."""
        return self.status in ("optimal", "feasible")


def solve_model(model: LinearModel, *, backend: Backend, time_limit_s: float) -> Solution:
    """Solve ``model`` with ``backend`` within ``time_limit_s`` seconds."""
    start = time.perf_counter()
    if backend == "cp-sat" and not _whole_numbers(model):
        raise SolverUnavailableError(
            "CP-SAT needs whole-number coefficients; this model has fractional ones "
            "(e.g. p-median distances): use scip or cbc"
        )
    if backend == "cp-sat":
        found = _solve_cp_sat(model, time_limit_s=time_limit_s)
    elif backend in _PYWRAPLP_NAMES:
        found = _solve_pywraplp(model, backend=backend, time_limit_s=time_limit_s)
    else:
        raise SolverUnavailableError(f"unknown back end {backend!r}; use one of {BACKENDS}")
    status, values, objective, bound = found
    return Solution(
        status=status,
        values=values,
        objective=objective,
        bound=bound,
        seconds=time.perf_counter() - start,
        backend=backend,
    )


_Found = tuple[Outcome, npt.NDArray[np.float64], float, float]
_NOTHING = np.zeros(0)


def _solve_pywraplp(model: LinearModel, *, backend: Backend, time_limit_s: float) -> _Found:
    solver = pywraplp.Solver.CreateSolver(_PYWRAPLP_NAMES[backend])
    if solver is None:
        raise SolverUnavailableError(f"OR-Tools was built without {backend}")
    inf = solver.infinity()
    xs = [
        solver.Var(_finite(lo, inf), _finite(hi, inf), bool(is_int), "")
        for lo, hi, is_int in zip(model.lb, model.ub, model.integer, strict=True)
    ]
    rows = model.rows
    for r in range(rows.shape[0]):
        ct = solver.Constraint(_finite(model.row_lb[r], inf), _finite(model.row_ub[r], inf))
        for col, coef in zip(
            rows.indices[rows.indptr[r] : rows.indptr[r + 1]],
            rows.data[rows.indptr[r] : rows.indptr[r + 1]],
            strict=True,
        ):
            ct.SetCoefficient(xs[col], float(coef))
    objective = solver.Objective()
    for col in np.flatnonzero(model.obj):
        objective.SetCoefficient(xs[col], float(model.obj[col]))
    objective.SetOptimizationDirection(model.maximize)
    if model.hint is not None:
        solver.SetHint(xs, [float(v) for v in model.hint])
    solver.SetTimeLimit(max(1, int(time_limit_s * 1000)))
    params = pywraplp.MPSolverParameters()
    # pywraplp stops at a 0.01 % gap by default; the siting results promise exact optima.
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, 0.0)
    status = solver.Solve(params)
    if status == pywraplp.Solver.INFEASIBLE:
        return "infeasible", _NOTHING, np.nan, np.nan
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return "unknown", _NOTHING, np.nan, np.nan
    values = np.array([x.solution_value() for x in xs], dtype=np.float64)
    value = objective.Value()
    if status == pywraplp.Solver.OPTIMAL:
        return "optimal", values, value, value
    return "feasible", values, value, objective.BestBound()


def _finite(value: float, inf: float) -> float:
    return float(np.clip(value, -inf, inf))


def _solve_cp_sat(model: LinearModel, *, time_limit_s: float) -> _Found:
    """CP-SAT needs integer variables and coefficients; the caller checks they are."""
    cp = cp_model.CpModel()
    proto = cp.Proto()
    for lo, hi in zip(model.lb, model.ub, strict=True):
        var = proto.variables.add()
        var.domain.extend([int(np.ceil(lo)), int(np.floor(hi))])
    rows = model.rows
    for r in range(rows.shape[0]):
        ct = proto.constraints.add().linear
        lo, hi = rows.indptr[r], rows.indptr[r + 1]
        ct.vars.extend(int(c) for c in rows.indices[lo:hi])
        ct.coeffs.extend(int(round(c)) for c in rows.data[lo:hi])
        ct.domain.extend([_int_bound(model.row_lb[r]), _int_bound(model.row_ub[r])])
    cols = np.flatnonzero(model.obj)
    sign = -1 if model.maximize else 1  # CP-SAT minimises its proto objective
    proto.objective.vars.extend(int(c) for c in cols)
    proto.objective.coeffs.extend(int(round(sign * model.obj[c])) for c in cols)
    if model.hint is not None:
        proto.solution_hint.vars.extend(range(len(model.hint)))
        proto.solution_hint.values.extend(int(round(v)) for v in model.hint)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit_s)
    # One worker with the full LP relaxation: on these covering models CP-SAT's two-worker
    # portfolio has no LP-based worker and stalls far from the bound (measured: MCLP
    # 2,000 x 200 unproven after 60 s, against 0.03 s for this setting).
    solver.parameters.num_workers = 1
    solver.parameters.linearization_level = 2
    status = solver.Solve(cp)
    if status == cp_model.INFEASIBLE:
        return "infeasible", _NOTHING, np.nan, np.nan
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return "unknown", _NOTHING, np.nan, np.nan
    values = np.array(solver.ResponseProto().solution, dtype=np.float64)
    objective = float(solver.ObjectiveValue()) * sign
    if status == cp_model.OPTIMAL:
        return "optimal", values, objective, objective
    return "feasible", values, objective, float(solver.BestObjectiveBound()) * sign


def _int_bound(value: float) -> int:
    # CP-SAT domains are int64; keep well inside so sums cannot overflow.
    limit = 2**53
    return int(np.clip(round(value) if np.isfinite(value) else np.sign(value) * limit, -limit, limit))


def is_integral(values: npt.NDArray[np.float64]) -> bool:
    """Whether every entry is a whole number (as CP-SAT requires of coefficients)."""
    return bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))


def _whole_numbers(model: LinearModel) -> bool:
    bounds = np.concatenate([model.row_lb, model.row_ub, model.lb, model.ub])
    return (
        is_integral(model.obj) and is_integral(model.rows.data) and is_integral(bounds[np.isfinite(bounds)])
    )
