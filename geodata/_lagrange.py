"""Lagrangian lower bound of the p-median and the reductions it proves (Beasley 1993).

Private module. Relaxing "each demand is assigned exactly once" with multipliers ``lam``
(metres per household) leaves a problem solved by sorting: candidate ``j`` is worth
``rho[j] = sum_i w[i] * min(0, d[i, j] - lam[i])`` and the ``p`` lowest are opened, so

    L(lam) = sum_i w[i] * lam[i] + sum of the p lowest rho + rho of the fixed outlets,

a lower bound for every ``lam``. Subgradient ascent pushes it up towards the LP bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]

_MAX_ITERATIONS = 3000
_PATIENCE = 25  # iterations without a better bound before the step is halved
_MIN_STEP = 1e-4
# Every _WINDOW iterations, stop if the bound closed less than _PROGRESS of the gap: the
# exact solve that follows copes with a small gap, while the last digits cost many steps.
_WINDOW = 50
_PROGRESS = 0.05
# A relative gap this small leaves the exact solve a small model; closing it further by
# subgradient steps costs more than the solve saves.
_GOOD_ENOUGH = 5e-5
# Eliminate only what would cost clearly more than the incumbent, not what merely ties it
# after floating-point rounding.
_MARGIN = 1e-9


@dataclass(frozen=True, eq=False)
class LagrangeBound:
    """The best bound found and what it proves about solutions cheaper than ``upper``."""

    value: float
    lam: Floats
    rho: Floats
    weights: npt.NDArray[np.int64]
    p: int
    improved_open: Mask | None

    def _slack(self, upper: float) -> float:
        return upper - self.value + _MARGIN * max(abs(upper), 1.0)

    def keep_radius(self, upper: float) -> Floats:
        """A better solution serves demand ``i`` at a walk below ``radius[i]``."""
        with np.errstate(divide="ignore"):
            return self.lam + self._slack(upper) / self.weights

    def shut(self, upper: float) -> Mask:
        """Candidates that no solution cheaper than ``upper`` opens."""
        order = np.sort(self.rho)
        if self.p >= len(order) or self.p == 0:
            return np.zeros(len(self.rho), dtype=bool)
        chosen = self.rho <= order[self.p - 1]
        out: Mask = ~chosen & (self.rho - order[self.p - 1] > self._slack(upper))
        return out

    def forced_open(self, upper: float) -> Mask:
        """Candidates that every solution cheaper than ``upper`` opens."""
        order = np.sort(self.rho)
        if self.p >= len(order) or self.p == 0:
            return np.zeros(len(self.rho), dtype=bool)
        chosen = self.rho < order[self.p]
        out: Mask = chosen & (order[self.p] - self.rho > self._slack(upper))
        return out


def lagrangian_bound(
    distances: Floats,
    weights: npt.NDArray[np.int64],
    p: int,
    cap: Floats,
    *,
    upper: float,
    time_limit_s: float,
) -> LagrangeBound:
    """Maximise the Lagrangian bound by subgradient ascent, within ``time_limit_s``.

    ``upper`` is the cost of a known solution; the ascent stops once the bound meets it.
    The best primal solution met on the way (the ``p`` columns a bound opens) is returned
    if it beats ``upper``.
    """
    start = time.perf_counter()
    w = weights.astype(np.float64)
    lam = np.minimum(np.min(distances, axis=1, initial=np.inf), cap)
    lam = np.where(np.isfinite(lam), lam, 0.0)
    best = (-np.inf, lam.copy(), np.zeros(distances.shape[1]))
    improved: Mask | None = None
    step, stale, checkpoint = 2.0, 0, -np.inf
    for iteration in range(_MAX_ITERATIONS):
        value, rho, opened, gradient = _evaluate(distances, w, p, cap, lam)
        if value > best[0]:
            best, stale = (value, lam.copy(), rho), 0
        else:
            stale += 1
            if stale >= _PATIENCE:
                step, stale = step / 2, 0
        cost = float(w @ np.minimum(np.min(distances[:, opened], axis=1, initial=np.inf), cap))
        if cost < upper:
            upper, improved = cost, opened
        norm = float(gradient @ gradient)
        gap = upper - best[0]
        if gap <= _GOOD_ENOUGH * max(abs(upper), 1.0) or norm == 0 or step < _MIN_STEP:
            break
        if iteration % _WINDOW == _WINDOW - 1:
            if best[0] - checkpoint < _PROGRESS * gap:
                break
            checkpoint = best[0]
        if time.perf_counter() - start > time_limit_s:
            break
        lam = lam + step * (upper - value) / norm * gradient
    return LagrangeBound(
        value=float(best[0]),
        lam=best[1],
        rho=best[2],
        weights=weights,
        p=p,
        improved_open=improved,
    )


def _evaluate(
    distances: Floats, w: Floats, p: int, cap: Floats, lam: Floats
) -> tuple[float, Floats, Mask, Floats]:
    """Bound, candidate values, opened columns and subgradient at ``lam``."""
    below = distances < lam[:, None]
    rho = w @ np.where(below, distances - lam[:, None], 0.0)
    opened = np.zeros(len(rho), dtype=bool)
    if p > 0:
        opened[np.argpartition(rho, min(p, len(rho)) - 1)[:p]] = True
    cap_below = cap < lam
    rho_cap = float(w[cap_below] @ (cap[cap_below] - lam[cap_below]))
    value = float(w @ lam) + float(rho[opened].sum()) + rho_cap
    served = below[:, opened].sum(axis=1) + cap_below
    return value, rho, opened, w * (1.0 - served)
