"""Snapping points to street edges and network distances between point sets."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from geodata import (
    CoordinateError,
    DistanceMatrix,
    build_matrix,
    sample_street_points,
    snap_points,
)
from tests.geodata.toy import grid, lonlat, street_graph

LINE = {1: (0.0, 0.0), 2: (100.0, 0.0), 3: (300.0, 0.0)}


def test_point_mid_edge_reaches_both_ends() -> None:
    """A point 30 m along a 100 m edge is 30 m from one end and 70 m from the other."""
    graph = street_graph(LINE, [(1, 2), (2, 3)])
    matrix = build_matrix(graph, lonlat([(30, 0)]), lonlat([(0, 0), (100, 0), (300, 0)]))
    assert matrix.metres[0] == pytest.approx([30, 70, 270], abs=0.05)


def test_snap_keeps_offset_and_perpendicular_distance() -> None:
    """A point 20 m off the street at 40 m along it snaps with offset 40 and distance 20."""
    graph = street_graph(LINE, [(1, 2)])
    snapped = snap_points(graph, lonlat([(40, 20)]))
    assert snapped.offset_m[0] == pytest.approx(40, abs=0.05)
    assert snapped.perpendicular_m[0] == pytest.approx(20, abs=0.05)
    assert {int(snapped.u[0]), int(snapped.v[0])} == {1, 2}


def test_access_distance_can_be_left_out() -> None:
    """The walk to the street is added at both ends unless include_access=False."""
    graph = street_graph(LINE, [(1, 2), (2, 3)])
    a, b = lonlat([(40, 20)]), lonlat([(200, -10)])
    assert build_matrix(graph, a, b).metres[0, 0] == pytest.approx(160 + 30, abs=0.1)
    assert build_matrix(graph, a, b, include_access=False).metres[0, 0] == pytest.approx(160, abs=0.1)


def test_points_on_the_same_edge_go_straight() -> None:
    """Two points on one edge are as far apart as their offsets differ."""
    graph = street_graph(LINE, [(1, 2)])
    matrix = build_matrix(graph, lonlat([(20, 0)]), lonlat([(65, 0)]))
    assert matrix.metres[0, 0] == pytest.approx(45, abs=0.05)


def test_one_way_street_is_driven_round() -> None:
    """Against a one-way edge the trip detours; with it, it goes straight."""
    nodes = {1: (0.0, 0.0), 2: (100.0, 0.0), 3: (100.0, 100.0), 4: (0.0, 100.0)}
    graph = street_graph(nodes, [(2, 3), (3, 4), (4, 1)], one_way=[(1, 2)])
    a, b = lonlat([(20, 0)]), lonlat([(80, 0)])
    assert build_matrix(graph, a, b).metres[0, 0] == pytest.approx(60, abs=0.05)
    assert build_matrix(graph, b, a).metres[0, 0] == pytest.approx(20 + 300 + 20, abs=0.1)


def _brute(graph: nx.MultiDiGraph, matrix: DistanceMatrix, i: int, j: int) -> float:
    """Shortest trip i -> j by trying both ends of both points' edges with networkx."""
    a, b = matrix.origins, matrix.destinations
    ends_a = [(a.u[i], a.offset_m[i]), (a.v[i], a.edge_length_m[i] - a.offset_m[i])]
    ends_b = [(b.u[j], b.offset_m[j]), (b.v[j], b.edge_length_m[j] - b.offset_m[j])]
    simple = nx.Graph(graph)
    best = min(
        x + nx.shortest_path_length(simple, int(u), int(v), weight="length") + y
        for u, x in ends_a
        for v, y in ends_b
    )
    if a.edge[i] == b.edge[j]:
        best = min(best, abs(a.offset_m[i] - b.offset_m[j]))
    return float(best + a.perpendicular_m[i] + b.perpendicular_m[j])


def test_matches_networkx_on_a_grid() -> None:
    """Distances between points near a grid equal brute force over the edge ends."""
    graph = grid(5)
    rng = np.random.default_rng(0)
    along = rng.uniform(0, 400, 10)
    across = rng.integers(0, 5, 10) * 100 + rng.uniform(-15, 15, 10)
    xy = np.where(rng.random(10)[:, None] < 0.5, np.c_[along, across], np.c_[across, along])
    matrix = build_matrix(graph, lonlat(xy[:6]), lonlat(xy[6:]))
    for i in range(6):
        for j in range(4):
            assert matrix.metres[i, j] == pytest.approx(_brute(graph, matrix, i, j), abs=1e-6)


def test_unreachable_pairs_are_reported() -> None:
    """Points on two separate street pieces get inf and are listed as unreachable."""
    nodes = {1: (0.0, 0.0), 2: (100.0, 0.0), 3: (0.0, 500.0), 4: (100.0, 500.0)}
    graph = street_graph(nodes, [(1, 2), (3, 4)])
    matrix = build_matrix(graph, lonlat([(50, 0), (50, 500)]), lonlat([(20, 0)]))
    assert np.isinf(matrix.metres[1, 0]) and np.isfinite(matrix.metres[0, 0])
    assert matrix.unreachable.tolist() == [[1, 0]]


def test_unreachable_pairs_are_reported_with_a_limit() -> None:
    """A search limit does not hide a pair that has no path at all."""
    nodes = {1: (0.0, 0.0), 2: (100.0, 0.0), 3: (0.0, 500.0), 4: (100.0, 500.0)}
    graph = street_graph(nodes, [(1, 2), (3, 4)])
    matrix = build_matrix(graph, lonlat([(50, 0), (50, 500)]), lonlat([(20, 0)]), limit_m=10)
    assert matrix.metres.nnz == 0
    assert matrix.unreachable.tolist() == [[1, 0]]


def test_points_far_from_streets_are_reported_not_dropped() -> None:
    """A point beyond max_snap_m keeps its row, all inf, and is listed as unsnapped."""
    graph = street_graph(LINE, [(1, 2)])
    matrix = build_matrix(graph, lonlat([(50, 0), (50, 900)]), lonlat([(10, 0)]), max_snap_m=250)
    assert matrix.shape == (2, 1)
    assert matrix.origins.unsnapped == (1,)
    assert np.isinf(matrix.metres[1, 0])
    assert matrix.origins.perpendicular_m[1] == np.inf


def test_limit_keeps_exactly_the_pairs_within_it() -> None:
    """With limit_m the sparse matrix holds the dense matrix's pairs within the limit."""
    graph = grid(6)
    rng = np.random.default_rng(1)
    xy = np.column_stack([rng.uniform(0, 500, 30), np.round(rng.uniform(0, 500, 30), -2)])
    dense = build_matrix(graph, lonlat(xy), lonlat(xy[:8])).metres
    sparse = build_matrix(graph, lonlat(xy), lonlat(xy[:8]), limit_m=250)
    assert isinstance(sparse.metres, sp.csr_array)
    expected = np.where(dense <= 250, dense, np.inf)
    np.testing.assert_allclose(sparse.dense(), expected, atol=1e-9)
    assert sparse.metres.nnz == int((dense <= 250).sum())  # zero distances stored too


def test_bad_coordinates_raise() -> None:
    """NaN or out-of-range coordinates raise CoordinateError."""
    graph = street_graph(LINE, [(1, 2)])
    with pytest.raises(CoordinateError):
        snap_points(graph, [[float("nan"), 22.5]])


def test_real_network_walk_distances_are_symmetric(walk: nx.MultiDiGraph) -> None:
    """On the walk graph A->B equals B->A, whichever side the search starts from."""
    points = sample_street_points(walk, 60, seed=5, min_spacing_m=50)
    ll = np.array([(p.lon, p.lat) for p in points])
    forward = build_matrix(walk, ll[:50], ll[50:]).metres
    backward = build_matrix(walk, ll[50:], ll[:50]).metres
    np.testing.assert_allclose(forward, backward.T, rtol=1e-9)
    assert np.isfinite(forward).all()
