"""Per-graph street index for snapping and shortest paths, built once and memoised.

Private module. It holds, for a graph from :func:`geodata.network.load_network` (or any
projected ``MultiDiGraph`` whose nodes carry ``x``/``y`` in metres and whose edges carry
``length``): the physical street segments with the directions they may be travelled in, an
STRtree over their lines, and the CSR adjacency matrix that scipy's csgraph searches.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import networkx as nx
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

from geodata._edges import Edge, osmid_key, undirected_edges

# Opposite directions of one street differ in `length` only by rounding.
_SAME_LENGTH_M = 0.5


@dataclass(frozen=True, eq=False)
class StreetIndex:
    """Street segments, node numbering and adjacency of one graph (read-only arrays).

    ``u``/``v`` are positions in ``node_ids`` of each segment's ends, the segment's line runs
    from ``u`` to ``v``; ``forward`` says the graph holds ``u -> v``, ``backward`` ``v -> u``.
    """

    node_ids: npt.NDArray[np.int64]
    u: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    length: npt.NDArray[np.float64]
    line_length: npt.NDArray[np.float64]
    forward: npt.NDArray[np.bool_]
    backward: npt.NDArray[np.bool_]
    lines: npt.NDArray[np.object_]
    tree: shapely.STRtree
    adjacency: sp.csr_array
    component: npt.NDArray[np.int64]
    n_components: int

    @property
    def n_nodes(self) -> int:
        """Number of graph nodes (rows of ``adjacency``)."""
        return len(self.node_ids)


_MEMO: weakref.WeakKeyDictionary[nx.MultiDiGraph, StreetIndex] = weakref.WeakKeyDictionary()


def street_index(graph: nx.MultiDiGraph) -> StreetIndex:
    """Return the memoised :class:`StreetIndex` of ``graph`` (graphs must not change)."""
    memo = _MEMO.get(graph)
    if memo is None:
        memo = _build(graph)
        _MEMO[graph] = memo
    return memo


def _build(graph: nx.MultiDiGraph) -> StreetIndex:
    node_ids = np.fromiter((int(n) for n in graph.nodes), dtype=np.int64, count=len(graph))
    position = {int(n): i for i, n in enumerate(node_ids)}
    edges = undirected_edges(graph)
    lines = np.asarray([e.line for e in edges], dtype=object)
    adjacency = _adjacency(graph, position)
    # Strong components: a walk graph is symmetric, so they equal its connected pieces.
    n_components, component = connected_components(adjacency, directed=True, connection="strong")
    index = StreetIndex(
        node_ids=node_ids,
        u=np.array([position[e.u] for e in edges], dtype=np.int64),
        v=np.array([position[e.v] for e in edges], dtype=np.int64),
        length=np.array([_length(graph, e) for e in edges], dtype=np.float64),
        line_length=np.asarray(shapely.length(lines), dtype=np.float64),
        forward=np.ones(len(edges), dtype=bool),
        backward=np.array([_has_reverse(graph, e) for e in edges], dtype=bool),
        lines=lines,
        tree=shapely.STRtree(lines),
        adjacency=adjacency,
        component=np.asarray(component, dtype=np.int64),
        n_components=int(n_components),
    )
    for array in (index.node_ids, index.u, index.v, index.length, index.forward, index.backward):
        array.flags.writeable = False
    return index


def _length(graph: nx.MultiDiGraph, edge: Edge) -> float:
    return float(graph.edges[edge.u, edge.v, edge.key]["length"])


def _has_reverse(graph: nx.MultiDiGraph, edge: Edge) -> bool:
    """Whether the street can also be travelled from ``v`` to ``u``."""
    length = _length(graph, edge)
    # Simplification lists a merged edge's OSM ways in travel order, so compare them as sets.
    ways = osmid_key(graph.edges[edge.u, edge.v, edge.key].get("osmid", -1))
    back = graph.get_edge_data(edge.v, edge.u) or {}
    matches = sum(
        abs(float(data["length"]) - length) <= _SAME_LENGTH_M and osmid_key(data.get("osmid", -1)) == ways
        for data in back.values()
    )
    # A loop (u == v) finds itself among the "reverse" edges: it is two-way only if a twin
    # runs round the other way.
    return matches >= (2 if edge.u == edge.v else 1)


def _adjacency(graph: nx.MultiDiGraph, position: dict[int, int]) -> sp.csr_array:
    """CSR matrix of the shortest edge from each node to each neighbour, in metres."""
    rows, cols, lengths = [], [], []
    for u, v, length in graph.edges(data="length"):
        rows.append(position[int(u)])
        cols.append(position[int(v)])
        lengths.append(float(length))
    return csr_min(
        np.asarray(rows, dtype=np.int64),
        np.asarray(cols, dtype=np.int64),
        np.asarray(lengths, dtype=np.float64),
        shape=(len(position), len(position)),
    )


def csr_min(
    rows: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    *,
    shape: tuple[int, int],
) -> sp.csr_array:
    """Build a CSR matrix keeping the smallest weight of repeated entries.

    scipy sums duplicates when it builds CSR, which would add up parallel streets; and it
    must keep explicit zeros (csgraph reads a stored zero as a zero-length edge).
    """
    order = np.lexsort((weights, cols, rows))
    rows, cols, weights = rows[order], cols[order], weights[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    rows, cols, weights = rows[first], cols[first], weights[first]
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.add.at(indptr, rows + 1, 1)
    return sp.csr_array((weights, cols, np.cumsum(indptr)), shape=shape)
