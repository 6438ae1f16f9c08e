"""Maximal covering (MCLP) over a reduced coverage matrix.

Private module. Rows are demand (integer household weights ``w``), columns the *free*
candidates (fixed outlets and the demand they cover were taken out by the caller). After
the exact reductions of :mod:`geodata._reduce` the model is

    maximise  sum_r w[r] z[r] + sum_j c[j] y[j]
    subject to z[r] <= sum(y[j] covering r),  sum(y) <= p,  y binary, 0 <= z <= 1

where a row only one column covers needs no ``z``: its weight moves into that column's
``c``. ``z`` may stay continuous: with ``y`` integer the optimum puts it at 0 or 1. A greedy
solution improved by swap local search is handed to the solver as a starting point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from geodata._mip import Backend, LinearModel, solve_model
from geodata._reduce import as_cover, merge_rows, undominated_columns

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class CoverOutcome:
    """Open columns, the objective and the proven bound, and the model that was solved."""

    open: Mask
    objective: float
    bound: float
    optimal: bool
    backend: Backend | None
    model_size: tuple[int, int]


def covered_weight(cover: sp.csr_array, w: Ints, open_: Mask) -> int:
    """Weight of the rows that some open column covers."""
    return int(w[np.asarray(cover @ open_.astype(np.int32)) > 0].sum())


def greedy(cover: sp.csr_array, w: Ints, p: int) -> Mask:
    """Pick up to ``p`` columns, each time the one adding most uncovered weight."""
    by_col = sp.csc_array(cover)
    left = w.astype(np.float64)
    picked = np.zeros(cover.shape[1], dtype=bool)
    for _ in range(min(p, cover.shape[1])):
        gain = by_col.T @ left
        gain[picked] = -1.0
        best = int(np.argmax(gain))
        if gain[best] <= 0:
            break
        picked[best] = True
        left[by_col.indices[by_col.indptr[best] : by_col.indptr[best + 1]]] = 0.0
    return picked


def local_search(cover: sp.csr_array, w: Ints, open_: Mask, *, max_passes: int = 200) -> Mask:
    """Swap an open column for a shut one while the best swap covers more weight."""
    open_ = open_.copy()
    by_col = sp.csc_array(cover)
    for _ in range(max_passes):
        count = np.asarray(cover @ open_.astype(np.int32))
        alone = np.where(count == 1, w, 0).astype(np.float64)  # lost if their column shuts
        fresh = np.where(count == 0, w, 0).astype(np.float64)  # won by opening a cover
        loss = by_col.T @ alone
        gain = by_col.T @ fresh
        opened = np.flatnonzero(open_)
        # Rows covered only by j and also by k are kept when j is swapped for k.
        kept = (by_col[:, opened].T @ sp.diags_array(alone) @ by_col).toarray()
        delta = gain[None, :] - loss[opened][:, None] + kept
        delta[:, open_] = -np.inf
        if not delta.size:
            return open_
        at = np.unravel_index(int(np.argmax(delta)), delta.shape)
        if delta[at] <= 0.5:  # integer weights: an improvement is worth at least 1
            return open_
        open_[opened[at[0]]], open_[at[1]] = False, True
    return open_


def solve_mclp_model(
    cover: sp.csr_array, weights: Ints, p: int, *, backend: Backend, time_limit_s: float
) -> CoverOutcome:
    """Open at most ``p`` columns to maximise the weight of covered rows."""
    n_cols = cover.shape[1]
    merged, w, _ = merge_rows(as_cover(cover), weights)
    columns = np.flatnonzero(undominated_columns(merged)) if n_cols else np.zeros(0, np.int64)
    sub, w, _ = merge_rows(merged[:, columns], w)
    if len(columns) <= p:  # room for every useful column: every coverable row is covered
        return _result(n_cols, columns, np.ones(len(columns), bool), sub, w, None, True, None, (0, 0))
    incumbent = local_search(sub, w, greedy(sub, w, p))
    model = _model(sub, w, p, incumbent)
    solution = solve_model(model, backend=backend, time_limit_s=time_limit_s)
    picked, bound = incumbent, float(w.sum())
    if solution.found:
        found = solution.values[: len(columns)] > 0.5
        if covered_weight(sub, w, found) >= covered_weight(sub, w, incumbent):
            picked = found
        bound = float(np.floor(solution.bound + 1e-6))  # weights are whole households
    return _result(
        n_cols, columns, picked, sub, w, bound, solution.optimal, solution.backend, model.rows.shape
    )


def _result(
    n_cols: int,
    columns: Ints,
    picked: Mask,
    sub: sp.csr_array,
    w: Ints,
    bound: float | None,
    optimal: bool,
    backend: Backend | None,
    size: tuple[int, int],
) -> CoverOutcome:
    opened = np.zeros(n_cols, dtype=bool)
    opened[columns[picked]] = True
    value = float(covered_weight(sub, w, picked))
    return CoverOutcome(
        open=opened,
        objective=value,
        bound=value if optimal or bound is None else max(value, bound),
        optimal=optimal,
        backend=backend,
        model_size=size,
    )


def _model(cover: sp.csr_array, w: Ints, p: int, hint: Mask) -> LinearModel:
    n_cols = cover.shape[1]
    size = np.diff(cover.indptr)
    single = size == 1
    c = np.zeros(n_cols)
    np.add.at(c, cover.indices[cover.indptr[np.flatnonzero(single)]], w[single])
    multi = cover[np.flatnonzero(size > 1)]
    n_z = multi.shape[0]
    rows = sp.vstack(
        [
            sp.hstack([-multi, sp.eye_array(n_z)]),
            sp.csr_array(np.concatenate([np.ones(n_cols), np.zeros(n_z)])[None, :]),
        ],
        format="csr",
    )
    z_hint = np.asarray(multi @ hint.astype(np.int32)) > 0
    return LinearModel(
        obj=np.concatenate([c, w[size > 1].astype(np.float64)]),
        lb=np.zeros(n_cols + n_z),
        ub=np.ones(n_cols + n_z),
        integer=np.concatenate([np.ones(n_cols, dtype=bool), np.zeros(n_z, dtype=bool)]),
        rows=rows,
        row_lb=np.full(n_z + 1, -np.inf),
        row_ub=np.concatenate([np.zeros(n_z), [float(p)]]),
        maximize=True,
        hint=np.concatenate([hint, z_hint]).astype(np.float64),
        integral_objective=True,
    )
