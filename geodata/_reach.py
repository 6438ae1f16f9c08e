"""Which snapped origin/destination pairs have no path at all, whatever the distance.

Private module. Reachability is decided on the graph's strongly connected components, so
it costs nothing on the bundled graphs (one component by construction) and stays exact
with a search ``limit`` (which cannot tell "far" from "unreachable").
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from geodata._snap import SnappedPoints
from geodata._streets import StreetIndex


def unreachable_pairs(index: StreetIndex, src: SnappedPoints, dst: SnappedPoints) -> npt.NDArray[np.int64]:
    """Return the ``(k, 2)`` (origin, destination) positions of snapped pairs with no path."""
    s_at = np.flatnonzero(src.snapped)
    d_at = np.flatnonzero(dst.snapped)
    if index.n_components == 1 or not len(s_at) or not len(d_at):
        return np.zeros((0, 2), dtype=np.int64)
    closure = _closure(index)
    none = index.n_components  # the extra, never-reachable row/column of `closure`
    comp = index.component
    se, de = src.edge[s_at], dst.edge[d_at]
    # Components a point can leave into, and be arrived at from, given edge directions.
    exits = (
        np.where(index.backward[se], comp[index.u[se]], none),
        np.where(index.forward[se], comp[index.v[se]], none),
    )
    entries = (
        np.where(index.forward[de], comp[index.u[de]], none),
        np.where(index.backward[de], comp[index.v[de]], none),
    )
    reach = np.zeros((len(s_at), len(d_at)), dtype=bool)
    for out in exits:
        for into in entries:
            reach |= closure[np.ix_(out, into)]
    reach |= _same_edge(index, src, dst, s_at, d_at)
    rows, cols = np.nonzero(~reach)
    return np.column_stack([s_at[rows], d_at[cols]]).astype(np.int64)


def _closure(index: StreetIndex) -> npt.NDArray[np.bool_]:
    """Reachability between components (padded with a row and column of False)."""
    n = index.n_components
    adj = index.adjacency.tocoo()
    a, b = index.component[adj.row], index.component[adj.col]
    cross = a != b
    dag = sp.csr_array((np.ones(int(cross.sum())), (a[cross], b[cross])), shape=(n, n))
    hops = shortest_path(dag, directed=True, unweighted=True)
    closure = np.zeros((n + 1, n + 1), dtype=bool)
    closure[:n, :n] = np.isfinite(hops)
    return closure


def _same_edge(
    index: StreetIndex,
    src: SnappedPoints,
    dst: SnappedPoints,
    s_at: npt.NDArray[np.int64],
    d_at: npt.NDArray[np.int64],
) -> npt.NDArray[np.bool_]:
    """Pairs on one segment that can go straight along it, whatever the components."""
    direct = np.zeros((len(s_at), len(d_at)), dtype=bool)
    for edge in np.intersect1d(src.edge[s_at], dst.edge[d_at]):
        i = np.flatnonzero(src.edge[s_at] == edge)
        j = np.flatnonzero(dst.edge[d_at] == edge)
        ahead = dst.offset_m[d_at[j]][None, :] - src.offset_m[s_at[i]][:, None]
        ok = ((ahead >= 0) & index.forward[edge]) | ((ahead <= 0) & index.backward[edge])
        direct[np.ix_(i, j)] = ok
    return direct
