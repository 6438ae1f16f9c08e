"""Exact reductions of covering models (demand rows x candidate columns, 0/1 coverage).

Private module. Every rule here keeps at least one optimal solution of the model it is
applied to, so results stay exact:

- rows with the same set of covering candidates merge into one row carrying the sum of
  their weights (they are covered or not together);
- a candidate whose covered rows are a subset of another candidate's is never needed: in any
  solution it can be swapped for the other one without losing coverage (equal sets keep the
  lowest index);
- for full set covering only: a row whose candidates are a superset of another row's
  candidates is covered whenever that row is, so it can go; a row that only one candidate
  covers forces that candidate open.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp


def as_cover(cover: sp.csr_array) -> sp.csr_array:
    """Canonical 0/1 CSR (sorted indices, int32 data so products count without overflow)."""
    out = sp.csr_array(cover, dtype=np.int32, copy=True)
    out.sum_duplicates()
    out.data[:] = 1
    out.sort_indices()
    return out


def merge_rows(
    cover: sp.csr_array, weights: npt.NDArray[np.int64]
) -> tuple[sp.csr_array, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Merge rows with identical column sets.

    Returns
    -------
    merged, merged_weights, group
        ``group[i]`` is the merged row that input row ``i`` went to.
    """
    cover = as_cover(cover)
    keys: dict[bytes, int] = {}
    group = np.empty(cover.shape[0], dtype=np.int64)
    first_rows: list[int] = []
    indptr, indices = cover.indptr, cover.indices
    for r in range(cover.shape[0]):
        g = keys.setdefault(indices[indptr[r] : indptr[r + 1]].tobytes(), len(first_rows))
        if g == len(first_rows):
            first_rows.append(r)
        group[r] = g
    merged_weights = np.zeros(len(first_rows), dtype=np.int64)
    np.add.at(merged_weights, group, weights)
    return as_cover(cover[np.asarray(first_rows, dtype=np.int64)]), merged_weights, group


def _containments(
    sets: sp.csr_array,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Pairs ``(a, b)``, ``a != b``, with set ``a`` within set ``b``, and whether equal."""
    sets = as_cover(sets)
    size = np.diff(sets.indptr)
    common = (sets @ sets.T).tocoo()
    inside = (common.data == size[common.row]) & (common.row != common.col)
    a, b = common.row[inside].astype(np.int64), common.col[inside].astype(np.int64)
    return a, b, size[a] == size[b]


def undominated_columns(cover: sp.csr_array) -> npt.NDArray[np.bool_]:
    """Mask of the columns to keep: drop empty ones and any whose rows lie within another's.

    Equal columns keep the lowest index. If every column is empty one is kept, so that a
    model still has something to choose.
    """
    columns = sp.csr_array(sp.csc_array(cover).T)
    a, b, equal = _containments(columns)
    keep: npt.NDArray[np.bool_] = np.diff(as_cover(columns).indptr) > 0
    keep[a[~equal | (b < a)]] = False
    if len(keep) and not keep.any():
        keep[0] = True
    return keep


def undominated_rows(cover: sp.csr_array) -> npt.NDArray[np.bool_]:
    """Mask of the rows to keep in a full set cover: drop any row implied by another.

    Row ``b`` is implied by row ``a`` when ``cols(a)`` lies within ``cols(b)``: whatever
    covers ``a`` covers ``b``. Equal rows keep the lowest index. Rows must not be empty.
    """
    a, b, equal = _containments(cover)
    keep = np.ones(cover.shape[0], dtype=bool)
    keep[b[~equal | (a < b)]] = False
    return keep


def essential_columns(cover: sp.csr_array) -> npt.NDArray[np.int64]:
    """Columns that are the only cover of some row (they must be open in a full cover)."""
    sets = as_cover(cover)
    single = np.flatnonzero(np.diff(sets.indptr) == 1)
    return np.unique(sets.indices[sets.indptr[single]]).astype(np.int64)
