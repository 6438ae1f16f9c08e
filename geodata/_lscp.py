"""Location set covering (LSCP): fewest columns covering a target weight of rows.

Private module. Rows are demand (integer household weights), columns the free candidates;
the caller has removed fixed outlets, the rows they cover and rows nothing can cover.

A full cover (target = every row) is reduced to its core first, repeating until nothing
changes: a row that only one column covers forces that column open; a row whose columns
include all of another row's is implied by it; a column whose rows lie within another's is
never needed. What is left is ``min sum(y)`` with ``sum(y over row r) >= 1``.

A partial cover keeps the MCLP variables: ``min sum(y)`` with ``z[r] <= sum(y over r)`` and
``w.z + c.y >= target`` (rows only one column covers add their weight to its ``c``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from geodata._mclp import CoverOutcome, covered_weight
from geodata._mip import Backend, LinearModel, solve_model
from geodata._reduce import (
    as_cover,
    essential_columns,
    merge_rows,
    undominated_columns,
    undominated_rows,
)

Ints = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]


def solve_lscp_model(
    cover: sp.csr_array, weights: Ints, target: int, *, backend: Backend, time_limit_s: float
) -> CoverOutcome:
    """Open the fewest columns covering rows of total weight >= ``target``.

    Every row must be coverable by some column.
    """
    n_cols = cover.shape[1]
    merged, w, _ = merge_rows(as_cover(cover), weights)
    if target <= 0:
        return CoverOutcome(np.zeros(n_cols, dtype=bool), 0.0, 0.0, True, None, (0, 0))
    if target >= int(w.sum()):
        forced, core, columns = _core(merged)
        target_core = core.shape[0]
        w_core = np.ones(target_core, dtype=np.int64)
    else:
        forced = np.zeros(n_cols, dtype=bool)
        columns = np.flatnonzero(undominated_columns(merged))
        core, w_core, _ = merge_rows(merged[:, columns], w)
        target_core = target
    if core.shape[0] == 0:
        return CoverOutcome(forced, float(forced.sum()), float(forced.sum()), True, None, (0, 0))
    full = target >= int(w.sum())
    hint = greedy_cover(core, w_core, target_core)
    model = _full_model(core, hint) if full else _partial_model(core, w_core, target_core, hint)
    solution = solve_model(model, backend=backend, time_limit_s=time_limit_s)
    picked = solution.values[: len(columns)] > 0.5 if solution.found else hint
    if picked.sum() > hint.sum():
        picked = hint
    opened = forced.copy()
    opened[columns[picked]] = True
    lower = float(forced.sum()) + (np.ceil(solution.bound - 1e-6) if solution.found else 1.0)
    value = float(opened.sum())
    return CoverOutcome(
        open=opened,
        objective=value,
        bound=value if solution.optimal else min(value, lower),
        optimal=solution.optimal,
        backend=solution.backend,
        model_size=model.rows.shape,
    )


def _core(cover: sp.csr_array) -> tuple[Mask, sp.csr_array, Ints]:
    """Reduce a full cover: forced columns, and the remaining rows over the live columns."""
    n_cols = cover.shape[1]
    forced = np.zeros(n_cols, dtype=bool)
    live = np.ones(n_cols, dtype=bool)
    rows = cover
    while rows.shape[0]:
        before = (rows.shape[0], int(live.sum()))
        at = np.flatnonzero(live)
        forced[at[essential_columns(rows[:, at])]] = True
        live &= ~forced
        rows = rows[np.flatnonzero(np.asarray(rows @ forced.astype(np.int32)) == 0)]
        if not rows.shape[0]:
            break
        at = np.flatnonzero(live)
        rows = rows[np.flatnonzero(undominated_rows(rows[:, at]))]
        live[at[~undominated_columns(rows[:, at])]] = False
        if (rows.shape[0], int(live.sum())) == before:
            break
    columns = np.flatnonzero(live)
    return forced, as_cover(rows[:, columns]), columns


def _full_model(cover: sp.csr_array, hint: Mask) -> LinearModel:
    n_rows, n_cols = cover.shape
    return LinearModel(
        obj=np.ones(n_cols),
        lb=np.zeros(n_cols),
        ub=np.ones(n_cols),
        integer=np.ones(n_cols, dtype=bool),
        rows=sp.csr_array(cover, dtype=np.float64),
        row_lb=np.ones(n_rows),
        row_ub=np.full(n_rows, np.inf),
        maximize=False,
        hint=hint.astype(np.float64),
        integral_objective=True,
    )


def _partial_model(cover: sp.csr_array, w: Ints, target: int, hint: Mask) -> LinearModel:
    n_cols = cover.shape[1]
    size = np.diff(cover.indptr)
    single = size == 1
    c = np.zeros(n_cols)
    np.add.at(c, cover.indices[cover.indptr[np.flatnonzero(single)]], w[single])
    multi = cover[np.flatnonzero(size > 1)]
    n_z = multi.shape[0]
    reach = np.concatenate([c, w[size > 1].astype(np.float64)])
    rows = sp.vstack([sp.hstack([-multi, sp.eye_array(n_z)]), sp.csr_array(reach[None, :])], format="csr")
    z_hint = np.asarray(multi @ hint.astype(np.int32)) > 0
    return LinearModel(
        obj=np.concatenate([np.ones(n_cols), np.zeros(n_z)]),
        lb=np.zeros(n_cols + n_z),
        ub=np.ones(n_cols + n_z),
        integer=np.concatenate([np.ones(n_cols, dtype=bool), np.zeros(n_z, dtype=bool)]),
        rows=rows,
        row_lb=np.concatenate([np.full(n_z, -np.inf), [float(target)]]),
        row_ub=np.concatenate([np.zeros(n_z), [np.inf]]),
        maximize=False,
        hint=np.concatenate([hint, z_hint]).astype(np.float64),
        integral_objective=True,
    )


def greedy_cover(cover: sp.csr_array, w: Ints, target: int) -> Mask:
    """Pick columns by most uncovered weight until ``target`` weight is covered."""
    by_col = sp.csc_array(cover)
    left = w.astype(np.float64)
    picked = np.zeros(cover.shape[1], dtype=bool)
    while covered_weight(cover, w, picked) < target and not picked.all():
        gain = by_col.T @ left
        gain[picked] = -1.0
        best = int(np.argmax(gain))
        if gain[best] <= 0:
            break
        picked[best] = True
        left[by_col.indices[by_col.indptr[best] : by_col.indptr[best + 1]]] = 0.0
    return picked
