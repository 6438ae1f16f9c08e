"""Walking or driving distances between many points on the street network.

Points are snapped to the nearest street *edge* (not node): the projection onto the edge's
line gives an offset along the street and the perpendicular distance to it. Each point then
becomes a virtual node joined to its edge's two ends, and scipy's multi-source Dijkstra
(``scipy.sparse.csgraph.dijkstra``) runs from the smaller of the two point sets over the
memoised CSR adjacency of the graph. A ``limit_m`` stops every search at that distance, which
is what makes coverage questions over tens of thousands of points take seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from geodata._reach import unreachable_pairs
from geodata._snap import SnappedPoints, snap_points
from geodata._streets import StreetIndex, csr_min, street_index

__all__ = ["DEFAULT_MAX_SNAP_M", "DistanceMatrix", "SnappedPoints", "build_matrix", "snap_points"]

DEFAULT_MAX_SNAP_M = 250.0
# Dijkstra rows are dense over all nodes; bound one block's memory to about 64 MB.
_BLOCK_BYTES = 64 * 2**20


@dataclass(frozen=True, eq=False)
class DistanceMatrix:
    """Network distances in metres from origins (rows) to destinations (columns).

    ``metres`` is a dense array (``inf`` where there is no path or a point was not snapped)
    when built without a limit; with ``limit_m`` it is a ``scipy.sparse.csr_array`` whose
    stored entries are exactly the pairs within the limit (zero distances are stored
    explicitly, so do not call ``eliminate_zeros`` on it).

    Nothing is dropped silently: ``origins.unsnapped`` / ``destinations.unsnapped`` list the
    points farther than ``max_snap_m`` from any street, and ``unreachable`` the
    ``(origin, destination)`` pairs of snapped points with no path at any distance.
    """

    metres: npt.NDArray[np.float64] | sp.csr_array
    limit_m: float | None
    origins: SnappedPoints
    destinations: SnappedPoints
    unreachable: npt.NDArray[np.int64]

    @property
    def shape(self) -> tuple[int, int]:
        """``(number of origins, number of destinations)``."""
        return len(self.origins), len(self.destinations)

    @property
    def is_sparse(self) -> bool:
        """Whether ``metres`` holds only the pairs within ``limit_m``."""
        return self.limit_m is not None

    def dense(self) -> npt.NDArray[np.float64]:
        """The matrix as a dense array, ``inf`` for pairs beyond the limit or unreachable."""
        if isinstance(self.metres, np.ndarray):
            return self.metres
        out = np.full(self.shape, np.inf)
        coo = self.metres.tocoo()
        out[coo.row, coo.col] = coo.data
        return out

    def summary(self) -> str:
        """One line: size, limit and what could not be snapped or reached."""
        limit = "no limit" if self.limit_m is None else f"within {self.limit_m:g} m"
        return (
            f"{self.shape[0]} x {self.shape[1]} distances ({limit}); unsnapped: "
            f"{len(self.origins.unsnapped)} origins, {len(self.destinations.unsnapped)} "
            f"destinations; unreachable pairs: {len(self.unreachable)}"
        )


def build_matrix(
    graph: nx.MultiDiGraph,
    origins: npt.ArrayLike,
    destinations: npt.ArrayLike,
    *,
    limit_m: float | None = None,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    include_access: bool = True,
) -> DistanceMatrix:
    """Compute shortest network distances between two sets of WGS-84 points.

    Parameters
    ----------
    graph
        A graph from :func:`geodata.network.load_network`. Every edge direction the graph
        holds may be travelled: a walk graph both ways, a drive graph by one-way rules.
    origins, destinations
        ``(n, 2)`` arrays of longitude, latitude.
    limit_m
        Stop searching at this distance and return a sparse matrix of the pairs within it;
        ``None`` computes every pair (dense).
    max_snap_m
        Points farther than this from any street are not snapped and are reported.
    include_access
        Add each point's perpendicular distance to its street at both ends of a trip (the
        walk from a compound gate to the street); ``False`` measures along streets only.

    Returns
    -------
    DistanceMatrix
    """
    if limit_m is not None and not limit_m >= 0:
        raise ValueError(f"limit_m must be >= 0 or None, not {limit_m!r}")
    index = street_index(graph)
    src = snap_points(graph, origins, max_snap_m=max_snap_m)
    dst = snap_points(graph, destinations, max_snap_m=max_snap_m)
    augmented = _augmented(index, src, dst, include_access=include_access)
    rows, cols, metres = _search(index.n_nodes, augmented, len(src), len(dst), limit_m=limit_m)
    shape = (len(src), len(dst))
    matrix: npt.NDArray[np.float64] | sp.csr_array
    if limit_m is None:
        matrix = np.full(shape, np.inf)
        matrix[rows, cols] = metres
    else:
        matrix = csr_min(rows, cols, metres, shape=shape)
    return DistanceMatrix(
        metres=matrix,
        limit_m=None if limit_m is None else float(limit_m),
        origins=src,
        destinations=dst,
        unreachable=unreachable_pairs(index, src, dst),
    )


def _augmented(
    index: StreetIndex, src: SnappedPoints, dst: SnappedPoints, *, include_access: bool
) -> sp.csr_array:
    """The street adjacency plus one virtual node per point, joined to its edge's ends.

    Origins only have edges out and destinations only edges in, so no path passes through
    a point. Two points on the same edge also get a direct edge (else the trip would have
    to go round an end node).
    """
    n, ns = index.n_nodes, len(src)
    base = index.adjacency.tocoo()
    parts = [(base.row.astype(np.int64), base.col.astype(np.int64), base.data)]
    s_at = np.flatnonzero(src.snapped)
    s_edge, s_off = src.edge[s_at], src.offset_m[s_at]
    s_acc = src.perpendicular_m[s_at] if include_access else np.zeros(len(s_at))
    d_at = np.flatnonzero(dst.snapped)
    d_edge, d_off = dst.edge[d_at], dst.offset_m[d_at]
    d_acc = dst.perpendicular_m[d_at] if include_access else np.zeros(len(d_at))
    s_node, d_node = n + s_at, n + ns + d_at
    # Leaving a point towards u runs the edge backwards, towards v forwards; arriving mirrors.
    for ok, end, cost in (
        (index.backward[s_edge], index.u[s_edge], s_acc + s_off),
        (index.forward[s_edge], index.v[s_edge], s_acc + index.length[s_edge] - s_off),
    ):
        parts.append((s_node[ok], end[ok], cost[ok]))
    for ok, end, cost in (
        (index.forward[d_edge], index.u[d_edge], d_acc + d_off),
        (index.backward[d_edge], index.v[d_edge], d_acc + index.length[d_edge] - d_off),
    ):
        parts.append((end[ok], d_node[ok], cost[ok]))
    parts.append(_same_edge_links(index, (s_node, s_edge, s_off, s_acc), (d_node, d_edge, d_off, d_acc)))
    size = n + ns + len(dst)
    return csr_min(
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
        shape=(size, size),
    )


_Side = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]


def _same_edge_links(
    index: StreetIndex, src: _Side, dst: _Side
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Direct origin -> destination edges for points snapped to the same street segment."""
    s_node, s_edge, s_off, s_acc = src
    d_node, d_edge, d_off, d_acc = dst
    order = np.argsort(d_edge, kind="stable")
    lo = np.searchsorted(d_edge[order], s_edge, side="left")
    hi = np.searchsorted(d_edge[order], s_edge, side="right")
    counts = hi - lo
    i = np.repeat(np.arange(len(s_node)), counts)
    # Positions lo..hi-1 of every origin's run of same-edge destinations, flattened.
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    j = order[np.repeat(lo, counts) + within].astype(np.int64)
    edge = s_edge[i]
    ahead = d_off[j] - s_off[i]
    ok = ((ahead >= 0) & index.forward[edge]) | ((ahead <= 0) & index.backward[edge])
    cost = np.abs(ahead) + s_acc[i] + d_acc[j]
    return s_node[i][ok], d_node[j][ok], cost[ok]


def _search(
    n_nodes: int,
    augmented: sp.csr_array,
    n_src: int,
    n_dst: int,
    *,
    limit_m: float | None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Run Dijkstra from the smaller point set; return the finite (row, col, metres)."""
    src_nodes = n_nodes + np.arange(n_src)
    dst_nodes = n_nodes + n_src + np.arange(n_dst)
    # Searching backwards from the destinations over the transposed graph gives the same
    # distances; fewer searches win, each costs about the same.
    backwards = n_dst < n_src
    graph = augmented.T.tocsr() if backwards else augmented
    starts, ends = (dst_nodes, src_nodes) if backwards else (src_nodes, dst_nodes)
    block = max(1, _BLOCK_BYTES // (8 * augmented.shape[0]))
    found: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]] = []
    limit = np.inf if limit_m is None else float(limit_m)
    for first in range(0, len(starts), block):
        chunk = starts[first : first + block]
        dist = dijkstra(graph, directed=True, indices=chunk, limit=limit)[:, ends]
        r, c = np.nonzero(np.isfinite(dist))
        found.append((r + first, c, dist[r, c]))
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    a = np.concatenate([f[0] for f in found]).astype(np.int64)
    b = np.concatenate([f[1] for f in found]).astype(np.int64)
    metres = np.concatenate([f[2] for f in found])
    return (b, a, metres) if backwards else (a, b, metres)
