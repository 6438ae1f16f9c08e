"""Hand-made street graphs in UTM 50N metres (near Futian), for exact distance checks."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
import numpy as np
import numpy.typing as npt

from geodata._edges import metres_to_lonlat

# A point in Futian (UTM 50N metres): keeps toy points inside the district polygons.
ORIGIN = (190_500.0, 2_494_500.0)


def lonlat(xy: Iterable[tuple[float, float]]) -> npt.NDArray[np.float64]:
    """Lon/lat of points given in metres relative to :data:`ORIGIN`."""
    arr = np.array([(ORIGIN[0] + x, ORIGIN[1] + y) for x, y in xy], dtype=np.float64)
    return metres_to_lonlat(arr.reshape(-1, 2))


def street_graph(
    nodes: dict[int, tuple[float, float]],
    edges: Iterable[tuple[int, int]],
    *,
    one_way: Iterable[tuple[int, int]] = (),
) -> nx.MultiDiGraph:
    """A projected street graph: straight edges both ways, except ``one_way`` (u -> v only).

    Node positions are metres relative to :data:`ORIGIN`; edges carry their true length
    and an ``osmid`` shared by both directions, as osmnx graphs do.
    """
    graph = nx.MultiDiGraph(crs="EPSG:32650")
    ll = lonlat(nodes.values())
    for (node, (x, y)), (lon, lat) in zip(nodes.items(), ll, strict=True):
        graph.add_node(node, x=ORIGIN[0] + x, y=ORIGIN[1] + y, lon=float(lon), lat=float(lat))
    single = set(one_way)
    for osmid, (u, v) in enumerate([*edges, *single]):
        (ux, uy), (vx, vy) = nodes[u], nodes[v]
        length = float(np.hypot(vx - ux, vy - uy))
        graph.add_edge(u, v, length=length, osmid=osmid, highway="residential")
        if (u, v) not in single:
            graph.add_edge(v, u, length=length, osmid=osmid, highway="residential")
    return graph


def grid(n: int, spacing: float = 100.0) -> nx.MultiDiGraph:
    """An ``n`` x ``n`` grid of two-way streets ``spacing`` metres apart (node = row*n+col)."""
    nodes = {r * n + c: (c * spacing, r * spacing) for r in range(n) for c in range(n)}
    edges = [(r * n + c, r * n + c + 1) for r in range(n) for c in range(n - 1)]
    edges += [(r * n + c, (r + 1) * n + c) for r in range(n - 1) for c in range(n)]
    return street_graph(nodes, edges)
