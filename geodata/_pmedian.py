"""The p-median model, solved exactly on a model shrunk by Lagrangian reduction.

Private module. Three steps:

1. *Upper bound*: greedy opening, then vertex-substitution local search (Teitz & Bart).
2. *Lower bound*: subgradient ascent on the Lagrangian relaxation of "each demand is
   assigned once" (Beasley 1993). With multipliers ``lam``, forcing demand ``i`` onto a
   candidate at distance ``d > lam[i]`` raises the bound by at least ``w[i] * (d - lam[i])``,
   and forcing candidate ``j`` open (or shut) raises it by a known amount. Anything that
   lifts the bound above the incumbent's cost cannot be part of a better solution, so every
   demand must be served within ``lam[i] + (UB - LB) / w[i]`` and some candidates are shut
   or forced open. The p-median's LP bound is usually tight, which makes these radii short.
3. *Exact solve* of what is left with the Elloumi (2010) formulation written as a chain:
   for demand ``i`` with distinct distances ``D1 < D2 < ...`` within its radius, ``z[i,k]``
   is 1 when no open outlet lies within ``Dk``, ``z[i,k] + sum(y at Dk) >= z[i,k-1]``, and the
   walk is ``D1 + sum_k (D(k+1) - Dk) z[i,k]``. The last level's ``z`` is 0 (served within
   the radius). If this restricted model has no solution cheaper than the incumbent, the
   incumbent is optimal.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from geodata._lagrange import lagrangian_bound
from geodata._mip import Backend, LinearModel, is_integral, solve_model

Floats = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class PMedianOutcome:
    """Open free candidates, their weighted cost and the proven lower bound."""

    open: Mask
    cost: float
    bound: float
    optimal: bool
    seconds: float
    backend: Backend
    model_size: tuple[int, int]


def served(distances: Floats, open_: Mask, cap: Floats) -> Floats:
    """Each demand's walk to its nearest open candidate, or to its cap (nearest fixed)."""
    walk: Floats = np.minimum(np.min(distances[:, open_], axis=1, initial=np.inf), cap)
    return walk


def assignment_cost(distances: Floats, weights: npt.NDArray[np.int64], open_: Mask, cap: Floats) -> float:
    """Household-weighted sum of walks to the nearest open candidate (or the cap)."""
    return float(weights @ served(distances, open_, cap))


def greedy(distances: Floats, weights: npt.NDArray[np.int64], p: int, cap: Floats) -> Mask:
    """Open ``p`` candidates one by one, each time the one that cuts the cost most."""
    finite = distances[np.isfinite(distances)]
    # Demand nothing serves yet counts as "very far" (not inf), so the first pick is the
    # 1-median rather than whichever column comes first among infinite savings.
    far = 2.0 * float(finite.max(initial=0.0)) + 1.0
    current = np.where(np.isfinite(cap), cap, far)
    open_ = np.zeros(distances.shape[1], dtype=bool)
    for _ in range(min(p, distances.shape[1])):
        gain = weights @ np.maximum(current[:, None] - distances, 0.0)
        gain[open_] = -1.0
        best = int(np.argmax(gain))
        open_[best] = True
        current = np.minimum(current, distances[:, best])
    return open_


def local_search(distances: Floats, weights: npt.NDArray[np.int64], open_: Mask, cap: Floats) -> Mask:
    """Swap one open candidate for a shut one while the best swap lowers the cost."""
    open_ = open_.copy()
    cost = assignment_cost(distances, weights, open_, cap)
    while True:
        best_cost, best_swap = cost, None
        for j in np.flatnonzero(open_):
            open_[j] = False
            without = served(distances, open_, cap)
            open_[j] = True
            trial = weights @ np.minimum(without[:, None], distances)
            trial[open_] = np.inf
            k = int(np.argmin(trial))
            if trial[k] < best_cost * (1 - 1e-12):
                best_cost, best_swap = float(trial[k]), (int(j), k)
        if best_swap is None:
            return open_
        open_[best_swap[0]], open_[best_swap[1]] = False, True
        cost = best_cost


def solve_pmedian_model(
    distances: Floats,
    weights: npt.NDArray[np.int64],
    p: int,
    cap: Floats,
    *,
    backend: Backend,
    time_limit_s: float,
) -> PMedianOutcome:
    """Choose ``p`` of the (free) columns minimising the weighted walk, exactly if time allows.

    ``cap[i]`` is the walk of demand ``i`` to its nearest fixed (always open) outlet, ``inf``
    if none. Every demand must reach some column or have a finite cap.
    """
    start = time.perf_counter()
    incumbent = local_search(distances, weights, greedy(distances, weights, p, cap), cap)
    upper = assignment_cost(distances, weights, incumbent, cap)
    budget = max(0.1, 0.5 * time_limit_s)
    bound = lagrangian_bound(distances, weights, p, cap, upper=upper, time_limit_s=budget)
    if bound.improved_open is not None:
        better = local_search(distances, weights, bound.improved_open, cap)
        trial = assignment_cost(distances, weights, better, cap)
        if trial < upper:
            incumbent, upper = better, trial
    model = None
    if upper - bound.value > _tolerance(upper):
        model = _restricted_model(
            distances,
            weights,
            p,
            cap,
            bound.keep_radius(upper),
            bound.forced_open(upper),
            bound.shut(upper),
            incumbent=incumbent,
        )
    if model is None:  # the bound meets the incumbent, or nothing may beat it
        return PMedianOutcome(incumbent, upper, upper, True, time.perf_counter() - start, backend, (0, 0))
    left = max(0.1, time_limit_s - (time.perf_counter() - start))
    solution = solve_model(model[0], backend=backend, time_limit_s=left)
    found = solution.values[: distances.shape[1]] > 0.5 if solution.found else incumbent
    cost = assignment_cost(distances, weights, found, cap)
    if cost < upper:
        incumbent, upper = found, cost
    # The restricted model holds only solutions cheaper than the old incumbent: if it has
    # none (infeasible) or its optimum is known, the best of the two is optimal.
    optimal = solution.status in ("optimal", "infeasible")
    lower = upper if optimal else bound.value
    if solution.status == "feasible":
        lower = max(lower, min(upper, solution.bound + model[1]))
    return PMedianOutcome(
        incumbent,
        upper,
        min(lower, upper),
        optimal,
        time.perf_counter() - start,
        solution.backend,
        model[0].rows.shape,
    )


def _tolerance(upper: float) -> float:
    return 1e-9 * max(abs(upper), 1.0)


def _restricted_model(
    distances: Floats,
    weights: npt.NDArray[np.int64],
    p: int,
    cap: Floats,
    radius: Floats,
    forced: Mask,
    shut: Mask,
    *,
    incumbent: Mask,
) -> tuple[LinearModel, float] | None:
    """The chain model over what a better solution may use; ``None`` if nothing may.

    Variables: ``y`` (one per column) then one ``z`` per kept level; one ``>=`` row per
    ``z`` and a last row ``sum(y) == p``. Returns the model and its constant cost.
    """
    n, m = distances.shape
    by_cap = cap < radius  # the fixed outlets may still serve these demands
    if int((~shut).sum()) < p:
        return None
    j, level, z_demand, z_dist = _levels(distances, np.minimum(radius, cap), shut)
    has_level = np.zeros(n, dtype=bool)
    has_level[z_demand] = True
    if np.any(~has_level & ~by_cap):
        return None  # some demand cannot be served within its radius by anything allowed
    n_z = len(z_demand)
    first = np.ones(n_z, dtype=bool)
    first[1:] = z_demand[1:] != z_demand[:-1]
    last = np.ones(n_z, dtype=bool)
    last[:-1] = first[1:]
    next_dist = np.append(z_dist[1:], np.inf)
    next_dist[last] = np.where(by_cap[z_demand[last]], cap[z_demand[last]], np.inf)
    step = next_dist - z_dist
    open_ended = ~np.isfinite(step)  # served within the radius: this z must be 0
    obj = np.concatenate([np.zeros(m), weights[z_demand] * np.where(open_ended, 0.0, step)])
    chain = np.flatnonzero(~first)
    rows = np.concatenate([level, np.arange(n_z), chain, np.full(m, n_z)])
    cols = np.concatenate([j, m + np.arange(n_z), m + chain - 1, np.arange(m)])
    data = np.concatenate([np.ones(len(j) + n_z), -np.ones(len(chain)), np.ones(m)])
    constant = float(weights[has_level] @ z_dist[first]) + float(weights[~has_level] @ cap[~has_level])
    model = LinearModel(
        obj=obj,
        lb=np.concatenate([forced.astype(np.float64), np.zeros(n_z)]),
        ub=np.concatenate([(~shut).astype(np.float64), np.where(open_ended, 0.0, 1.0)]),
        integer=np.concatenate([np.ones(m, dtype=bool), np.zeros(n_z, dtype=bool)]),
        rows=sp.csr_array((data, (rows, cols)), shape=(n_z + 1, m + n_z)),
        row_lb=np.concatenate([first.astype(np.float64), [float(p)]]),
        row_ub=np.concatenate([np.full(n_z, np.inf), [float(p)]]),
        maximize=False,
        hint=_hint(distances, cap, incumbent, (z_demand, z_dist), radius, forced, shut),
        integral_objective=is_integral(obj),
    )
    return model, constant


def _levels(
    distances: Floats, limit: Floats, shut: Mask
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], Floats]:
    """Allowed pairs below each demand's limit, sorted by demand then distance.

    Returns each pair's column and level (global ``z`` index), and each level's demand and
    distance (a level is a distinct distance of one demand).
    """
    i, j = np.nonzero((distances < limit[:, None]) & ~shut[None, :])
    d = distances[i, j]
    order = np.lexsort((d, i))
    i, j, d = i[order], j[order], d[order]
    new_level = np.ones(len(i), dtype=bool)
    new_level[1:] = (i[1:] != i[:-1]) | (d[1:] != d[:-1])
    level = np.cumsum(new_level) - 1
    return j.astype(np.int64), level.astype(np.int64), i[new_level].astype(np.int64), d[new_level]


def _hint(
    distances: Floats,
    cap: Floats,
    open_: Mask,
    levels: tuple[npt.NDArray[np.int64], Floats],
    radius: Floats,
    forced: Mask,
    shut: Mask,
) -> Floats | None:
    """The incumbent as a starting point, if it is feasible in the restricted model."""
    walk = served(distances, open_, cap)
    if np.any(open_ & shut) or np.any(~open_ & forced) or np.any(walk >= radius):
        return None
    z_demand, z_dist = levels
    return np.concatenate([open_.astype(np.float64), (walk[z_demand] > z_dist).astype(np.float64)])
