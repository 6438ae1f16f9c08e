"""Street edges as shapely lines in metres, shared by the GeoJSON, service-area and sampling code.

Private module: the graphs it reads come from :func:`geodata.network.load_network`
(projected to UTM 50N, nodes carrying ``lon``/``lat``).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

UTM_CRS = "EPSG:32650"
WGS84_CRS = "EPSG:4326"

# Most important first: an edge merged from several OSM ways carries a list of classes and
# the base map styles by one of them.
HIGHWAY_RANK: tuple[str, ...] = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "motorway_link",
    "trunk_link",
    "primary_link",
    "secondary_link",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "busway",
    "service",
    "road",
)


@dataclass(frozen=True, slots=True)
class Edge:
    """One undirected street segment: endpoints, OSM tags and its line in metres."""

    u: int
    v: int
    key: int
    name: str | None
    highway: str | None
    line: LineString


@cache
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def lonlat_to_metres(
    lon: npt.ArrayLike, lat: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Project WGS-84 lon/lat to UTM 50N x/y in metres."""
    x, y = _transformer(WGS84_CRS, UTM_CRS).transform(lon, lat)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def metres_to_lonlat(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Unproject an (N, 2) array of UTM 50N metres to (N, 2) WGS-84 lon/lat."""
    lon, lat = _transformer(UTM_CRS, WGS84_CRS).transform(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def tag_text(value: Any) -> str | None:
    """Render an OSM tag that osmnx may have merged into a list as one string."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, list | tuple | set):
        parts = sorted({str(v) for v in value if v is not None})
        return " / ".join(parts) if parts else None
    return str(value)


def primary_highway(value: Any) -> str | None:
    """Pick the most important highway class of an edge (a list after simplification)."""
    if value is None:
        return None
    if not isinstance(value, list | tuple | set):
        return str(value)
    classes = [str(v) for v in value]
    ranked = [c for c in HIGHWAY_RANK if c in classes]
    return ranked[0] if ranked else min(classes)


def osmid_key(value: Any) -> tuple[int, ...]:
    if isinstance(value, list | tuple | set):
        return tuple(sorted(int(v) for v in value))
    return (int(value),)


_EDGE_MEMO: weakref.WeakKeyDictionary[nx.MultiDiGraph, list[Edge]] = weakref.WeakKeyDictionary()


def undirected_edges(graph: nx.MultiDiGraph) -> list[Edge]:
    """List each street segment once, whichever directions the graph holds it in.

    A two-way street appears as ``(u, v)`` and ``(v, u)`` with the same OSM ways and length;
    those collapse to one :class:`Edge`. The result is sorted by ``(u, v, key)`` so that
    anything drawn from it at random is reproducible, and memoised per graph object.
    """
    memo = _EDGE_MEMO.get(graph)
    if memo is not None:
        return memo
    seen: set[tuple[int, int, tuple[int, ...], float]] = set()
    edges: list[Edge] = []
    for u, v, key, data in sorted(graph.edges(keys=True, data=True), key=lambda e: e[:3]):
        lo, hi = (u, v) if u <= v else (v, u)
        ident = (lo, hi, osmid_key(data.get("osmid", -1)), round(float(data["length"]), 1))
        if ident in seen:
            continue
        seen.add(ident)
        line = data.get("geometry")
        if line is None:
            a, b = graph.nodes[u], graph.nodes[v]
            line = LineString([(a["x"], a["y"]), (b["x"], b["y"])])
        edges.append(
            Edge(
                u=int(u),
                v=int(v),
                key=int(key),
                name=tag_text(data.get("name")),
                highway=primary_highway(data.get("highway")),
                line=line,
            )
        )
    _EDGE_MEMO[graph] = edges
    return edges


def geoms_to_lonlat(geoms: Sequence[BaseGeometry]) -> npt.NDArray[np.object_]:
    """Unproject many geometries in metres to WGS-84 in one vectorised call."""
    arr = np.asarray(geoms, dtype=object)
    return np.asarray(shapely.transform(arr, metres_to_lonlat), dtype=object)
