"""Road distance of a GPS track: each fix matched to its nearest street, consecutive fixes
joined by the shortest street path between their matched points.

A simple map matching (nearest edge, shortest path), enough for a day's kilometres: a
truck's fixes come every few seconds to a minute, so the street path between two
neighbours is almost always the one driven. Paths are searched on the streets taken
both ways: GPS noise can put a fix on the far carriageway of a divided road, where a
one-way search would add a U-turn loop that was never driven.

A leg is counted as a straight line when one of its fixes lies farther than
``max_snap_m`` from every street (a car park, a depot yard, a bad fix) or when no street
path shorter than ``max_detour`` times the straight line (plus ``detour_slack_m``) joins
them; :class:`TrackLength` says how many and how long.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from geodata._edges import lonlat_to_metres
from geodata._snap import SnappedPoints, as_lonlat, snap_points
from geodata._streets import StreetIndex, csr_min, street_index

__all__ = ["TRACK_SNAP_M", "TrackLength", "track_length"]

#: A fix farther than this from every street is taken as off the road network.
TRACK_SNAP_M = 50.0
# Sources per Dijkstra call: bounds memory (rows x nodes floats) while amortising the call.
_CHUNK = 128


@dataclass(frozen=True)
class TrackLength:
    """How long a track is: along the streets, plus the legs that had to be counted straight.

    ``off_road`` fixes lay farther than ``max_snap_m`` from any street; ``straight_legs``
    legs (``straight_m`` metres) were counted as straight lines, for that reason or for
    want of a street path between their ends.
    """

    road_m: float
    straight_m: float
    straight_legs: int
    off_road: int
    fixes: int
    max_snap_m: float

    @property
    def total_m(self) -> float:
        """The track's length: road legs and straight legs together."""
        return self.road_m + self.straight_m


def track_length(
    graph: nx.MultiDiGraph,
    lonlat: npt.ArrayLike,
    *,
    max_snap_m: float = TRACK_SNAP_M,
    max_detour: float = 3.0,
    detour_slack_m: float = 1000.0,
) -> TrackLength:
    """The road distance along ``lonlat`` (``(n, 2)`` fixes in time order, WGS-84).

    Parameters
    ----------
    graph
        A projected graph from :func:`geodata.load_network` (``mode="drive"``).
    lonlat
        The track's fixes, oldest first.
    max_snap_m
        Fixes farther than this from every street are off the network.
    max_detour, detour_slack_m
        A street path longer than ``max_detour`` times the straight leg plus
        ``detour_slack_m`` is not believed; the leg is counted straight.
    """
    points = as_lonlat(lonlat)
    n = len(points)
    if n == 0:
        return TrackLength(0.0, 0.0, 0, 0, 0, float(max_snap_m))
    x, y = lonlat_to_metres(points[:, 0], points[:, 1])
    straight = np.hypot(np.diff(x), np.diff(y))
    snapped = snap_points(graph, points, max_snap_m=max_snap_m)
    index = street_index(graph)
    edge = snapped.edge
    ok = edge >= 0
    a, b = edge[:-1], edge[1:]
    road = np.full(n - 1, np.nan)
    both = ok[:-1] & ok[1:]
    same = both & (a == b)
    road[same] = np.abs(snapped.offset_m[1:][same] - snapped.offset_m[:-1][same])
    paths = np.flatnonzero(both & ~same)
    if len(paths):
        road[paths] = _path_legs(index, snapped, paths, straight[paths] * max_detour + detour_slack_m)
    counted = ~np.isnan(road)
    return TrackLength(
        road_m=float(road[counted].sum()),
        straight_m=float(straight[~counted].sum()),
        straight_legs=int((~counted).sum()),
        off_road=int((~ok).sum()),
        fixes=n,
        max_snap_m=float(max_snap_m),
    )


def _path_legs(
    index: StreetIndex, snapped: SnappedPoints, legs: npt.NDArray[np.int64], limit: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Metres of legs ``legs`` (fix i to i + 1) along the streets; NaN beyond ``limit``."""
    edge, offset = snapped.edge, snapped.offset_m
    ea, eb = edge[legs], edge[legs + 1]
    oa, ob = offset[legs], offset[legs + 1]
    # From fix a to each end of its street segment, and from each end of b's to b.
    starts = np.stack([index.u[ea], index.v[ea]], axis=1)
    to_start = np.stack([oa, index.length[ea] - oa], axis=1)
    ends = np.stack([index.u[eb], index.v[eb]], axis=1)
    from_end = np.stack([ob, index.length[eb] - ob], axis=1)
    both_ways = _undirected(index.adjacency)
    result = np.full(len(legs), np.nan)
    for lo in range(0, len(legs), _CHUNK // 2):
        chunk = slice(lo, lo + _CHUNK // 2)
        sources, rows = np.unique(starts[chunk], return_inverse=True)
        rows = rows.reshape(-1, 2)
        reach = dijkstra(both_ways, indices=sources, limit=float(limit[chunk].max()))
        best = np.full(rows.shape[0], np.inf)
        for i in range(2):
            for j in range(2):
                through = reach[rows[:, i], ends[chunk][:, j]]
                best = np.minimum(best, to_start[chunk][:, i] + through + from_end[chunk][:, j])
        result[chunk] = np.where(best <= limit[chunk], best, np.nan)
    return result


def _undirected(adjacency: sp.csr_array) -> sp.csr_array:
    """Each street walkable both ways, at its shorter length when the two differ."""
    coo = adjacency.tocoo()
    rows = np.concatenate([coo.row, coo.col]).astype(np.int64)
    cols = np.concatenate([coo.col, coo.row]).astype(np.int64)
    weights = np.concatenate([coo.data, coo.data]).astype(np.float64)
    return csr_min(rows, cols, weights, shape=adjacency.shape)
