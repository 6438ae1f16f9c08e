"""Snap WGS-84 points to the nearest street edge of a graph.

Private module; :mod:`geodata.matrix` re-exports :func:`snap_points` and
:class:`SnappedPoints`.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import numpy.typing as npt
import shapely

from geodata._edges import lonlat_to_metres
from geodata._streets import street_index
from geodata.network import CoordinateError


@dataclass(frozen=True, eq=False)
class SnappedPoints:
    """Where each input point meets the street network.

    Arrays have one entry per input point. For a point that could not be snapped (farther
    than ``max_snap_m`` from every street) ``edge``, ``u`` and ``v`` are ``-1``, ``offset_m``
    is NaN and ``perpendicular_m`` is ``inf``.

    Attributes
    ----------
    edge
        Index of the street segment in the graph's street index (private numbering).
    u, v
        Graph node ids of the segment's ends; its line runs from ``u`` to ``v``.
    offset_m
        Distance along the segment from ``u`` to the foot of the perpendicular, in the
        units of the edges' ``length`` (metres).
    edge_length_m
        Length of the segment (NaN if not snapped).
    perpendicular_m
        Straight-line distance from the point to the street.
    max_snap_m
        The snapping radius used.
    """

    edge: npt.NDArray[np.int64]
    u: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    offset_m: npt.NDArray[np.float64]
    edge_length_m: npt.NDArray[np.float64]
    perpendicular_m: npt.NDArray[np.float64]
    max_snap_m: float

    def __len__(self) -> int:
        return len(self.edge)

    @property
    def snapped(self) -> npt.NDArray[np.bool_]:
        """Mask of the points that were snapped."""
        return self.edge >= 0

    @property
    def unsnapped(self) -> tuple[int, ...]:
        """Positions of the points too far from any street."""
        return tuple(int(i) for i in np.flatnonzero(self.edge < 0))


def as_lonlat(points: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Check and return points as an ``(n, 2)`` float array of WGS-84 lon/lat."""
    arr = np.asarray(points, dtype=np.float64)
    if arr.size == 0:
        return np.zeros((0, 2))
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"points must be an (n, 2) array of lon, lat; got shape {arr.shape}")
    bad = ~(np.isfinite(arr).all(axis=1) & (np.abs(arr[:, 0]) <= 180) & (np.abs(arr[:, 1]) <= 90))
    if bad.any():
        first = [int(i) for i in np.flatnonzero(bad)[:5]]
        raise CoordinateError(f"{int(bad.sum())} points are not WGS-84 lon/lat, e.g. rows {first}")
    return arr


def snap_points(graph: nx.MultiDiGraph, lonlat: npt.ArrayLike, *, max_snap_m: float = 250.0) -> SnappedPoints:
    """Project each point onto its nearest street edge.

    Parameters
    ----------
    graph
        A projected graph from :func:`geodata.network.load_network`.
    lonlat
        ``(n, 2)`` array of longitude, latitude.
    max_snap_m
        Points farther than this from every street stay unsnapped.

    Returns
    -------
    SnappedPoints

    Raises
    ------
    CoordinateError
        If a coordinate is not finite or out of the lon/lat range.
    """
    if not max_snap_m >= 0:
        raise ValueError(f"max_snap_m must be >= 0, not {max_snap_m!r}")
    arr = as_lonlat(lonlat)
    index = street_index(graph)
    n = len(arr)
    edge = np.full(n, -1, dtype=np.int64)
    perpendicular = np.full(n, np.inf)
    offset = np.full(n, np.nan)
    x, y = lonlat_to_metres(arr[:, 0], arr[:, 1])
    points = shapely.points(x, y)
    if n:
        # all_matches=False: a point equidistant from two streets takes one of them.
        (hit, which), dist = index.tree.query_nearest(
            points, max_distance=max_snap_m, return_distance=True, all_matches=False
        )
        edge[hit] = which
        perpendicular[hit] = dist
        along = shapely.line_locate_point(index.lines[which], points[hit])
        # The line is in projected metres, `length` in ground metres (they differ by the
        # UTM scale, < 0.1 %): carry the fraction across so offsets add up to `length`.
        fraction = np.divide(
            along,
            index.line_length[which],
            out=np.zeros(len(hit)),
            where=index.line_length[which] > 0,
        )
        offset[hit] = np.clip(fraction, 0.0, 1.0) * index.length[which]
    ok = edge >= 0
    return SnappedPoints(
        edge=edge,
        u=np.where(ok, index.node_ids[index.u[edge]], -1),
        v=np.where(ok, index.node_ids[index.v[edge]], -1),
        offset_m=offset,
        edge_length_m=np.where(ok, index.length[edge], np.nan),
        perpendicular_m=perpendicular,
        max_snap_m=float(max_snap_m),
    )
