"""Where to put outlets: maximal covering, set covering and p-median, solved with OR-Tools.

Every model is solved exactly (within the time limit) after exact reductions, and says
whether it proved optimality: ``status`` is ``"optimal"`` or ``"feasible"``, with the best
bound and the gap beside the objective.

The default OR-Tools back end of each model is the one that proved optimality fastest on
the same reduced models (``benchmarks/siting.py --backends``, 2-core machine):

- MCLP, 20,000 x 2,000, p=100: SCIP 9.1 s, CP-SAT 12.1 s, CBC 13.6 s -> SCIP. Its LP-based
  branch and cut suits the budget constraint; CP-SAT only keeps up with one worker and
  the full LP relaxation (its default two-worker portfolio stalls, see ``_mip``).
- LSCP: CP-SAT 0.15 s / 4.3 s (full / 95 % cover at 20,000 x 2,000), CBC 0.16 / 5.2,
  SCIP 0.27 / 5.0 -> CP-SAT. After the set-cover reductions the full cover is tiny and a
  pure 0/1 model, which CP-SAT's presolve and clause learning handle best.
- p-median: SCIP and CBC tie (0.4 s in all at 2,000 x 200; a reduced MIP of 2,875 rows
  takes 0.15 s with either); CP-SAT cannot take fractional distances -> SCIP, one solver
  fewer to reason about. Most of the time goes to the Lagrangian bound, not the MIP.

Override with ``backend=``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from geodata._lscp import solve_lscp_model
from geodata._mclp import CoverOutcome, solve_mclp_model
from geodata._mip import BACKENDS, Backend, SolverUnavailableError
from geodata._pmedian import served, solve_pmedian_model
from geodata._problem import SitingInputError, SitingProblem, build_problem
from geodata._standard import OutletRateCheck, check_outlet_rate

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKENDS",
    "OutletRateCheck",
    "SitingInputError",
    "SitingProblem",
    "SitingResult",
    "SolverUnavailableError",
    "build_problem",
    "check_outlet_rate",
    "solve_lscp",
    "solve_mclp",
    "solve_pmedian",
]

Model = Literal["mclp", "lscp", "pmedian"]
Status = Literal["optimal", "feasible"]

DEFAULT_BACKENDS: dict[Model, Backend] = {"mclp": "scip", "lscp": "cp-sat", "pmedian": "scip"}

_CLI_KEYS = (
    "model",
    "selected",
    "objective",
    "bound",
    "gap",
    "status",
    "covered_households",
    "total_households",
    "solve_seconds",
)


@dataclass(frozen=True)
class SitingResult:
    """The outlets a model chose and how good the choice is proven to be.

    Attributes
    ----------
    model
        ``"mclp"``, ``"lscp"`` or ``"pmedian"``.
    selected
        Ids of every open outlet: the fixed ones first, then those ``added``.
    added
        Ids of the outlets this run adds.
    objective, bound, gap
        MCLP: households covered (bound: most that could be). LSCP: outlets added
        (bound: fewest possible). p-median: household-weighted mean walk in metres to
        the nearest open outlet (bound: least possible). ``gap`` is
        ``|objective - bound| / max(|objective|, 1)``.
    status
        ``"optimal"`` when proven, else ``"feasible"`` (the time limit was reached).
    covered_households, total_households
        Households within ``radius_m`` of an open outlet, of all households (excluded
        ones included).
    """

    model: Model
    selected: tuple[str, ...]
    added: tuple[str, ...]
    objective: float
    bound: float
    gap: float
    status: Status
    covered_households: int
    total_households: int
    solve_seconds: float
    radius_m: float
    backend: str
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.status not in ("optimal", "feasible"):
            raise ValueError(f"status must be optimal or feasible, not {self.status!r}")
        if not 0 <= self.covered_households <= self.total_households:
            raise ValueError("covered households must lie within 0..total")
        if not self.gap >= 0 or (self.status == "optimal" and self.gap > 1e-6):
            raise ValueError(f"gap {self.gap!r} does not fit status {self.status!r}")
        if not set(self.added) <= set(self.selected):
            raise ValueError("added outlets must be among the selected")

    def to_dict(self) -> dict[str, Any]:
        """The JSON object the CLI prints (exactly these keys)."""
        values = {
            "model": self.model,
            "selected": list(self.selected),
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "status": self.status,
            "covered_households": self.covered_households,
            "total_households": self.total_households,
            "solve_seconds": round(self.solve_seconds, 3),
        }
        return {key: values[key] for key in _CLI_KEYS}

    def summary(self) -> str:
        """A few human-readable lines."""
        share = self.covered_households / self.total_households if self.total_households else 0.0
        lines = [
            f"{self.model}: {self.status} in {self.solve_seconds:.2f} s ({self.backend}), "
            f"objective {self.objective:,.4g}, bound {self.bound:,.4g}, gap {self.gap:.4%}",
            f"{len(self.selected)} outlets open ({len(self.added)} added); "
            f"{self.covered_households:,} of {self.total_households:,} households "
            f"({share:.1%}) within {self.radius_m:g} m",
        ]
        return "\n".join(lines + list(self.notes))


def solve_mclp(
    problem: SitingProblem,
    *,
    radius_m: float = 500.0,
    p: int,
    time_limit_s: float = 30.0,
    backend: Backend | None = None,
) -> SitingResult:
    """Maximal covering: add ``p`` outlets so that most households are within ``radius_m``.

    Fixed candidates are open on top of the ``p``. If fewer than ``p`` outlets already
    cover every household that any candidate can reach, only those are added.
    """
    _check_common(problem, radius_m=radius_m, time_limit_s=time_limit_s)
    if p < 0:
        raise SitingInputError(f"p must be >= 0, not {p}")
    start = time.perf_counter()
    cover, base, rows, free = _free_part(problem, radius_m)
    outcome = solve_mclp_model(
        cover[rows][:, free],
        problem.households[rows],
        p,
        backend=backend or DEFAULT_BACKENDS["mclp"],
        time_limit_s=time_limit_s,
    )
    return _cover_result(problem, "mclp", outcome, free, radius_m, start, offset=base)


def solve_lscp(
    problem: SitingProblem,
    *,
    radius_m: float = 500.0,
    share: float = 1.0,
    time_limit_s: float = 30.0,
    backend: Backend | None = None,
) -> SitingResult:
    """Set covering: the fewest outlets to add so that ``share`` of households are covered.

    ``share`` is taken of the *coverable* households (those within ``radius_m`` of some
    candidate): a household no candidate can reach cannot be covered by any choice. The
    objective counts added outlets; fixed ones are open anyway.
    """
    _check_common(problem, radius_m=radius_m, time_limit_s=time_limit_s)
    if not 0 <= share <= 1:
        raise SitingInputError(f"share must lie within 0..1, not {share!r}")
    start = time.perf_counter()
    cover, base, rows, free = _free_part(problem, radius_m)
    reach = np.asarray(cover[rows][:, free].sum(axis=1)).ravel() > 0
    rows = rows[reach]
    coverable = base + int(problem.households[rows].sum())
    target = max(0, math.ceil(share * coverable - 1e-9) - base)
    outcome = solve_lscp_model(
        cover[rows][:, free],
        problem.households[rows],
        target,
        backend=backend or DEFAULT_BACKENDS["lscp"],
        time_limit_s=time_limit_s,
    )
    note = f"target {share:.1%} of {coverable:,} coverable households"
    return _cover_result(problem, "lscp", outcome, free, radius_m, start, offset=0, note=note)


def solve_pmedian(
    problem: SitingProblem,
    *,
    p: int,
    radius_m: float = 500.0,
    time_limit_s: float = 30.0,
    backend: Backend | None = None,
) -> SitingResult:
    """p-median: add ``p`` outlets minimising the household-weighted mean walk.

    Needs a problem built without ``limit_m``. Demand that can reach no candidate is left
    out (noted); ``radius_m`` only sets what counts as covered in the result.
    """
    _check_common(problem, radius_m=radius_m, time_limit_s=time_limit_s)
    distances = problem.dense()
    free = np.flatnonzero(~problem.fixed)
    if not 0 <= p <= len(free):
        raise SitingInputError(f"p must lie within 0..{len(free)} free candidates, not {p}")
    finite = distances[np.isfinite(distances)]
    if backend == "cp-sat" and not np.array_equal(finite, np.round(finite)):
        raise SolverUnavailableError("CP-SAT needs whole-metre distances; use scip or cbc")
    start = time.perf_counter()
    cap = np.min(distances[:, problem.fixed], axis=1, initial=np.inf)
    rows, notes = _served_rows(problem, distances, free, cap)
    weights = problem.households[rows]
    outcome = solve_pmedian_model(
        distances[np.ix_(rows, free)],
        weights,
        p,
        cap[rows],
        backend=backend or DEFAULT_BACKENDS["pmedian"],
        time_limit_s=time_limit_s,
    )
    served_hh = max(int(weights.sum()), 1)
    open_ = problem.fixed.copy()
    open_[free[outcome.open]] = True
    walk = served(distances, open_, np.full(len(distances), np.inf))
    return _result(
        problem,
        "pmedian",
        open_,
        objective=outcome.cost / served_hh,
        bound=outcome.bound / served_hh,
        optimal=outcome.optimal,
        covered=int(problem.households[walk <= radius_m].sum()),
        radius_m=radius_m,
        seconds=time.perf_counter() - start,
        backend=outcome.backend,
        notes=notes,
    )


def _served_rows(
    problem: SitingProblem,
    distances: npt.NDArray[np.float64],
    free: npt.NDArray[np.int64],
    cap: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.int64], tuple[str, ...]]:
    """Demand rows with households that some candidate can reach, and a note on the rest."""
    wanted = problem.households > 0
    reach = np.isfinite(distances[:, free]).any(axis=1) | np.isfinite(cap)
    rows = np.flatnonzero(wanted & reach)
    lost = int((wanted & ~reach).sum())
    return rows, (f"{lost} demand points reach no candidate",) if lost else ()


def _check_common(problem: SitingProblem, *, radius_m: float, time_limit_s: float) -> None:
    if not radius_m >= 0:
        raise SitingInputError(f"radius_m must be >= 0, not {radius_m!r}")
    if not time_limit_s > 0:
        raise SitingInputError(f"time_limit_s must be positive, not {time_limit_s!r}")


def _free_part(
    problem: SitingProblem, radius_m: float
) -> tuple[Any, int, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Coverage, households the fixed outlets cover, and the rows/columns left to decide."""
    cover = problem.cover(radius_m)
    by_fixed = np.asarray(cover[:, np.flatnonzero(problem.fixed)].sum(axis=1)).ravel() > 0
    base = int(problem.households[by_fixed].sum())
    rows = np.flatnonzero(~by_fixed & (problem.households > 0))
    return cover, base, rows, np.flatnonzero(~problem.fixed)


def _cover_result(
    problem: SitingProblem,
    model: Model,
    outcome: CoverOutcome,
    free: npt.NDArray[np.int64],
    radius_m: float,
    start: float,
    *,
    offset: int,
    note: str | None = None,
) -> SitingResult:
    open_ = problem.fixed.copy()
    open_[free[outcome.open]] = True
    covered_rows = np.asarray(problem.cover(radius_m) @ open_.astype(np.int32)).ravel() > 0
    return _result(
        problem,
        model,
        open_,
        objective=offset + outcome.objective,
        bound=offset + outcome.bound,
        optimal=outcome.optimal,
        covered=int(problem.households[covered_rows].sum()),
        radius_m=radius_m,
        seconds=time.perf_counter() - start,
        backend=outcome.backend or "reductions",
        notes=(note,) if note else (),
    )


def _result(
    problem: SitingProblem,
    model: Model,
    open_: npt.NDArray[np.bool_],
    *,
    objective: float,
    bound: float,
    optimal: bool,
    covered: int,
    radius_m: float,
    seconds: float,
    backend: str,
    notes: tuple[str, ...],
) -> SitingResult:
    ids = problem.candidate_ids
    fixed = [ids[j] for j in np.flatnonzero(problem.fixed)]
    added = [ids[j] for j in np.flatnonzero(open_ & ~problem.fixed)]
    if problem.excluded_demand or problem.excluded_candidates:
        notes += (
            f"left out: {len(problem.excluded_demand)} demand points "
            f"({problem.excluded_households:,} households), "
            f"{len(problem.excluded_candidates)} candidates",
        )
    gap = 0.0 if optimal else abs(objective - bound) / max(abs(objective), 1.0)
    return SitingResult(
        model=model,
        selected=tuple(fixed + added),
        added=tuple(added),
        objective=float(objective),
        bound=float(objective if optimal else bound),
        gap=gap,
        status="optimal" if optimal else "feasible",
        covered_households=covered,
        total_households=problem.total_households,
        solve_seconds=seconds,
        radius_m=float(radius_m),
        backend=backend,
        notes=notes,
    )
