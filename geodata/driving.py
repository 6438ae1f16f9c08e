"""Driving distances and times between a few hundred stops, for route planning.

Trucks take the *fastest* path (travel time by road class, one-way rules kept);
the kilometres reported are those of that same path, so a plan's km and hours
describe one drive. Fastest paths come from scipy's multi-source Dijkstra on
time weights; their lengths are summed along each shortest-path tree by
pointer doubling (about log2(depth) vectorised steps, not a Python walk).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geodata._edges import lonlat_to_metres, metres_to_lonlat, primary_highway

__all__ = ["DEFAULT_SPEEDS_KMH", "DriveMatrices", "UNREACHABLE", "drive_matrices"]

UNREACHABLE = -1

# Urban truck speeds by OSM road class, km/h (Shenzhen traffic, not posted limits).
DEFAULT_SPEEDS_KMH: Mapping[str, float] = {
    "motorway": 60.0,
    "trunk": 45.0,
    "primary": 30.0,
    "secondary": 25.0,
    "tertiary": 22.0,
    "unclassified": 18.0,
    "residential": 15.0,
    "living_street": 8.0,
    "service": 10.0,
}
_FALLBACK_KMH = 15.0
# From a stop to its street node the truck crawls in at walking pace.
_ACCESS_KMH = 10.0


@dataclass(frozen=True, eq=False)
class DriveMatrices:
    """Square matrices over the given points: metres and seconds, ``-1`` where no path.

    ``access_m`` is each point's straight-line distance to the street node it was
    attached to; it is already included in both matrices.
    """

    distance_m: npt.NDArray[np.int64]
    duration_s: npt.NDArray[np.int64]
    node: npt.NDArray[np.int64]
    access_m: npt.NDArray[np.float64]
    points: npt.NDArray[np.float64]
    _sources: npt.NDArray[np.int64]
    _pred: npt.NDArray[np.int32]
    _node_lonlat: npt.NDArray[np.float64]
    # The curve (UTM metres) of each driven edge that is not straight, by node index pair.
    _edge_xy: Mapping[tuple[int, int], npt.NDArray[np.float64]] = field(default_factory=dict)

    def leg_lonlat(self, a: int, b: int) -> list[list[float]]:
        """The street path driven from point ``a`` to point ``b``, as ``[lon, lat]`` pairs.

        Starts and ends at the points themselves; between them every vertex lies on the
        street edges of the path, curves included. Empty when there is no path.
        """
        if self.distance_m[a, b] == UNREACHABLE:
            return []
        row = int(np.searchsorted(self._sources, self.node[a]))
        nodes = [int(self.node[b])]
        while nodes[-1] != self.node[a]:
            nodes.append(int(self._pred[row, nodes[-1]]))
        nodes.reverse()
        coords = self._node_lonlat[nodes[:1]]
        for u, v in zip(nodes, nodes[1:], strict=False):
            curve = self._edge_xy.get((u, v))
            if curve is not None and len(curve) > 2:
                coords = np.vstack([coords, metres_to_lonlat(curve[1:-1]), self._node_lonlat[[v]]])
            else:
                coords = np.vstack([coords, self._node_lonlat[[v]]])
        return [self.points[a].round(6).tolist(), *coords.round(6).tolist(), self.points[b].round(6).tolist()]

    @property
    def unreachable_pairs(self) -> list[tuple[int, int]]:
        """``(from, to)`` index pairs with no driving path."""
        rows, cols = np.nonzero(self.distance_m == UNREACHABLE)
        return list(zip(rows.tolist(), cols.tolist(), strict=True))


def drive_matrices(
    graph: nx.MultiDiGraph,
    points: npt.ArrayLike,
    *,
    speeds_kmh: Mapping[str, float] | None = None,
) -> DriveMatrices:
    """Fastest-path driving matrices between ``points`` (``(n, 2)`` lon, lat).

    Parameters
    ----------
    graph
        A ``mode="drive"`` graph from :func:`geodata.load_network`.
    points
        Stops, depots and facilities in WGS-84.
    speeds_kmh
        Speed per OSM ``highway`` class; missing classes drive at 15 km/h.
    """
    lonlat = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    speeds = {**DEFAULT_SPEEDS_KMH, **(speeds_kmh or {})}
    nodes, seconds, metres, curves = _arrays(graph, speeds)
    node_xy = np.array([[graph.nodes[n]["x"], graph.nodes[n]["y"]] for n in nodes])
    xy = np.column_stack(lonlat_to_metres(lonlat[:, 0], lonlat[:, 1]))
    access_m, nearest = cKDTree(node_xy).query(xy)
    nearest = np.asarray(nearest, dtype=np.int64)
    time_tree, pred = dijkstra(seconds, indices=np.unique(nearest), return_predecessors=True)
    lengths = _path_lengths(pred, metres)  # metres: the _EdgeLengths of the fastest edges
    rows = np.searchsorted(np.unique(nearest), nearest)
    travel_s = time_tree[rows][:, nearest]
    travel_m = lengths[rows][:, nearest]
    access_s = access_m / (_ACCESS_KMH / 3.6)
    dist = travel_m + access_m[:, None] + access_m[None, :]
    dur = travel_s + access_s[:, None] + access_s[None, :]
    np.fill_diagonal(dist, 0.0)
    np.fill_diagonal(dur, 0.0)
    missing = ~np.isfinite(dur)
    distance_m = np.where(missing, UNREACHABLE, np.rint(np.where(missing, 0, dist))).astype(np.int64)
    duration_s = np.where(missing, UNREACHABLE, np.ceil(np.where(missing, 0, dur))).astype(np.int64)
    node_lonlat = np.array([[graph.nodes[n]["lon"], graph.nodes[n]["lat"]] for n in nodes])
    return DriveMatrices(
        distance_m=distance_m,
        duration_s=duration_s,
        node=nearest,
        access_m=np.asarray(access_m, dtype=np.float64),
        points=lonlat,
        _sources=np.unique(nearest),
        _pred=pred,
        _node_lonlat=node_lonlat,
        _edge_xy=curves,
    )


def _arrays(
    graph: nx.MultiDiGraph, speeds: Mapping[str, float]
) -> tuple[list[int], sp.csr_array, _EdgeLengths, dict[tuple[int, int], npt.NDArray[np.float64]]]:
    """Seconds of the fastest parallel edge as a CSR matrix, that edge's metres and its curve."""
    nodes = list(graph.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    best: dict[tuple[int, int], tuple[float, float]] = {}
    curves: dict[tuple[int, int], npt.NDArray[np.float64]] = {}
    for u, v, data in graph.edges(data=True):
        length = float(data.get("length", 0.0))
        kmh = speeds.get(primary_highway(data.get("highway")) or "", _FALLBACK_KMH)
        key = (index[u], index[v])
        candidate = (length / (kmh / 3.6), length)
        if key not in best or candidate < best[key]:
            best[key] = candidate
            line = data.get("geometry")
            if line is not None:
                curves[key] = np.asarray(line.coords, dtype=np.float64)
            else:
                curves.pop(key, None)
    keys = np.array(list(best), dtype=np.int64).reshape(-1, 2)
    values = np.array(list(best.values()), dtype=np.float64).reshape(-1, 2)
    # A zero-length edge would vanish from a sparse matrix; keep it as a tiny positive weight.
    secs = sp.csr_array(
        (np.maximum(values[:, 0], 1e-6), (keys[:, 0], keys[:, 1])), shape=(len(nodes), len(nodes))
    )
    return nodes, secs, _EdgeLengths(keys[:, 0] * len(nodes) + keys[:, 1], values[:, 1], len(nodes)), curves


@dataclass(frozen=True, eq=False)
class _EdgeLengths:
    """Metres of edge ``(u, v)`` looked up by the sorted key ``u * n + v``."""

    keys: npt.NDArray[np.int64]
    metres: npt.NDArray[np.float64]
    n: int

    def __post_init__(self) -> None:
        order = np.argsort(self.keys)
        object.__setattr__(self, "keys", self.keys[order])
        object.__setattr__(self, "metres", self.metres[order])

    def lookup(self, u: npt.NDArray[np.int64], v: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        at = np.searchsorted(self.keys, u * self.n + v)
        return self.metres[np.minimum(at, len(self.keys) - 1)]


def _path_lengths(pred: npt.NDArray[np.int32], edges: _EdgeLengths) -> npt.NDArray[np.float64]:
    """Metres along each shortest-path tree from its root to every reached node.

    Pointer doubling: ``up`` jumps 2**k tree edges at once and ``acc`` holds the metres
    that jump covers; after ~log2(depth) rounds every node points at its root. Nodes the
    tree does not reach keep 0 here; callers mask them with the time matrix.
    """
    n_src, n = pred.shape
    cols = np.broadcast_to(np.arange(n), (n_src, n))
    root = pred < 0
    up = np.where(root, cols, pred).astype(np.int64)
    acc = np.where(root, 0.0, edges.lookup(up, cols))
    rows = np.arange(n_src)[:, None]
    while True:
        nxt = up[rows, up]
        if np.array_equal(nxt, up):
            return acc
        acc = acc + acc[rows, up]
        up = nxt
